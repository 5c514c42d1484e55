package ui

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

const testCallSid = "CA0123456789abcdef0123456789abcdef"

// withCall is a context whose task's call back has the given status.
func withCall(m map[string]any, status string) map[string]any {
	m["task"].(map[string]any)["outboundCall"] = map[string]any{"status": status, "callSid": testCallSid}
	return m
}

// askingPanel is a panel on a fake backend (failing every request when fail) asking for the
// outcome of an ended call back.
func askingPanel(t *testing.T, fail bool) (*testPanel, *fakeBackend) {
	be := &fakeBackend{fail: fail}
	srv := httptest.NewServer(be)
	t.Cleanup(srv.Close)
	tp := newTestPanel(t, srv.URL)
	tp.receive(flexOrigin, true, withCall(contextMessage("callback", "assigned", nil), flexcallback.CallEnded))
	return tp, be
}

// clickOutcome clicks the outcome button of o as the agent would.
func (tp *testPanel) clickOutcome(o flexcallback.Outcome) {
	tp.do(func(ctx app.Context) { tp.p.onOutcome(o)(ctx, app.Event{}) })
}

func TestOutcomeStepAppearsOnlyAfterTheCallEnded(t *testing.T) {
	tp := newTestPanel(t, "")
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", nil))
	if strings.Contains(tp.html(), `id="outcome"`) {
		t.Fatal("outcome step without a call")
	}
	tp.receive(flexOrigin, true, withCall(contextMessage("callback", "assigned", nil), flexcallback.CallActive))
	if h := tp.html(); strings.Contains(h, `id="outcome"`) || !strings.Contains(h, `disabled>Place Call Now`) {
		t.Fatalf("during the call: no outcome step, no second call:\n%s", h)
	}
	tp.receive(flexOrigin, true, withCall(contextMessage("callback", "assigned", nil), flexcallback.CallEnded))
	h := tp.html()
	for _, o := range flexcallback.Outcomes {
		if !strings.Contains(h, `id="outcome-`+string(o)+`"`) {
			t.Errorf("no button for %s:\n%s", o, h)
		}
	}
	if !strings.Contains(h, "What came of the call?") || !strings.Contains(h, "Left a message") {
		t.Errorf("outcome step:\n%s", h)
	}
	// Logged already (the task's attemptLog): shown, not asked.
	logged := contextMessage("callback", "assigned", map[string]any{"attemptLog": []any{
		map[string]any{"time": "2026-11-25T14:10:00.000Z", "worker": "WK1", "outcome": "reached", "callSid": testCallSid}}})
	tp.receive(flexOrigin, true, withCall(logged, flexcallback.CallEnded))
	if h := tp.html(); strings.Contains(h, `id="outcome-reached"`) || !strings.Contains(h, "Outcome: Reached") {
		t.Errorf("logged outcome:\n%s", h)
	}
}

func TestOutcomeNoAnswerOffersTheRetry(t *testing.T) {
	tp, be := askingPanel(t, false)
	tp.clickOutcome(flexcallback.OutcomeNoAnswer)
	if len(be.forms) != 1 || be.requests[0].URL.Path != apiPrefix+"flex/record-outcome" ||
		be.forms[0]["taskSid"] != "WT1" || be.forms[0]["callSid"] != testCallSid || be.forms[0]["outcome"] != "no-answer" ||
		be.requests[0].Header.Get("Authorization") != "Bearer tok-1" {
		t.Fatalf("requests %v", be.forms)
	}
	h := tp.html()
	if !strings.Contains(h, "Outcome: No answer") || !strings.Contains(h, `id="outcome-retry"`) || strings.Contains(h, `id="outcome-busy"`) {
		t.Fatalf("after no answer:\n%s", h)
	}
	// The offered retry is the Retry button's action: requeue, then wrap up.
	tp.do(func(ctx app.Context) { tp.p.onRetry(ctx, app.Event{}) })
	if len(be.forms) != 2 || be.requests[1].URL.Path != apiPrefix+"flex/requeue-callback" || tp.lastSent().msg.Name != "WrapupTask" {
		t.Errorf("retry: %v, sent %+v", be.forms, tp.lastSent().msg)
	}
}

func TestOutcomeWrongNumberEndsTheCallback(t *testing.T) {
	tp, be := askingPanel(t, false)
	tp.clickOutcome(flexcallback.OutcomeWrongNumber)
	if len(be.forms) != 1 || be.forms[0]["outcome"] != "wrong-number" {
		t.Fatalf("requests %v", be.forms)
	}
	s := tp.lastSent()
	if s.msg.Name != flexcallback.ActionWrapupTask || s.msg.Payload.(map[string]any)["sid"] != "WR1" {
		t.Fatalf("after wrong number sent %+v", s.msg)
	}
	if h := tp.html(); strings.Contains(h, `id="retry"`) || strings.Contains(h, `id="outcome-retry"`) {
		t.Errorf("a retry offered after a wrong number:\n%s", h)
	}
	tp.receive(flexOrigin, true, map[string]any{"source": "flexcallback-shim", "type": "actionResult", "v": 1, "id": s.msg.ID, "ok": true})
	if h := tp.html(); !strings.Contains(h, "Wrong number: this callback has ended.") {
		t.Errorf("status after wrap-up:\n%s", h)
	}
}

func TestOutcomeFailureIsShownAndAskedAgain(t *testing.T) {
	tp, _ := askingPanel(t, true)
	tp.clickOutcome(flexcallback.OutcomeBusy)
	h := tp.html()
	if !strings.Contains(h, "The outcome could not be recorded: max attempts reached") || !strings.Contains(h, `id="outcome-busy"`) || countDisabled(h) > 0 {
		t.Errorf("after a refused report:\n%s", h)
	}
	if len(tp.sentOfType("notify")) != 1 || len(tp.sentOfType("action")) != 0 {
		t.Errorf("sent %+v", tp.sent)
	}
}

func TestOutcomeStepInSpanish(t *testing.T) {
	tp := newTestPanel(t, "")
	m := withCall(contextMessage("callback", "assigned", nil), flexcallback.CallEnded)
	m["locale"] = "es-MX"
	tp.receive(flexOrigin, true, m)
	if h := tp.html(); !strings.Contains(h, "¿Cuál fue el resultado de la llamada?") || !strings.Contains(h, "Número equivocado") {
		t.Errorf("es-MX outcome step:\n%s", h)
	}
}
