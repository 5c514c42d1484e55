package panel

import (
	"testing"
)

// Issue 16 §2 in Chromium: the outcome step after the call back ended, in two locales, axe clean.

const testCallSid = "CA0123456789abcdef0123456789abcdef"

// endedCall is a shim context whose call back has ended.
func endedCall(locale string) map[string]any {
	m := shimContext("callback", "assigned", locale, nil, nil)
	m["task"].(map[string]any)["outboundCall"] = map[string]any{"status": "ended", "callSid": testCallSid}
	return m
}

func TestBrowserOutcomeNoAnswerThenRetry(t *testing.T) {
	axe := axeScript(t)
	for _, tc := range []struct {
		locale, heading, noAnswer, recorded, retry string
	}{
		{"en-US", "What came of the call?", "No answer", "Outcome: No answer", "Retry Later"},
		{"es-MX", "¿Cuál fue el resultado de la llamada?", "No contestó", "Resultado: No contestó", "Reintentar más tarde"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			b := newPanelBrowser(t)
			b.openPanel(endedCall(tc.locale))
			b.waitFrame(`document.getElementById("outcome-no-answer") !== null`)
			if got := b.text("outcome-heading"); got != tc.heading {
				t.Errorf("heading %q, want %q", got, tc.heading)
			}
			if got := b.text("outcome-no-answer"); got != tc.noAnswer {
				t.Errorf("no-answer button %q, want %q", got, tc.noAnswer)
			}
			if n := evalFrame[int](b, `document.querySelectorAll("#outcome button").length`); n != 5 {
				t.Errorf("%d outcome buttons, want 5", n)
			}
			b.axeClean(axe)

			b.click("outcome-no-answer")
			b.waitFrame(`document.getElementById("outcome-retry") !== null`)
			if got := b.text("outcome-recorded"); got != tc.recorded {
				t.Errorf("recorded %q, want %q", got, tc.recorded)
			}
			if got := b.text("outcome-retry"); got != tc.retry {
				t.Errorf("retry %q, want %q", got, tc.retry)
			}
			b.waitFrame(`document.activeElement && document.activeElement.id === "outcome-retry"`)
			reqs := b.Backend.requests()
			if len(reqs) != 1 || reqs[0].Path != "flex/record-outcome" || reqs[0].Auth != "Bearer flex-token-1" ||
				reqs[0].Form["taskSid"] != "WT00000000000000000000000000000001" || reqs[0].Form["callSid"] != testCallSid ||
				reqs[0].Form["outcome"] != "no-answer" {
				t.Fatalf("backend requests %+v", reqs)
			}
			b.axeClean(axe)

			// One step: the offered retry is the Retry button's action, requeue then wrap-up.
			b.click("outcome-retry")
			b.waitHost(`window.received.some(m => m.data.type === "action" && m.data.name === "WrapupTask")`)
			if reqs := b.Backend.requests(); len(reqs) != 2 || reqs[1].Path != "flex/requeue-callback" {
				t.Errorf("backend requests %+v", reqs)
			}
		})
	}
}

func TestBrowserOutcomeWrongNumberWrapsUp(t *testing.T) {
	b := newPanelBrowser(t)
	b.openPanel(endedCall("pt-BR"))
	b.waitFrame(`document.getElementById("outcome-wrong-number") !== null`)
	if got := b.text("outcome-wrong-number"); got != "Número errado" {
		t.Errorf("wrong-number button %q", got)
	}
	b.click("outcome-wrong-number")
	b.waitHost(`window.received.some(m => m.data.type === "action" && m.data.name === "WrapupTask")`)
	// The panel settles once the wrap-up's result is back: then no retry may be offered.
	b.waitFrame(`document.getElementById("retry") === null && document.getElementById("outcome-retry") === null`)
	if reqs := b.Backend.requests(); len(reqs) != 1 || reqs[0].Form["outcome"] != "wrong-number" {
		t.Errorf("backend requests %+v", reqs)
	}
}
