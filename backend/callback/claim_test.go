package callback

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
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
	if v, _, _ := store.Get(context.Background(), storeKey("k")); v != sids[0] {
		t.Errorf("the key's record holds %q after the create, want its task %s", v, sids[0])
	}
}

// A replica that died mid-create left its claim, and Twilio had made the task: the next delivery
// waits for the claim's lease, then finds the task by its key instead of creating a second.
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
	s := replica(twiliofake.New(nil), store)
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
	f := twiliofake.New(nil)
	f.Inject(twiliofake.Fault{Op: "create", Delay: 30 * time.Millisecond})
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
	creates, lists, exact := f.Count("create "), f.Count("list "), f.Count("list evaluate=")
	if creates != 1 || lists != 2 || exact != 1 { // one lookup: the newest tasks, then the exact one
		t.Fatalf("%d creates, %d list calls (%d exact); want 1 create after one lookup", creates, lists, exact)
	}
	for i, sid := range sids {
		if sid != f.TaskSids()[0] {
			t.Errorf("request %d got %s, want %s", i, sid, f.TaskSids()[0])
		}
	}
}

// A request asked again after its task was handled replaces the key's task; when Twilio refuses
// the new create, the key names the handled task again, as before.
func TestRefusedReplacementGivesBackTheTask(t *testing.T) {
	ctx := context.Background()
	f := twiliofake.New(nil)
	store := inmem.New(0)
	s := replica(f, store)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "create:content:again", KeyOpenOnly: true}
	first, _, err := s.Create(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	handled := f.Task(first)
	handled.Status = flexcallback.StatusCompleted
	f.Put(handled)
	f.Inject(twiliofake.Fault{Op: "create", Err: twiliofake.Err(flexcallback.ErrInvalid), Count: 1})
	if _, _, err := s.Create(ctx, r); err == nil {
		t.Fatal("refused create succeeded")
	}
	if v, _, _ := store.Get(ctx, storeKey(r.Key)); v != first {
		t.Errorf("after the refused replacement the key holds %q, want the handled task %s", v, first)
	}
	second, replayed, err := s.Create(ctx, r)
	if err != nil || replayed || second == first || f.Count("list ") != 0 {
		t.Errorf("asked again: %s, replayed %v, %v, %d lookups; want a new task without a lookup", second, replayed, err, f.Count("list "))
	}
}

// Ask's store operations: with merging off a new request costs what Create does (two); with it
// on, claiming the caller's number reads their task in the same operation, the request key's one
// record says whether it was seen or merged (one Get), Create costs its two, and the number then
// names the new task (one Put): five. A request merged into the open task costs five too: the
// claim, which finds the number naming the task and takes the record over (CompareAndSwap), the
// Get, the Put of its merged record, and the number's release back to the task.
func TestAskStoreRoundTrips(t *testing.T) {
	ctx := context.Background()
	for _, merge := range []bool{false, true} {
		store := &counting{Store: inmem.New(0), ops: map[string]int{}}
		s := replica(twiliofake.New(nil), store)
		s.cfg.MergeOpen = merge
		if _, err := s.Ask(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "create:token:a1"}); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"PutIfAbsent": 1, "Put": 1}
		if merge {
			want = map[string]int{"PutIfAbsent": 2, "Get": 1, "Put": 2}
		}
		if ops := store.take(); !maps.Equal(ops, want) {
			t.Errorf("merging %v: a new request made %v, want %v", merge, ops, want)
		}
		if !merge {
			continue
		}
		a, err := s.Ask(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "create:token:a2"})
		if err != nil || !a.Merged {
			t.Fatalf("second request: %+v, %v", a, err)
		}
		want = map[string]int{"PutIfAbsent": 1, "CompareAndSwap": 2, "Get": 1, "Put": 1}
		if ops := store.take(); !maps.Equal(ops, want) {
			t.Errorf("a merged request made %v, want %v", ops, want)
		}
	}
}

// A replica died holding a caller's number: its claim kept the caller's task, so once the lease
// passed the next request still merges into it.
func TestDeadNumberClaimKeepsCallersTask(t *testing.T) {
	ctx := context.Background()
	f := twiliofake.New(nil)
	store := inmem.New(0)
	s := replica(f, store)
	s.cfg.MergeOpen = true
	first, err := s.Ask(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "create:token:d1"})
	if err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("claim:dead-1:%d:%s", time.Now().Add(-time.Second).UnixMilli(), first.Sid)
	store.Put(ctx, storeKey(callerKey("+14155552671")), dead, time.Hour)
	a, err := s.Ask(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "create:token:d2"})
	if err != nil || a.Sid != first.Sid || !a.Merged {
		t.Fatalf("after the dead claim: %+v, %v; want merged into %s", a, err, first.Sid)
	}
	if v, _, _ := store.Get(ctx, storeKey(callerKey("+14155552671"))); v != first.Sid {
		t.Errorf("the number's record holds %q, want %s", v, first.Sid)
	}
}
