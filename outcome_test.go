package flexcallback

import (
	"errors"
	"testing"
	"time"
)

func TestParseOutcome(t *testing.T) {
	for _, o := range Outcomes {
		if got, err := ParseOutcome(" " + string(o) + " "); err != nil || got != o {
			t.Errorf("ParseOutcome(%q) = %q, %v", o, got, err)
		}
	}
	_, err := ParseOutcome("Reached")
	if e, ok := AsError(err); !ok || !errors.Is(err, ErrInvalid) || e.Field != "outcome" {
		t.Errorf("ParseOutcome(Reached) = %v", err)
	}
}

func TestRecordAttemptOncePerCall(t *testing.T) {
	attrs := map[string]any{"callBackData": map[string]any{"attempts": 0}, "conversations": map[string]any{"conversation_id": "WT1"}}
	a := Attempt{Time: time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC), Worker: "WK1", Outcome: OutcomeBusy, CallSid: "CA1"}
	if ok, err := RecordAttempt(attrs, a); !ok || err != nil {
		t.Fatalf("first: %v %v", ok, err)
	}
	if ok, err := RecordAttempt(attrs, a); ok || err != nil {
		t.Errorf("same again: %v %v", ok, err)
	}
	b := a
	b.Outcome = OutcomeReached
	if _, err := RecordAttempt(attrs, b); !errors.Is(err, ErrConflict) {
		t.Errorf("another outcome for the call: %v", err)
	}
	b.CallSid = "CA2"
	if ok, _ := RecordAttempt(attrs, b); !ok {
		t.Error("a second call not appended")
	}
	log := ReadAttemptLog(attrs)
	if len(log) != 2 || log[0] != a || log[1].Outcome != OutcomeReached {
		t.Errorf("log %+v", log)
	}
	if attrs["conversations"].(map[string]any)["outcome"] != "reached" || attrs["conversations"].(map[string]any)["conversation_id"] != "WT1" {
		t.Errorf("conversations %v", attrs["conversations"])
	}
}

// A requeued callback keeps its attempt log; its conversations.outcome is its own.
func TestBuildTaskKeepsAttemptLogNotOutcome(t *testing.T) {
	attrs := map[string]any{"taskType": "callback", "callBackData": map[string]any{"numberToCall": "+15550001111", "attempts": 0}}
	RecordAttempt(attrs, Attempt{Outcome: OutcomeNoAnswer, CallSid: "CA1"})
	nt, err := BuildTask(Request{Original: &Task{Sid: "WT1", Attributes: attrs}}, "WW1", "UTC", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if log := ReadAttemptLog(nt.Attributes); len(log) != 1 || log[0].CallSid != "CA1" {
		t.Errorf("attemptLog %+v", log)
	}
	if o, ok := nt.Attributes["conversations"].(map[string]any)["outcome"]; ok {
		t.Errorf("conversations.outcome copied: %v", o)
	}
}

func TestPanelViewOutcomeStep(t *testing.T) {
	task := func(status, call string, log ...Attempt) PanelTask {
		attrs := map[string]any{"taskType": "callback", "callBackData": map[string]any{"numberToCall": "+15550001111"}}
		for _, a := range log {
			RecordAttempt(attrs, a)
		}
		pt := PanelTask{Sid: "WR1", TaskSid: "WT1", Status: status, Attributes: attrs}
		if call != "" {
			pt.OutboundCall = &OutboundCallState{Status: call, CallSid: "CA1"}
		}
		return pt
	}
	c := PanelConfig{AllowRequeue: true, MaxAttempts: 3}
	for _, tc := range []struct {
		name                     string
		t                        PanelTask
		ask, active, call, retry bool
		outcome                  Outcome
	}{
		{"no call", task(StatusAssigned, ""), false, false, true, true, ""},
		{"call on", task(StatusAssigned, CallActive), false, true, false, true, ""},
		{"call ended", task(StatusAssigned, CallEnded), true, false, true, true, ""},
		{"ended, in wrap-up", task(StatusWrapping, CallEnded), true, false, false, true, ""},
		{"logged", task(StatusAssigned, CallEnded, Attempt{Outcome: OutcomeBusy, CallSid: "CA1"}), false, false, true, true, OutcomeBusy},
		{"wrong number", task(StatusAssigned, CallEnded, Attempt{Outcome: OutcomeWrongNumber, CallSid: "CA1"}), false, false, true, false, OutcomeWrongNumber},
		{"reserved", task(StatusReserved, CallEnded), false, false, false, true, ""},
	} {
		v := NewPanelView(tc.t, PanelWorker{}, c, false)
		if v.AskOutcome != tc.ask || v.CallActive != tc.active || v.CallEnabled != tc.call || v.ShowRetry != tc.retry || v.Outcome != tc.outcome {
			t.Errorf("%s: ask %v active %v call %v retry %v outcome %q", tc.name, v.AskOutcome, v.CallActive, v.CallEnabled, v.ShowRetry, v.Outcome)
		}
	}
}
