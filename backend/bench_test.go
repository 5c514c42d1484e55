package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback/backend/sandbox"
)

// latencies collects request durations and reports their percentiles on a benchmark.
type latencies []time.Duration

func (l latencies) percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func (l latencies) report(b *testing.B) {
	b.Helper()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(l.percentile(0.50)), "p50-ms")
	b.ReportMetric(ms(l.percentile(0.99)), "p99-ms")
}

// minSamples is the fewest requests a percentile is computed from, so `make bench`
// (-benchtime 1x) still measures something.
const minSamples = 300

// timed sends req and returns the answer and the round trip, the body read whole.
func (a *app) timed(req *http.Request) (response, time.Duration) {
	a.t.Helper()
	start := time.Now()
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	body, err := io.ReadAll(resp.Body)
	d := time.Since(start)
	resp.Body.Close()
	if err != nil {
		a.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}, d
}

// signedPost is a studio webhook as Twilio sends it; path may carry a query.
func (a *app) signedPost(path string, form url.Values) *http.Request {
	u := a.base + "/features/callback-and-voicemail/studio/" + path
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sandbox.Signature(a.info.AuthToken, u, form))
	return req
}

func (a *app) flexPost(path, token string, form url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, a.base+"/features/callback-and-voicemail/flex/"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// measure runs max(b.N, minSamples) requests one after another, checks each answered want,
// and reports p50/p99 and the mean as ns/op. next builds request i (untimed).
func (a *app) measure(b *testing.B, want int, next func(i int) *http.Request) {
	b.Helper()
	n := max(b.N, minSamples)
	lat := make(latencies, 0, n)
	b.ResetTimer()
	var total time.Duration
	for i := range n {
		b.StopTimer()
		req := next(i)
		b.StartTimer()
		r, d := a.timed(req)
		if r.status != want {
			b.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		lat = append(lat, d)
		total += d
	}
	b.StopTimer()
	lat.report(b)
	b.ReportMetric(float64(total.Nanoseconds())/float64(n), "ns/op")
}

// BenchmarkEndpoints measures each endpoint's latency, one request at a time from a client on
// loopback, against the real backend (runWith) and its sandbox (virtual clock, no faults):
//
//	go test -run '^$' -bench BenchmarkEndpoints ./backend/
//
// create-callback makes a new task each time (distinct callers, on the default workflow so the
// callback workflow's queue stays short); requeue-callback requeues a different callback each
// time as a supervisor (fetch + create; a worker also lists reservations); voicemail-url signs a
// media URL for a held voicemail (fetch + reservations); voicemail-media streams the whole
// 3-second recording; wait-initialize looks the caller's task up among the workflow's waiting
// tasks (a page of 50); wait-main-loop is a loop pass once the task is known (menu and music).
func BenchmarkEndpoints(b *testing.B) {
	a := startApp(b, map[string]string{"LOG_LEVEL": "warn", "MAX_ATTEMPTS": "100"})
	form := func(i int) url.Values {
		return url.Values{"numberToCall": {fmt.Sprintf("+1415555%04d", i%10000)}, "numberToCallFrom": {ourLine},
			"workflowSid": {a.info.Workflows["default"]}, "flexFlowSid": {fmt.Sprintf("FW%d", i)}}
	}
	// Set up before the create benchmark fills the router: alice is given the oldest waiting task.
	task, rec := a.voicemailTask()
	a.assign("alice", task)
	alice := a.token("alice")
	created := 0
	b.Run("create-callback", func(b *testing.B) {
		a.t = b
		a.measure(b, 200, func(int) *http.Request {
			created++
			return a.signedPost("create-callback", form(created))
		})
	})

	b.Run("requeue-callback", func(b *testing.B) {
		a.t = b
		super := a.token("sam")
		original := ""
		a.measure(b, 200, func(i int) *http.Request {
			// Only an accepted task is requeued: sam accepts a fresh callback each time, after the
			// previous one is completed and its requeued task canceled (so the router offers him
			// the new one, which outranks the waiting create-callback tasks).
			if original != "" {
				var prev struct{ Attributes string }
				a.rest("GET", "/Tasks/"+original, nil, &prev)
				var attrs struct {
					CallBackData struct{ RequeuedTo string } `json:"callBackData"`
				}
				json.Unmarshal([]byte(prev.Attributes), &attrs)
				a.rest("POST", "/Tasks/"+original, url.Values{"AssignmentStatus": {"completed"}}, nil)
				a.rest("POST", "/Tasks/"+attrs.CallBackData.RequeuedTo, url.Values{"AssignmentStatus": {"canceled"}}, nil)
			}
			created++
			f := form(created)
			f.Set("priority", "1000")
			original = a.createCallback(f)
			a.assign("sam", original)
			return a.flexPost("requeue-callback", super, url.Values{"taskSid": {original}})
		})
	})

	var mediaURL string
	b.Run("voicemail-url", func(b *testing.B) {
		a.t = b
		a.measure(b, 200, func(int) *http.Request {
			return a.flexPost("voicemail-url", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}})
		})
		r := a.do(a.flexPost("voicemail-url", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}}))
		mediaURL = r.json(b)["url"].(string)
	})
	b.Run("voicemail-media", func(b *testing.B) {
		a.t = b
		a.measure(b, 200, func(int) *http.Request { return mustRequest("GET", mediaURL) })
	})

	a.t = b
	callSid := a.enqueue(caller, "")
	taskSid := a.call(callSid).TaskSid
	twilioForm := url.Values{"CallSid": {callSid}, "AccountSid": {a.info.AccountSid}, "From": {caller}, "To": {ourLine},
		"Caller": {caller}, "Called": {ourLine}, "CallStatus": {"in-progress"}, "Direction": {"inbound"},
		"QueueSid": {a.info.Queues["callback"]}, "QueueTime": {"5"}, "CurrentQueueSize": {"1"}}
	b.Run("wait-initialize", func(b *testing.B) {
		a.t = b
		a.measure(b, 200, func(int) *http.Request { return a.signedPost("wait-experience?mode=initialize", twilioForm) })
		r := a.do(a.signedPost("wait-experience?mode=initialize", twilioForm))
		if !strings.Contains(string(r.body), "enqueuedTaskSid="+taskSid) {
			b.Fatalf("initialize did not find the call's task: %s", r.body)
		}
	})
	b.Run("wait-main-loop", func(b *testing.B) {
		a.t = b
		q := "wait-experience?mode=main-wait-loop&CallSid=" + callSid + "&enqueuedTaskSid=" + taskSid
		a.measure(b, 200, func(int) *http.Request { return a.signedPost(q, twilioForm) })
		if r := a.do(a.signedPost(q, twilioForm)); !strings.Contains(string(r.body), "<Gather") {
			b.Fatalf("main loop without the menu: %s", r.body)
		}
	})
	a.t = b
}

