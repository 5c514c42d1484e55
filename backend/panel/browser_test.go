package panel

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests: headless Chromium opens testdata/host.html on http://localhost:H (the Flex stand-in)
// which frames the panel on http://127.0.0.1:P, a different site, as Flex does. The panel server
// also answers the three flex/* endpoints with fakeBackend. To run the same checks against the real
// backend, serve its mux instead of newPanelServer's and keep openPanel/frame/evalIn.

const chromiumPath = "/usr/bin/chromium"

// needOrSkip skips a browser test when something it needs is missing, except under CI=true where a
// missing browser or bundle must fail rather than pass silently.
func needOrSkip(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format+" (CI=true: browser tests must run)", args...)
	}
	t.Skipf(format, args...)
}

func requireBrowserParts(t testing.TB) (webDir string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		needOrSkip(t, "no Chromium at %s (apt-get install -y chromium)", chromiumPath)
	}
	webDir, _ = filepath.Abs(filepath.Join("..", "..", "web"))
	if _, err := os.Stat(filepath.Join(webDir, "app.wasm")); err != nil {
		needOrSkip(t, "no %s/app.wasm: GOOS=js GOARCH=wasm go build -trimpath -ldflags=\"-s -w\" -o web/app.wasm ./wasm && gzip -9 -k -f web/app.wasm", webDir)
	}
	return webDir
}

// fakeBackend stands in for the backend's flex/* endpoints and the media URL, recording requests.
type fakeBackend struct {
	mu       sync.Mutex
	calls    []backendCall
	failWith int // status to fail every flex/* call with; 0 succeeds
	base     string
	mp3      []byte
}

type backendCall struct {
	Path, Auth, ContentType string
	Form                    map[string]string
	RawQuery                string
}

func (f *fakeBackend) requests() []backendCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]backendCall(nil), f.calls...)
}

func (f *fakeBackend) fail(status int) {
	f.mu.Lock()
	f.failWith = status
	f.mu.Unlock()
}

func (f *fakeBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rec, ok := strings.CutPrefix(r.URL.Path, "/media/"); ok {
		if r.URL.Query().Get("token") != "short-"+rec {
			http.Error(w, "bad media token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "audio/mpeg")
		http.ServeContent(w, r, rec+".mp3", time.Time{}, strings.NewReader(string(f.mp3)))
		return
	}
	r.ParseForm()
	call := backendCall{Path: strings.TrimPrefix(r.URL.Path, "/features/callback-and-voicemail/"), Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Form: map[string]string{}, RawQuery: r.URL.RawQuery}
	for k := range r.PostForm {
		call.Form[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	failWith := f.failWith
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method != http.MethodPost:
		w.WriteHeader(http.StatusMethodNotAllowed)
		w.Write([]byte(`{"success":false,"message":"POST only","code":"method"}`))
	case call.Auth != "Bearer flex-token-1":
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"success":false,"message":"invalid token","code":"unauthorized"}`))
	case failWith != 0:
		w.WriteHeader(failWith)
		fmt.Fprintf(w, `{"success":false,"message":"the backend said no (%d)","code":"test"}`, failWith)
	case call.Path == "flex/voicemail-url":
		rec := call.Form["recordingSid"]
		json.NewEncoder(w).Encode(map[string]any{"success": true, "url": f.base + "/media/" + rec + "?token=short-" + rec,
			"expiresAt": time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)})
	case call.Path == "flex/requeue-callback":
		w.Write([]byte(`{"success":true,"taskSid":"WT00000000000000000000000000000002"}`))
	case call.Path == "flex/delete-voicemail", call.Path == "flex/record-outcome":
		w.Write([]byte(`{"success":true}`))
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"success":false,"message":"not found","code":"not_found"}`))
	}
}

// panelBrowser is one Chromium with the host page, the panel and the fake backend.
type panelBrowser struct {
	t        testing.TB
	ctx      context.Context // the host page's tab
	HostURL  string          // http://localhost:H/host.html
	PanelURL string          // http://127.0.0.1:P/panel/
	Backend  *fakeBackend
	frameCtx context.Context
}

// newPanelBrowser starts everything; it skips (or fails under CI) without Chromium or app.wasm.
func newPanelBrowser(t testing.TB) *panelBrowser { return newShapedPanelBrowser(t, nil) }

