// Package callback creates callback and voicemail tasks exactly once per request. It is the one
// place both the Studio/Flex API and the wait experience create tasks through (DESIGN §2, §3):
// a key identifies the request, concurrent requests with the same key share one creation, the
// created SID is remembered against the key, and a create whose outcome Twilio left unknown is
// looked up on recent tasks before it is tried again (fixes R1, R2).
package callback

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"flexcallback"
)

// Observer counts what the service does; backend main hands it the Prometheus metrics.
type Observer interface {
	TaskCreated(kind string)
	Replayed()
	Merged() // a request appended to its caller's open task
}

// Config is what the service needs from configuration.
type Config struct {
	DefaultWorkflowSid string        // TWILIO_FLEX_CALLBACK_WORKFLOW_SID
	TimeZone           string        // BUSINESS_TIME_ZONE, written as callBackData.mainTimeZone
	KeyTTL             time.Duration // how long a key is remembered; default 24 h
	// ClaimLease is how long a key's claim outlives a replica that died holding it; default the
	// 20 s a creation may take plus clockSlack, so no replica takes over a live flight's claim.
	ClaimLease time.Duration
	// MergeOpen is MERGE_OPEN_CALLBACKS: Ask merges a caller's request into their open task.
	MergeOpen bool
}

// Service creates tasks idempotently.
type Service struct {
	tasks    flexcallback.TaskRouter
	store    flexcallback.Store
	cfg      Config
	logger   *slog.Logger
	observer Observer
	now      func() time.Time
	group    singleflight.Group
	id       string        // names this replica's claims
	claims   atomic.Uint64 // numbers them
}

// New returns a Service. observer may be nil.
func New(cfg Config, tasks flexcallback.TaskRouter, store flexcallback.Store, logger *slog.Logger, observer Observer, now func() time.Time) *Service {
	if cfg.KeyTTL <= 0 {
		cfg.KeyTTL = 24 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	if cfg.ClaimLease <= 0 {
		cfg.ClaimLease = work + clockSlack
	}
	id := make([]byte, 8)
	rand.Read(id)
	return &Service{tasks: tasks, store: store, cfg: cfg, logger: logger, observer: observer, now: now, id: hex.EncodeToString(id)}
}

// work bounds the shared creation: it outlives the first caller's cancellation, since others may wait on it.
const work = 20 * time.Second

// Create makes the task r asks for, once per r.Key. A request whose key was seen returns the
// first task's SID with replayed true, and so do requests that arrive while it is being created,
// on this replica (one flight) or another (the key's record in the shared store).
// A key is required: it is how an ambiguous create is found again.
func (s *Service) Create(ctx context.Context, r flexcallback.Request) (sid string, replayed bool, err error) {
	if r.Key == "" {
		return "", false, fmt.Errorf("create %s task without a request key: %w", r.Kind(), flexcallback.ErrInternal)
	}
	led := false // set only in the request whose function runs; the others joined it
	ch := s.group.DoChan(r.Key, func() (any, error) {
		led = true
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), work)
		defer cancel()
		return s.exclusive(ctx, r.Key, s.ttl(r),
			func(sid string) (any, bool, error) { return s.known(ctx, r, sid) },
			func(h *hold) (any, error) { return s.createOnce(ctx, r, h) })
	})
	select {
	case <-ctx.Done():
		return "", false, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return "", false, res.Err
		}
		out := res.Val.(result)
		replayed := out.replayed || !led
		if replayed {
			s.replayed()
		}
		return out.sid, replayed, nil
	}
}

// known answers r with the task sid its key names, when it may.
func (s *Service) known(ctx context.Context, r flexcallback.Request, sid string) (any, bool, error) {
	isOpen, err := s.stillOpen(ctx, r, sid)
	if err != nil {
		return nil, false, fmt.Errorf("create %s task: %w", r.Kind(), err)
	}
	return result{sid: sid, replayed: true}, isOpen, nil
}

// createOnce creates r's task while holding its key's record. When an earlier create may have
// happened unseen (its answer and the lookup both failed, or its replica died mid-create), it
// looks for that task before creating again.
func (s *Service) createOnce(ctx context.Context, r flexcallback.Request, h *hold) (any, error) {
	if !h.unsure {
		return s.createNew(ctx, r, h)
	}
	return s.lookThenCreate(ctx, r, h, s.find, func(t flexcallback.Task) bool { return !r.KeyOpenOnly || open(t) })
}