// waitProbe sits between the sandbox and the backend as the wait experience's public URL
// (PUBLIC_BASE_URL points at it, so Twilio's signatures and the absolute URLs in our TwiML all
// name it) and times every wait-experience request by mode, per caller.
type waitProbe struct {
	srv     *httptest.Server
	backend atomic.Pointer[string]
	hc      *http.Client

	mu      sync.Mutex
	failed  int // wait-experience answers other than 200
	byMode  map[string]latencies
	callers map[string]*waitCaller // by From
	entered chan string            // CallSids whose first main-loop document was served
}

// waitCaller is what the probe saw of one caller.
type waitCaller struct {
	callSid     string
	initFound   bool      // initialize's redirect carried enqueuedTaskSid
	menu        bool      // the first main-loop document offered the menu (handle-initial-choice Gather)
	loopServed  time.Time // when that document was served; zero until then
	initialized bool
}

func newWaitProbe() *waitProbe {
	p := &waitProbe{
		hc:     &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxIdleConns: 512}},
		byMode: map[string]latencies{}, callers: map[string]*waitCaller{}, entered: make(chan string, 4096),
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	return p
}

func (p *waitProbe) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byMode, p.callers, p.failed = map[string]latencies{}, map[string]*waitCaller{}, 0
	for len(p.entered) > 0 { // a reset sandbox hands out the same CallSids again
		<-p.entered
	}
}

