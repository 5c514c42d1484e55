package flexcallback

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Defaults used when building a task, when neither the request nor an original task says.
const (
	DefaultTimeout = 86400 // seconds
	DefaultChannel = "voice"
)

// Request asks for one callback or voicemail task. It is the typed form of create-callback's
// parameters (spec §1.1) and of what the wait experience and requeue pass (spec §2.1).
type Request struct {
	NumberToCall     string // E.164, or a sip:/client: address
	NumberToCallFrom string
	FlexFlowSid      string
	WorkflowSid      string // override; else the original's; else the configured default
	Timeout          *int   // override, seconds
	Priority         *int   // override
	Attempts         *int   // override; else the original's + 1; else 0
	ConversationID   string
	Received         time.Time // utcDateTimeReceived; zero: the original's, else now
	RecordingSid     string
	RecordingURL     string
	TranscriptSid    string
	TranscriptText   string
	TranscriptFailed bool // Twilio could not transcribe the recording: callBackData.transcriptStatus "failed"
	IsDeleted        *bool
	TaskChannel      string // override; else the original's; else "voice"

	Original         *Task     // the task copied (requeue, or the call task when routing is kept)
	VirtualStartTime time.Time // keeps the caller's place in the queue; zero: not sent
	// ScheduledFor is the time the caller or agent chose (callBackData.scheduledFor); it is also
	// the task's virtual start time, so a scheduled callback queues from its time, not before.
	ScheduledFor time.Time
	Key          string        // idempotency key; stored as callBackData.requestKey
	KeyOpenOnly  bool          // Key replays its task only while it is open: the same-parameters key
	KeyTTL       time.Duration // how long Key is remembered; 0: the service's default

	Source    string // SourceStudio, SourceWait: written with a request merged into an open task (Creator.Ask)
	MergeOnly bool   // Ask only merges into the caller's open task; it makes no task of its own
}

// Kind is voicemail when there is a recording, here or on the original; otherwise callback.
func (r Request) Kind() Kind {
	if r.RecordingSid != "" {
		return KindVoicemail
	}
	if r.Original != nil && ReadCallbackData(r.Original.Attributes).RecordingSid != "" {
		return KindVoicemail
	}
	return KindCallback
}

// CallbackData is attributes.callBackData as read from a task, tolerant of the reference's
// strings ("2" attempts, "false" isDeleted).
type CallbackData struct {
	NumberToCall     string    `json:"numberToCall,omitempty"`
	NumberToCallFrom string    `json:"numberToCallFrom,omitempty"`
	RecordingSid     string    `json:"recordingSid,omitempty"`
	RecordingURL     string    `json:"recordingUrl,omitempty"`
	TranscriptSid    string    `json:"transcriptSid,omitempty"`
	TranscriptText   string    `json:"transcriptText,omitempty"`
	TranscriptStatus string    `json:"transcriptStatus,omitempty"` // "failed": Twilio could not transcribe it
	MainTimeZone     string    `json:"mainTimeZone,omitempty"`
	Received         time.Time `json:"utcDateTimeReceived"`
	IsDeleted        bool      `json:"isDeleted"`
	Attempts         int       `json:"attempts"`
	RequestKey       string    `json:"requestKey,omitempty"`
	RequeuedTo       string    `json:"requeuedTo,omitempty"` // the task this one was requeued as
	// ScheduledFor is when the callback was asked for (a chosen slot, an agent's "retry at").
	ScheduledFor time.Time `json:"scheduledFor,omitzero"`
	// RetryScheduled names the scheduled request an agent's "retry at" made of this task.
	RetryScheduled string `json:"retryScheduled,omitempty"`
	// Requests are the caller's later requests merged into this task (MERGE_OPEN_CALLBACKS).
	Requests     []MergedRequest `json:"requests,omitempty"`
	RequestCount int             `json:"requestCount,omitempty"` // 1 + len(Requests); 0 when none were merged
}

// ReadCallbackData reads attributes.callBackData; missing or odd values read as zero.
func ReadCallbackData(attrs map[string]any) CallbackData {
	m, _ := attrs["callBackData"].(map[string]any)
	if m == nil {
		return CallbackData{}
	}
	d := CallbackData{
		NumberToCall:     str(m["numberToCall"]),
		NumberToCallFrom: str(m["numberToCallFrom"]),
		RecordingSid:     str(m["recordingSid"]),
		RecordingURL:     str(m["recordingUrl"]),
		TranscriptSid:    str(m["transcriptSid"]),
		TranscriptText:   str(m["transcriptText"]),
		TranscriptStatus: str(m["transcriptStatus"]),
		MainTimeZone:     str(m["mainTimeZone"]),
		RequestKey:       str(m["requestKey"]),
		RequeuedTo:       str(m["requeuedTo"]),
		RetryScheduled:   str(m["retryScheduled"]),
	}
	if t, err := time.Parse(time.RFC3339Nano, str(m["scheduledFor"])); err == nil {
		d.ScheduledFor = t
	}
	d.Attempts, _ = intOf(m["attempts"])
	d.RequestCount, _ = intOf(m["requestCount"])
	d.Requests = readRequests(m["requests"])
	d.IsDeleted = boolOf(m["isDeleted"])
	if t, err := time.Parse(time.RFC3339Nano, str(m["utcDateTimeReceived"])); err == nil {
		d.Received = t
	}
	return d
}

