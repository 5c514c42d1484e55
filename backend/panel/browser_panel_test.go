package panel

import (
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserCallbackPanel(t *testing.T) {
	b := newPanelBrowser(t)
	b.openPanel(shimContext("callback", "assigned", "en-US", nil, nil))
	b.waitFrame(`document.getElementById("heading") !== null`)

	if got := b.text("heading"); got != "Callback Request" {
		t.Errorf("heading %q", got)
	}
	if got := b.text("phone"); got != "+15550001111" {
		t.Errorf("phone %q", got)
	}
	if got := b.text("attempts"); got != "1 of 3" {
		t.Errorf("attempts %q", got)
	}
	if got := b.text("call"); got != "Place Call Now To +15550001111" {
		t.Errorf("call button %q", got)
	}
	if b.disabled("call") || b.disabled("retry") {
		t.Error("buttons disabled on an assigned task")
	}
	// The business time (America/New_York, 9:00 for 14:00Z) shows on keyboard focus, not before.
	tip := `getComputedStyle(document.getElementById("system-time")).visibility`
	if v := evalFrame[string](b, tip); v != "hidden" {
		t.Errorf("tooltip %s before focus", v)
	}
	b.mouseClick("phone") // the frame gets focus (as when an agent tabs into it), the mouse moves away
	evalFrame[bool](b, `document.getElementById("system-time-button").focus(); true`)
	if v := evalFrame[string](b, tip); v != "visible" {
		t.Errorf("tooltip %s on focus", v)
	}
	if got := b.text("system-time"); !strings.Contains(got, "9:00:00") {
		t.Errorf("system time %q, want 9:00:00 New York time", got)
	}

	// Every message names the panel's origin, and the iframe was sized from resize messages.
	msgs := b.received()
	if len(msgs) == 0 || msgs[0].Data["type"] != "ready" {
		t.Fatalf("first message %v", msgs)
	}
	sawResize := false
	for _, m := range msgs {
		if m.Data["type"] == "resize" && m.Data["height"].(float64) > 100 {
			sawResize = true
		}
	}
	if !sawResize {
		t.Errorf("no resize with the content height: %s", b.receivedJSON())
	}
	if h := evalHost[float64](b, `window.frameEl.getBoundingClientRect().height`); h <= 150 {
		t.Errorf("iframe height %v, not resized", h)
	}

	b.click("call")
	b.waitHost(`window.received.some(m => m.data.type === "action" && m.data.name === "StartOutboundCall")`)
	calls := b.actions("StartOutboundCall")
	if len(calls) != 1 {
		t.Fatalf("%d StartOutboundCall actions", len(calls))
	}
	want := map[string]any{
		"destination": "+15550001111",
		"callerId":    "+15559990000",
		"queueSid":    "WQ00000000000000000000000000000001",
		"taskAttributes": map[string]any{
			"taskType": "callback-outbound", "name": "+15550001111", "from": "+15550001111", "direction": "inbound",
			"callBackData": map[string]any{
				"numberToCall": "+15550001111", "numberToCallFrom": "+15559990000", "attempts": 0.0,
				"utcDateTimeReceived": "2026-11-25T14:00:00.000Z", "isDeleted": false, "mainTimeZone": "UTC",
			},
			"conversations": map[string]any{"conversation_id": "WTorig"},
			"autoClose":     true,
			"parentTask":    "WR00000000000000000000000000000001",
		},
	}
	if got := calls[0].Data["payload"]; !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("StartOutboundCall payload\n got %s\nwant %s", g, w)
	}
	if id, _ := calls[0].Data["id"].(string); id == "" {
		t.Error("action without id")
	}
	// The host answered ok: the buttons come back.
	b.waitFrame(`!document.getElementById("call").disabled`)
}