// lookThenCreate answers the task look finds for r's key, when keep takes it (settling the key
// on it), and creates r's task otherwise.
func (s *Service) lookThenCreate(ctx context.Context, r flexcallback.Request, h *hold,
	look func(ctx context.Context, workflowSid, key string) (flexcallback.Task, bool, error), keep func(flexcallback.Task) bool) (any, error) {
	nt, err := flexcallback.BuildTask(r, s.cfg.DefaultWorkflowSid, s.cfg.TimeZone, s.now())
	if err != nil {
		return nil, err
	}
	t, found, err := look(ctx, nt.WorkflowSid, r.Key)
	if err != nil {
		return nil, fmt.Errorf("create %s task: %w", r.Kind(), err)
	}
	if found && keep(t) {
		s.settle(ctx, h, t.Sid)
		return result{sid: t.Sid, replayed: true}, nil
	}
	return s.createNew(ctx, r, h)
}

func (s *Service) createNew(ctx context.Context, r flexcallback.Request, h *hold) (any, error) {
	t, err := s.create(ctx, r, h)
	if err != nil {
		return nil, err
	}
	return result{sid: t.Sid}, nil
}

// stillOpen reports whether the task a key remembers may answer a replay of it: always, unless
// r.KeyOpenOnly (the same parameters again), where a completed, canceled or deleted task does
// not: a caller who asks again after their callback was handled gets a new one.
func (s *Service) stillOpen(ctx context.Context, r flexcallback.Request, sid string) (bool, error) {
	if !r.KeyOpenOnly {
		return true, nil
	}
	t, err := s.tasks.FetchTask(ctx, sid)
	switch {
	case errors.Is(err, flexcallback.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return open(t), nil
}

// open reports whether a task is still to be handled.
func open(t flexcallback.Task) bool {
	return t.Status != flexcallback.StatusCompleted && t.Status != flexcallback.StatusCanceled
}

type result struct {
	sid      string
	replayed bool
}

// Voicemail creates the voicemail task for r.RecordingSid or, when it exists already, writes
// r's transcript onto it. The recording action, the recording status callback and the
// transcription callback all call it, in any order, and make exactly one task (fixes B11).
func (s *Service) Voicemail(ctx context.Context, r flexcallback.Request) (string, error) {
	if r.RecordingSid == "" {
		return "", flexcallback.Invalid("RecordingSid", "a voicemail needs a RecordingSid")
	}
	r.Key = voicemailKey(r.RecordingSid)
	ch := s.group.DoChan(r.Key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), work)
		defer cancel()
		v, err := s.exclusive(ctx, r.Key, s.ttl(r), func(sid string) (any, bool, error) {
			return result{sid: sid, replayed: true}, true, nil
		}, func(h *hold) (any, error) { return s.voicemailOnce(ctx, r, h) })
		if err != nil {
			return nil, err
		}
		out := v.(result)
		if !out.replayed {
			return out.sid, nil
		}
		s.replayed()
		if r.TranscriptSid == "" && r.TranscriptText == "" && !r.TranscriptFailed {
			return out.sid, nil
		}
		return out.sid, s.patchTranscript(ctx, out.sid, r)
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	}
}

// voicemailOnce creates r's voicemail task while holding its key's record, unless it exists:
// another replica may have handled the other callback before the store was shared, or died
// mid-create (unsure), so it looks first.
func (s *Service) voicemailOnce(ctx context.Context, r flexcallback.Request, h *hold) (any, error) {
	look := s.recent
	if h.unsure {
		look = s.find
	}
	return s.lookThenCreate(ctx, r, h, look, func(flexcallback.Task) bool { return true })
}

// patchTranscript writes r's transcript, or that it failed, onto an existing voicemail task,
// guarded by its ETag so a concurrent change (an agent deleting the voicemail) is not overwritten.
func (s *Service) patchTranscript(ctx context.Context, sid string, r flexcallback.Request) error {
	transcriptSid, text := r.TranscriptSid, r.TranscriptText
	failed := r.TranscriptFailed && text == ""
	err := flexcallback.UpdateGuarded(ctx, s.tasks, sid, func(t flexcallback.Task) (flexcallback.TaskUpdate, bool) {
		cb := flexcallback.CallbackDataOf(t.Attributes)
		if failed {
			if text, _ := cb["transcriptText"].(string); text != "" || cb["transcriptStatus"] == flexcallback.TranscriptStatusFailed {
				return flexcallback.TaskUpdate{}, false // marked already, or a transcript came after all
			}
			cb["transcriptStatus"] = flexcallback.TranscriptStatusFailed
			return flexcallback.TaskUpdate{Attributes: t.Attributes}, true
		}
		if cb["transcriptSid"] == transcriptSid && cb["transcriptText"] == text {
			return flexcallback.TaskUpdate{}, false
		}
		if transcriptSid != "" {
			cb["transcriptSid"] = transcriptSid
		}
		if text != "" {
			cb["transcriptText"] = text
			delete(cb, "transcriptStatus")
		}
		return flexcallback.TaskUpdate{Attributes: t.Attributes}, true
	})
	if err != nil {
		return fmt.Errorf("write transcript: %w", err)
	}
	return nil
}

