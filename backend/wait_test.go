package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const waitURL = "/features/callback-and-voicemail/studio/wait-experience"

type timelineEntry struct {
	At    string            `json:"at"`
	Verb  string            `json:"verb"`
	Text  string            `json:"text"`
	URL   string            `json:"url"`
	Attrs map[string]string `json:"attrs"`
}

type callView struct {
	Sid      string          `json:"sid"`
	Status   string          `json:"status"`
	TaskSid  string          `json:"taskSid"`
	Timeline []timelineEntry `json:"timeline"`
}

// enqueue starts a caller sent to Flex with our wait experience as hold music, as the
// reference's Studio flow does (Send to Flex on the callback workflow).
func (a *app) enqueue(from, waitQuery string) string {
	a.t.Helper()
	var out struct {
		CallSid string `json:"callSid"`
	}
	a.admin("POST", "/_sandbox/calls", map[string]any{"from": from, "to": ourLine, "enqueue": map[string]any{
		"workflowSid": a.info.Workflows["callback"], "waitUrl": a.base + waitURL + waitQuery,
		"attributes": fmt.Sprintf(`{"type":"inbound","name":%q,"conversations":{"hang_up_by":"Customer"},"skill":"billing"}`, from),
	}}, &out)
	return out.CallSid
}

func (a *app) call(sid string) callView {
	a.t.Helper()
	var c callView
	a.admin("GET", "/_sandbox/calls/"+sid, nil, &c)
	return c
}

func (a *app) press(sid, digits string) callView {
	a.t.Helper()
	var c callView
	a.admin("POST", "/_sandbox/calls/"+sid+"/digits", map[string]string{"digits": digits}, &c)
	return c
}

func (a *app) advance(d string) {
	a.admin("POST", "/_sandbox/clock", map[string]string{"advance": d}, nil)
}

// said is everything the caller heard spoken, in order.
func (c callView) said() []string {
	var out []string
	for _, e := range c.Timeline {
		if e.Verb == "Say" {
			out = append(out, e.Text)
		}
	}
	return out
}

func (c callView) heard(substr string) bool {
	return slices.ContainsFunc(c.said(), func(s string) bool { return strings.Contains(s, substr) })
}

func (c callView) dump() string {
	var b strings.Builder
	for _, e := range c.Timeline {
		fmt.Fprintf(&b, "  %s %s %q %s %v\n", e.At, e.Verb, e.Text, e.URL, e.Attrs)
	}
	return b.String()
}

// callTask is the task the sandbox made for the caller's Enqueue.
func (a *app) callTask(sid string) sandboxTask { return a.task(a.call(sid).TaskSid) }

// followUps are the callback and voicemail tasks.
func (a *app) followUps() []sandboxTask {
	var out []sandboxTask
	for _, t := range a.tasks() {
		if k := t.attrs(a.t)["taskType"]; k == "callback" || k == "voicemail" {
			out = append(out, t)
		}
	}
	return out
}

func TestWaitCallbackSameNumber(t *testing.T) {
	a := startApp(t, nil)
	sid := a.enqueue(caller, "")
	callTask := a.callTask(sid)
	a.press(sid, "*")
	a.press(sid, "1")
	c := a.press(sid, "1")
	if c.Status != "completed" || !c.heard("A callback has been requested") {
		t.Fatalf("caller: %s\n%s", c.Status, c.dump())
	}
	fu := a.followUps()
	if len(fu) != 1 {
		t.Fatalf("%d follow-up tasks, want 1", len(fu))
	}
	cb := fu[0]
	attrs := cb.attrs(t)
	data := attrs["callBackData"].(map[string]any)
	if attrs["taskType"] != "callback" || data["numberToCall"] != caller || data["numberToCallFrom"] != ourLine {
		t.Errorf("callback attributes = %s", cb.Attributes)
	}
	// Routing kept (the call task's workflow and custom attributes) and place in queue kept.
	if cb.WorkflowSid != callTask.WorkflowSid || attrs["skill"] != "billing" || attrs["call_sid"] != nil {
		t.Errorf("routing not kept: %+v %s", cb, cb.Attributes)
	}
	if cb.VirtualStartTime != callTask.DateCreated {
		t.Errorf("virtual_start_time = %q, want the call task's date_created %q", cb.VirtualStartTime, callTask.DateCreated)
	}
	ct := a.task(callTask.Sid)
	if ct.AssignmentStatus != "canceled" || ct.Reason != "Opted to request a callback" {
		t.Errorf("call task %s %q", ct.AssignmentStatus, ct.Reason)
	}
	if conv := ct.attrs(t)["conversations"].(map[string]any); conv["abandoned"] != "Follow-Up" {
		t.Errorf("call task conversations = %v", conv)
	}
}

