package main

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Issue 15 §1: one open callback per caller (MERGE_OPEN_CALLBACKS). Each test logs the caller's
// timeline on the sandbox's virtual clock.

// timeline collects what happened to one caller, stamped with the sandbox's virtual time.
type timeline struct {
	a     *app
	lines []string
}

func (tl *timeline) add(format string, args ...any) {
	var clock struct {
		Now string `json:"now"`
	}
	tl.a.admin("POST", "/_sandbox/clock", map[string]string{}, &clock)
	tl.lines = append(tl.lines, clock.Now+"  "+fmt.Sprintf(format, args...))
}

func (tl *timeline) log(t *testing.T) {
	t.Log("caller's timeline:\n  " + strings.Join(tl.lines, "\n  "))
}

// ask is a Studio create-callback; it returns the answer's taskSid and merged.
func (a *app) ask(form url.Values, header map[string]string) (string, bool) {
	a.t.Helper()
	r := a.studio("POST", "create-callback", form, header)
	if r.status != 200 {
		a.t.Fatalf("create-callback: %d %s", r.status, r.body)
	}
	body := r.json(a.t)
	sid, _ := body["taskSid"].(string)
	return sid, body["merged"] == true
}

// requests is callBackData.requests of a task, and requestCount.
func (a *app) requests(taskSid string) ([]map[string]any, any) {
	a.t.Helper()
	cb := a.callbackData(taskSid)
	var out []map[string]any
	list, _ := cb["requests"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any))
	}
	return out, cb["requestCount"]
}

func studioForm(number, flow string) url.Values {
	return url.Values{"numberToCall": {number}, "numberToCallFrom": {ourLine}, "flexFlowSid": {flow}}
}

// A second Studio request for the same number (written differently: E.164 after normalisation)
// joins the open task; a redelivery of it, with or without Twilio's idempotency token, is not
// appended twice and answers the same.
func TestMergeStudioSecondRequest(t *testing.T) {
	a := startApp(t, nil)
	tl := &timeline{a: a}
	first, merged := a.ask(studioForm("(415) 555-2671", "FW1"), nil)
	tl.add("studio create-callback → %s merged=%v", first, merged)
	a.advance("10m")
	second, merged2 := a.ask(studioForm(caller, "FW2"), map[string]string{"I-Twilio-Idempotency-Token": "tok-2"})
	tl.add("studio create-callback again → %s merged=%v", second, merged2)
	if merged || !merged2 || second != first {
		t.Fatalf("answers %s/%v then %s/%v: want the second merged into the first", first, merged, second, merged2)
	}
	again, merged3 := a.ask(studioForm(caller, "FW2"), map[string]string{"I-Twilio-Idempotency-Token": "tok-2"})
	tl.add("Twilio redelivers it → %s merged=%v", again, merged3)
	a.advance("1m")
	third, merged4 := a.ask(studioForm(caller, "FW3"), nil)
	tl.add("studio create-callback, third → %s merged=%v", third, merged4)
	same, merged5 := a.ask(studioForm(caller, "FW3"), nil)
	tl.add("the same parameters again → %s merged=%v", same, merged5)
	if again != first || !merged3 || third != first || !merged4 || same != first || !merged5 {
		t.Errorf("redelivery %s/%v, third %s/%v, same again %s/%v: want %s merged", again, merged3, third, merged4, same, merged5, first)
	}
	if n := len(a.followUps()); n != 1 {
		t.Errorf("%d callback tasks, want 1", n)
	}
	reqs, count := a.requests(first)
	if len(reqs) != 2 || count != 3.0 || reqs[0]["source"] != "studio" || reqs[0]["time"] == nil {
		t.Errorf("requests %v, requestCount %v: want 2 merged, count 3", reqs, count)
	}
	tl.add("task %s holds %v requests", first, count)
	tl.log(t)
}

// In the queue, `*` from a caller who already has an open callback: the caller hears it is
// arranged and is not asked again; the request joins the task, the call task is canceled.
func TestMergeStarInQueue(t *testing.T) {
	a := startApp(t, nil)
	tl := &timeline{a: a}
	first, _ := a.ask(studioForm(caller, "FW1"), nil)
	tl.add("studio create-callback → %s", first)
	a.advance("5m")
	sid := a.enqueue(caller, "")
	callTask := a.callTask(sid)
	tl.add("caller calls again, queued as %s", callTask.Sid)
	a.advance("30s")
	c := a.press(sid, "*")
	tl.add("caller presses * → call %s", c.Status)
	if c.Status != "completed" || !c.heard("already arranged") || c.heard("press 1") {
		t.Fatalf("caller: %s\n%s", c.Status, c.dump())
	}
	if fu := a.followUps(); len(fu) != 1 || fu[0].Sid != first {
		t.Errorf("follow-ups %v, want only %s", sids(fu), first)
	}
	reqs, count := a.requests(first)
	if len(reqs) != 1 || reqs[0]["source"] != "wait-experience" || count != 2.0 {
		t.Errorf("requests %v count %v", reqs, count)
	}
	if ct := a.task(callTask.Sid); ct.AssignmentStatus != "canceled" || ct.Reason != "Opted to request a callback" {
		t.Errorf("call task %s %q", ct.AssignmentStatus, ct.Reason)
	}
	for _, e := range c.Timeline {
		tl.lines = append(tl.lines, fmt.Sprintf("    call: %s %s %q", e.At, e.Verb, e.Text))
	}
	tl.log(t)
}

