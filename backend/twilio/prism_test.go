package twilio_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/twilio"
)

// The fidelity check (issue 2, item 8): Stoplight Prism runs `prism proxy --errors` with Twilio's
// own OpenAPI files (testdata/twilio-oai) between the adapter and the sandbox, and every operation
// of operations() runs through it. Prism answers 422 when our request breaks the spec and 500
// VIOLATIONS when the sandbox's answer does; either fails the test with Prism's message.
//
// Prism is installed by `cd tools/prism && npm ci` (make test does it). Without it the test
// skips, except under CI=true, where it fails.

// prismBin is where npm ci in tools/prism puts the binary, from this package's folder.
const prismBin = "../../tools/prism/node_modules/.bin/prism"

// mediaPath matches recording media, which the specs do not describe.
var mediaPath = regexp.MustCompile(`^/api/2010-04-01/Accounts/[^/]+/Recordings/[^/]+\.(mp3|wav)$`)

// prismSpecs maps the first path segment the adapter sends ({APIBase}/{sub}/...) to the spec
// that describes what follows it.
var prismSpecs = map[string]string{
	"taskrouter": "testdata/twilio-oai/twilio_taskrouter_v1.json",
	"api":        "testdata/twilio-oai/twilio_api_v2010.json",
	"flex-api":   "testdata/twilio-oai/twilio_flex_v1.json",
	"studio":     "testdata/twilio-oai/twilio_studio_v2.json",
}

