package twilio

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"flexcallback"
)

const (
	testAccount   = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	testToken     = "secret0token"
	testWorkspace = "WSaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	testTask      = "WTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	testRecording = "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

// seen is one request as it reached the fake Twilio.
type seen struct {
	Method string
	Path   string // with the APIBase prefix: /taskrouter/v1/...
	Query  url.Values
	Form   url.Values
	Header http.Header
	Body   []byte
	User   string
	Pass   string
}

// wire is a fake Twilio on an httptest server: each test answers with its own handler, and the
// requests are recorded.
type wire struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []seen
	answer func(n int, w http.ResponseWriter, r *http.Request) // n: 0-based request number
}

func newWire(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *wire {
	t.Helper()
	wr := &wire{t: t, answer: answer}
	wr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
		s.User, s.Pass, _ = r.BasicAuth()
		if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
			s.Form, _ = url.ParseQuery(string(body))
		}
		wr.mu.Lock()
		n := len(wr.reqs)
		wr.reqs = append(wr.reqs, s)
		wr.mu.Unlock()
		wr.answer(n, w, r)
	}))
	t.Cleanup(wr.srv.Close)
	return wr
}

func (wr *wire) requests() []seen {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return append([]seen(nil), wr.reqs...)
}

// only returns the one request the test expects, failing if there were more or none.
func (wr *wire) only() seen {
	wr.t.Helper()
	reqs := wr.requests()
	if len(reqs) != 1 {
		wr.t.Fatalf("got %d requests, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

// recorder is a fake sleeper and Observer: it records waits without waiting.
type recorder struct {
	mu      sync.Mutex
	waits   []time.Duration
	calls   []int    // statuses per attempt
	ops     []string // op per attempt
	retries []int
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *recorder) TwilioCall(op string, status int, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, status)
	r.ops = append(r.ops, op)
}

func (r *recorder) TwilioAuthFailure(service string) {}

func (r *recorder) TwilioRetry(op string, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, status)
}

// newTestClient returns a Client pointed at wr through APIBase, with fake sleep and no jitter
// (every backoff is MinBackoff). edit may change the config first.
func newTestClient(t *testing.T, wr *wire, edit func(*Config)) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg := Config{
		AccountSid:   testAccount,
		AuthToken:    testToken,
		WorkspaceSid: testWorkspace,
		APIBase:      wr.srv.URL,
		HTTPClient:   wr.srv.Client(),
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observer:     rec,
		Retry:        RetryPolicy{Limit: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Deadline: 30 * time.Second},
		Timeout:      5 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.sleep = rec.sleep
	c.jitter = func(int64) int64 { return 0 }
	return c, rec
}

// fixture answers with testdata/name as JSON.
func fixture(t *testing.T, w http.ResponseWriter, status int, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Errorf("fixture: %v", err)
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// twilioError answers with Twilio's error document.
func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, `{"code": `+itoa(code)+`, "message": "`+msg+`", "more_info": "https://www.twilio.com/docs/errors/`+itoa(code)+`", "status": `+itoa(status)+`}`)
}

func itoa(n int) string { return strconv.Itoa(n) }

// wantKind fails unless err is a *flexcallback.Error of kind; it returns it.
func wantKind(t *testing.T, err, kind error) *flexcallback.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want kind %v", err, kind)
	}
	e, ok := flexcallback.AsError(err)
	if !ok {
		t.Fatalf("error %v is not a *flexcallback.Error", err)
	}
	return e
}

func readTestdata(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
