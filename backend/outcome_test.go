package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Issue 16 §2: what came of each call back, through flex/record-outcome on the sandbox.

// callSid is a well-formed call SID, distinct per n.
func callSid(n int) string { return fmt.Sprintf("CA%032x", n) }

// recordOutcome reports outcome for the call back callSid of task.
func (a *app) recordOutcome(token, task, call, outcome string) response {
	a.t.Helper()
	return a.flex("record-outcome", token, url.Values{"taskSid": {task}, "callSid": {call}, "outcome": {outcome}})
}

// attemptLog returns callBackData.attemptLog and conversations.outcome of a task.
func (a *app) attemptLog(task string) ([]map[string]any, any) {
	a.t.Helper()
	attrs := a.task(task).attrs(a.t)
	var log []map[string]any
	if l, ok := attrs["callBackData"].(map[string]any)["attemptLog"].([]any); ok {
		for _, e := range l {
			log = append(log, e.(map[string]any))
		}
	}
	conv, _ := attrs["conversations"].(map[string]any)
	return log, conv["outcome"]
}

// Every outcome is logged on the task with its time, worker and call, and set as
// conversations.outcome; the metrics count each once.
func TestRecordOutcomeEachOutcome(t *testing.T) {
	a := startApp(t, map[string]string{"MAX_ATTEMPTS": "3"})
	alice := a.token("alice")
	task := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", task)
	before := time.Now().Add(-time.Second)

	outcomes := []string{"reached", "no-answer", "busy", "left-message", "wrong-number"}
	for i, o := range outcomes {
		r := a.recordOutcome(alice, task, callSid(i+1), o)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", o, r.status, r.body)
		}
		body := r.json(t)
		if body["success"] != true || body["outcome"] != o || body["attempts"] != float64(i+1) ||
			body["offersRetry"] != (o == "no-answer" || o == "busy") || body["endsCallback"] != (o == "wrong-number") {
			t.Errorf("%s: answer %v", o, body)
		}
		log, convOutcome := a.attemptLog(task)
		if len(log) != i+1 || convOutcome != o {
			t.Fatalf("after %s: attemptLog %v, conversations.outcome %v", o, log, convOutcome)
		}
		e := log[i]
		at, err := time.Parse(time.RFC3339, e["time"].(string))
		if e["outcome"] != o || e["callSid"] != callSid(i+1) || e["worker"] != a.info.Workers["alice"].Sid ||
			err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("attemptLog[%d] = %v", i, e)
		}
	}
	for _, o := range outcomes {
		if m := a.metric(`flexcallback_callback_outcomes_total{outcome="` + o + `"}`); !strings.HasSuffix(m, " 1") {
			t.Errorf("outcomes metric for %s: %q", o, m)
		}
	}
	if m := a.metric("flexcallback_callback_first_attempt_seconds_count"); m != "flexcallback_callback_first_attempt_seconds_count 1" {
		t.Errorf("first attempt observed: %q", m)
	}
	// reached, left-message and wrong-number end the callback (no-answer and busy had retries left).
	if m := a.metric("flexcallback_callback_attempts_count"); m != "flexcallback_callback_attempts_count 3" {
		t.Errorf("attempts observed: %q", m)
	}
	if m := a.metric("flexcallback_callback_attempts_sum"); m != "flexcallback_callback_attempts_sum 10" { // 1 + 4 + 5
		t.Errorf("attempts sum: %q", m)
	}

	// A wrong number ends the callback: "retry later" is refused and nothing is created.
	if r := a.flex("requeue-callback", alice, url.Values{"taskSid": {task}}); r.status != 409 || !strings.Contains(r.json(t)["message"].(string), "wrong number") {
		t.Errorf("requeue after a wrong number: %d %s", r.status, r.body)
	}
	if n := len(a.tasks()); n != 1 {
		t.Errorf("%d tasks, want 1", n)
	}
}