func (p *waitProbe) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	start := time.Now()
	req, _ := http.NewRequest(r.Method, *p.backend.Load()+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := p.hc.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(out)

	mode := r.URL.Query().Get("mode")
	if mode == "" {
		mode = "initialize"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byMode[mode] = append(p.byMode[mode], d)
	if resp.StatusCode != http.StatusOK {
		p.failed++
	}
	c := p.callers[form.Get("From")]
	if c == nil {
		c = &waitCaller{callSid: form.Get("CallSid")}
		p.callers[form.Get("From")] = c
	}
	switch {
	case mode == "initialize" && !c.initialized:
		c.initialized = true
		c.initFound = strings.Contains(string(out), "enqueuedTaskSid=WT")
	case mode == "main-wait-loop" && c.loopServed.IsZero():
		c.loopServed = time.Now()
		c.menu = resp.StatusCode == 200 && strings.Contains(string(out), "mode=handle-initial-choice")
		p.entered <- c.callSid
	}
}

// peakRSS is the process's VmHWM in MB. The backend and its sandbox run in this process.
func peakRSS() float64 { return procPeakRSS(os.Getpid()) }

// BenchmarkWaitLoad has 1000 sandbox callers arrive at 30/s, then 1000 more at 300/s, then 1000
// more at 1000/s, each enqueued on the callback workflow with our wait experience as waitUrl, on
// the sandbox's real clock, while every task listing (the lookup) is slowed by 100 ms. A caller
// counts as looked up when its first main-loop document offers the menu (the
// handle-initial-choice Gather, only offered once its task is known); it is then hung up.
// Reported per rate: lookup-% (goal 100), p50/p99 of the initialize (goal p99 ≤ 250 ms) and
// main-wait-loop requests as the backend served them (timed by a probe in front of it),
// arrival-to-menu p50/p99, and the process's peak RSS (VmHWM: backend, sandbox and this
// benchmark).
//
//	go test -run '^$' -bench BenchmarkWaitLoad -benchtime 1x ./backend/
func BenchmarkWaitLoad(b *testing.B) {
	probe := newWaitProbe()
	b.Cleanup(probe.srv.Close) // after the backend and sandbox stopped (cleanups run last first)
	a := startApp(b, map[string]string{"SANDBOX_CLOCK": "real", "PUBLIC_BASE_URL": probe.srv.URL, "LOG_LEVEL": "error"})
	probe.backend.Store(&a.base)
	hc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxIdleConns: 512}}
	post := func(path string, in any) (map[string]any, error) {
		body, _ := json.Marshal(in)
		resp, err := hc.Post(a.sandbox+path, "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && resp.StatusCode != http.StatusNoContent {
			return nil, fmt.Errorf("%s: %d: %w", path, resp.StatusCode, err)
		}
		if resp.StatusCode >= 300 {
			return out, fmt.Errorf("%s: %d %v", path, resp.StatusCode, out)
		}
		return out, nil
	}
	const callers = 1000
	for _, rate := range []int{30, 300, 1000} {
		b.Run(fmt.Sprintf("%d-per-s", rate), func(b *testing.B) {
			for range b.N {
				if _, err := post("/_sandbox/reset", nil); err != nil {
					b.Fatal(err)
				}
				a.t = b
				a.fault(map[string]any{"method": "GET", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "latencyMs": 100})
				probe.reset()
				// Hang callers up once they are in the loop, so the sandbox does not hold them all.
				var hangups sync.WaitGroup
				stopHangups := make(chan struct{})
				hangups.Go(func() {
					for {
						select {
						case sid := <-probe.entered:
							hangups.Go(func() { post("/_sandbox/calls/"+sid+"/hangup", nil) })
						case <-stopHangups:
							return
						}
					}
				})
				sent := make([]time.Time, callers)
				errs := make(chan error, callers)
				var arrivals sync.WaitGroup
				start := time.Now()
				b.ResetTimer()
				for i := range callers {
					time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
					sent[i] = time.Now()
					from := fmt.Sprintf("+1646555%04d", i)
					arrivals.Go(func() {
						_, err := post("/_sandbox/calls", map[string]any{"from": from, "to": ourLine, "wait": false, "enqueue": map[string]any{
							"workflowSid": a.info.Workflows["callback"], "waitUrl": probe.srv.URL + waitURL,
							"attributes": fmt.Sprintf(`{"type":"inbound","name":%q}`, from),
						}})
						if err != nil {
							errs <- err
						}
					})
				}
				arrivals.Wait()
				arrived := time.Since(start)
				// Every caller reaches the loop within seconds; wait a little for the last ones.
				deadline := time.Now().Add(30 * time.Second)
				for time.Now().Before(deadline) {
					probe.mu.Lock()
					n := 0
					for _, c := range probe.callers {
						if !c.loopServed.IsZero() {
							n++
						}
					}
					probe.mu.Unlock()
					if n == callers {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				b.StopTimer()
				close(stopHangups)
				hangups.Wait()
				close(errs)
				for err := range errs {
					b.Errorf("enqueue: %v", err)
				}

				probe.mu.Lock()
				found, menus, initFound := 0, 0, 0
				var toMenu latencies
				for i := range callers {
					c := probe.callers[fmt.Sprintf("+1646555%04d", i)]
					if c == nil {
						continue
					}
					found++
					if c.initFound {
						initFound++
					}
					if c.menu {
						menus++
						toMenu = append(toMenu, c.loopServed.Sub(sent[i]))
					}
				}
				ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
				b.ReportMetric(100*float64(menus)/callers, "lookup-%")
				b.ReportMetric(ms(probe.byMode["initialize"].percentile(0.5)), "init-p50-ms")
				b.ReportMetric(ms(probe.byMode["initialize"].percentile(0.99)), "init-p99-ms")
				b.ReportMetric(ms(probe.byMode["main-wait-loop"].percentile(0.5)), "loop-p50-ms")
				b.ReportMetric(ms(probe.byMode["main-wait-loop"].percentile(0.99)), "loop-p99-ms")
				b.ReportMetric(ms(toMenu.percentile(0.5)), "menu-p50-ms")
				b.ReportMetric(ms(toMenu.percentile(0.99)), "menu-p99-ms")
				b.ReportMetric(peakRSS(), "peak-rss-MB")
				b.Logf("%d/s: %d callers started in %.1fs; %d reached the wait experience, %d found at initialize, %d offered the menu in their first loop document; %d wait-experience answers were not 200",
					rate, callers, arrived.Seconds(), found, initFound, menus, probe.failed)
				probe.mu.Unlock()
				if menus != callers {
					b.Errorf("%d/s: %d of %d lookups succeeded; the goal is all", rate, menus, callers)
				}
			}
		})
	}
	a.t = b
}
