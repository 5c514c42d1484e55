// Package twiliofake is the one in-process stand-in for Twilio that unit tests use: TaskRouter
// (tasks with ETags, statistics), Voice (queues, call updates, recordings) and reservations, in memory, with
// a journal of what it was asked and injected faults shaped like the sandbox's
// (backend/sandbox/fault.go). Tests that need real HTTP use the sandbox; only tests import this
// package.
package twiliofake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"flexcallback"
)

// Journal records the calls made to the fakes, in order, one line each (its operation first,
// e.g. "update WT… status=canceled …"), so a test can check that one came before another. Other
// test doubles may write to it too.
type Journal struct {
	mu     sync.Mutex
	events []string
}

// Add records one event.
func (j *Journal) Add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, fmt.Sprintf(format, args...))
}

// Events returns the events so far.
func (j *Journal) Events() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.events)
}

// Index returns the position of the first event starting with prefix, or -1.
func (j *Journal) Index(prefix string) int {
	return slices.IndexFunc(j.Events(), func(e string) bool { return strings.HasPrefix(e, prefix) })
}

// Count returns the number of events starting with prefix.
func (j *Journal) Count(prefix string) int {
	n := 0
	for _, e := range j.Events() {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

// Fault is an injected failure of one operation: "create", "fetch", "update", "list", "queue",
// "statistics", "call-update", "recording" (the journal's first words). The first fault of an operation applies.
type Fault struct {
	Op    string
	Err   error           // what the call answers; nil: only Delay, Wait or Race
	Delay time.Duration   // before the call
	Wait  <-chan struct{} // before the call, until it receives (one call a send; all once closed): holds a call on the wire
	Seen  chan<- string   // as the call arrives, before Delay and Wait, its journal line: tells a test which call is on the wire
	Count int             // calls it applies to; 0: every call
	After bool            // perform the call, then answer Err (a create made, its answer lost)
	Race  bool            // update: someone else changed the task just before (its ETag moved)
}

// Twilio is the fake. Its zero value is not ready: use New.
type Twilio struct {
	*Journal
	mu           sync.Mutex
	faults       []*Fault
	tasks        map[string]*flexcallback.Task
	order        []string // task SIDs, oldest first
	etag         int
	queues       map[string]flexcallback.Queue
	stats        map[string]flexcallback.WaitStatistics // by task queue or workflow SID
	recordings   map[string]flexcallback.Recording
	reservations map[string][]flexcallback.Reservation // by task SID
	calls        []flexcallback.CallUpdate
}

// New returns an empty Twilio that journals to j (nil: a journal of its own).
func New(j *Journal) *Twilio {
	if j == nil {
		j = &Journal{}
	}
	return &Twilio{Journal: j, tasks: map[string]*flexcallback.Task{}, queues: map[string]flexcallback.Queue{},
		stats: map[string]flexcallback.WaitStatistics{}, recordings: map[string]flexcallback.Recording{},
		reservations: map[string][]flexcallback.Reservation{}}
}

// Err is an error of kind, as backend/twilio returns them.
func Err(kind error) error { return &flexcallback.Error{Kind: kind, Message: "twiliofake"} }

// Inject adds a fault.
func (f *Twilio) Inject(fl Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fl)
}

// begin journals a call and applies its fault: it waits the fault's delay, and answers its
// error unless the fault comes after the call. It returns the fault (zero: none).
func (f *Twilio) begin(op, format string, args ...any) (Fault, error) {
	f.Add(op+" "+format, args...)
	f.mu.Lock()
	var fl Fault
	for i, p := range f.faults {
		if p.Op != op {
			continue
		}
		fl = *p
		if p.Count--; p.Count == 0 {
			f.faults = slices.Delete(f.faults, i, i+1)
		}
		break
	}
	f.mu.Unlock()
	if fl.Seen != nil {
		fl.Seen <- op + " " + fmt.Sprintf(format, args...)
	}
	time.Sleep(fl.Delay)
	if fl.Wait != nil {
		<-fl.Wait
	}
	if fl.Err != nil && !fl.After {
		return fl, fl.Err
	}
	return fl, nil
}

// after is what a call that succeeded answers under its fault.
func (fl Fault) after() error {
	if fl.After {
		return fl.Err
	}
	return nil
}

// Put stores t as it is, with a fresh ETag.
func (f *Twilio) Put(t flexcallback.Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tasks[t.Sid]; !ok {
		f.order = append(f.order, t.Sid)
	}
	t.ETag = f.nextETag()
	t.Attributes = clone(t.Attributes)
	f.tasks[t.Sid] = &t
}

// Task returns the stored task sid (zero when there is none).
func (f *Twilio) Task(sid string) flexcallback.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.tasks[sid]; ok {
		return copyTask(t)
	}
	return flexcallback.Task{}
}

