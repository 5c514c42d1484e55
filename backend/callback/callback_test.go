package callback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
)

// fakeTasks is an in-memory TaskRouter with switches for the failures the service must survive.
type fakeTasks struct {
	mu          sync.Mutex
	tasks       map[string]*flexcallback.Task
	order       []string
	creates     int
	ambiguous   int // the next n creates succeed but report ErrAmbiguous
	lostCreates int // the next n creates fail with ErrAmbiguous and create nothing
	conflicts   int // the next n updates fail with ErrPrecondition
	lists       int // ListTasks calls
	evaluates   int // of which with EvaluateTaskAttributes
	listFails   int // the next n ListTasks fail with ErrUnavailable
	refuse      int // the next n creates fail with ErrInvalid (Twilio refused) and create nothing
	delay       time.Duration
}

func newFake() *fakeTasks { return &fakeTasks{tasks: map[string]*flexcallback.Task{}} }

func (f *fakeTasks) CreateTask(ctx context.Context, nt flexcallback.NewTask) (flexcallback.Task, error) {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	if f.refuse > 0 {
		f.refuse--
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrInvalid}
	}
	if f.lostCreates > 0 {
		f.lostCreates--
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrAmbiguous}
	}
	t := &flexcallback.Task{Sid: fmt.Sprintf("WT%032d", len(f.order)+1), WorkflowSid: nt.WorkflowSid, Attributes: nt.Attributes, ETag: "1",
		Status: flexcallback.StatusPending}
	f.tasks[t.Sid] = t
	f.order = append(f.order, t.Sid)
	if f.ambiguous > 0 {
		f.ambiguous--
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrAmbiguous}
	}
	return *t, nil
}

func (f *fakeTasks) FetchTask(ctx context.Context, sid string) (flexcallback.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tasks[sid]
	if !ok {
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrNotFound}
	}
	c := *t
	c.Attributes = deepCopy(t.Attributes)
	return c, nil
}

func (f *fakeTasks) UpdateTask(ctx context.Context, sid string, u flexcallback.TaskUpdate) (flexcallback.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tasks[sid]
	if f.conflicts > 0 {
		f.conflicts--
		t.ETag += "x" // someone else wrote
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrPrecondition}
	}
	if u.IfMatch != "" && u.IfMatch != t.ETag {
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrPrecondition}
	}
	t.Attributes = deepCopy(u.Attributes)
	t.ETag += "1"
	return *t, nil
}

func (f *fakeTasks) ListTasks(ctx context.Context, q flexcallback.TaskQuery) ([]flexcallback.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if q.Evaluate != "" {
		f.evaluates++
	}
	if f.listFails > 0 {
		f.listFails--
		return nil, &flexcallback.Error{Kind: flexcallback.ErrUnavailable}
	}
	var out []flexcallback.Task
	for i := len(f.order) - 1; i >= 0; i-- {
		out = append(out, *f.tasks[f.order[i]])
	}
	return out, nil
}

func (f *fakeTasks) ListWorkflows(context.Context) ([]flexcallback.Workflow, error) { return nil, nil }

func deepCopy(m map[string]any) map[string]any {
	c := maps.Clone(m)
	for k, v := range c {
		if inner, ok := v.(map[string]any); ok {
			c[k] = deepCopy(inner)
		}
	}
	return c
}