// maxCreates bounds the creates of one request: each one after the first follows a lookup that
// found nothing from the one before.
const maxCreates = 2

// create builds and creates the task. From the create on, the flight's claim stands for the
// unsure mark: if this replica dies mid-create, the claim's lease passes and the next delivery
// looks before creating; if the outcome stays unknown, the release leaves the record unsure. A
// create whose outcome Twilio left unknown (ErrAmbiguous: any 5xx, a timeout, a dropped
// connection) is resolved by looking for the request key before creating again, so it never
// makes two tasks. A create Twilio refused made nothing: the mark is taken back, unless an
// earlier delivery left it.
func (s *Service) create(ctx context.Context, r flexcallback.Request, h *hold) (flexcallback.Task, error) {
	nt, err := flexcallback.BuildTask(r, s.cfg.DefaultWorkflowSid, s.cfg.TimeZone, s.now())
	if err != nil {
		return flexcallback.Task{}, err
	}
	wasUnsure := h.unsure
	h.unsure = true
	for attempt := 1; ; attempt++ {
		t, err := s.tasks.CreateTask(ctx, nt)
		if err == nil {
			s.created(ctx, r, h, nt, t, false)
			return t, nil
		}
		if !errors.Is(err, flexcallback.ErrAmbiguous) {
			if attempt == 1 {
				h.unsure = wasUnsure
			}
			return flexcallback.Task{}, fmt.Errorf("create %s task: %w", r.Kind(), err)
		}
		s.logger.WarnContext(ctx, "task create outcome unknown; looking for it", "kind", r.Kind(), "attempt", attempt)
		found, ok, ferr := s.find(ctx, nt.WorkflowSid, r.Key)
		if ferr != nil {
			return flexcallback.Task{}, fmt.Errorf("create %s task: %w", r.Kind(), errors.Join(err, ferr))
		}
		if ok {
			s.created(ctx, r, h, nt, found, true)
			return found, nil
		}
		if attempt >= maxCreates {
			return flexcallback.Task{}, fmt.Errorf("create %s task: %w", r.Kind(), err)
		}
	}
}

// created remembers and reports a task this request made; found says an ambiguous create's
// lookup found it.
func (s *Service) created(ctx context.Context, r flexcallback.Request, h *hold, nt flexcallback.NewTask, t flexcallback.Task, found bool) {
	s.settle(ctx, h, t.Sid)
	if s.observer != nil {
		s.observer.TaskCreated(string(r.Kind()))
	}
	s.logger.InfoContext(ctx, "task created", "task_sid", t.Sid, "kind", r.Kind(), "workflow_sid", nt.WorkflowSid, "found", found)
}

// find looks for the task carrying key: first among the workflow's newest tasks, where a task
// just made is; then, where the key can be quoted in TaskRouter's expression language, by asking
// TaskRouter for exactly that task. EvaluateTaskAttributes is limited to 3 requests per second,
// so it is kept for the tasks the newest do not show: a burst of ambiguous creates that were
// performed resolves without it.
func (s *Service) find(ctx context.Context, workflowSid, key string) (flexcallback.Task, bool, error) {
	t, ok, err := s.recent(ctx, workflowSid, key)
	if err != nil || ok || !quotable.MatchString(key) {
		return t, ok, err
	}
	return s.scan(ctx, flexcallback.TaskQuery{WorkflowSid: workflowSid, Ordering: "DateCreated:desc", PageSize: 50, MaxPages: 2,
		Evaluate: `callBackData.requestKey == "` + key + `"`}, key)
}

// recent looks for the task carrying key among the workflow's newest tasks only.
func (s *Service) recent(ctx context.Context, workflowSid, key string) (flexcallback.Task, bool, error) {
	return s.scan(ctx, flexcallback.TaskQuery{WorkflowSid: workflowSid, Ordering: "DateCreated:desc", PageSize: 50, MaxPages: 2}, key)
}

var quotable = regexp.MustCompile(`^[A-Za-z0-9:_.-]+$`)

func (s *Service) scan(ctx context.Context, q flexcallback.TaskQuery, key string) (flexcallback.Task, bool, error) {
	tasks, err := s.tasks.ListTasks(ctx, q)
	if err != nil {
		return flexcallback.Task{}, false, fmt.Errorf("look for the request's task: %w", err) // no key: it digests phone numbers
	}
	for _, t := range tasks {
		if flexcallback.ReadCallbackData(t.Attributes).RequestKey == key {
			return t, true, nil
		}
	}
	return flexcallback.Task{}, false, nil
}

// ttl is how long r's key is remembered.
func (s *Service) ttl(r flexcallback.Request) time.Duration {
	if r.KeyTTL > 0 {
		return r.KeyTTL
	}
	return s.cfg.KeyTTL
}

func (s *Service) replayed() {
	if s.observer != nil {
		s.observer.Replayed()
	}
}
