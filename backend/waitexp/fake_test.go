package waitexp

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"flexcallback"
)

// journal records what the fakes were asked, in order, so tests can check that a create came
// before a cancel.
type journal struct {
	mu     sync.Mutex
	events []string
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, fmt.Sprintf(format, args...))
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.events)
}

// index returns the position of the first event starting with prefix, or -1.
func (j *journal) index(prefix string) int {
	for i, e := range j.list() {
		if strings.HasPrefix(e, prefix) {
			return i
		}
	}
	return -1
}

func (j *journal) count(prefix string) int {
	n := 0
	for _, e := range j.list() {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

func kindErr(kind error) error { return &flexcallback.Error{Kind: kind, Message: "fake"} }

// fakeTasks is an in-memory TaskRouter with ETags.
type fakeTasks struct {
	j         *journal
	mu        sync.Mutex
	tasks     map[string]*flexcallback.Task
	etag      int
	listErr   error
	fetchErr  error
	updateErr error
	// raceUpdates makes that many updates meet a task someone else just changed.
	raceUpdates int
}

func newFakeTasks(j *journal) *fakeTasks {
	return &fakeTasks{j: j, tasks: map[string]*flexcallback.Task{}}
}

func (f *fakeTasks) put(t flexcallback.Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.etag++
	t.ETag = fmt.Sprintf("e%d", f.etag)
	f.tasks[t.Sid] = &t
}

func (f *fakeTasks) get(sid string) flexcallback.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.tasks[sid]
}

func (f *fakeTasks) CreateTask(ctx context.Context, nt flexcallback.NewTask) (flexcallback.Task, error) {
	return flexcallback.Task{}, fmt.Errorf("waitexp must create through the Creator: %w", flexcallback.ErrInternal)
}

func (f *fakeTasks) FetchTask(ctx context.Context, sid string) (flexcallback.Task, error) {
	f.j.add("fetch %s", sid)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fetchErr != nil {
		return flexcallback.Task{}, f.fetchErr
	}
	t, ok := f.tasks[sid]
	if !ok {
		return flexcallback.Task{}, kindErr(flexcallback.ErrNotFound)
	}
	c := *t
	c.Attributes = clone(t.Attributes)
	return c, nil
}

func (f *fakeTasks) UpdateTask(ctx context.Context, sid string, u flexcallback.TaskUpdate) (flexcallback.Task, error) {
	f.j.add("update %s status=%s reason=%q if-match=%s", sid, u.AssignmentStatus, u.Reason, u.IfMatch)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.updateErr != nil {
		return flexcallback.Task{}, f.updateErr
	}
	t, ok := f.tasks[sid]
	if !ok {
		return flexcallback.Task{}, kindErr(flexcallback.ErrNotFound)
	}
	if f.raceUpdates > 0 {
		f.raceUpdates--
		f.etag++
		t.ETag = fmt.Sprintf("e%d", f.etag)
	}
	if u.IfMatch != "" && u.IfMatch != t.ETag {
		return flexcallback.Task{}, kindErr(flexcallback.ErrPrecondition)
	}
	if u.AssignmentStatus == flexcallback.StatusCanceled && !waiting(*t) {
		return flexcallback.Task{}, kindErr(flexcallback.ErrConflict)
	}
	if u.AssignmentStatus != "" {
		t.Status, t.Reason = u.AssignmentStatus, u.Reason
	}
	if u.Attributes != nil {
		t.Attributes = clone(u.Attributes)
	}
	f.etag++
	t.ETag = fmt.Sprintf("e%d", f.etag)
	return *t, nil
}

func (f *fakeTasks) ListTasks(ctx context.Context, q flexcallback.TaskQuery) ([]flexcallback.Task, error) {
	f.j.add("list %s %v %s %d×%d", q.WorkflowSid, q.AssignmentStatus, q.Ordering, q.PageSize, q.MaxPages)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []flexcallback.Task
	for _, t := range f.tasks {
		if t.WorkflowSid == q.WorkflowSid && slices.Contains(q.AssignmentStatus, t.Status) {
			c := *t
			c.ETag = "" // lists carry no ETag
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b flexcallback.Task) int { return b.DateCreated.Compare(a.DateCreated) })
	if n := q.PageSize * max(q.MaxPages, 1); len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func (f *fakeTasks) ListWorkflows(ctx context.Context) ([]flexcallback.Workflow, error) {
	return nil, nil
}

func clone(m map[string]any) map[string]any {
	c := maps.Clone(m)
	for k, v := range c {
		if sub, ok := v.(map[string]any); ok {
			c[k] = clone(sub)
		}
	}
	return c
}

// fakeVoice holds voice queues and records call updates.
type fakeVoice struct {
	j         *journal
	mu        sync.Mutex
	queues    map[string]flexcallback.Queue
	queueErr  error
	updateErr error
	updates   []flexcallback.CallUpdate
}

func (f *fakeVoice) FetchQueue(ctx context.Context, sid string) (flexcallback.Queue, error) {
	f.j.add("queue %s", sid)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.queueErr != nil {
		return flexcallback.Queue{}, f.queueErr
	}
	q, ok := f.queues[sid]
	if !ok {
		return flexcallback.Queue{}, kindErr(flexcallback.ErrNotFound)
	}
	return q, nil
}

func (f *fakeVoice) UpdateCall(ctx context.Context, sid string, u flexcallback.CallUpdate) error {
	f.j.add("call-update %s %s", sid, u.URL)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.updateErr != nil {
		return f.updateErr
	}
	f.updates = append(f.updates, u)
	return nil
}

func (f *fakeVoice) FetchRecording(context.Context, string) (flexcallback.Recording, error) {
	return flexcallback.Recording{}, kindErr(flexcallback.ErrNotFound)
}
func (f *fakeVoice) DeleteRecording(context.Context, string) error { return nil }
func (f *fakeVoice) RecordingMedia(context.Context, string, string) (*flexcallback.Media, error) {
	return nil, kindErr(flexcallback.ErrNotFound)
}
func (f *fakeVoice) FetchTranscription(context.Context, string) (flexcallback.Transcription, error) {
	return flexcallback.Transcription{}, kindErr(flexcallback.ErrNotFound)
}
func (f *fakeVoice) DeleteTranscription(context.Context, string) error { return nil }

// fakeCreator keeps the Creator contract: one task per key; a voicemail is created by whichever
// call comes first and later calls patch its transcript.
type fakeCreator struct {
	j        *journal
	mu       sync.Mutex
	err      error
	requests []flexcallback.Request
	byKey    map[string]string
	tasks    map[string]flexcallback.Request // by SID, with patches applied
	n        int
	open     map[string]string // number → the open task a request merges into
}

func newFakeCreator(j *journal) *fakeCreator {
	return &fakeCreator{j: j, byKey: map[string]string{}, tasks: map[string]flexcallback.Request{}}
}

func (f *fakeCreator) Create(ctx context.Context, r flexcallback.Request) (string, bool, error) {
	f.j.add("create %s key=%s", r.Kind(), r.Key)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	if f.err != nil {
		return "", false, f.err
	}
	if sid, ok := f.byKey[r.Key]; ok && r.Key != "" {
		return sid, true, nil
	}
	f.n++
	sid := fmt.Sprintf("WTnew%d", f.n)
	f.byKey[r.Key] = sid
	f.tasks[sid] = r
	return sid, false, nil
}

func (f *fakeCreator) Voicemail(ctx context.Context, r flexcallback.Request) (string, error) {
	f.j.add("voicemail %s transcript=%q", r.RecordingSid, r.TranscriptSid)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	if f.err != nil {
		return "", f.err
	}
	if sid, ok := f.byKey[r.RecordingSid]; ok {
		t := f.tasks[sid]
		t.TranscriptSid = cmp.Or(r.TranscriptSid, t.TranscriptSid)
		t.TranscriptText = cmp.Or(r.TranscriptText, t.TranscriptText)
		f.tasks[sid] = t
		return sid, nil
	}
	f.n++
	sid := fmt.Sprintf("WTvm%d", f.n)
	f.byKey[r.RecordingSid] = sid
	f.tasks[sid] = r
	return sid, nil
}

// Ask merges only into the open tasks a test names: merging is backend/callback's, tested there
// and end to end.
func (f *fakeCreator) Ask(ctx context.Context, r flexcallback.Request) (flexcallback.Asked, error) {
	f.mu.Lock()
	sid := f.open[r.NumberToCall]
	f.mu.Unlock()
	switch {
	case sid != "":
		f.j.add("merge %s key=%s into %s", r.Kind(), r.Key, sid)
		return flexcallback.Asked{Sid: sid, Merged: true}, nil
	case r.MergeOnly:
		return flexcallback.Asked{}, nil
	case r.RecordingSid != "":
		sid, err := f.Voicemail(ctx, r)
		return flexcallback.Asked{Sid: sid}, err
	}
	sid, replayed, err := f.Create(ctx, r)
	return flexcallback.Asked{Sid: sid, Replayed: replayed}, err
}

func (f *fakeCreator) created() map[string]flexcallback.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.tasks)
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