func TestBrowserButtonMatrixAndTaskUpdates(t *testing.T) {
	b := newPanelBrowser(t)
	b.openPanel(shimContext("callback", "reserved", "en-US", nil, nil))
	b.waitFrame(`document.getElementById("call") !== null`)
	evalFrame[bool](b, `window.sameDocument = true; true`)

	steps := []struct {
		name        string
		status      string
		attempts    int
		call, retry bool // enabled
		showRetry   bool
	}{
		{"reserved", "reserved", 0, false, false, true},
		{"assigned", "assigned", 0, true, true, true},
		{"wrapping", "wrapping", 0, false, false, true},
		{"assigned, second attempt", "assigned", 1, true, true, true},
		{"assigned, last attempt", "assigned", 2, true, false, false},
	}
	for _, s := range steps {
		cb := map[string]any{"numberToCall": "+15550001111", "numberToCallFrom": "+15559990000", "attempts": s.attempts,
			"utcDateTimeReceived": "2026-11-25T14:00:00.000Z"}
		b.sendFromHost(map[string]any{"source": "flexcallback-shim", "type": "task", "v": 1, "task": shimTask("callback", s.status, cb)})
		b.waitFrame(boolJS(!s.call) + ` === document.getElementById("call").disabled && ` +
			`document.getElementById("attempts").textContent === "` + strconv.Itoa(s.attempts+1) + ` of 3"`)
		hasRetry := evalFrame[bool](b, `document.getElementById("retry") !== null`)
		if hasRetry != s.showRetry {
			t.Errorf("%s: retry shown %v, want %v", s.name, hasRetry, s.showRetry)
		}
		if hasRetry && b.disabled("retry") == s.retry {
			t.Errorf("%s: retry disabled %v", s.name, b.disabled("retry"))
		}
	}
	if !evalFrame[bool](b, `window.sameDocument === true`) {
		t.Error("a task message reloaded the panel")
	}

	// Offline: calls are off, requeue is not.
	b.sendFromHost(shimContext("callback", "assigned", "en-US", nil, map[string]any{"sid": "WK1", "offline": true}))
	b.waitFrame(`document.getElementById("call").disabled`)
	if b.disabled("retry") {
		t.Error("retry disabled for an offline worker")
	}
}

