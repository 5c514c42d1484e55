package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// deskBundle is the plugin bundle the desk loads; make shim builds it.
func deskBundle(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("../web/demo/plugin-flexcallback.js"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("web/demo/plugin-flexcallback.js missing (run make shim): %v", err)
		}
		t.Skip("the plugin bundle is not built; run make shim (CI=true makes this a failure)")
	}
}

// newBrowser starts Debian's headless Chromium with the flags this machine needs.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (make setup installs it)")
		}
		t.Skip("chromium is not installed; make test installs it (CI=true makes this a failure)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// panelFrame attaches to the panel's cross-origin iframe.
func panelFrame(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.Contains(info.URL, "/panel/") {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(target.ID(info.TargetID)), chromedp.WithDetachOnCancel())
				t.Cleanup(cancel)
				return fctx
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no panel iframe")
	return nil
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// click clicks the element sel names, from the page's own script: chromedp's node tracking
// loses its way when the desk re-renders the panel iframe around it.
func click(t *testing.T, ctx context.Context, what, sel string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true })()`, sel)
	if !eval[bool](t, ctx, what, js) {
		t.Fatalf("%s: no element %s", what, sel)
	}
}

func eval[T any](t *testing.T, ctx context.Context, what, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func poll(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(40*time.Second))); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, page)
	}
}

// TestDeskJourney is the whole journey an agent sees: a scenario makes a task, the agent accepts
// it, the panel renders in a cross-origin iframe, places the call, comes back to the callback,
// retries later; then a voicemail plays with its transcript.
func TestDeskJourney(t *testing.T) {
	deskBundle(t)
	ctx := newBrowser(t)
	a := startApp(t, map[string]string{"SANDBOX_CLOCK": "real"})
	desk := strings.Replace(a.base, "127.0.0.1", "localhost", 1) + "/demo/"
	do(t, ctx, "open the desk", chromedp.Navigate(desk))
	poll(t, ctx, "the desk to start", `document.querySelector('#desk-status[data-status=ready]') !== null`)

	// A caller asked for a callback in the IVR: the task reaches the agent.
	click(t, ctx, "IVR scenario", "#scenario-ivr")
	poll(t, ctx, "the callback task", `document.querySelector('li[data-task-type=callback]') !== null`)
	taskSid := eval[string](t, ctx, "task sid", `document.querySelector('li[data-task-type=callback]').dataset.taskSid`)
	click(t, ctx, "select and accept", `li[data-task-sid="`+taskSid+`"] button.task-select`)
	poll(t, ctx, "accept button", `document.querySelector('#accept') !== null`)
	click(t, ctx, "accept", "#accept")
	poll(t, ctx, "assigned", `document.querySelector('li[data-task-sid="`+taskSid+`"]').dataset.status === 'assigned'`)

	panel := panelFrame(t, ctx)
	poll(t, panel, "the panel's call button enabled", `(() => { const b = document.querySelector('#call'); return b && !b.disabled })()`)
	if h := eval[string](t, panel, "heading", `document.querySelector('#heading').textContent`); h != "Callback Request" {
		t.Errorf("heading = %q", h)
	}
	if origin := eval[string](t, panel, "panel origin", `location.origin`); origin == eval[string](t, ctx, "desk origin", `location.origin`) {
		t.Fatalf("panel and desk share the origin %s: the origin checks would not be exercised", origin)
	}

	// Place call: Flex's StartOutboundCall dials the customer through the sandbox.
	click(t, panel, "place call", "#call")
	poll(t, ctx, "the outbound call", `(() => { const o = document.querySelector("#outbound-call"); return !!(o && o.dataset.callSid) })()`)
	var calls struct {
		Calls []struct{ Sid, To, Direction string }
	}
	a.admin("GET", "/_sandbox/calls", nil, &calls)
	outbound := 0
	for _, c := range calls.Calls {
		if strings.HasPrefix(c.Direction, "outbound") && strings.HasPrefix(c.To, "+1415555") {
			outbound++
		}
	}
	if outbound == 0 {
		t.Errorf("no outbound call in the sandbox: %+v", calls.Calls)
	}
	// The call ends; the callback task is selected again for wrap-up (auto-select).
	poll(t, ctx, "the outbound call selected", `document.querySelector('#hangup') !== null`)
	click(t, ctx, "hang up", "#hangup")
	reservation := eval[string](t, ctx, "reservation", `document.querySelector('li[data-task-sid="`+taskSid+`"]').dataset.reservationSid`)
	poll(t, ctx, "the callback selected again", `document.querySelector('.canvas').dataset.selectedSid === '`+reservation+`'`)

	// The panel asks what came of the call (the shim saw the outbound task end): no answer, then
	// the retry it offers in the same step: a new task with attempts + 1, and the old one wrapped.
	callSid := eval[string](t, ctx, "the call's SID", `document.querySelector("#outbound-call").dataset.callSid`)
	panel = panelFrame(t, ctx)
	poll(t, panel, "the outcome step", `(() => { const b = document.querySelector('#outcome-no-answer'); return b && !b.disabled })()`)
	click(t, panel, "no answer", "#outcome-no-answer")
	poll(t, panel, "the retry offered", `(() => { const b = document.querySelector('#outcome-retry'); return b && !b.disabled })()`)
	log, _ := a.attemptLog(taskSid)
	if len(log) != 1 || log[0]["outcome"] != "no-answer" || log[0]["callSid"] != callSid {
		t.Errorf("attemptLog %v, want one no-answer for %s", log, callSid)
	}
	click(t, panel, "retry later", "#outcome-retry")
	var requeued sandboxTask
	deadline := time.Now().Add(20 * time.Second)
	for requeued.Sid == "" && time.Now().Before(deadline) {
		for _, tk := range a.tasks() {
			if tk.Sid != taskSid && tk.attrs(t)["taskType"] == "callback" {
				requeued = tk
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if requeued.Sid == "" {
		t.Fatal("Retry later made no task")
	}
	if got := requeued.attrs(t)["callBackData"].(map[string]any)["attempts"]; got != 1.0 {
		t.Errorf("attempts = %v, want 1", got)
	}
	if log, o := a.attemptLog(requeued.Sid); len(log) != 1 || o != nil {
		t.Errorf("requeued task: attemptLog %v, conversations.outcome %v", log, o)
	}
	poll(t, ctx, "the old task wrapping", `(() => { const li = document.querySelector('li[data-task-sid="`+taskSid+`"]'); return !li || li.dataset.status === 'wrapping' })()`)
	if st := a.task(taskSid).AssignmentStatus; st != "wrapping" {
		t.Errorf("old task %s, want wrapping", st)
	}

	// The agent completes the old task; the requeued callback reaches them (the sandbox routes at
	// once; a real workflow would hold attempt 1 back ten minutes), and they wrap it up and complete it.
	click(t, ctx, "select the old task", `li[data-task-sid="`+taskSid+`"] button.task-select`)
	poll(t, ctx, "complete button", `document.querySelector('#complete') !== null`)
	click(t, ctx, "complete", "#complete")
	poll(t, ctx, "the requeued callback offered", `document.querySelector('li[data-task-sid="`+requeued.Sid+`"]') !== null`)
	click(t, ctx, "select the requeued callback", `li[data-task-sid="`+requeued.Sid+`"] button.task-select`)
	poll(t, ctx, "accept button", `document.querySelector('#accept') !== null`)
	click(t, ctx, "accept", "#accept")
	panel = panelFrame(t, ctx)
	poll(t, panel, "attempt 2 of 3", `(() => { const p = document.querySelector('#attempts'); return !!p && p.textContent.includes('2') && p.textContent.includes('3') })()`)
	poll(t, ctx, "wrap-up button", `document.querySelector('#wrapup') !== null`)
	click(t, ctx, "wrap up", "#wrapup")
	poll(t, ctx, "complete button", `document.querySelector('#complete') !== null`)
	click(t, ctx, "complete", "#complete")
	poll(t, ctx, "no task left", `document.querySelector('li[data-task-sid]') === null`)

	// A voicemail with its transcript: it plays, and the transcript shows.
	click(t, ctx, "voicemail scenario", "#scenario-voicemail")
	poll(t, ctx, "the voicemail task", `document.querySelector('li[data-task-type=voicemail]') !== null`)
	vmSid := eval[string](t, ctx, "voicemail sid", `document.querySelector('li[data-task-type=voicemail]').dataset.taskSid`)
	click(t, ctx, "select the voicemail", `li[data-task-sid="`+vmSid+`"] button.task-select`)
	poll(t, ctx, "accept button", `document.querySelector('#accept') !== null`)
	click(t, ctx, "accept", "#accept")
	panel = panelFrame(t, ctx)
	poll(t, panel, "the transcript", `(() => { const p = document.querySelector('#transcript'); return p && p.textContent.includes('order') })()`)
	poll(t, panel, "the audio element", `document.querySelector('#voicemail-audio') !== null`)
	eval[any](t, panel, "play", `document.querySelector('#voicemail-audio').play().catch(() => {}), true`)
	poll(t, panel, "the voicemail playing", `(() => { const a = document.querySelector('#voicemail-audio'); return a.readyState >= 2 && a.duration > 0 })()`)

	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("../artifacts")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "desk-voicemail.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", filepath.Join(dir, "desk-voicemail.png"))

	// A repeat caller: the IVR callback, then * in the queue joins it; the panel lists the request.
	poll(t, ctx, "wrap-up button", `document.querySelector('#wrapup') !== null`)
	click(t, ctx, "wrap up", "#wrapup")
	poll(t, ctx, "complete button", `document.querySelector('#complete') !== null`)
	click(t, ctx, "complete", "#complete")
	poll(t, ctx, "no task left", `document.querySelector('li[data-task-sid]') === null`)
	click(t, ctx, "repeat caller scenario", "#scenario-repeat")
	poll(t, ctx, "the repeat caller's callback", `document.querySelector('li[data-task-type=callback]') !== null`)
	cbSid := eval[string](t, ctx, "callback sid", `document.querySelector('li[data-task-type=callback]').dataset.taskSid`)
	click(t, ctx, "select the callback", `li[data-task-sid="`+cbSid+`"] button.task-select`)
	poll(t, ctx, "accept button", `document.querySelector('#accept') !== null`)
	click(t, ctx, "accept", "#accept")
	panel = panelFrame(t, ctx)
	poll(t, panel, "the merged request", `(() => { const li = document.querySelector('#merged-1'); return !!li && li.textContent.includes('Asked again') })()`)
	if n := a.callbackData(cbSid)["requestCount"]; n != 2.0 {
		t.Errorf("requestCount = %v after the repeat caller, want 2", n)
	}
}
