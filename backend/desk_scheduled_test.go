package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDeskScheduledCallback: on the desk, a caller picks a time an hour ahead of the sandbox's
// clock; no task comes until the desk's clock control moves it an hour on, and the panel then
// shows the task's scheduled time.
func TestDeskScheduledCallback(t *testing.T) {
	deskBundle(t)
	ctx := newBrowser(t)
	a := startApp(t, nil) // the virtual clock: time moves only with the desk's control
	desk := strings.Replace(a.base, "127.0.0.1", "localhost", 1) + "/demo/"
	do(t, ctx, "open the desk", chromedp.Navigate(desk))
	poll(t, ctx, "the desk to start", `document.querySelector('#desk-status[data-status=ready]') !== null`)
	before := eval[string](t, ctx, "sandbox clock", `document.querySelector('#sandbox-clock').dataset.now`)

	click(t, ctx, "scheduled callback scenario", "#scenario-scheduled")
	poll(t, ctx, "the request accepted", `document.querySelector('#scenario-status').textContent.startsWith('scheduled-callback: {')`)
	time.Sleep(2 * time.Second) // a few scheduler ticks
	if eval[bool](t, ctx, "tasks", `document.querySelector('li[data-task-type=callback]') !== null`) {
		t.Fatal("a task came before its time")
	}
	if m := scheduledGauge(t, a.base); m != "1" {
		t.Errorf("flexcallback_scheduled_callbacks = %q with one request held, want 1", m)
	}

	click(t, ctx, "clock +1 h", "#clock-advance")
	poll(t, ctx, "the clock moved", `document.querySelector('#sandbox-clock').dataset.now !== `+jsString(before))
	poll(t, ctx, "the scheduled task", `document.querySelector('li[data-task-type=callback]') !== null`)
	taskSid := eval[string](t, ctx, "task sid", `document.querySelector('li[data-task-type=callback]').dataset.taskSid`)
	if a.callbackData(taskSid)["scheduledFor"] == nil {
		t.Errorf("task %s has no scheduledFor", taskSid)
	}
	click(t, ctx, "select", `li[data-task-sid="`+taskSid+`"] button.task-select`)
	poll(t, ctx, "accept button", `document.querySelector('#accept') !== null`)
	click(t, ctx, "accept", "#accept")
	panel := panelFrame(t, ctx)
	poll(t, panel, "the scheduled time", `(() => { const el = document.querySelector('#scheduled-for'); return !!el && el.textContent !== '' })()`)
	poll(t, panel, "Retry at…", `document.querySelector('#retry-at') !== null`)
	if m := scheduledGauge(t, a.base); m != "0" {
		t.Errorf("flexcallback_scheduled_callbacks = %q once made, want 0", m)
	}
}

// scheduledGauge reads flexcallback_scheduled_callbacks from /metrics.
func scheduledGauge(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "flexcallback_scheduled_callbacks "); ok {
			return v
		}
	}
	return ""
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