// After the first task completed, the caller's next request makes a new task.
func TestMergeAfterCompletedMakesNew(t *testing.T) {
	a := startApp(t, nil)
	tl := &timeline{a: a}
	first, _ := a.ask(studioForm(caller, "FW1"), nil)
	tl.add("studio create-callback → %s", first)
	a.assign("alice", first)
	a.advance("3m")
	a.setTaskStatus(first, "wrapping")
	a.setTaskStatus(first, "completed")
	tl.add("alice called back; %s completed", first)
	a.advance("1h")
	second, merged := a.ask(studioForm(caller, "FW1"), nil)
	tl.add("studio create-callback → %s merged=%v", second, merged)
	if second == first || merged {
		t.Fatalf("after completion: %s merged=%v, want a new task", second, merged)
	}
	a.advance("1m")
	third, merged := a.ask(studioForm(caller, "FW2"), nil)
	tl.add("studio create-callback → %s merged=%v", third, merged)
	if third != second || !merged {
		t.Errorf("third request %s merged=%v, want merged into %s", third, merged, second)
	}
	tl.log(t)
}

// Requests for one number at the same instant, on two replicas sharing Redis, make one task
// holding every request.
func TestMergeConcurrentOneTask(t *testing.T) {
	c := startCluster(t, 2, nil)
	a := c.reps[0]
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "latencyMs": 200})
	const n = 8
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i] = answer(c.reps[i%2].viaLB(studioForm(caller, fmt.Sprintf("FW%d", i)), nil))
		})
	}
	wg.Wait()
	for i, s := range got {
		if s != got[0] || !strings.HasPrefix(s, "WT") {
			t.Errorf("request %d: %s; request 0: %s", i, s, got[0])
		}
	}
	if ts := a.tasks(); len(ts) != 1 {
		t.Fatalf("%d tasks (%v), want 1", len(ts), sids(ts))
	}
	if reqs, count := a.requests(got[0]); len(reqs) != n-1 || count != float64(n) {
		t.Errorf("%d merged requests, requestCount %v; want %d, %d", len(reqs), count, n-1, n)
	}
	t.Logf("caller's timeline: %d requests at the same instant over 2 replicas → one task %s, requestCount %d", n, got[0], n)
}

// MERGE_OPEN_CALLBACKS=false: every request is a task.
func TestMergeOff(t *testing.T) {
	a := startApp(t, map[string]string{"MERGE_OPEN_CALLBACKS": "false"})
	tl := &timeline{a: a}
	first, _ := a.ask(studioForm(caller, "FW1"), nil)
	tl.add("studio create-callback → %s", first)
	second, merged := a.ask(studioForm(caller, "FW2"), nil)
	tl.add("studio create-callback → %s merged=%v", second, merged)
	if second == first || merged || len(a.followUps()) != 2 {
		t.Errorf("merging off: %s then %s merged=%v, %d tasks; want two tasks", first, second, merged, len(a.followUps()))
	}
	tl.log(t)
}

// A voicemail left while a callback is open joins it; its recording plays through voicemail-url
// for the agent holding the task, and a recording of another task does not.
func TestMergeVoicemailPlays(t *testing.T) {
	a := startApp(t, nil)
	tl := &timeline{a: a}
	first, _ := a.ask(studioForm(caller, "FW1"), nil)
	tl.add("studio create-callback → %s", first)
	rec := a.recording()
	vm, merged := a.ask(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "RecordingSid": {rec},
		"RecordingStatus": {"completed"}, "RecordingDuration": {"5"}}, nil)
	tl.add("caller leaves voicemail %s → %s merged=%v", rec, vm, merged)
	// The transcription callback comes later: it lands on the merged request, once.
	vm2, merged2 := a.ask(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "RecordingSid": {rec},
		"TranscriptionSid": {"TR1"}, "TranscriptionText": {"please call me back about my order"}, "TranscriptionStatus": {"completed"}}, nil)
	tl.add("transcription arrives → %s merged=%v", vm2, merged2)
	if vm != first || !merged || vm2 != first || !merged2 {
		t.Fatalf("voicemail %s/%v, transcript %s/%v: want merged into %s", vm, merged, vm2, merged2, first)
	}
	reqs, _ := a.requests(first)
	if len(reqs) != 1 || reqs[0]["recordingSid"] != rec || reqs[0]["transcriptText"] != "please call me back about my order" {
		t.Fatalf("requests = %v", reqs)
	}

	a.assign("alice", first)
	alice := a.token("alice")
	r := a.flex("voicemail-url", alice, url.Values{"taskSid": {first}, "recordingSid": {rec}})
	if r.status != 200 {
		t.Fatalf("voicemail-url of the merged recording: %d %s", r.status, r.body)
	}
	media := a.do(mustRequest("GET", r.json(t)["url"].(string)))
	if media.status != 200 || len(media.body) < 1000 {
		t.Errorf("media: %d, %d bytes", media.status, len(media.body))
	}
	tl.add("alice accepts %s and plays the merged voicemail (%d bytes)", first, len(media.body))
	other := "RE" + strings.Repeat("b", 32)
	if r := a.flex("voicemail-url", alice, url.Values{"taskSid": {first}, "recordingSid": {other}}); r.status != 403 {
		t.Errorf("voicemail-url of a recording not in the task: %d %s", r.status, r.body)
	}
	tl.log(t)
}
