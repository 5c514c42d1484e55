package callback

import (
	"context"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

func mergingService(f *twiliofake.Twilio) *Service {
	s := newService(f)
	s.cfg.MergeOpen = true
	return s
}

func setStatus(f *twiliofake.Twilio, sid, status string) {
	t := f.Task(sid)
	t.Status = status
	f.Put(t)
}

// A caller's second request joins the open task through one fetch and a guarded update (a
// concurrent writer is retried), never a listing; its redelivery is not appended again; after
// the task closes, the next request makes a new task; MergeOnly never creates.
func TestAskMergesIntoOpenTask(t *testing.T) {
	ctx := context.Background()
	f := twiliofake.New(nil)
	s := mergingService(f)
	req := func(key string) flexcallback.Request {
		return flexcallback.Request{NumberToCall: "+14155552671", Key: key, Source: flexcallback.SourceStudio}
	}
	if a, err := s.Ask(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "k0", MergeOnly: true}); err != nil || a.Sid != "" {
		t.Fatalf("merge-only without an open task: %+v %v", a, err)
	}
	first, err := s.Ask(ctx, req("k1"))
	if err != nil || first.Merged {
		t.Fatalf("first: %+v %v", first, err)
	}
	f.Inject(twiliofake.Fault{Op: "update", Race: true, Count: 1})
	for range 2 { // the request, then its redelivery
		a, err := s.Ask(ctx, req("k2"))
		if err != nil || a.Sid != first.Sid || !a.Merged {
			t.Fatalf("second: %+v %v", a, err)
		}
	}
	if a, _ := s.Ask(ctx, req("k1")); a.Sid != first.Sid || a.Merged {
		t.Errorf("first redelivered: %+v", a)
	}
	d := flexcallback.ReadCallbackData(f.Task(first.Sid).Attributes)
	if lists, creates := f.Count("list "), f.Count("create "); len(d.Requests) != 1 || d.RequestCount != 2 || lists != 0 || creates != 1 {
		t.Errorf("%d requests, count %d, %d lists, %d creates", len(d.Requests), d.RequestCount, lists, creates)
	}
	setStatus(f, first.Sid, flexcallback.StatusWrapping)
	if a, err := s.Ask(ctx, req("k3")); err != nil || a.Sid == first.Sid || a.Merged {
		t.Errorf("after wrap-up: %+v %v", a, err)
	}
}

// Requests for one number at once make one task holding the others.
func TestAskConcurrentOneTask(t *testing.T) {
	f := twiliofake.New(nil)
	f.Inject(twiliofake.Fault{Op: "create", Delay: 20 * time.Millisecond})
	s := mergingService(f)
	const n = 10
	sids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a, err := s.Ask(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: string(rune('a' + i))})
			if err != nil {
				t.Error(err)
			}
			sids[i] = a.Sid
		})
	}
	wg.Wait()
	if creates := f.Count("create "); creates != 1 {
		t.Errorf("%d creates for %d requests at once: %v", creates, n, sids)
	}
}
