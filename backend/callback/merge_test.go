package callback

import (
	"context"
	"sync"
	"testing"
	"time"

	"flexcallback"
)

func mergingService(f *fakeTasks) *Service {
	s := newService(f)
	s.cfg.MergeOpen = true
	return s
}

func (f *fakeTasks) setStatus(sid, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tasks[sid].Status = status
}

// A caller's second request joins the open task through one fetch and a guarded update (a
// concurrent writer is retried), never a listing; its redelivery is not appended again; after
// the task closes, the next request makes a new task; MergeOnly never creates.
func TestAskMergesIntoOpenTask(t *testing.T) {
	ctx := context.Background()
	f := newFake()
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
	f.conflicts = 1
	for range 2 { // the request, then its redelivery
		a, err := s.Ask(ctx, req("k2"))
		if err != nil || a.Sid != first.Sid || !a.Merged {
			t.Fatalf("second: %+v %v", a, err)
		}
	}
	if a, _ := s.Ask(ctx, req("k1")); a.Sid != first.Sid || a.Merged {
		t.Errorf("first redelivered: %+v", a)
	}
	d := flexcallback.ReadCallbackData(f.tasks[first.Sid].Attributes)
	if len(d.Requests) != 1 || d.RequestCount != 2 || f.lists != 0 || f.creates != 1 {
		t.Errorf("%d requests, count %d, %d lists, %d creates", len(d.Requests), d.RequestCount, f.lists, f.creates)
	}
	f.setStatus(first.Sid, flexcallback.StatusWrapping)
	if a, err := s.Ask(ctx, req("k3")); err != nil || a.Sid == first.Sid || a.Merged {
		t.Errorf("after wrap-up: %+v %v", a, err)
	}
}

// Requests for one number at once make one task holding the others.
func TestAskConcurrentOneTask(t *testing.T) {
	f := newFake()
	f.delay = 20 * time.Millisecond
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
	if f.creates != 1 {
		t.Errorf("%d creates for %d requests at once: %v", f.creates, n, sids)
	}
}