// newShapedPanelBrowser is newPanelBrowser with the panel's server wrapped in shape (nil: none),
// e.g. to slow it down as a real network would.
func newShapedPanelBrowser(t testing.TB, shape func(http.Handler) http.Handler) *panelBrowser {
	t.Helper()
	webDir := requireBrowserParts(t)
	host := serveHostPage(t)
	panelURL, backend := newPanelServer(t, webDir, []string{"https://flex.twilio.com", host}, shape)
	return &panelBrowser{t: t, ctx: startBrowser(t), HostURL: host + "/host.html", PanelURL: panelURL, Backend: backend}
}

// serveHostPage serves testdata/host.html on a loopback port and returns http://localhost:PORT,
// another site than the panel's 127.0.0.1. The same page is http://127.0.0.1:PORT, an origin the
// panel does not allow.
func serveHostPage(t testing.TB) string {
	t.Helper()
	page, err := os.ReadFile(filepath.Join("testdata", "host.html"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	return "http://localhost:" + port
}

// newPanelServer serves the panel handler and the fake backend on one 127.0.0.1 origin, as the
// real backend does.
func newPanelServer(t testing.TB, webDir string, origins []string, shape func(http.Handler) http.Handler) (string, *fakeBackend) {
	t.Helper()
	mp3, err := os.ReadFile(filepath.Join("testdata", "voicemail.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{WebDir: webDir, AllowedOrigins: origins, BusinessTimeZone: "America/New_York",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	backend := &fakeBackend{mp3: mp3}
	mux := http.NewServeMux()
	mux.Handle(Prefix+"/", h)
	mux.Handle("/features/callback-and-voicemail/", backend)
	mux.Handle("/media/", backend)
	var served http.Handler = mux
	if shape != nil {
		served = shape(mux)
	}
	srv := httptest.NewServer(served)
	t.Cleanup(srv.Close)
	backend.base = srv.URL
	return srv.URL + Prefix + "/", backend
}

// startBrowser starts headless Chromium with the flags of notes/feasibility-go.md §2.
func startBrowser(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// within bounds one step; the browser itself lives as long as the test.
func within(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// openPanel loads the host page, sets the context the host answers "ready" with, frames the panel
// and waits until the panel says ready.
func (b *panelBrowser) openPanel(contextMsg map[string]any) {
	b.t.Helper()
	b.navigateHost(b.HostURL)
	b.setContext(contextMsg)
	b.insertPanel(360)
	b.waitHost(`window.received.some(m => m.data.type === "ready")`)
	b.attachFrame()
}

func (b *panelBrowser) navigateHost(url string) {
	b.t.Helper()
	ctx, cancel := within(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("navigate %s: %v", url, err)
	}
	b.frameCtx = nil
}

func (b *panelBrowser) setContext(contextMsg map[string]any) {
	b.t.Helper()
	js, _ := json.Marshal(contextMsg)
	b.evalHost(fmt.Sprintf(`window.contextMessage = %s; true`, js))
}

func (b *panelBrowser) insertPanel(width int) {
	b.t.Helper()
	b.evalHost(fmt.Sprintf(`insertPanel(%q, %d); true`, b.PanelURL, width))
}

// evalHost evaluates js in the host page and decodes its value into a T.
func evalHost[T any](b *panelBrowser, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := within(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("host: %s: %v", js, err)
	}
	return v
}

func (b *panelBrowser) evalHost(js string) { evalHost[bool](b, js) }

// waitHost waits until js is truthy in the host page.
func (b *panelBrowser) waitHost(js string) {
	b.t.Helper()
	ctx, cancel := within(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(25*time.Second))); err != nil {
		b.t.Fatalf("host never got %s: %v; received %s", js, err, b.receivedJSON())
	}
}

// attachFrame finds the panel's out-of-process iframe target (FromNode cannot reach into it).
func (b *panelBrowser) attachFrame() {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(b.ctx)
		if err != nil {
			b.t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, b.PanelURL) {
				// WithDetachOnCancel: cancelling a frame context otherwise breaks the page target.
				ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
				b.t.Cleanup(cancel)
				// Attach now, with no deadline: the first run binds the session's life to the
				// context it gets, and the later steps run with timeouts.
				if err := chromedp.Do(ctx); err != nil {
					b.t.Fatalf("attach to the panel frame: %v", err)
				}
				b.frameCtx = ctx
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("no iframe target for %s", b.PanelURL)
}

// evalFrame evaluates js inside the panel.
func evalFrame[T any](b *panelBrowser, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := within(b.frameCtx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("panel: %s: %v", js, err)
	}
	return v
}

// waitFrame waits until js is truthy inside the panel.
func (b *panelBrowser) waitFrame(js string) {
	b.t.Helper()
	ctx, cancel := within(b.frameCtx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(25*time.Second))); err != nil {
		html, _ := chromedp.Run(b.frameCtx, chromedp.Evaluate[string](`document.body.innerHTML`))
		b.t.Fatalf("panel never showed %s: %v\n%s", js, err, html)
	}
}

func (b *panelBrowser) text(id string) string {
	b.t.Helper()
	return evalFrame[string](b, fmt.Sprintf(`(document.getElementById(%q) || {}).textContent || ""`, id))
}

func (b *panelBrowser) disabled(id string) bool {
	b.t.Helper()
	return evalFrame[bool](b, fmt.Sprintf(`!!document.getElementById(%q).disabled`, id))
}

// click clicks a control of the panel as a user would, with the mouse.
// mouseClick clicks #id with the mouse, at its coordinates: for what only a real pointer does,
// such as giving the frame's document focus. Buttons use click.
func (b *panelBrowser) mouseClick(id string) {
	b.t.Helper()
	ctx, cancel := within(b.frameCtx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID(id)), chromedp.Click(chromedp.ID(id))); err != nil {
		b.t.Fatalf("click #%s: %v", id, err)
	}
}

// click waits until #id is visible, then focuses and clicks it as a mouse would, through the
// element itself: a mouse click at coordinates misses when the frame's layout moves in between
// (the host resizes the iframe as the panel grows), which made clicks vanish now and then. A
// disabled button ignores it, as it ignores the mouse.
func (b *panelBrowser) click(id string) {
	b.t.Helper()
	ctx, cancel := within(b.frameCtx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID(id))); err != nil {
		b.t.Fatalf("click #%s: %v", id, err)
	}
	if !evalFrame[bool](b, fmt.Sprintf(`(() => { const el = document.getElementById(%q); if (!el) return false; el.focus(); el.click(); return true })()`, id)) {
		b.t.Fatalf("click #%s: gone before the click", id)
	}
}

// sendFromHost posts msg from the host page to the panel.
func (b *panelBrowser) sendFromHost(msg map[string]any) {
	b.t.Helper()
	js, _ := json.Marshal(msg)
	b.evalHost(fmt.Sprintf(`sendToPanel(%s); true`, js))
}

type receivedMessage struct {
	Origin string         `json:"origin"`
	Data   map[string]any `json:"data"`
	At     float64        `json:"at"`
}

func (b *panelBrowser) received() []receivedMessage {
	b.t.Helper()
	return evalHost[[]receivedMessage](b, `window.received`)
}

func (b *panelBrowser) receivedJSON() string {
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](`window.received`))
	if err != nil {
		return err.Error()
	}
	return string(v)
}

func (b *panelBrowser) actions(name string) []receivedMessage {
	var out []receivedMessage
	for _, m := range b.received() {
		if m.Data["type"] == "action" && m.Data["name"] == name {
			out = append(out, m)
		}
	}
	return out
}

// Messages as the shim sends them.

const testRecording = "RE0123456789abcdef0123456789abcdef"

func shimContext(kind, status, locale string, cb map[string]any, worker map[string]any) map[string]any {
	data := map[string]any{
		"numberToCall": "+15550001111", "numberToCallFrom": "+15559990000", "attempts": 0,
		"utcDateTimeReceived": "2026-11-25T14:00:00.000Z", "isDeleted": false, "mainTimeZone": "UTC",
	}
	for k, v := range cb {
		data[k] = v
	}
	if worker == nil {
		worker = map[string]any{"sid": "WK1", "offline": false}
	}
	return map[string]any{
		"source": "flexcallback-shim", "type": "context", "v": 1, "token": "flex-token-1", "locale": locale,
		"task":   shimTask(kind, status, data),
		"worker": worker,
		"config": map[string]any{"allowRequeue": true, "maxAttempts": 3, "autoSelectTask": true, "outboundEnabled": true},
	}
}

func shimTask(kind, status string, cb map[string]any) map[string]any {
	return map[string]any{
		"sid": "WR00000000000000000000000000000001", "taskSid": "WT00000000000000000000000000000001",
		"status": status, "queueSid": "WQ00000000000000000000000000000001", "queueName": "Callbacks",
		"channel": "voice", "dateCreated": "2026-11-25T14:00:01Z",
		"attributes": map[string]any{
			"taskType": kind, "name": "+15550001111", "from": "+15550001111", "direction": "inbound",
			"callBackData":  cb,
			"conversations": map[string]any{"conversation_id": "WTorig", "abandoned": "Follow-Up"},
		},
	}
}
