// Package flexcallback holds the domain of callbacks and voicemails for Twilio Flex: the TaskRouter
// task as we use it, the rules that build a callback or voicemail task (attributes.go), the services
// the backend needs from Twilio, and the error kinds. It imports only the standard library, so the
// wasm panel can use it too.
package flexcallback

import (
	"context"
	"io"
	"time"
)

// Kind is a task's attributes.taskType.
type Kind string

// Task types. Callback and Voicemail are the channels the plugin registers; Outbound marks the
// task of the call an agent places, so it matches neither channel.
const (
	KindCallback  Kind = "callback"
	KindVoicemail Kind = "voicemail"
	KindOutbound  Kind = "callback-outbound"
)

// Task statuses of TaskRouter (assignment_status).
const (
	StatusPending   = "pending"
	StatusReserved  = "reserved"
	StatusAssigned  = "assigned"
	StatusWrapping  = "wrapping"
	StatusCompleted = "completed"
	StatusCanceled  = "canceled"
)

// Task is a TaskRouter task.
type Task struct {
	Sid              string
	WorkspaceSid     string
	WorkflowSid      string
	QueueSid         string // task_queue_sid, once routed
	Channel          string // task_channel_unique_name
	Status           string // assignment_status
	Reason           string
	Priority         int
	Timeout          int
	Age              int
	Attributes       map[string]any // the decoded JSON attributes, every key kept
	DateCreated      time.Time
	DateUpdated      time.Time
	VirtualStartTime time.Time
	ETag             string // from the fetch or update that returned it; empty from lists
}

// NewTask is what creating a task takes.
type NewTask struct {
	WorkflowSid      string
	Channel          string
	Priority         int
	Timeout          int
	Attributes       map[string]any
	VirtualStartTime time.Time // zero: not sent
}

// TaskUpdate changes a task. Empty fields are not sent.
type TaskUpdate struct {
	IfMatch          string         // ETag; a mismatch fails with ErrPrecondition
	AssignmentStatus string         // e.g. StatusCanceled
	Reason           string         // with a cancel
	Attributes       map[string]any // replaces all attributes when non-nil
}

// TaskQuery lists tasks of the workspace.
type TaskQuery struct {
	WorkflowSid      string
	AssignmentStatus []string
	Ordering         string // e.g. "DateCreated:desc"
	Evaluate         string // EvaluateTaskAttributes expression; rate-limited by Twilio (3/s): rare paths only
	PageSize         int    // 0: 50
	MaxPages         int    // 0: 1; paging stops there (bounded, fixes P1)
}

// TaskRef is what a task listing says of a task without decoding its attributes: enough to find a
// call's task (CallSid, from attributes.call_sid), to rank it in its queue and to read that queue's
// statistics.
type TaskRef struct {
	Sid              string
	CallSid          string // attributes.call_sid; "" when absent
	QueueSid         string // task_queue_sid, once routed: the scope of the wait statistics
	Status           string
	Priority         int
	DateCreated      time.Time
	VirtualStartTime time.Time
}

// TaskPage is one page of a task listing. Next, opaque, asks for the following page; "" at the end.
type TaskPage struct {
	Refs []TaskRef
	Next string
}

// Workflow is a TaskRouter workflow.
type Workflow struct {
	Sid          string
	FriendlyName string
}

// Queue is a Programmable Voice queue. Flex names the queue of an Enqueue after its workflow SID.
type Queue struct {
	Sid          string
	FriendlyName string
	CurrentSize  int
	AverageWait  time.Duration
}

// CallUpdate redirects a live call or ends it.
type CallUpdate struct {
	URL    string
	Method string
	Status string // "completed" to hang up
}

// Recording is a call recording.
type Recording struct {
	Sid         string
	CallSid     string
	Duration    time.Duration
	DateCreated time.Time
	Status      string
}

// Transcription is the transcription of a recording.
type Transcription struct {
	Sid          string
	RecordingSid string
	Status       string
	Text         string
}

// Media is a recording's audio as Twilio streams it. The caller closes Body.
type Media struct {
	Status        int // 200, or 206 for a range
	ContentType   string
	ContentLength int64 // -1 when unknown
	ContentRange  string
	AcceptRanges  string
	Body          io.ReadCloser
}

// Worker is the Flex user behind a validated token.
type Worker struct {
	Sid       string // WK…, empty for users who are not workers
	Identity  string
	Roles     []string
	ExpiresAt time.Time
}

// Supervises reports whether the user may act on tasks it does not hold.
func (w Worker) Supervises() bool {
	for _, r := range w.Roles {
		if r == "supervisor" || r == "admin" {
			return true
		}
	}
	return false
}