func TestWaitCallbackOtherNumber(t *testing.T) {
	a := startApp(t, nil)
	sid := a.enqueue(caller, "")
	a.press(sid, "*")
	a.press(sid, "1")
	a.press(sid, "2")
	c := a.press(sid, "12#") // not a number
	if !c.heard("not a number we can call") {
		t.Errorf("no re-prompt after an invalid number:\n%s", c.dump())
	}
	a.press(sid, "4155552672#")
	c = a.press(sid, "2") // re-enter
	a.press(sid, "4155552673#")
	c = a.press(sid, "1")
	if c.Status != "completed" || !c.heard("A callback has been requested") {
		t.Fatalf("caller: %s\n%s", c.Status, c.dump())
	}
	fu := a.followUps()
	if len(fu) != 1 {
		t.Fatalf("%d follow-ups", len(fu))
	}
	if n := fu[0].attrs(t)["callBackData"].(map[string]any)["numberToCall"]; n != "+14155552673" {
		t.Errorf("numberToCall = %v, want the re-entered number in E.164", n)
	}
}

func TestWaitVoicemail(t *testing.T) {
	for _, tc := range []struct {
		name, speech, transcript string
	}{
		{"with transcription", "hello this is Ana please call me back about my order", "hello this is Ana please call me back about my order"},
		{"too short to transcribe", "hi", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startApp(t, nil)
			sid := a.enqueue(caller, "")
			callTask := a.callTask(sid)
			a.admin("POST", "/_sandbox/calls/"+sid+"/speech", map[string]string{"text": tc.speech}, nil)
			a.press(sid, "*")
			c := a.press(sid, "2")
			if !slices.ContainsFunc(c.Timeline, func(e timelineEntry) bool { return e.Verb == "Record" }) {
				t.Fatalf("no Record after choosing voicemail:\n%s", c.dump())
			}
			if ct := a.task(callTask.Sid); ct.AssignmentStatus != "canceled" || ct.Reason != "Opted to leave a voicemail" {
				t.Errorf("call task %s %q", ct.AssignmentStatus, ct.Reason)
			}
			a.advance("20s")
			c = a.call(sid)
			if c.Status != "completed" || !c.heard("recorded") {
				t.Fatalf("caller: %s\n%s", c.Status, c.dump())
			}
			fu := a.followUps()
			if len(fu) != 1 {
				t.Fatalf("%d voicemail tasks, want exactly 1\n%s", len(fu), c.dump())
			}
			attrs := fu[0].attrs(t)
			data := attrs["callBackData"].(map[string]any)
			if attrs["taskType"] != "voicemail" || !strings.HasPrefix(fmt.Sprint(data["recordingSid"]), "RE") || data["numberToCall"] != caller {
				t.Errorf("voicemail attributes = %s", fu[0].Attributes)
			}
			if got := fmt.Sprint(data["transcriptText"]); tc.transcript != "" && got != tc.transcript || tc.transcript == "" && data["transcriptText"] != nil {
				t.Errorf("transcriptText = %v, want %q", data["transcriptText"], tc.transcript)
			}
			// Twilio redelivering the last callback (the transcription) changes nothing.
			a.admin("POST", "/_sandbox/calls/"+sid+"/redeliver", nil, nil)
			if n := len(a.followUps()); n != 1 {
				t.Errorf("%d voicemail tasks after a redelivery", n)
			}
		})
	}
}