// TaskKind returns attributes.taskType.
func TaskKind(attrs map[string]any) Kind { return Kind(str(attrs["taskType"])) }

// BuildTask applies the task-creation rules of the reference (spec §2) to r: the scalar
// precedence (request, then original, then default), the attribute document built in the
// reference's order, and the keys that must not be copied. Unlike the reference, attempts is an
// int and isDeleted a bool (fixes B7). defaultWorkflow and timeZone come from configuration.
func BuildTask(r Request, defaultWorkflow, timeZone string, now time.Time) (NewTask, error) {
	var orig Task
	if r.Original != nil {
		orig = *r.Original
	}
	origData := ReadCallbackData(orig.Attributes)

	t := NewTask{
		WorkflowSid:      first(r.WorkflowSid, orig.WorkflowSid, defaultWorkflow),
		Channel:          first(r.TaskChannel, orig.Channel, DefaultChannel),
		Timeout:          DefaultTimeout,
		VirtualStartTime: r.VirtualStartTime,
	}
	switch {
	case r.Timeout != nil:
		t.Timeout = *r.Timeout
	case orig.Timeout > 0:
		t.Timeout = orig.Timeout
	}
	switch {
	case r.Priority != nil:
		t.Priority = *r.Priority
	default:
		t.Priority = orig.Priority
	}
	if t.WorkflowSid == "" {
		return NewTask{}, Invalid("workflowSid", "no workflow: set workflowSid or TWILIO_FLEX_CALLBACK_WORKFLOW_SID")
	}

	attrs := maps.Clone(orig.Attributes)
	if attrs == nil {
		attrs = map[string]any{}
	}
	if r.NumberToCall != "" {
		attrs["from"] = r.NumberToCall
		attrs["name"] = r.NumberToCall
	}
	if r.FlexFlowSid != "" {
		attrs["flow_execution_sid"] = r.FlexFlowSid
	}
	attrs["taskType"] = string(r.Kind())

	cb := map[string]any{}
	if m, ok := attrs["callBackData"].(map[string]any); ok {
		cb = maps.Clone(m)
	}
	for k, v := range map[string]string{
		"numberToCall": r.NumberToCall, "numberToCallFrom": r.NumberToCallFrom,
		"recordingSid": r.RecordingSid, "recordingUrl": r.RecordingURL,
		"transcriptSid": r.TranscriptSid, "transcriptText": r.TranscriptText,
	} {
		if v != "" {
			cb[k] = v
		}
	}
	if r.TranscriptFailed && r.TranscriptText == "" {
		cb["transcriptStatus"] = TranscriptStatusFailed
	}
	cb["mainTimeZone"] = first(origData.MainTimeZone, timeZone, "UTC")
	received := r.Received
	if received.IsZero() {
		received = origData.Received
	}
	if received.IsZero() {
		received = now
	}
	cb["utcDateTimeReceived"] = received.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	switch {
	case r.IsDeleted != nil:
		cb["isDeleted"] = *r.IsDeleted
	default:
		cb["isDeleted"] = origData.IsDeleted
	}
	switch {
	case r.Attempts != nil:
		cb["attempts"] = *r.Attempts
	case r.Original != nil && hasKey(orig.Attributes, "callBackData", "attempts"):
		cb["attempts"] = origData.Attempts + 1
	default:
		cb["attempts"] = 0
	}
	if r.Key != "" {
		cb["requestKey"] = r.Key
	} else {
		delete(cb, "requestKey")
	}
	delete(cb, "requeuedTo") // the copy is a new task, not yet requeued
	delete(cb, "retryScheduled")
	if r.ScheduledFor.IsZero() {
		delete(cb, "scheduledFor") // a copy made now is not the scheduled one
	} else {
		cb["scheduledFor"] = r.ScheduledFor.UTC().Format(time.RFC3339)
		t.VirtualStartTime = r.ScheduledFor // it queues from its time, not from the request's
	}
	attrs["callBackData"] = cb
	attrs["direction"] = "inbound"

	conv := map[string]any{}
	if m, ok := attrs["conversations"].(map[string]any); ok {
		conv = maps.Clone(m)
	}
	if id := first(r.ConversationID, str(conv["conversation_id"]), orig.Sid); id != "" {
		conv["conversation_id"] = id
	}
	delete(conv, "abandoned")
	delete(conv, "hang_up_by")
	delete(conv, "outcome") // a new attempt: its outcome is its own
	attrs["conversations"] = conv
	delete(attrs, "call_sid")
	delete(attrs, "reservation_attributes")
	delete(attrs, "conference")

	t.Attributes = attrs
	return t, nil
}

// EncodeAttributes is the JSON TaskRouter stores.
func EncodeAttributes(attrs map[string]any) (string, error) {
	if attrs == nil {
		return "{}", nil
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		return "", fmt.Errorf("encode attributes: %w", err)
	}
	return string(b), nil
}

// DecodeAttributes parses TaskRouter's attribute JSON; an empty string is an empty document.
func DecodeAttributes(s string) (map[string]any, error) {
	m := map[string]any{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode attributes: %w", err)
	}
	return m, nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func intOf(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case int:
		return x, true
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

func boolOf(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(strings.TrimSpace(x))
		return b
	}
	return false
}

func hasKey(attrs map[string]any, outer, inner string) bool {
	m, ok := attrs[outer].(map[string]any)
	if !ok {
		return false
	}
	_, ok = m[inner]
	return ok
}