// The same report twice appends once and counts once; another outcome for the same call is a 409.
func TestRecordOutcomeIdempotent(t *testing.T) {
	a := startApp(t, nil)
	alice := a.token("alice")
	task := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", task)
	for i := range 3 {
		if r := a.recordOutcome(alice, task, callSid(7), "busy"); r.status != 200 || r.json(t)["attempts"] != 1.0 {
			t.Fatalf("report %d: %d %s", i+1, r.status, r.body)
		}
	}
	if r := a.recordOutcome(alice, task, callSid(7), "reached"); r.status != 409 || r.json(t)["code"] != "conflict" {
		t.Errorf("another outcome for the same call: %d %s", r.status, r.body)
	}
	if log, o := a.attemptLog(task); len(log) != 1 || o != "busy" {
		t.Errorf("attemptLog %v, conversations.outcome %v", log, o)
	}
	if m := a.metric(`flexcallback_callback_outcomes_total{outcome="busy"}`); !strings.HasSuffix(m, " 1") {
		t.Errorf("busy counted: %q", m)
	}
}

// Only the worker holding the task through an accepted reservation reports: an offered one is
// refused (403), as is a worker without a reservation; a bad parameter is a 400 naming it.
func TestRecordOutcomeRefusals(t *testing.T) {
	a := startApp(t, nil)
	alice, bob := a.token("alice"), a.token("sam", "agent") // sam as a plain agent, without a reservation
	task := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})

	a.offer("alice", task)
	if r := a.recordOutcome(alice, task, callSid(1), "reached"); r.status != 403 || r.json(t)["code"] != "forbidden" {
		t.Errorf("offered reservation: %d %s", r.status, r.body)
	}
	a.assign("alice", task)
	if r := a.recordOutcome(bob, task, callSid(1), "reached"); r.status != 403 {
		t.Errorf("another worker: %d %s", r.status, r.body)
	}
	if r := a.recordOutcome("", task, callSid(1), "reached"); r.status != 401 {
		t.Errorf("no token: %d %s", r.status, r.body)
	}
	for _, tc := range []struct{ name, call, outcome, field string }{
		{"unknown outcome", callSid(1), "maybe", "outcome"},
		{"no outcome", callSid(1), "", "outcome"},
		{"bad call SID", "CAnope", "reached", "callSid"},
		{"no call SID", "", "reached", "callSid"},
	} {
		r := a.recordOutcome(alice, task, tc.call, tc.outcome)
		if body := r.json(t); r.status != 400 || body["field"] != tc.field || body["code"] != "invalid" {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if log, o := a.attemptLog(task); len(log) != 0 || o != nil {
		t.Errorf("after refusals: attemptLog %v, conversations.outcome %v", log, o)
	}
	a.setTaskStatus(task, "completed")
	if r := a.recordOutcome(alice, task, callSid(1), "reached"); r.status != 403 && r.status != 409 {
		t.Errorf("completed task: %d %s", r.status, r.body)
	}
}

// The attempt log travels with a requeued callback, conversations.outcome does not: the next
// attempt's outcome is its own, and the first attempt is timed once per callback.
func TestRecordOutcomeAcrossRequeue(t *testing.T) {
	a := startApp(t, map[string]string{"MAX_ATTEMPTS": "3"})
	alice := a.token("alice")
	task := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", task)
	if r := a.recordOutcome(alice, task, callSid(1), "no-answer"); r.status != 200 {
		t.Fatalf("no-answer: %d %s", r.status, r.body)
	}
	r := a.flex("requeue-callback", alice, url.Values{"taskSid": {task}})
	if r.status != 200 {
		t.Fatalf("requeue: %d %s", r.status, r.body)
	}
	next := r.json(t)["taskSid"].(string)
	if log, o := a.attemptLog(next); len(log) != 1 || log[0]["outcome"] != "no-answer" || o != nil {
		t.Errorf("requeued task: attemptLog %v, conversations.outcome %v", log, o)
	}
	a.setTaskStatus(task, "completed") // Flex wraps the original up as the panel asks
	a.assign("alice", next)
	if r := a.recordOutcome(alice, next, callSid(2), "reached"); r.status != 200 || r.json(t)["attempts"] != 2.0 {
		t.Fatalf("reached: %d %s", r.status, r.body)
	}
	if log, o := a.attemptLog(next); len(log) != 2 || o != "reached" {
		t.Errorf("attemptLog %v, conversations.outcome %v", log, o)
	}
	if m := a.metric("flexcallback_callback_first_attempt_seconds_count"); !strings.HasSuffix(m, " 1") {
		t.Errorf("first attempt observed: %q", m)
	}
	if m := a.metric("flexcallback_callback_attempts_sum"); !strings.HasSuffix(m, " 2") {
		t.Errorf("attempts of the callback: %q", m)
	}
}
