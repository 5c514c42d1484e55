package callback

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
	"flexcallback/backend/twiliofake"
)

// replica is a Service of its own (its own flights) on a store replicas share.
func replica(f *twiliofake.Twilio, store flexcallback.Store) *Service {
	return New(Config{DefaultWorkflowSid: "WW1", TimeZone: "UTC"}, f, store, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
}

// Identical requests on two replicas at once: one waits on the other's claim and answers its task.
func TestClaimOneCreatorAcrossReplicas(t *testing.T) {
	f := twiliofake.New(nil)
	f.Inject(twiliofake.Fault{Op: "create", Delay: 50 * time.Millisecond})
	store := inmem.New(0)
	reps := []*Service{replica(f, store), replica(f, store)}
	sids := make([]string, 10)
	var wg sync.WaitGroup
	for i := range sids {
		wg.Go(func() {
			sid, _, err := reps[i%2].Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k"})
			if err != nil {
				t.Error(err)
			}
			sids[i] = sid
		})
	}
	wg.Wait()
	if n := f.Count("create "); n != 1 {
		t.Fatalf("%d creates, want 1", n)
	}
	for i, sid := range sids {
		if sid != sids[0] {
			t.Errorf("request %d got %s, request 0 %s", i, sid, sids[0])
		}
	}
	if _, ok, _ := store.Get(context.Background(), claimKey("k")); ok {
		t.Error("the claim outlived the create")
	}
}

// A replica that died mid-create left its claim and the unsure mark, and Twilio had made the
// task: the next delivery waits for the claim's lease, then finds the task by its key instead of
// creating a second.
func TestClaimOfDeadReplicaExpiresAndLookupResolves(t *testing.T) {
	ctx := context.Background()
	f := twiliofake.New(nil)
	store := inmem.New(0)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "create:token:dead"}
	nt, err := flexcallback.BuildTask(r, "WW1", "UTC", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	orphan, _ := f.CreateTask(ctx, nt) // the dead replica's create
	store.Put(ctx, storeKey(r.Key), unsure, time.Hour)
	store.PutIfAbsent(ctx, claimKey(r.Key), "dead-1", 300*time.Millisecond)

	start := time.Now()
	sid, replayed, err := replica(f, store).Create(ctx, r)
	if err != nil || sid != orphan.Sid || !replayed {
		t.Fatalf("Create = %s, %v, %v; want the dead replica's %s", sid, replayed, err, orphan.Sid)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("answered after %v, before the claim's lease ended", waited)
	}
	if creates, lists := f.Count("create "), f.Count("list "); creates != 1 || lists == 0 {
		t.Errorf("%d creates, %d lookups; want the 1 and a lookup", creates, lists)
	}
}

// A create Twilio refused made nothing: the unsure mark is taken back, so the next delivery
// creates without a lookup.
func TestRefusedCreateTakesMarkBack(t *testing.T) {
	ctx := context.Background()
	f := twiliofake.New(nil)
	store := inmem.New(0)
	s := replica(f, store)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k", WorkflowSid: "WWbad"}
	f.Inject(twiliofake.Fault{Op: "create", Err: twiliofake.Err(flexcallback.ErrInvalid), Count: 1})
	if _, _, err := s.Create(ctx, r); err == nil {
		t.Fatal("refused create succeeded")
	}
	if v, ok, _ := store.Get(ctx, storeKey("k")); ok {
		t.Errorf("key holds %q after a refused create", v)
	}
	if _, _, err := s.Create(ctx, r); err != nil || f.Count("list ") != 0 {
		t.Errorf("second delivery: %v, %d lookups", err, f.Count("list "))
	}
}
