package twilio

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback"
)

func TestRetry429HonoursRetryAfter(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 2 {
			w.Header().Set("Retry-After", "2")
			twilioError(w, http.StatusTooManyRequests, 20429, "Too many requests")
			return
		}
		fixture(t, w, http.StatusOK, "task_fetch.json")
	})
	c, rec := newTestClient(t, wr, nil)
	if _, err := c.FetchTask(context.Background(), testTask); err != nil {
		t.Fatalf("FetchTask: %v", err)
	}
	if got, want := rec.waits, []time.Duration{2 * time.Second, 2 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("waits = %v, want %v (Retry-After over the 100ms backoff)", got, want)
	}
	if got, want := rec.calls, []int{429, 429, 200}; !reflect.DeepEqual(got, want) {
		t.Errorf("observed calls = %v, want %v", got, want)
	}
	if got, want := rec.ops, []string{"fetch task", "fetch task", "fetch task"}; !reflect.DeepEqual(got, want) {
		t.Errorf("observed ops = %q, want %q (no SIDs in metric labels)", got, want)
	}
	if got, want := rec.retries, []int{429, 429}; !reflect.DeepEqual(got, want) {
		t.Errorf("observed retries = %v, want %v", got, want)
	}
}

func TestRetry503ThenUnavailable(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		twilioError(w, http.StatusServiceUnavailable, 20503, "Service unavailable")
	})
	c, rec := newTestClient(t, wr, func(cfg *Config) { cfg.Retry.Limit = 2 })
	_, err := c.FetchQueue(context.Background(), "QUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	e := wantKind(t, err, flexcallback.ErrUnavailable)
	if e.Status != 503 || e.Code != 20503 || e.RetryAfter != time.Second {
		t.Errorf("error = %+v, want status 503, code 20503, RetryAfter 1s", e)
	}
	if n := len(wr.requests()); n != 3 {
		t.Errorf("%d requests, want 3 (1 + Limit 2)", n)
	}
	if len(rec.waits) != 2 {
		t.Errorf("waits = %v", rec.waits)
	}
}

func TestReadRetriedOn500AndAfterTimeout(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 0:
			twilioError(w, http.StatusInternalServerError, 20500, "Internal")
		case 1:
			<-r.Context().Done() // stall past the attempt's deadline
		default:
			fixture(t, w, http.StatusOK, "task_fetch.json")
		}
	})
	c, _ := newTestClient(t, wr, func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond })
	if _, err := c.FetchTask(context.Background(), testTask); err != nil {
		t.Fatalf("FetchTask: %v", err)
	}
	if n := len(wr.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestCreateNotRetriedAfterTimeout(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	c, rec := newTestClient(t, wr, func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond })
	_, err := c.CreateTask(context.Background(), flexcallback.NewTask{WorkflowSid: "WW1"})
	e := wantKind(t, err, flexcallback.ErrAmbiguous)
	if e.Status != 0 {
		t.Errorf("Status = %d, want 0 (no answer)", e.Status)
	}
	if n := len(wr.requests()); n != 1 || len(rec.retries) != 0 {
		t.Errorf("%d requests, %d retries: a create was sent again after a timeout", n, len(rec.retries))
	}
}

func TestCreateNotRetriedAfterReset(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.(*net.TCPConn).SetLinger(0) // RST, not FIN
		conn.Close()
	})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.CreateTask(context.Background(), flexcallback.NewTask{WorkflowSid: "WW1"})
	wantKind(t, err, flexcallback.ErrAmbiguous)
	if n := len(wr.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestCreateRetriedWhenTwilioRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse func(w http.ResponseWriter)
	}{
		{"429", func(w http.ResponseWriter) { twilioError(w, http.StatusTooManyRequests, 20429, "Too many requests") }},
		{"429 empty", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					tc.refuse(w)
					return
				}
				fixture(t, w, http.StatusCreated, "task_create.json")
			})
			c, _ := newTestClient(t, wr, nil)
			task, err := c.CreateTask(context.Background(), flexcallback.NewTask{WorkflowSid: "WW1"})
			if err != nil {
				t.Fatalf("CreateTask: %v", err)
			}
			if n := len(wr.requests()); n != 2 || task.Sid != testTask {
				t.Errorf("%d requests, task %q; want 2 and the created task", n, task.Sid)
			}
		})
	}
}

func TestCreateAmbiguousOnUnprovenFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		// Twilio has answered 503 with its own error document after creating the task: a 5xx
		// proves nothing, whatever its body.
		{"503 Twilio error", 503, `{"code": 20503, "message": "Service Unavailable", "status": 503}`},
		{"503 empty", 503, ""},
		{"503 proxy page", 503, "<html>upstream connect error</html>"},
		{"500", 500, `{"code": 20500, "message": "Internal Server Error", "status": 500}`},
		{"502", 502, ""},
		{"504", 504, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			c, _ := newTestClient(t, wr, nil)
			_, err := c.CreateTask(context.Background(), flexcallback.NewTask{WorkflowSid: "WW1"})
			e := wantKind(t, err, flexcallback.ErrAmbiguous)
			if e.Status != tc.status {
				t.Errorf("Status = %d, want %d", e.Status, tc.status)
			}
			if n := len(wr.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// refuseFirst makes the first request go to a port nobody listens on (connection refused) and
// passes the rest on.
type refuseFirst struct {
	dead  string
	n     atomic.Int32
	inner http.RoundTripper
}

func (rt *refuseFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	if rt.n.Add(1) == 1 {
		r = r.Clone(r.Context())
		r.URL.Host, r.Host = rt.dead, ""
	}
	return rt.inner.RoundTrip(r)
}

func TestCreateRetriedOnConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		fixture(t, w, http.StatusCreated, "task_create.json")
	})
	rt := &refuseFirst{dead: dead, inner: http.DefaultTransport}
	c, rec := newTestClient(t, wr, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: rt} })
	if _, err := c.CreateTask(context.Background(), flexcallback.NewTask{WorkflowSid: "WW1"}); err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	if rt.n.Load() != 2 || len(wr.requests()) != 1 {
		t.Errorf("%d round trips, %d reached the server; want 2 and 1", rt.n.Load(), len(wr.requests()))
	}
	if !reflect.DeepEqual(rec.calls, []int{0, 201}) {
		t.Errorf("observed calls = %v, want [0 201]", rec.calls)
	}
}

func TestOverallDeadline(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	c, _ := newTestClient(t, wr, func(cfg *Config) {
		cfg.Timeout = 100 * time.Millisecond
		cfg.Retry = RetryPolicy{Limit: 1000, MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, Deadline: 350 * time.Millisecond}
	})
	c.sleep = sleepCtx // real waits, bounded by the deadline
	start := time.Now()
	_, err := c.FetchTask(context.Background(), testTask)
	d := time.Since(start)
	wantKind(t, err, flexcallback.ErrUnavailable)
	if d > 2*time.Second {
		t.Errorf("took %v, want about the 350ms deadline", d)
	}
	if n := len(wr.requests()); n < 2 || n > 4 {
		t.Errorf("%d requests, want 2 to 4 within the deadline", n)
	}
}

func TestRetryAfterBeyondDeadlineGivesUp(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		twilioError(w, http.StatusTooManyRequests, 20429, "Too many requests")
	})
	c, rec := newTestClient(t, wr, nil) // 30s deadline
	_, err := c.FetchTask(context.Background(), testTask)
	e := wantKind(t, err, flexcallback.ErrUnavailable)
	if e.RetryAfter != time.Minute || e.Status != 429 {
		t.Errorf("error = %+v, want RetryAfter 1m and status 429", e)
	}
	if len(wr.requests()) != 1 || len(rec.waits) != 0 {
		t.Errorf("waited %v over %d requests; want to give up at once", rec.waits, len(wr.requests()))
	}
}

func TestCallerCancelStopsWaiting(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusServiceUnavailable, 20503, "Unavailable")
	})
	c, _ := newTestClient(t, wr, func(cfg *Config) {
		cfg.Retry.MinBackoff = time.Hour
		cfg.Retry.MaxBackoff = time.Hour
		cfg.Retry.Deadline = 2 * time.Hour
	})
	c.sleep = sleepCtx
	// A cancel, not a deadline: the run cannot see it coming and must be woken from its wait.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.FetchTask(ctx, testTask)
	wantKind(t, err, flexcallback.ErrUnavailable)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: the wait did not end with ctx", d)
	}
}

func TestBackoffGrowsWithFullJitterAndCap(t *testing.T) {
	c := &Client{retry: RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}}
	c.jitter = func(n int64) int64 { return n - 1 } // the top of the window
	var got []time.Duration
	for n := range 6 {
		got = append(got, c.backoff(n).Round(time.Millisecond))
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("top of window = %v, want %v", got, want)
	}
	c.jitter = func(int64) int64 { return 0 }
	if got := c.backoff(5); got != 100*time.Millisecond {
		t.Errorf("bottom of window = %v, want MinBackoff", got)
	}
}