func newService(f *fakeTasks) *Service {
	return New(Config{DefaultWorkflowSid: "WW1", TimeZone: "America/Chicago"}, f, inmem.New(0),
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
}

func TestCreateConcurrentSameKeyMakesOneTask(t *testing.T) {
	f := newFake()
	f.delay = 20 * time.Millisecond
	s := newService(f)
	var wg sync.WaitGroup
	sids := make([]string, 20)
	replays := make([]bool, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			sids[i], replays[i], err = s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k1"})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if f.creates != 1 {
		t.Fatalf("creates = %d, want 1", f.creates)
	}
	fresh := 0
	for i, sid := range sids {
		if sid != sids[0] {
			t.Errorf("request %d got %s, want %s", i, sid, sids[0])
		}
		if !replays[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d requests reported a fresh create, want 1", fresh)
	}
	// A later replay is answered from the store.
	sid, replayed, err := s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k1"})
	if err != nil || sid != sids[0] || !replayed || f.creates != 1 {
		t.Errorf("replay = %s, %v, %v (creates %d)", sid, replayed, err, f.creates)
	}
}

func TestCreateAmbiguousIsLookedUpNotDuplicated(t *testing.T) {
	f := newFake()
	f.ambiguous = 1 // created, but the answer was lost
	s := newService(f)
	sid, _, err := s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	if f.creates != 1 || len(f.order) != 1 || sid != f.order[0] {
		t.Fatalf("creates = %d, tasks = %v, sid = %s; want the one task found", f.creates, f.order, sid)
	}

	f.lostCreates = 1 // nothing created: one more try is safe
	sid, _, err = s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k3"})
	if err != nil || len(f.order) != 2 || sid != f.order[1] {
		t.Fatalf("after a lost create: sid %s, err %v, tasks %v", sid, err, f.order)
	}

	f.lostCreates = 2
	if _, _, err = s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k4"}); !errors.Is(err, flexcallback.ErrAmbiguous) {
		t.Fatalf("two lost creates: err = %v, want ErrAmbiguous", err)
	}
}

// TestCreateSecondAmbiguousIsLookedUp: the first create made nothing, the lookup proved it, the
// second create was performed but its answer lost too. The second lookup finds it: one task, and
// the request succeeds (before, it failed with the task made and no mark, so a redelivery made a
// second one).
func TestCreateSecondAmbiguousIsLookedUp(t *testing.T) {
	f := newFake()
	f.lostCreates, f.ambiguous = 1, 1
	s := newService(f)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k5"}
	sid, _, err := s.Create(context.Background(), r)
	if err != nil || len(f.order) != 1 || sid != f.order[0] || f.creates != 2 {
		t.Fatalf("sid %s, err %v, tasks %v, creates %d; want the one task after 2 creates", sid, err, f.order, f.creates)
	}
	again, replayed, err := s.Create(context.Background(), r)
	if err != nil || again != sid || !replayed || len(f.order) != 1 {
		t.Fatalf("redelivery: %s %v %v, tasks %v", again, replayed, err, f.order)
	}
}

// TestCreateUnresolvedMarksUnsure: when an ambiguous create cannot be resolved (the lookup fails,
// or every create is ambiguous) the request fails as unavailable, and the next delivery of its
// key looks for the task before creating: never two tasks.
func TestCreateUnresolvedMarksUnsure(t *testing.T) {
	t.Run("lookup fails", func(t *testing.T) {
		f := newFake()
		f.ambiguous, f.listFails = 1, 1 // created unseen; the lookup fails
		s := newService(f)
		r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k6"}
		if _, _, err := s.Create(context.Background(), r); !errors.Is(err, flexcallback.ErrAmbiguous) || !errors.Is(err, flexcallback.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrAmbiguous joined with the lookup's ErrUnavailable", err)
		}
		sid, replayed, err := s.Create(context.Background(), r)
		if err != nil || !replayed || len(f.order) != 1 || sid != f.order[0] || f.creates != 1 {
			t.Fatalf("redelivery: %s %v %v, tasks %v, creates %d; want the orphan found", sid, replayed, err, f.order, f.creates)
		}
	})
	t.Run("every create ambiguous", func(t *testing.T) {
		f := newFake()
		f.lostCreates = maxCreates
		s := newService(f)
		r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k7"}
		if _, _, err := s.Create(context.Background(), r); !errors.Is(err, flexcallback.ErrAmbiguous) {
			t.Fatalf("err = %v, want ErrAmbiguous", err)
		}
		if f.creates != maxCreates {
			t.Fatalf("%d creates, want %d", f.creates, maxCreates)
		}
		lists := f.lists
		if _, _, err := s.Create(context.Background(), r); err != nil || len(f.order) != 1 || f.lists == lists {
			t.Fatalf("redelivery: err %v, tasks %v, %d list calls; want a lookup first, then one task", err, f.order, f.lists-lists)
		}
	})
}

// TestAmbiguousCreateFoundAmongNewest: a performed create is found among the workflow's newest
// tasks, without EvaluateTaskAttributes (3 requests per second at Twilio); a create that made
// nothing is proven so by it.
func TestAmbiguousCreateFoundAmongNewest(t *testing.T) {
	f := newFake()
	f.ambiguous = 1
	s := newService(f)
	if _, _, err := s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k8"}); err != nil || f.evaluates != 0 || f.lists != 1 {
		t.Fatalf("err %v, %d lists, %d evaluated; want one plain list", err, f.lists, f.evaluates)
	}
	f.lostCreates = 1
	if _, _, err := s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k9"}); err != nil || f.evaluates != 1 || len(f.order) != 2 {
		t.Fatalf("err %v, %d evaluated, tasks %v; want one evaluated lookup, then the create", err, f.evaluates, f.order)
	}
}

func TestCreateWithoutKeyRefused(t *testing.T) {
	f := newFake()
	if _, _, err := newService(f).Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671"}); !errors.Is(err, flexcallback.ErrInternal) || f.creates != 0 {
		t.Fatalf("err %v, creates %d; want ErrInternal and nothing created", err, f.creates)
	}
}

func TestVoicemailEitherOrderMakesOneTask(t *testing.T) {
	recording := flexcallback.Request{NumberToCall: "+14155552671", RecordingSid: "RE1", RecordingURL: "https://x/RE1"}
	transcript := recording
	transcript.TranscriptSid, transcript.TranscriptText = "TR1", "please call me"

	for name, order := range map[string][]flexcallback.Request{
		"recording first":     {recording, transcript},
		"transcription first": {transcript, recording},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake()
			f.conflicts = 1 // the patch meets a concurrent write once
			s := newService(f)
			var sids []string
			for _, r := range order {
				sid, err := s.Voicemail(context.Background(), r)
				if err != nil {
					t.Fatal(err)
				}
				sids = append(sids, sid)
			}
			if len(f.order) != 1 || sids[0] != sids[1] {
				t.Fatalf("tasks %v, sids %v; want one task", f.order, sids)
			}
			d := flexcallback.ReadCallbackData(f.tasks[f.order[0]].Attributes)
			if d.TranscriptText != "please call me" || d.TranscriptSid != "TR1" || d.RecordingSid != "RE1" {
				t.Errorf("callBackData = %+v", d)
			}
			if k := flexcallback.TaskKind(f.tasks[f.order[0]].Attributes); k != flexcallback.KindVoicemail {
				t.Errorf("taskType = %q", k)
			}
		})
	}
}

func TestVoicemailFoundOnAnotherReplica(t *testing.T) {
	f := newFake()
	a, b := newService(f), newService(f) // two replicas, separate stores
	r := flexcallback.Request{NumberToCall: "+14155552671", RecordingSid: "RE2"}
	if _, err := a.Voicemail(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	r.TranscriptText = "hello"
	if _, err := b.Voicemail(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if len(f.order) != 1 {
		t.Fatalf("tasks = %v, want 1", f.order)
	}
	if got := flexcallback.ReadCallbackData(f.tasks[f.order[0]].Attributes).TranscriptText; got != "hello" {
		t.Errorf("transcript = %q", got)
	}
}
