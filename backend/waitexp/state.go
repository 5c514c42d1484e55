package waitexp

import (
	"net/url"
	"strconv"
	"strings"
)

// Modes of the state machine. The reference's names (spec §3.4) are kept so calls in progress
// survive a deploy; modeRecordingStatus is ours (B11).
const (
	modeInitialize          = "initialize"
	modeMainWaitLoop        = "main-wait-loop"
	modeInitialChoice       = "handle-initial-choice"
	modeCallbackOrVoicemail = "handle-callback-or-voicemail-choice"
	modeCallbackChoice      = "handle-callback-choice"
	modeOtherNumberOption   = "handle-callback-for-other-number-confirmation-option"
	modeOtherNumberConfirm  = "handle-callback-for-other-number-confirmation"
	modeSubmitCallback      = "submit-callback"
	modeRecordVoicemail     = "record-voicemail"
	modeVoicemailRecorded   = "voicemail-recorded"
	modeSubmitVoicemail     = "submit-voicemail"
	modeRecordingStatus     = "recording-status"
)

// Query parameters we carry between modes. The first seven are the reference's; lang, workflowSid,
// pass and attempt are ours.
const (
	pCallSid            = "CallSid"
	pTaskSid            = "enqueuedTaskSid"
	pSkipGreeting       = "skipGreeting"
	pTo                 = "to"
	pUpdatedPhoneNumber = "updatedPhoneNumber"
	pCalledNumber       = "calledNumber"
	pCallerNumber       = "callerNumber"
	pLang               = "lang"
	pWorkflowSid        = "workflowSid"
	pPass               = "pass"    // task lookups done while the task is unknown (B4)
	pAttempt            = "attempt" // voicemail recording attempt, from 1 (B12)
	pSlots              = "slots"   // the callback times offered, Unix seconds, comma-separated
)

// params is a request's query and body, merged by backend/api (the body winning).
type params url.Values

func (p params) get(key string) string {
	return strings.TrimSpace(url.Values(p).Get(key))
}

// state is what travels from mode to mode in the URL.
type state struct {
	callSid      string
	taskSid      string // the call's TaskRouter task, once found
	workflowSid  string
	lang         string // as the call asked; empty: the configured language
	skipGreeting bool
	pass         int
}

func readState(p params) state {
	s := state{
		callSid:      p.get(pCallSid),
		taskSid:      p.get(pTaskSid),
		workflowSid:  p.get(pWorkflowSid),
		lang:         p.get(pLang),
		skipGreeting: p.get(pSkipGreeting) == "true",
	}
	// The reference wrote enqueuedTaskSid=undefined after a failed lookup (B4); calls carrying it
	// may still be in progress after a deploy.
	if !strings.HasPrefix(s.taskSid, "WT") {
		s.taskSid = ""
	}
	if !strings.HasPrefix(s.workflowSid, "WW") {
		s.workflowSid = ""
	}
	s.pass, _ = strconv.Atoi(p.get(pPass))
	return s
}

// url returns the absolute URL of mode with the state and extra key/value pairs, encoded. Empty
// values are left out (B4: never "undefined").
func (e *Experience) url(mode string, s state, extra ...string) string {
	var b strings.Builder
	b.WriteString(e.opts.Endpoint)
	b.WriteString("?mode=")
	b.WriteString(url.QueryEscape(mode))
	add := func(k, v string) {
		if v == "" {
			return
		}
		b.WriteByte('&')
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	add(pCallSid, s.callSid)
	add(pTaskSid, s.taskSid)
	add(pWorkflowSid, s.workflowSid)
	add(pLang, s.lang)
	for i := 0; i+1 < len(extra); i += 2 {
		add(extra[i], extra[i+1])
	}
	return b.String()
}

// loopURL is the main wait loop without the greeting: where every path that keeps the caller
// queued goes back to (B5).
func (e *Experience) loopURL(s state) string {
	var pass string
	if s.taskSid == "" {
		pass = strconv.Itoa(s.pass)
	}
	return e.url(modeMainWaitLoop, s, pSkipGreeting, "true", pPass, pass)
}