func boolJS(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

func TestBrowserRetryLater(t *testing.T) {
	b := newPanelBrowser(t)
	b.openPanel(shimContext("callback", "assigned", "en-US", map[string]any{"attempts": 1}, nil))
	b.waitFrame(`document.getElementById("retry") !== null`)
	b.click("retry")
	b.waitHost(`window.received.some(m => m.data.type === "action" && m.data.name === "WrapupTask")`)
	reqs := b.Backend.requests()
	if len(reqs) != 1 {
		t.Fatalf("backend got %d requests: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Path != "flex/requeue-callback" || r.Auth != "Bearer flex-token-1" || r.ContentType != "application/x-www-form-urlencoded" ||
		r.Form["taskSid"] != "WT00000000000000000000000000000001" || r.RawQuery != "" || r.Form["Token"] != "" {
		t.Errorf("requeue request %+v", r)
	}
	wrap := b.actions("WrapupTask")[0]
	if p, _ := wrap.Data["payload"].(map[string]any); p["sid"] != "WR00000000000000000000000000000001" {
		t.Errorf("WrapupTask payload %v", wrap.Data["payload"])
	}
	b.waitFrame(`document.getElementById("status").textContent.includes("attempt 3")`)

	// A refused requeue is shown, no wrap-up is asked, and the button works again (B9).
	b.Backend.fail(409)
	b.sendFromHost(shimContext("callback", "assigned", "en-US", map[string]any{"attempts": 0}, nil))
	b.waitFrame(`document.getElementById("attempts").textContent === "1 of 3"`)
	b.click("retry")
	b.waitFrame(`document.getElementById("status").textContent.includes("the backend said no (409)")`)
	if b.disabled("retry") || len(b.actions("WrapupTask")) != 1 {
		t.Errorf("after a failed requeue: retry disabled %v, %d wrap-ups", b.disabled("retry"), len(b.actions("WrapupTask")))
	}
}

func TestBrowserVoicemailPlaysAndDeletes(t *testing.T) {
	b := newPanelBrowser(t)
	b.openPanel(shimContext("voicemail", "assigned", "en-US",
		map[string]any{"recordingSid": testRecording, "transcriptText": "Hi, please call me back about my order."}, nil))
	b.waitFrame(`document.getElementById("voicemail-audio") !== null`)
	if got := b.text("heading"); got != "Contact Voicemail" {
		t.Errorf("heading %q", got)
	}
	if got := b.text("transcript"); got != "Hi, please call me back about my order." {
		t.Errorf("transcript %q", got)
	}
	type media struct {
		ReadyState  int     `json:"readyState"`
		Duration    float64 `json:"duration"`
		CurrentTime float64 `json:"currentTime"`
		Src         string  `json:"src"`
		Paused      bool    `json:"paused"`
	}
	m := evalFrame[media](b, `(async () => {
		const a = document.getElementById("voicemail-audio");
		if (a.readyState < 2) await new Promise((ok, no) => { a.addEventListener("loadeddata", ok, {once: true}); a.addEventListener("error", no, {once: true}); });
		a.muted = true;
		await a.play();
		await new Promise(r => setTimeout(r, 400));
		return {readyState: a.readyState, duration: a.duration, currentTime: a.currentTime, src: a.currentSrc, paused: a.paused};
	})()`, chromedp.EvalAwaitPromise)
	// currentTime may not move in headless Chromium without an audio device; play() resolving
	// and the element not paused is what the browser reports for a playing element.
	if m.ReadyState < 2 || m.Duration < 1.5 || m.Paused {
		t.Errorf("audio %+v: not playing the 2 s test MP3", m)
	}
	if strings.Contains(m.Src, "flex-token-1") || !strings.Contains(m.Src, "token=short-"+testRecording) {
		t.Errorf("audio src %q", m.Src)
	}
	vm := b.Backend.requests()[0]
	if vm.Path != "flex/voicemail-url" || vm.Form["recordingSid"] != testRecording || vm.Auth != "Bearer flex-token-1" {
		t.Errorf("voicemail-url request %+v", vm)
	}

	b.click("delete")
	b.waitFrame(`document.getElementById("delete-yes") !== null && document.activeElement.id === "delete-yes"`)
	if n := len(b.Backend.requests()); n != 1 {
		t.Fatalf("delete went out before confirmation (%d requests)", n)
	}
	b.click("delete-yes")
	b.waitFrame(`document.getElementById("voicemail-audio") === null && document.getElementById("status").textContent === "Voicemail deleted."`)
	del := b.Backend.requests()[1]
	if del.Path != "flex/delete-voicemail" || del.Form["recordingSid"] != testRecording || del.Form["taskSid"] != "WT00000000000000000000000000000001" {
		t.Errorf("delete request %+v", del)
	}
}

func TestBrowserVoicemailErrorAndTryAgain(t *testing.T) {
	b := newPanelBrowser(t)
	b.Backend.fail(503)
	b.openPanel(shimContext("voicemail", "assigned", "en-US", map[string]any{"recordingSid": testRecording}, nil))
	b.waitFrame(`document.getElementById("voicemail-retry") !== null`)
	if got := b.text("voicemail-error"); got != "Error loading voicemail." {
		t.Errorf("error text %q", got)
	}
	b.Backend.fail(0)
	b.click("voicemail-retry")
	b.waitFrame(`(a => a && a.readyState >= 1)(document.getElementById("voicemail-audio"))`)
}

func TestBrowserIgnoresWrongOrigin(t *testing.T) {
	b := newPanelBrowser(t)
	b.openPanel(nil) // framed by an allowed host that does not answer ready
	b.waitFrame(`document.getElementById("waiting") !== null`)
	ctx := shimContext("callback", "assigned", "en-US", nil, nil)
	// From another origin (127.0.0.1 is not allowed), and from the allowed origin but a window that
	// is not the parent: both are ignored.
	b.evalHost(`relayFrom(` + jsString(strings.Replace(b.HostURL, "localhost", "127.0.0.1", 1)) + `, ` + jsonJS(ctx) + `); true`)
	b.evalHost(`relayFrom(` + jsString(b.HostURL) + `, ` + jsonJS(ctx) + `); true`)
	b.waitHost(`window.relayed === 2`)
	time.Sleep(300 * time.Millisecond)
	if evalFrame[bool](b, `document.getElementById("heading") !== null`) {
		t.Fatal("the panel rendered a context that did not come from its parent on an allowed origin")
	}
	// The same message from the parent is heard.
	b.sendFromHost(ctx)
	b.waitFrame(`document.getElementById("heading") !== null`)
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

func jsonJS(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestBrowserLocaleSwitch(t *testing.T) {
	b := newPanelBrowser(t)
	b.openPanel(shimContext("callback", "assigned", "es-MX", nil, nil))
	b.waitFrame(`document.getElementById("heading") !== null`)
	if got := b.text("heading"); got != "Solicitud de devolución de llamada" {
		t.Errorf("es-MX heading %q", got)
	}
	if got := evalFrame[string](b, `document.documentElement.lang`); got != "es-MX" {
		t.Errorf("lang %q", got)
	}
	esTime := b.text("reception-time")
	b.sendFromHost(shimContext("callback", "assigned", "th-TH", nil, nil))
	b.waitFrame(`document.getElementById("heading").textContent === "คำขอให้โทรกลับ"`)
	if got := b.text("attempts"); got != "1 จาก 3" {
		t.Errorf("th attempts %q", got)
	}
	if thTime := b.text("reception-time"); thTime == esTime || thTime == "" {
		t.Errorf("reception time not localised: es %q, th %q", esTime, thTime)
	}
	b.sendFromHost(shimContext("callback", "assigned", "zh-Hans", nil, nil))
	b.waitFrame(`document.getElementById("heading").textContent === "回电请求"`)
}

// axeScript returns axe-core's bundle: AXE_CORE_JS, else plugin-shim's devDependency.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE_JS")
	if path == "" {
		path = "../../plugin-shim/node_modules/axe-core/axe.min.js"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		needOrSkip(t, "no axe-core at %s (npm ci in plugin-shim, or set AXE_CORE_JS): %v", path, err)
	}
	return string(b)
}

// axeClean runs axe-core in the panel and reports every violation.
func (b *panelBrowser) axeClean(axe string) {
	b.t.Helper()
	evalFrame[bool](b, axe+"\n;true")
	type axeResult struct {
		Violations []string `json:"violations"`
		Passes     int      `json:"passes"`
	}
	res := evalFrame[axeResult](b, `axe.run(document).then(r => ({passes: r.passes.length, violations: r.violations.map(v =>
		v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", "))}))`, chromedp.EvalAwaitPromise)
	if res.Passes < 10 {
		b.t.Errorf("axe passed only %d rules: did it run?", res.Passes)
	}
	for _, v := range res.Violations {
		b.t.Errorf("axe: %s", v)
	}
}

func TestBrowserAccessibility(t *testing.T) {
	axe := axeScript(t)
	b := newPanelBrowser(t)
	for _, tc := range []struct {
		name string
		ctx  map[string]any
	}{
		{"callback", shimContext("callback", "assigned", "en-US", nil, nil)},
		{"voicemail", shimContext("voicemail", "assigned", "pt-BR", map[string]any{"recordingSid": testRecording, "transcriptText": "Olá"}, nil)},
		{"disabled buttons", shimContext("callback", "reserved", "th", nil, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			b.navigateHost(b.HostURL)
			b.setContext(tc.ctx)
			b.insertPanel(320) // the narrowest Flex panel
			b.waitHost(`window.received.some(m => m.data.type === "ready")`)
			b.attachFrame()
			b.waitFrame(`document.getElementById("heading") !== null && !document.getElementById("app-wasm-loader")`)
			if tc.name == "voicemail" {
				b.waitFrame(`document.getElementById("voicemail-audio") !== null`)
			}
			if w := evalFrame[int](b, `document.documentElement.scrollWidth`); w > 320 {
				t.Errorf("content %dpx wide in a 320px frame", w)
			}
			b.axeClean(axe)
		})
	}
}
