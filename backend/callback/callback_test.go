package callback

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
	"flexcallback/backend/twiliofake"
)

// ambiguous is how backend/twilio reports a create that may or may not have happened.
var ambiguous = twiliofake.Err(flexcallback.ErrAmbiguous)

// lost makes the next n creates fail with ErrAmbiguous having created nothing (one more try is safe).
func lost(n int) twiliofake.Fault {
	return twiliofake.Fault{Op: "create", Err: ambiguous, Count: n}
}

// unseen makes the next n creates create their task but answer ErrAmbiguous (the answer was lost).
func unseen(n int) twiliofake.Fault {
	return twiliofake.Fault{Op: "create", Err: ambiguous, Count: n, After: true}
}

func newService(f *twiliofake.Twilio) *Service {
	return New(Config{DefaultWorkflowSid: "WW1", TimeZone: "America/Chicago"}, f, inmem.New(0),
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
}

func TestCreateConcurrentSameKeyMakesOneTask(t *testing.T) {
	f := twiliofake.New(nil)
	f.Inject(twiliofake.Fault{Op: "create", Delay: 20 * time.Millisecond})
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
	if f.Count("create ") != 1 {
		t.Fatalf("creates = %d, want 1", f.Count("create "))
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
	if err != nil || sid != sids[0] || !replayed || f.Count("create ") != 1 {
		t.Errorf("replay = %s, %v, %v (creates %d)", sid, replayed, err, f.Count("create "))
	}
}

func TestCreateAmbiguousIsLookedUpNotDuplicated(t *testing.T) {
	f := twiliofake.New(nil)
	f.Inject(unseen(1))
	s := newService(f)
	sid, _, err := s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Count("create ") != 1 || len(f.TaskSids()) != 1 || sid != f.TaskSids()[0] {
		t.Fatalf("creates = %d, tasks = %v, sid = %s; want the one task found", f.Count("create "), f.TaskSids(), sid)
	}

	f.Inject(lost(1))
	sid, _, err = s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k3"})
	if err != nil || len(f.TaskSids()) != 2 || sid != f.TaskSids()[1] {
		t.Fatalf("after a lost create: sid %s, err %v, tasks %v", sid, err, f.TaskSids())
	}

	f.Inject(lost(2))
	if _, _, err = s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k4"}); !errors.Is(err, flexcallback.ErrAmbiguous) {
		t.Fatalf("two lost creates: err = %v, want ErrAmbiguous", err)
	}
}

// TestCreateSecondAmbiguousIsLookedUp: the first create made nothing, the lookup proved it, the
// second create was performed but its answer lost too. The second lookup finds it: one task, and
// the request succeeds (before, it failed with the task made and no mark, so a redelivery made a
// second one).
func TestCreateSecondAmbiguousIsLookedUp(t *testing.T) {
	f := twiliofake.New(nil)
	f.Inject(lost(1))
	f.Inject(unseen(1))
	s := newService(f)
	r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k5"}
	sid, _, err := s.Create(context.Background(), r)
	if err != nil || len(f.TaskSids()) != 1 || sid != f.TaskSids()[0] || f.Count("create ") != 2 {
		t.Fatalf("sid %s, err %v, tasks %v, creates %d; want the one task after 2 creates", sid, err, f.TaskSids(), f.Count("create "))
	}
	again, replayed, err := s.Create(context.Background(), r)
	if err != nil || again != sid || !replayed || len(f.TaskSids()) != 1 {
		t.Fatalf("redelivery: %s %v %v, tasks %v", again, replayed, err, f.TaskSids())
	}
}

// TestCreateUnresolvedMarksUnsure: when an ambiguous create cannot be resolved (the lookup fails,
// or every create is ambiguous) the request fails as unavailable, and the next delivery of its
// key looks for the task before creating: never two tasks.
func TestCreateUnresolvedMarksUnsure(t *testing.T) {
	t.Run("lookup fails", func(t *testing.T) {
		f := twiliofake.New(nil)
		f.Inject(unseen(1))
		f.Inject(twiliofake.Fault{Op: "list", Err: twiliofake.Err(flexcallback.ErrUnavailable), Count: 1}) // the lookup fails
		s := newService(f)
		r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k6"}
		if _, _, err := s.Create(context.Background(), r); !errors.Is(err, flexcallback.ErrAmbiguous) || !errors.Is(err, flexcallback.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrAmbiguous joined with the lookup's ErrUnavailable", err)
		}
		sid, replayed, err := s.Create(context.Background(), r)
		if err != nil || !replayed || len(f.TaskSids()) != 1 || sid != f.TaskSids()[0] || f.Count("create ") != 1 {
			t.Fatalf("redelivery: %s %v %v, tasks %v, creates %d; want the orphan found", sid, replayed, err, f.TaskSids(), f.Count("create "))
		}
	})
	t.Run("every create ambiguous", func(t *testing.T) {
		f := twiliofake.New(nil)
		f.Inject(lost(maxCreates))
		s := newService(f)
		r := flexcallback.Request{NumberToCall: "+14155552671", Key: "k7"}
		if _, _, err := s.Create(context.Background(), r); !errors.Is(err, flexcallback.ErrAmbiguous) {
			t.Fatalf("err = %v, want ErrAmbiguous", err)
		}
		if f.Count("create ") != maxCreates {
			t.Fatalf("%d creates, want %d", f.Count("create "), maxCreates)
		}
		lists := f.Count("list ")
		if _, _, err := s.Create(context.Background(), r); err != nil || len(f.TaskSids()) != 1 || f.Count("list ") == lists {
			t.Fatalf("redelivery: err %v, tasks %v, %d list calls; want a lookup first, then one task", err, f.TaskSids(), f.Count("list ")-lists)
		}
	})
}

// TestAmbiguousCreateFoundAmongNewest: a performed create is found among the workflow's newest
// tasks, without EvaluateTaskAttributes (3 requests per second at Twilio); a create that made
// nothing is proven so by it.
func TestAmbiguousCreateFoundAmongNewest(t *testing.T) {
	f := twiliofake.New(nil)
	f.Inject(unseen(1))
	s := newService(f)
	if _, _, err := s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k8"}); err != nil || f.Count("list evaluate=") != 0 || f.Count("list ") != 1 {
		t.Fatalf("err %v, %d lists, %d evaluated; want one plain list", err, f.Count("list "), f.Count("list evaluate="))
	}
	f.Inject(lost(1))
	if _, _, err := s.Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671", Key: "k9"}); err != nil || f.Count("list evaluate=") != 1 || len(f.TaskSids()) != 2 {
		t.Fatalf("err %v, %d evaluated, tasks %v; want one evaluated lookup, then the create", err, f.Count("list evaluate="), f.TaskSids())
	}
}

