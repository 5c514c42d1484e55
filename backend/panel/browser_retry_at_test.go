package panel

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestBrowserRetryAt: in two locales, a task's scheduledFor shows in the agent's and the
// business's zone; "Retry at…" opens presets and a datetime-local picker (axe clean, open); a
// typed time and a preset each reach flex/requeue-callback as callbackAt; a refusal is one toast.
func TestBrowserRetryAt(t *testing.T) {
	axe := axeScript(t)
	b := newPanelBrowser(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		locale, retryAt, scheduled, preset string
	}{
		{"en-US", "Retry At…", "Scheduled for", "In 1 hour"},
		{"es-MX", "Reintentar a las…", "Programada para", "En 1 hora"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			b.t = t
			b.Backend.fail(0)
			before := len(b.Backend.requests())
			b.openPanel(shimContext("callback", "assigned", tc.locale,
				map[string]any{"attempts": 1, "scheduledFor": "2026-11-26T14:00:00Z", "mainTimeZone": "America/New_York"}, nil))
			b.waitFrame(`document.getElementById("retry-at") !== null && !document.getElementById("app-wasm-loader")`)
			if got := b.text("scheduled-heading"); got != tc.scheduled {
				t.Errorf("scheduled heading %q, want %q", got, tc.scheduled)
			}
			if got := b.text("scheduled-for-business"); !strings.Contains(got, "9:00:00") {
				t.Errorf("business time %q, want 9:00:00 New York time", got)
			}
			if got := evalFrame[string](b, `document.getElementById("scheduled-for").getAttribute("datetime")`); got != "2026-11-26T14:00:00Z" {
				t.Errorf("scheduled-for datetime %q", got)
			}

			b.click("retry-at")
			b.waitFrame(`document.getElementById("retry-at-choices") !== null`)
			if got := b.text("retry-at"); got != tc.retryAt {
				t.Errorf("retry at button %q, want %q", got, tc.retryAt)
			}
			if got := evalFrame[string](b, `document.getElementById("retry-at").getAttribute("aria-expanded")`); got != "true" {
				t.Errorf("aria-expanded %q when open", got)
			}
			if got := b.text("retry-preset-1"); !strings.HasPrefix(got, tc.preset) {
				t.Errorf("first preset %q, want %q…", got, tc.preset)
			}
			if w := evalFrame[int](b, `document.documentElement.scrollWidth`); w > 360 {
				t.Errorf("content %dpx wide in a 360px frame", w)
			}
			b.axeClean(axe)

			// A typed time, read in the business zone (America/New_York), whatever the agent's.
			day := time.Now().In(ny).AddDate(0, 0, 2)
			want := time.Date(day.Year(), day.Month(), day.Day(), 10, 30, 0, 0, ny)
			evalFrame[bool](b, fmt.Sprintf(`(() => { const el = document.getElementById("retry-at-time");
				el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, want.Format("2006-01-02T15:04")))
			b.waitFrame(`!document.getElementById("retry-at-submit").disabled`)
			wraps := len(b.actions("WrapupTask"))
			b.click("retry-at-submit")
			b.waitHost(fmt.Sprintf(`window.received.filter(m => m.data.type === "action" && m.data.name === "WrapupTask").length > %d`, wraps))
			reqs := b.Backend.requests()[before:]
			if len(reqs) != 1 || reqs[0].Path != "flex/requeue-callback" || reqs[0].Form["taskSid"] != "WT00000000000000000000000000000001" {
				t.Fatalf("requests %+v", reqs)
			}
			if got, err := time.Parse(time.RFC3339, reqs[0].Form["callbackAt"]); err != nil || !got.Equal(want) {
				t.Errorf("callbackAt %q, want %s", reqs[0].Form["callbackAt"], want.Format(time.RFC3339))
			}
			b.waitFrame(`document.getElementById("status").textContent.includes("3") && document.getElementById("retry-at-choices") === null`)

			// A preset, sent as the time its button names.
			b.click("retry-at")
			b.waitFrame(`document.getElementById("retry-preset-1") !== null`)
			at := evalFrame[string](b, `document.getElementById("retry-preset-1").dataset.at`)
			b.click("retry-preset-1")
			b.waitHost(fmt.Sprintf(`window.received.filter(m => m.data.type === "action" && m.data.name === "WrapupTask").length > %d`, wraps+1))
			if reqs := b.Backend.requests()[before:]; len(reqs) != 2 || reqs[1].Form["callbackAt"] != at {
				t.Errorf("preset sent %+v, want callbackAt %s", reqs, at)
			}

			// The backend's refusal is the status and one notification, and the controls come back.
			b.Backend.fail(400)
			notes := len(notifications(b))
			b.waitFrame(`!document.getElementById("retry-at").disabled`)
			b.click("retry-at")
			b.waitFrame(`document.getElementById("retry-preset-1") !== null`)
			b.click("retry-preset-1")
			b.waitFrame(`document.getElementById("status").textContent.includes("(400)")`)
			b.waitHost(fmt.Sprintf(`window.received.filter(m => m.data.type === "notify").length > %d`, notes))
			if n := notifications(b); len(n) != notes+1 || !strings.Contains(n[len(n)-1], "the backend said no (400)") {
				t.Errorf("notifications %q", n)
			}
			if b.disabled("retry-at") || b.disabled("retry") {
				t.Error("controls disabled after a refusal")
			}
		})
	}
}

func notifications(b *panelBrowser) []string {
	var out []string
	for _, m := range b.received() {
		if m.Data["type"] == "notify" {
			out = append(out, fmt.Sprint(m.Data["text"]))
		}
	}
	return out
}
