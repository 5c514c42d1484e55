package callback

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
)

// replica is a Service of its own (its own flights) on a store replicas share.
func replica(f *fakeTasks, store flexcallback.Store) *Service {
	return New(Config{DefaultWorkflowSid: "WW1", TimeZone: "UTC"}, f, store, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
}

// Identical requests on two replicas at once: one waits on the other's claim and answers its task.
func TestClaimOneCreatorAcrossReplicas(t *testing.T) {
	f := newFake()
	f.delay = 50 * time.Millisecond
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
	if f.creates != 1 {
		t.Fatalf("%d creates, want 1", f.creates)
	}
	for i, sid := range sids {
		if sid != sids[0] {
			t.Errorf("request %d got %s, request 0 %s", i, sid, sids[0])
		}
	}
	if v, _, _ := store.Get(context.Background(), storeKey("k")); v != sids[0] {
		t.Errorf("the key's record holds %q after the create, want its task %s", v, sids[0])
	}
}

// A replica that died mid-create left its claim, and Twilio had made the task: the next delivery
// waits for the claim's lease, then finds the task by its key instead of creating a second.
func TestClaimOfDeadReplicaExpiresAndLookupResolves(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	store := inmem.New(0)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "create:token:dead"}
	nt, err := flexcallback.BuildTask(r, "WW1", "UTC", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	orphan, _ := f.CreateTask(ctx, nt) // the dead replica's create
	lease := time.Now().Add(300 * time.Millisecond).UnixMilli()
	store.Put(ctx, storeKey(r.Key), fmt.Sprintf("claim:dead-1:%d", lease), time.Hour)

	start := time.Now()
	sid, replayed, err := replica(f, store).Create(ctx, r)
	if err != nil || sid != orphan.Sid || !replayed {
		t.Fatalf("Create = %s, %v, %v; want the dead replica's %s", sid, replayed, err, orphan.Sid)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("answered after %v, before the claim's lease ended", waited)
	}
	if f.creates != 1 || f.lists == 0 {
		t.Errorf("%d creates, %d lookups; want the 1 and a lookup", f.creates, f.lists)
	}
}

// A create Twilio refused made nothing: the unsure mark is taken back, so the next delivery
// creates without a lookup.
func TestRefusedCreateTakesMarkBack(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	store := inmem.New(0)
	s := replica(f, store)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k", WorkflowSid: "WWbad"}
	f.refuse = 1
	if _, _, err := s.Create(ctx, r); err == nil {
		t.Fatal("refused create succeeded")
	}
	if v, ok, _ := store.Get(ctx, storeKey("k")); ok {
		t.Errorf("key holds %q after a refused create", v)
	}
	if _, _, err := s.Create(ctx, r); err != nil || f.lists != 0 {
		t.Errorf("second delivery: %v, %d lookups", err, f.lists)
	}
}

// counting is a store that counts its operations (each one a round trip to Redis).
type counting struct {
	flexcallback.Store
	mu  sync.Mutex
	ops map[string]int
}

func (c *counting) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops[op]++
}

func (c *counting) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops = map[string]int{}
	return ops
}

func (c *counting) Get(ctx context.Context, key string) (string, bool, error) {
	c.count("Get")
	return c.Store.Get(ctx, key)
}

func (c *counting) Put(ctx context.Context, key, value string, ttl time.Duration) error {
	c.count("Put")
	return c.Store.Put(ctx, key, value, ttl)
}

func (c *counting) PutIfAbsent(ctx context.Context, key, value string, ttl time.Duration) (string, bool, error) {
	c.count("PutIfAbsent")
	return c.Store.PutIfAbsent(ctx, key, value, ttl)
}

func (c *counting) CompareAndSwap(ctx context.Context, key, old, value string, ttl time.Duration) (bool, error) {
	c.count("CompareAndSwap")
	return c.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

// A new request costs two store operations (claim, then the task's SID), a replay one.
func TestStoreRoundTripsPerRequest(t *testing.T) {
	ctx := context.Background()
	store := &counting{Store: inmem.New(0), ops: map[string]int{}}
	s := replica(newFake(), store)
	for _, r := range []flexcallback.Request{
		{NumberToCall: "+14155552671", Key: "create:token:t1"},
		{NumberToCall: "+14155552671", Key: "create:content:c1", KeyOpenOnly: true},
	} {
		if _, _, err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		if ops := store.take(); len(ops) != 2 || ops["PutIfAbsent"] != 1 || ops["Put"] != 1 {
			t.Errorf("%s: a new request made %v, want one PutIfAbsent and one Put", r.Key, ops)
		}
		if _, replayed, err := s.Create(ctx, r); err != nil || !replayed {
			t.Fatalf("replay: %v, %v", replayed, err)
		}
		if ops := store.take(); len(ops) != 1 || ops["PutIfAbsent"] != 1 {
			t.Errorf("%s: a replay made %v, want one PutIfAbsent", r.Key, ops)
		}
	}
	if _, err := s.Voicemail(ctx, flexcallback.Request{NumberToCall: "+14155552671", RecordingSid: "RE1"}); err != nil {
		t.Fatal(err)
	}
	if ops := store.take(); len(ops) != 2 || ops["PutIfAbsent"] != 1 || ops["Put"] != 1 {
		t.Errorf("a new voicemail made %v, want one PutIfAbsent and one Put", ops)
	}
}

// A dead replica's expired claim, and nothing made: replicas racing to take it over make one
// task, after one lookup, and all answer it.
func TestExpiredClaimTakenOverOnce(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.delay = 30 * time.Millisecond
	store := inmem.New(0)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "create:token:expired"}
	store.Put(ctx, storeKey(r.Key), fmt.Sprintf("claim:dead-1:%d", time.Now().Add(-time.Second).UnixMilli()), time.Hour)
	reps := []*Service{replica(f, store), replica(f, store), replica(f, store)}
	sids := make([]string, 9)
	var wg sync.WaitGroup
	for i := range sids {
		wg.Go(func() {
			sid, _, err := reps[i%3].Create(ctx, r)
			if err != nil {
				t.Error(err)
			}
			sids[i] = sid
		})
	}
	wg.Wait()
	if f.creates != 1 || f.lists != 2 || f.evaluates != 1 { // one lookup: the newest tasks, then the exact one
		t.Fatalf("%d creates, %d list calls (%d exact); want 1 create after one lookup", f.creates, f.lists, f.evaluates)
	}
	for i, sid := range sids {
		if sid != f.order[0] {
			t.Errorf("request %d got %s, want %s", i, sid, f.order[0])
		}
	}
}

// A request asked again after its task was handled replaces the key's task; when Twilio refuses
// the new create, the key names the handled task again, as before.
func TestRefusedReplacementGivesBackTheTask(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	store := inmem.New(0)
	s := replica(f, store)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "create:content:again", KeyOpenOnly: true}
	first, _, err := s.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	f.tasks[first].Status = flexcallback.StatusCompleted
	f.refuse = 1
	if _, _, err := s.Create(ctx, r); err == nil {
		t.Fatal("refused create succeeded")
	}
	if v, _, _ := store.Get(ctx, storeKey(r.Key)); v != first {
		t.Errorf("after the refused replacement the key holds %q, want the handled task %s", v, first)
	}
	second, replayed, err := s.Create(ctx, r)
	if err != nil || replayed || second == first || f.lists != 0 {
		t.Errorf("asked again: %s, replayed %v, %v, %d lookups; want a new task without a lookup", second, replayed, err, f.lists)
	}
}