func TestCreateWithoutKeyRefused(t *testing.T) {
	f := twiliofake.New(nil)
	if _, _, err := newService(f).Create(context.Background(), flexcallback.Request{NumberToCall: "+14155552671"}); !errors.Is(err, flexcallback.ErrInternal) || f.Count("create ") != 0 {
		t.Fatalf("err %v, creates %d; want ErrInternal and nothing created", err, f.Count("create "))
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
			f := twiliofake.New(nil)
			f.Inject(twiliofake.Fault{Op: "update", Race: true, Count: 1}) // the patch meets a concurrent write once
			s := newService(f)
			var sids []string
			for _, r := range order {
				sid, err := s.Voicemail(context.Background(), r)
				if err != nil {
					t.Fatal(err)
				}
				sids = append(sids, sid)
			}
			if len(f.TaskSids()) != 1 || sids[0] != sids[1] {
				t.Fatalf("tasks %v, sids %v; want one task", f.TaskSids(), sids)
			}
			d := flexcallback.ReadCallbackData(f.Task(f.TaskSids()[0]).Attributes)
			if d.TranscriptText != "please call me" || d.TranscriptSid != "TR1" || d.RecordingSid != "RE1" {
				t.Errorf("callBackData = %+v", d)
			}
			if k := flexcallback.TaskKind(f.Task(f.TaskSids()[0]).Attributes); k != flexcallback.KindVoicemail {
				t.Errorf("taskType = %q", k)
			}
		})
	}
}

func TestVoicemailFoundOnAnotherReplica(t *testing.T) {
	f := twiliofake.New(nil)
	a, b := newService(f), newService(f) // two replicas, separate stores
	r := flexcallback.Request{NumberToCall: "+14155552671", RecordingSid: "RE2"}
	if _, err := a.Voicemail(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	r.TranscriptText = "hello"
	if _, err := b.Voicemail(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if len(f.TaskSids()) != 1 {
		t.Fatalf("tasks = %v, want 1", f.TaskSids())
	}
	if got := flexcallback.ReadCallbackData(f.Task(f.TaskSids()[0]).Attributes).TranscriptText; got != "hello" {
		t.Errorf("transcript = %q", got)
	}
}