// TaskSids returns the SIDs of the stored tasks, oldest first.
func (f *Twilio) TaskSids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.order)
}

func (f *Twilio) nextETag() string {
	f.etag++
	return fmt.Sprintf("e%d", f.etag)
}

func (f *Twilio) CreateTask(ctx context.Context, nt flexcallback.NewTask) (flexcallback.Task, error) {
	fl, err := f.begin("create", "%s", nt.WorkflowSid)
	if err != nil {
		return flexcallback.Task{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &flexcallback.Task{Sid: fmt.Sprintf("WT%032d", len(f.order)+1), WorkflowSid: nt.WorkflowSid,
		Status: flexcallback.StatusPending, Channel: nt.Channel, Priority: nt.Priority, Timeout: nt.Timeout,
		Attributes: clone(nt.Attributes), DateCreated: time.Now().UTC(), ETag: f.nextETag()}
	f.tasks[t.Sid] = t
	f.order = append(f.order, t.Sid)
	return copyTask(t), fl.after()
}

func (f *Twilio) FetchTask(ctx context.Context, sid string) (flexcallback.Task, error) {
	return fetch(f, "fetch", sid, f.tasks, copyTask)
}

// fetch journals a fetch of sid, applies its fault, and answers conv of the value m holds.
func fetch[V, T any](f *Twilio, op, sid string, m map[string]V, conv func(V) T) (T, error) {
	var zero T
	fl, err := f.begin(op, "%s", sid)
	if err != nil {
		return zero, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := m[sid]
	if !ok {
		return zero, Err(flexcallback.ErrNotFound)
	}
	return conv(v), fl.after()
}

func same[T any](v T) T { return v }

func put[T any](f *Twilio, m map[string]T, sid string, v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m[sid] = v
}

// UpdateTask applies u as TaskRouter does: If-Match guards it, and a task no longer waiting
// cannot be canceled (ErrConflict, Twilio's 20001).
func (f *Twilio) UpdateTask(ctx context.Context, sid string, u flexcallback.TaskUpdate) (flexcallback.Task, error) {
	fl, err := f.begin("update", "%s status=%s reason=%q if-match=%s", sid, u.AssignmentStatus, u.Reason, u.IfMatch)
	if err != nil {
		return flexcallback.Task{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tasks[sid]
	if !ok {
		return flexcallback.Task{}, Err(flexcallback.ErrNotFound)
	}
	if fl.Race {
		t.ETag = f.nextETag()
	}
	if u.IfMatch != "" && u.IfMatch != t.ETag {
		return flexcallback.Task{}, Err(flexcallback.ErrPrecondition)
	}
	if u.AssignmentStatus == flexcallback.StatusCanceled && t.Status != flexcallback.StatusPending && t.Status != flexcallback.StatusReserved {
		return flexcallback.Task{}, Err(flexcallback.ErrConflict)
	}
	if u.AssignmentStatus != "" {
		t.Status, t.Reason = u.AssignmentStatus, u.Reason
	}
	if u.Attributes != nil {
		t.Attributes = clone(u.Attributes)
	}
	t.ETag = f.nextETag()
	return copyTask(t), fl.after()
}

// ListTasks filters by workflow and status, newest first, at most PageSize×MaxPages; lists carry
// no ETag. An Evaluate expression is journaled, not evaluated: callers must check what they get.
func (f *Twilio) ListTasks(ctx context.Context, q flexcallback.TaskQuery) ([]flexcallback.Task, error) {
	evaluate := ""
	if q.Evaluate != "" {
		evaluate = fmt.Sprintf("evaluate=%q ", q.Evaluate)
	}
	fl, err := f.begin("list", "%s%s %v %s %d×%d", evaluate, q.WorkflowSid, q.AssignmentStatus, q.Ordering, q.PageSize, q.MaxPages)
	if err != nil {
		return nil, err
	}
	out := f.listed(q)
	if n := q.PageSize * max(q.MaxPages, 1); n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, fl.after()
}

// ListTaskPage pages q's tasks as ListTasks lists them, as refs; Next is the following page's
// number, journaled as "page N". The answer is what was there when the call arrived, before
// its fault's Delay or Wait: a listing held on the wire misses the tasks made meanwhile.
func (f *Twilio) ListTaskPage(ctx context.Context, q flexcallback.TaskQuery, next string) (flexcallback.TaskPage, error) {
	pg := max(1, atoi(next))
	all := f.listed(q)
	from := min((pg-1)*q.PageSize, len(all))
	to := min(from+q.PageSize, len(all))
	page := flexcallback.TaskPage{Refs: make([]flexcallback.TaskRef, 0, to-from)}
	for _, t := range all[from:to] {
		cs, _ := t.Attributes["call_sid"].(string)
		page.Refs = append(page.Refs, flexcallback.TaskRef{Sid: t.Sid, CallSid: cs, QueueSid: t.QueueSid, Status: t.Status,
			Priority: t.Priority, DateCreated: t.DateCreated, VirtualStartTime: t.VirtualStartTime})
	}
	if to < len(all) {
		page.Next = strconv.Itoa(pg + 1)
	}
	fl, err := f.begin("list", "%s %v %s %d page %d", q.WorkflowSid, q.AssignmentStatus, q.Ordering, q.PageSize, pg)
	if err != nil {
		return flexcallback.TaskPage{}, err
	}
	return page, fl.after()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// listed returns the tasks of q's workflow and statuses (empty: any), newest first, without ETags.
func (f *Twilio) listed(q flexcallback.TaskQuery) []flexcallback.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []flexcallback.Task
	for _, sid := range slices.Backward(f.order) {
		t := f.tasks[sid]
		if (q.WorkflowSid == "" || t.WorkflowSid == q.WorkflowSid) &&
			(len(q.AssignmentStatus) == 0 || slices.Contains(q.AssignmentStatus, t.Status)) {
			c := copyTask(t)
			c.ETag = ""
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b flexcallback.Task) int { return b.DateCreated.Compare(a.DateCreated) })
	return out
}

func (f *Twilio) ListWorkflows(ctx context.Context) ([]flexcallback.Workflow, error) { return nil, nil }

// PutReservation stores a reservation of its task.
func (f *Twilio) PutReservation(r flexcallback.Reservation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reservations[r.TaskSid] = append(f.reservations[r.TaskSid], r)
}

func (f *Twilio) ListTaskReservations(ctx context.Context, taskSid string) ([]flexcallback.Reservation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reservations[taskSid]), nil
}

// PutQueue stores a voice queue.
func (f *Twilio) PutQueue(q flexcallback.Queue) { put(f, f.queues, q.Sid, q) }

func (f *Twilio) FetchQueue(ctx context.Context, sid string) (flexcallback.Queue, error) {
	return fetch(f, "queue", sid, f.queues, same)
}

// PutStatistics stores the statistics of a task queue (WQ…) or workflow (WW…); one not stored is
// not found.
func (f *Twilio) PutStatistics(sid string, s flexcallback.WaitStatistics) { put(f, f.stats, sid, s) }

func (f *Twilio) TaskQueueStatistics(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	return fetch(f, "statistics", sid, f.stats, same)
}

func (f *Twilio) WorkflowStatistics(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	return fetch(f, "statistics", sid, f.stats, same)
}

func (f *Twilio) UpdateCall(ctx context.Context, sid string, u flexcallback.CallUpdate) error {
	fl, err := f.begin("call-update", "%s %s", sid, u.URL)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, u)
	return fl.after()
}

// CallUpdates returns the call updates made, in order.
func (f *Twilio) CallUpdates() []flexcallback.CallUpdate {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// PutRecording stores a recording.
func (f *Twilio) PutRecording(r flexcallback.Recording) { put(f, f.recordings, r.Sid, r) }

func (f *Twilio) FetchRecording(ctx context.Context, sid string) (flexcallback.Recording, error) {
	return fetch(f, "recording", sid, f.recordings, same)
}

func (f *Twilio) DeleteRecording(ctx context.Context, sid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.recordings, sid)
	return nil
}

// RecordingMedia, FetchTranscription: the fake keeps no audio and no transcriptions.
func (f *Twilio) RecordingMedia(context.Context, string, string) (*flexcallback.Media, error) {
	return nil, Err(flexcallback.ErrNotFound)
}

func (f *Twilio) FetchTranscription(context.Context, string) (flexcallback.Transcription, error) {
	return flexcallback.Transcription{}, Err(flexcallback.ErrNotFound)
}

func (f *Twilio) DeleteTranscription(context.Context, string) error { return nil }

// Ready is backend/twilio's credential probe: the fake is always ready.
func (f *Twilio) Ready(context.Context) error { return nil }

func copyTask(t *flexcallback.Task) flexcallback.Task {
	c := *t
	c.Attributes = clone(t.Attributes)
	return c
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
