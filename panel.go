package flexcallback

import (
	"maps"
	"strconv"
	"strings"
)

// PanelRules are the rules the backend enforces that decide what the panel offers. The backend
// puts them in the panel's page (backend/panel, as go-app environment variables) and the panel
// applies them over the Flex configuration the shim reports, so the agent is never offered what the
// backend would refuse.
type PanelRules struct {
	// MaxAttempts is MAX_ATTEMPTS: requeue-callback refuses a task from this attempt on.
	MaxAttempts int
}

// envMaxAttempts is the page environment variable that carries PanelRules.MaxAttempts.
const envMaxAttempts = "MAX_ATTEMPTS"

// Env returns the rules as the panel page's environment variables.
func (r PanelRules) Env() map[string]string {
	return map[string]string{envMaxAttempts: strconv.Itoa(r.MaxAttempts)}
}

// PanelRulesFromEnv reads the rules Env wrote; a missing or invalid value is left 0 (unknown).
func PanelRulesFromEnv(getenv func(string) string) PanelRules {
	n, err := strconv.Atoi(getenv(envMaxAttempts))
	if err != nil || n < 1 {
		n = 0
	}
	return PanelRules{MaxAttempts: n}
}

// Apply returns c with the backend's rules in force: where Flex's custom_data (max_attempts) and
// the backend disagree, the backend's value wins. allow_requeue stays Flex's: the backend has no
// such setting, it only refuses attempts past MaxAttempts.
func (r PanelRules) Apply(c PanelConfig) PanelConfig {
	if r.MaxAttempts > 0 {
		c.MaxAttempts = r.MaxAttempts
	}
	return c
}

// PanelView is what the agent panel shows for one task and which of its controls work: the rules
// of spec §5.3–5.6, decided here so that the wasm panel only renders them.
type PanelView struct {
	Kind Kind         // callback or voicemail (anything else: the panel has nothing to show)
	Data CallbackData // attributes.callBackData

	ShowRecording  bool // a recording exists and was not deleted
	PlayRecording  bool // ShowRecording, and the agent accepted the task: the backend serves its audio
	ShowTranscript bool // a transcript exists and was not deleted
	// TranscriptFailed: Twilio could not transcribe the recording, so the panel says the
	// transcript is unavailable rather than showing nothing.
	TranscriptFailed bool
	ShowAttempts     bool // "attempt n of max", when requeue is allowed
	ThisAttempt      int  // attempts + 1
	MaxAttempts      int  // at least 1

	// Merged are the caller's later requests joined to this task (callBackData.requests), oldest
	// first, each voicemail with the rules of the task's own.
	Merged []MergedView

	CallEnabled   bool // Place call now
	ShowRetry     bool // Retry later
	RetryEnabled  bool
	ShowDelete    bool // Delete voicemail
	DeleteEnabled bool

	// The outcome step (outcome.go): what came of the call back placed from this task.
	CallActive bool    // the call back is on: no second call meanwhile
	CallSid    string  // the call back that ended, "" when none did
	AskOutcome bool    // it ended and its outcome is not logged yet
	Outcome    Outcome // its logged outcome, "" when none
}

// NewPanelView applies the panel rules to a task. busy is true while an action of this panel is in
// flight; it is the panel's own state, so a failed action re-enables the buttons (fixes B9).
func NewPanelView(t PanelTask, w PanelWorker, c PanelConfig, busy bool) PanelView {
	d := ReadCallbackData(t.Attributes)
	v := PanelView{
		Kind:        TaskKind(t.Attributes),
		Data:        d,
		ThisAttempt: d.Attempts + 1,
		MaxAttempts: max(c.MaxAttempts, 1),
	}
	v.ShowRecording = d.RecordingSid != "" && !d.IsDeleted
	v.ShowTranscript = d.TranscriptText != "" && !d.IsDeleted
	v.TranscriptFailed = !v.ShowTranscript && v.ShowRecording && d.TranscriptStatus == TranscriptStatusFailed
	v.ShowAttempts = c.AllowRequeue
	v.ShowDelete = v.ShowRecording

	assigned := t.Status == StatusAssigned
	v.PlayRecording = v.ShowRecording && (assigned || t.Status == StatusWrapping)
	v.CallEnabled = assigned && !w.Offline && !busy && d.NumberToCall != ""
	v.ShowRetry = c.AllowRequeue && v.ThisAttempt < v.MaxAttempts
	v.RetryEnabled = v.ShowRetry && assigned && !busy
	// Deleting stays possible in wrap-up: the agent may only decide after the call.
	v.DeleteEnabled = v.ShowDelete && !busy && (assigned || t.Status == StatusWrapping)
	for _, r := range d.Requests {
		m := MergedView{MergedRequest: r, ShowRecording: r.RecordingSid != ""}
		m.PlayRecording = m.ShowRecording && (assigned || t.Status == StatusWrapping)
		m.ShowTranscript = r.TranscriptText != ""
		m.TranscriptFailed = m.ShowRecording && !m.ShowTranscript && r.TranscriptStatus == TranscriptStatusFailed
		v.Merged = append(v.Merged, m)
	}
	v.applyOutcome(t)
	return v
}

// MergedView is one merged request as the panel shows it.
type MergedView struct {
	MergedRequest
	ShowRecording    bool // a voicemail
	PlayRecording    bool // and the agent accepted the task: the backend serves its audio
	ShowTranscript   bool
	TranscriptFailed bool
}

// OutboundCall is the payload of the StartOutboundCall action (spec §5.6).
type OutboundCall struct {
	Destination    string         `json:"destination"`
	CallerID       string         `json:"callerId,omitempty"`
	QueueSid       string         `json:"queueSid"`
	TaskAttributes map[string]any `json:"taskAttributes"`
}

// BuildOutboundCall builds the call back to the contact of t. The outbound task copies every
// attribute, is marked callback-outbound (so it matches neither channel), keeps only the
// conversation id (for reporting) and names the reservation as its parent. A task without a number
// to call is ErrInvalid. t is not changed.
func BuildOutboundCall(t PanelTask) (OutboundCall, error) {
	d := ReadCallbackData(t.Attributes)
	if d.NumberToCall == "" {
		return OutboundCall{}, Invalid("callBackData.numberToCall", "task %s has no number to call", t.TaskSid)
	}
	attrs := maps.Clone(t.Attributes)
	attrs["taskType"] = string(KindOutbound)
	convID := ""
	if conv, ok := t.Attributes["conversations"].(map[string]any); ok {
		convID = str(conv["conversation_id"])
	}
	attrs["conversations"] = map[string]any{"conversation_id": first(convID, t.TaskSid)}
	attrs["autoClose"] = true
	attrs["parentTask"] = t.Sid
	return OutboundCall{
		Destination:    d.NumberToCall,
		CallerID:       CallerID(d.NumberToCallFrom),
		QueueSid:       t.QueueSid,
		TaskAttributes: attrs,
	}, nil
}

// CallerID is the caller ID to present when calling back: the number the contact called, unless it
// is a SIP address, which cannot be a caller ID. "" lets Flex use its default.
func CallerID(numberToCallFrom string) string {
	s := strings.TrimSpace(numberToCallFrom)
	if strings.HasPrefix(strings.ToLower(s), "sip:") {
		return ""
	}
	return s
}