// TaskRouter is what the backend needs of TaskRouter, in the configured workspace.
// Errors are *Error: ErrNotFound for an unknown SID, ErrPrecondition for an ETag mismatch,
// ErrConflict when Twilio refuses the change for the task's state (code 20001), ErrUnavailable
// after retries, ErrAmbiguous when a create may or may not have happened.
type TaskRouter interface {
	CreateTask(ctx context.Context, t NewTask) (Task, error)
	FetchTask(ctx context.Context, sid string) (Task, error)
	UpdateTask(ctx context.Context, sid string, u TaskUpdate) (Task, error)
	ListTasks(ctx context.Context, q TaskQuery) ([]Task, error)
	// ListTaskPage returns one page of q's tasks as refs (q.MaxPages is ignored): next is ""
	// for the first page, else the Next of the page before.
	ListTaskPage(ctx context.Context, q TaskQuery, next string) (TaskPage, error)
	ListWorkflows(ctx context.Context) ([]Workflow, error)
}

// Voice is what the backend needs of Programmable Voice and its recordings, with the errors of
// TaskRouter.
type Voice interface {
	FetchQueue(ctx context.Context, sid string) (Queue, error)
	UpdateCall(ctx context.Context, sid string, u CallUpdate) error
	FetchRecording(ctx context.Context, sid string) (Recording, error)
	DeleteRecording(ctx context.Context, sid string) error
	// RecordingMedia streams the MP3 of a recording; rangeHeader is passed on as Range.
	RecordingMedia(ctx context.Context, sid, rangeHeader string) (*Media, error)
	FetchTranscription(ctx context.Context, sid string) (Transcription, error)
	DeleteTranscription(ctx context.Context, sid string) error
}

// TokenValidator validates a Flex token. An invalid or expired token is ErrUnauthorized.
type TokenValidator interface {
	ValidateToken(ctx context.Context, token string) (Worker, error)
}

// Store keeps short-lived string values by key: idempotency keys, in-flight claims, token
// validations and the media signing key. It is what replicas share (Redis); the default lives in
// memory, for one replica.
type Store interface {
	// Get returns the value and true, or "" and false when the key is absent or expired.
	Get(ctx context.Context, key string) (string, bool, error)
	// Put sets the value for ttl.
	Put(ctx context.Context, key, value string, ttl time.Duration) error
	// PutIfAbsent sets the value for ttl unless the key holds one, atomically: it returns the
	// value the key holds afterwards and whether it is this call's.
	PutIfAbsent(ctx context.Context, key, value string, ttl time.Duration) (held string, won bool, err error)
	// CompareAndSwap sets the key to new for ttl if it holds old, atomically, and reports whether
	// it did; a new of "" removes the key. A request key's record moves through its states with
	// it (a claim taken over from a dead replica, released, or given back).
	CompareAndSwap(ctx context.Context, key, old, new string, ttl time.Duration) (swapped bool, err error)
}

// Reservation is a TaskRouter reservation: a task offered to, or held by, one worker.
type Reservation struct {
	Sid       string
	TaskSid   string
	WorkerSid string
	Status    string // pending, accepted, wrapping, completed, rejected, timeout, canceled, rescinded
}

// Holds reports whether the reservation gives its worker the task: accepted or in wrap-up. An
// offered (pending) reservation does not; the worker may still reject it, or it may time out.
func (r Reservation) Holds() bool {
	return r.Status == "accepted" || r.Status == "wrapping"
}

// Reservations lists a task's reservations, with the errors of TaskRouter.
type Reservations interface {
	ListTaskReservations(ctx context.Context, taskSid string) ([]Reservation, error)
}

// Creator makes callback and voicemail tasks once per request key; backend/callback implements
// it, and the Studio and Flex handlers and the wait experience create through it.
type Creator interface {
	// Create makes the task r asks for once per r.Key; a repeat returns the first SID with
	// replayed true. Errors wrap the kinds above.
	Create(ctx context.Context, r Request) (sid string, replayed bool, err error)
	// Voicemail creates the voicemail task keyed by r.RecordingSid, or patches transcriptSid and
	// transcriptText onto the one that exists (ETag-guarded). Either order of recording-complete
	// and transcription gives exactly one task.
	Voicemail(ctx context.Context, r Request) (sid string, err error)
	// Ask is a caller's request (Studio, the wait experience): Voicemail when r has a recording,
	// else Create, unless the caller's number has an open callback or voicemail task, which then
	// takes r in callBackData.requests instead (once per r.Key; Asked.Merged). With merging off,
	// or r.NumberToCall not a phone number, it is Create or Voicemail.
	Ask(ctx context.Context, r Request) (Asked, error)
}