func TestWaitLookupMissThenHit(t *testing.T) {
	a := startApp(t, map[string]string{"TWILIO_SERVICE_RETRY_LIMIT": "0"})
	// The lookups of the first two passes fail; a later pass finds the task (fixes B4).
	a.fault(map[string]any{"method": "GET", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "status": 500, "count": 2})
	sid := a.enqueue(caller, "")
	c := a.call(sid)
	if slices.ContainsFunc(c.Timeline, func(e timelineEntry) bool { return strings.Contains(e.URL, "undefined") }) {
		t.Fatalf("enqueuedTaskSid=undefined in a URL:\n%s", c.dump())
	}
	if slices.ContainsFunc(c.Timeline, func(e timelineEntry) bool { return e.Verb == "Gather" }) {
		t.Fatalf("menu offered before the task was found:\n%s", c.dump())
	}
	a.advance("40s") // the hold music ends, the loop passes again and finds the task
	a.press(sid, "*")
	a.press(sid, "1")
	c = a.press(sid, "1")
	if c.Status != "completed" || len(a.followUps()) != 1 {
		t.Fatalf("callback after a late lookup: %s, %d tasks\n%s", c.Status, len(a.followUps()), c.dump())
	}
	if m := a.metric("flexcallback_task_lookup_misses_total"); !strings.HasSuffix(m, " 2") {
		t.Errorf("lookup misses metric = %q", m)
	}
}

func TestWaitHangUpMidMenu(t *testing.T) {
	a := startApp(t, nil)
	sid := a.enqueue(caller, "")
	callTask := a.callTask(sid)
	a.press(sid, "*")
	a.press(sid, "1")
	a.admin("POST", "/_sandbox/calls/"+sid+"/hangup", nil, nil)
	a.advance("30s")
	if n := len(a.followUps()); n != 0 {
		t.Errorf("%d tasks created after a hang-up", n)
	}
	if ct := a.task(callTask.Sid); strings.HasPrefix(ct.Reason, "Opted") {
		t.Errorf("call task touched by us: %s %q", ct.AssignmentStatus, ct.Reason)
	}
}

func TestWaitCreateFailsCallerStaysQueued(t *testing.T) {
	a := startApp(t, map[string]string{"TWILIO_SERVICE_RETRY_LIMIT": "1"})
	sid := a.enqueue(caller, "")
	callTask := a.callTask(sid)
	a.press(sid, "*")
	a.press(sid, "1")
	a.fault(map[string]any{"method": "POST", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "status": 503})
	c := a.press(sid, "1")
	if c.Status == "completed" || c.heard("A callback has been requested") || !c.heard("sorry") && !c.heard("Sorry") {
		t.Fatalf("caller after a failed create: %s\n%s", c.Status, c.dump())
	}
	if ct := a.task(callTask.Sid); ct.AssignmentStatus != "pending" {
		t.Errorf("call task %s %q; want it still pending", ct.AssignmentStatus, ct.Reason)
	}
	if n := len(a.followUps()); n != 0 {
		t.Fatalf("%d tasks", n)
	}
	// Twilio recovers: the caller, still queued, asks again and gets the callback.
	a.admin("DELETE", "/_sandbox/faults", nil, nil)
	a.advance("40s")
	a.press(sid, "*")
	a.press(sid, "1")
	if c = a.press(sid, "1"); c.Status != "completed" || len(a.followUps()) != 1 {
		t.Fatalf("after recovery: %s, %d tasks\n%s", c.Status, len(a.followUps()), c.dump())
	}
}

func TestWaitSpanish(t *testing.T) {
	a := startApp(t, map[string]string{"WAIT_LANGUAGE": "es-MX"})
	sid := a.enqueue(caller, "")
	c := a.press(sid, "*")
	if !c.heard("Por favor espere") || c.heard("Please hold") {
		t.Errorf("prompts not in Spanish:\n%s", c.dump())
	}
	// A call can choose its language with lang on the waitUrl.
	sid = a.enqueue("+14155552672", "?lang=en-US")
	if c := a.call(sid); !c.heard("Please hold") {
		t.Errorf("lang=en-US ignored:\n%s", c.dump())
	}
}