// testRetry is backend/config.go's default policy.
var testRetry = RetryPolicy{Limit: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, Deadline: 8 * time.Second}

// TestNewErrors: New takes the policy, timeout and logger it is given, adds no defaults, and
// refuses what it cannot use: each case breaks one thing of a good configuration.
func TestNewErrors(t *testing.T) {
	good := Config{AccountSid: "AC1", AuthToken: "tok", WorkspaceSid: "WS1", Retry: testRetry,
		Timeout: 3 * time.Second, Logger: slog.New(slog.DiscardHandler)}
	c, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.retry != testRetry || c.timeout != good.Timeout || c.log != good.Logger {
		t.Errorf("retry = %+v, timeout %v, logger %p; want %+v, %v, %p", c.retry, c.timeout, c.log, testRetry, good.Timeout, good.Logger)
	}
	for name, edit := range map[string]func(*Config){
		"no account":         func(c *Config) { c.AccountSid = "" },
		"no token":           func(c *Config) { c.AuthToken = "" },
		"no workspace":       func(c *Config) { c.WorkspaceSid = "" },
		"key without secret": func(c *Config) { c.APIKey = "SK1" },
		"token not alnum":    func(c *Config) { c.AuthToken = "to-ken" },
		"base not a URL":     func(c *Config) { c.APIBase = "localhost:8081" },
		"no retry policy":    func(c *Config) { c.Retry = RetryPolicy{} },
		"negative retries":   func(c *Config) { c.Retry = RetryPolicy{Limit: -1, MinBackoff: 1, MaxBackoff: 1, Deadline: 1} },
		"no attempt timeout": func(c *Config) { c.Timeout = 0 },
		"no logger":          func(c *Config) { c.Logger = nil },
	} {
		cfg := good
		edit(&cfg)
		if _, err := New(cfg); !errors.Is(err, flexcallback.ErrInvalid) {
			t.Errorf("%s: New = %v, want ErrInvalid", name, err)
		}
	}
}

func TestAPIKeyAuth(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		fixture(t, w, http.StatusOK, "workspace_fetch.json")
	})
	c, _ := newTestClient(t, wr, func(cfg *Config) { cfg.APIKey, cfg.APISecret = "SKkey", "keysecret" })
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if req := wr.only(); req.User != "SKkey" || req.Pass != "keysecret" {
		t.Errorf("basic auth = %q:%q, want the API key", req.User, req.Pass)
	}
}

// TestClassifyCreate is the retry table: a create is sent again only on answers that prove
// Twilio did not act (429, a request that never left); every other failure after sending is
// ambiguous. A read is retried on all of them.
func TestClassifyCreate(t *testing.T) {
	twilio503 := []byte(`{"code": 20503, "message": "Service Unavailable", "status": 503}`)
	refused := errors.New("connect: connection refused")
	for _, tc := range []struct {
		name             string
		s                snapshot
		createRetry, amb bool
		readRetry        bool
	}{
		{"429", snapshot{sent: true, status: 429}, true, false, true},
		{"refused before sending", snapshot{rtErr: refused}, true, false, true},
		{"503 Twilio error", snapshot{sent: true, status: 503, body: twilio503}, false, true, true},
		{"503 empty", snapshot{sent: true, status: 503}, false, true, true},
		{"500", snapshot{sent: true, status: 500}, false, true, true},
		{"502", snapshot{sent: true, status: 502}, false, true, true},
		{"504", snapshot{sent: true, status: 504}, false, true, true},
		{"timeout or reset after sending", snapshot{sent: true, rtErr: context.DeadlineExceeded}, false, true, true},
		{"answer cut off", snapshot{sent: true, status: 201, readErr: errors.New("unexpected EOF")}, false, true, true},
		{"400", snapshot{sent: true, status: 400}, false, false, false},
	} {
		if retry, amb := classify(opCreate, tc.s); retry != tc.createRetry || amb != tc.amb {
			t.Errorf("create, %s: retry %v ambiguous %v; want %v %v", tc.name, retry, amb, tc.createRetry, tc.amb)
		}
		if retry, amb := classify(opIdempotent, tc.s); retry != tc.readRetry || amb {
			t.Errorf("read, %s: retry %v ambiguous %v; want %v false", tc.name, retry, amb, tc.readRetry)
		}
	}
}
