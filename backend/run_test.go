package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"flexcallback/backend/sandbox"
)

// app is the real backend started through runWith, in sandbox mode, on loopback.
type app struct {
	t       testing.TB
	base    string // http://127.0.0.1:port
	sandbox string
	info    sandboxInfo
	hc      *http.Client
	logs    *testWriter // everything the backend logged
}

type sandboxInfo struct {
	AccountSid   string            `json:"accountSid"`
	AuthToken    string            `json:"authToken"`
	WorkspaceSid string            `json:"workspaceSid"`
	Workflows    map[string]string `json:"workflows"`
	Queues       map[string]string `json:"queues"`
	Workers      map[string]struct {
		Sid      string   `json:"sid"`
		Identity string   `json:"identity"`
		Roles    []string `json:"roles"`
	} `json:"workers"`
	OfflineActivitySid string `json:"offlineActivitySid"`
}

// webDir is the repository's web/ with a built app.wasm (make wasm); without it the panel
// cannot be served, and under CI that is a failure.
func webDir(t testing.TB) string {
	t.Helper()
	dir, _ := filepath.Abs("../web")
	if _, err := os.Stat(filepath.Join(dir, "app.wasm")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("web/app.wasm missing (run make wasm): %v", err)
		}
		t.Skipf("web/app.wasm missing; run make wasm (CI=true makes this a failure)")
	}
	return dir
}

// startApp runs the backend with env on top of a sandbox-mode default environment.
func startApp(t testing.TB, env map[string]string) *app {
	t.Helper()
	vars := map[string]string{
		"SANDBOX": "1", "ADDR": "127.0.0.1:0", "SANDBOX_ADDR": "127.0.0.1:0", "WEB_DIR": webDir(t),
		"LOG_LEVEL": "debug", "LOG_FORMAT": "text", "TWILIO_SERVICE_MIN_BACKOFF": "1", "TWILIO_SERVICE_MAX_BACKOFF": "5",
	}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan [2]string, 1)
	done := make(chan error, 1)
	logs := &testWriter{t: t}
	go func() {
		done <- runWith(ctx, []string{"backend", "-env-file="}, func(k string) string { return vars[k] }, logs, logs,
			func(addr, sandboxAddr string) { addrs <- [2]string{addr, sandboxAddr} })
	}()
	var a *app
	select {
	case got := <-addrs:
		a = &app{t: t, base: "http://" + got[0], sandbox: "http://" + got[1], hc: newClient(), logs: logs}
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("backend did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("backend did not shut down")
		}
		logs.stop()
	})
	a.waitForReady()
	if a.sandbox != "http://" {
		a.admin("GET", "/_sandbox/", nil, &a.info)
	}
	return a
}

func newClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// testWriter sends logs to t.Log until the test ends.
type testWriter struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
	buf     bytes.Buffer
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.stopped && testing.Verbose() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

func (w *testWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (a *app) waitForReady() {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := a.hc.Get(a.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.t.Fatal("backend never became ready")
}

// response is an HTTP answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (a *app) do(req *http.Request) response {
	a.t.Helper()
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// studio sends a signed webhook as Twilio would: POST with the form in the body, or GET with
// it in the query.
func (a *app) studio(method, path string, form url.Values, header map[string]string) response {
	a.t.Helper()
	u := a.base + "/features/callback-and-voicemail/studio/" + path
	var req *http.Request
	if method == http.MethodGet {
		u += "?" + form.Encode()
		req, _ = http.NewRequest(method, u, nil)
		req.Header.Set("X-Twilio-Signature", sandbox.Signature(a.info.AuthToken, u, nil))
	} else {
		req, _ = http.NewRequest(method, u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sandbox.Signature(a.info.AuthToken, u, form))
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return a.do(req)
}

// flex sends a panel request with a Flex token as Bearer.
func (a *app) flex(path, token string, form url.Values) response {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.base+"/features/callback-and-voicemail/flex/"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.do(req)
}

// admin calls the sandbox's admin API.
func (a *app) admin(method, path string, in, out any) {
	a.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.sandbox+path, body)
	req.Header.Set("Content-Type", "application/json")
	r := a.do(req)
	if r.status >= 300 {
		a.t.Fatalf("sandbox %s %s: %d %s", method, path, r.status, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			a.t.Fatalf("sandbox %s %s: %v in %s", method, path, err, r.body)
		}
	}
}

// token issues a sandbox Flex token for a worker ("alice") or a supervisor ("sam").
func (a *app) token(worker string, roles ...string) string {
	a.t.Helper()
	w := a.info.Workers[worker]
	if len(roles) == 0 {
		roles = w.Roles
	}
	var out struct{ Token string }
	a.admin("POST", "/_sandbox/tokens", map[string]any{"identity": w.Identity, "roles": roles, "workerSid": w.Sid, "ttl": 3600}, &out)
	return out.Token
}

// sandboxTask is a task as the sandbox's admin API lists it (TaskRouter's JSON).
type sandboxTask struct {
	Sid              string `json:"sid"`
	Attributes       string `json:"attributes"`
	AssignmentStatus string `json:"assignment_status"`
	Reason           string `json:"reason"`
	WorkflowSid      string `json:"workflow_sid"`
	Priority         int    `json:"priority"`
	Timeout          int    `json:"timeout"`
	Channel          string `json:"task_channel_unique_name"`
	DateCreated      string `json:"date_created"`
	VirtualStartTime string `json:"virtual_start_time"`
}

func (s sandboxTask) attrs(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s.Attributes), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (a *app) tasks() []sandboxTask {
	a.t.Helper()
	var out struct {
		Tasks []sandboxTask `json:"tasks"`
	}
	a.admin("GET", "/_sandbox/tasks", nil, &out)
	return out.Tasks
}

func (a *app) task(sid string) sandboxTask {
	a.t.Helper()
	for _, t := range a.tasks() {
		if t.Sid == sid {
			return t
		}
	}
	a.t.Fatalf("task %s not in the sandbox", sid)
	return sandboxTask{}
}

func (a *app) fault(f map[string]any) { a.admin("POST", "/_sandbox/faults", f, nil) }

func (a *app) metric(name string) string {
	a.t.Helper()
	r := a.do(mustRequest("GET", a.base+"/metrics"))
	var lines []string
	for _, l := range strings.Split(string(r.body), "\n") {
		if strings.HasPrefix(l, name) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func mustRequest(method, u string) *http.Request {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		panic(err)
	}
	return req
}