func TestOperationsThroughPrism(t *testing.T) {
	bin, err := filepath.Abs(prismBin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		msg := "prism is not installed (run: cd tools/prism && npm ci): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	e := newEnv(t)
	front := newPrismFront(t, bin, e.srv.URL)
	c := e.client(front.URL, nil)

	// The spec check must be able to fail: a task whose SID breaks the spec's pattern is a 422.
	_, err = c.FetchTask(ctxT(t), "WTnothex")
	if v := front.take(); len(v) != 1 || !strings.Contains(v[0], "422") || err == nil {
		t.Fatalf("a request that breaks the spec: err %v, Prism said %q", err, v)
	}

	// And a sandbox answer that breaks it is a 500 VIOLATIONS, for each spec whose answers are
	// checked (the adapter retries the 500 and gets the intact answer).
	seed, err := c.CreateTask(ctxT(t), flexcallback.NewTask{WorkflowSid: e.in.Workflows["default"], Attributes: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	front.mustBite(t, `"assignment_status":"`, `"assignment_status":"bogus-`, "assignment_status must be equal to one of the allowed values",
		func() error { _, err := c.FetchTask(ctxT(t), seed.Sid); return err })
	front.mustBite(t, `"status":"ok"`, `"status":"bogus"`, "status must be equal to one of the allowed values",
		func() error { _, err := c.FetchFlexConfiguration(ctxT(t)); return err })
	flow, err := e.client(e.srv.URL, nil).CreateFlow(ctxT(t), twilio.Flow{FriendlyName: "probe", Status: "draft",
		Definition: json.RawMessage(`{"initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","properties":{},"transitions":[]}]}`)}, "")
	if err != nil {
		t.Fatal(err)
	}
	front.mustBite(t, `"revision":1`, `"revision":"1"`, "revision must be integer",
		func() error { _, err := c.FetchFlow(ctxT(t), flow.Sid); return err })
	e.admin("POST", "/_sandbox/reset", nil, nil) // operations counts the tasks it makes, setup the flows

	operations(t, e, c)
	setupOperations(t, e, e.client(front.URL, func(cfg *twilio.Config) { cfg.WorkspaceSid, cfg.AccountOnly = "", true }).WithWorkspace(e.in.WorkspaceSid))
	refusals(t, e, front.URL)
	statisticsOperations(t, e, c, front.URL)

	// Prism checks the statistics requests (a task queue SID off the spec's pattern is a 422) and,
	// since prismSpec, their answers (a count that is no integer is a 500 VIOLATIONS).
	front.mustBite(t, `"total_eligible_workers":`, `"total_eligible_workers":"two","unchecked":`, "total_eligible_workers",
		func() error { _, err := c.TaskQueueStatistics(ctxT(t), e.in.TaskQueues["Everyone"]); return err })
	if _, err := c.TaskQueueStatistics(ctxT(t), "WQnothex"); err == nil {
		t.Error("statistics of a malformed task queue SID succeeded")
	}
	if v := front.take(); len(v) != 1 || !strings.Contains(v[0], "RealTimeStatistics") || !strings.Contains(v[0], "422") {
		t.Fatalf("a statistics request that breaks the spec: Prism said %q", v)
	}
}

// prismFront is the test's reverse proxy: it strips the {sub} prefix that the adapter's APIBase
// rewrite adds and sends the rest to the Prism of that spec, and it records every problem
// Prism reports.
type prismFront struct {
	*httptest.Server
	corrupt    atomic.Pointer[[2]string] // break the next answer: replace [0] with [1] once
	mu         sync.Mutex
	violations []string
}

func newPrismFront(t *testing.T, bin, sandboxURL string) *prismFront {
	t.Helper()
	f := &prismFront{}
	sb, err := url.Parse(sandboxURL)
	if err != nil {
		t.Fatal(err)
	}
	direct := httputil.NewSingleHostReverseProxy(sb)
	// Prism's upstream is a tap on the sandbox that can break one answer on purpose, to show
	// that Prism's response check bites.
	tap := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(sb); r.Out.Host = sb.Host },
		ModifyResponse: func(resp *http.Response) error {
			swap := f.corrupt.Swap(nil)
			if swap == nil {
				return nil
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			b = bytes.Replace(b, []byte(swap[0]), []byte(swap[1]), 1)
			resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
			return nil
		},
	}
	tapSrv := httptest.NewServer(tap)
	t.Cleanup(tapSrv.Close)
	prisms := map[string]*url.URL{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for sub, spec := range prismSpecs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := startPrism(t, bin, prismSpec(t, spec), tapSrv.URL+"/"+sub)
			mu.Lock()
			prisms[sub] = u
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			sub, rest, _ := strings.Cut(strings.TrimPrefix(r.In.URL.Path, "/"), "/")
			target := prisms[sub]
			r.Out.URL.Scheme, r.Out.URL.Host, r.Out.Host = target.Scheme, target.Host, target.Host
			r.Out.URL.Path, r.Out.URL.RawPath = "/"+rest, ""
		},
		ModifyResponse: f.check,
	}
	// Recording media (.mp3, .wav) is not in the spec (Prism answers 404 NO_PATH_MATCHED): it
	// goes straight to the sandbox; the recording's JSON goes through Prism.
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if mediaPath.MatchString(r.URL.Path) {
			direct.ServeHTTP(w, r)
			return
		}
		if prisms[sub] == nil {
			f.report(fmt.Sprintf("%s %s: no spec for this API", r.Method, r.URL.Path))
			http.Error(w, "no spec for "+sub, http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	// Whatever Prism reported and nobody took fails the test, also after a t.Fatal whose call
	// Prism refused.
	t.Cleanup(func() {
		for _, v := range f.take() {
			t.Errorf("Prism: %s", v)
		}
	})
	return f
}

// check records Prism's own answers: problem documents (422 for our request, 500 VIOLATIONS
// for the sandbox's answer, anything else Prism refuses) and sl-violations headers. The sandbox
// never answers application/problem+json, so such a body is always Prism's.
func (f *prismFront) check(resp *http.Response) error {
	req := resp.Request
	what := fmt.Sprintf("%s %s → %d", req.Method, req.URL.RequestURI(), resp.StatusCode)
	if v := resp.Header.Get("sl-violations"); v != "" {
		var list []struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			f.report(what + ": unreadable sl-violations " + v)
		}
		for _, x := range list {
			// Twilio's specs document no error answers at all, so every 4xx/5xx "breaks" them;
			// their bodies are checked by the sandbox's own tests instead.
			if resp.StatusCode >= 400 && strings.HasPrefix(x.Message, "Unable to match the returned status code") {
				continue
			}
			f.report(what + ": " + x.Message)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	f.report(what + ": " + string(b))
	return nil
}

func (f *prismFront) report(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.violations = append(f.violations, v)
}

// take returns the problems recorded so far and forgets them.
func (f *prismFront) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.violations
	f.violations = nil
	return v
}

// mustBite breaks the next answer (old replaced by new) and runs call, which must still succeed
// (the adapter retries Prism's 500 and gets the intact answer), and Prism must have reported the
// broken answer as a 500 VIOLATIONS that says want.
func (f *prismFront) mustBite(t *testing.T, old, new, want string, call func() error) {
	t.Helper()
	f.corrupt.Store(&[2]string{old, new})
	err := call()
	v := f.take()
	if f.corrupt.Swap(nil) != nil {
		t.Fatalf("breaking %s: the answer had no %s; err %v; Prism said %q", want, old, err, v)
	}
	if err != nil || len(v) == 0 || !strings.Contains(v[0], "→ 500") || !strings.Contains(v[0], want) {
		t.Fatalf("an answer that breaks the spec (%s): err %v; Prism said %q", want, err, v)
	}
}

// prismSpec writes a copy of spec that Prism can check answers against and returns its path.
// Twilio's specs declare a property of any JSON (Flex's ui_attributes, a Studio definition, a
// recording's encryption_details…) as {"nullable": true} without a type. Prism's validator (ajv)
// refuses to compile such a schema ("nullable" cannot be used without "type"), and Prism takes
// the failure for "no violations": every answer of an operation whose schema holds one went
// unchecked. In OpenAPI 3.0 nullable has no effect without type, so the copy drops it there.
func prismSpec(t *testing.T, spec string) string {
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Error(err)
		return spec
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		t.Errorf("%s: %v", spec, err)
		return spec
	}
	dropUntypedNullable(doc)
	if b, err = json.Marshal(doc); err != nil {
		t.Error(err)
		return spec
	}
	out := filepath.Join(t.TempDir(), filepath.Base(spec))
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Error(err)
		return spec
	}
	return out
}

func dropUntypedNullable(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, typed := v["type"]; v["nullable"] == true && !typed {
			delete(v, "nullable")
		}
		for _, x := range v {
			dropUntypedNullable(x)
		}
	case []any:
		for _, x := range v {
			dropUntypedNullable(x)
		}
	}
}

// startPrism runs `prism proxy --errors` for spec in front of upstream on a free port and waits
// until it listens. Its output goes to t.Log; it is stopped at cleanup.
func startPrism(t *testing.T, bin, spec, upstream string) *url.URL {
	port, err := freePort()
	if err != nil {
		t.Error(err)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "proxy", "--errors", "-h", "127.0.0.1", "-p", port, spec, upstream)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Error(err)
		cancel()
		return nil
	}
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Errorf("start prism: %v", err)
		cancel()
		return nil
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "Prism is listening") {
				once.Do(func() { close(ready) })
			}
			// Prism logs every request; keep only what helps when something fails.
			if strings.Contains(line, "✖") || strings.Contains(line, "warning") || strings.Contains(line, "listening") {
				t.Logf("prism %s: %s", filepath.Base(spec), line)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		<-done
	})
	select {
	case <-ready:
	case <-done:
		t.Errorf("prism for %s exited before listening", spec)
		return nil
	case <-time.After(60 * time.Second):
		t.Errorf("prism for %s did not listen within 60 s", spec)
		return nil
	}
	return &url.URL{Scheme: "http", Host: "127.0.0.1:" + port}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}
