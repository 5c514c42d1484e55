package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The admin API (DESIGN §6) for tests, benchmarks and the demo desk. Every mutating request
// returns only after every call settled, so what a test reads next is exact. Two exceptions
// serve load generators: a hang-up takes effect at once and waits for its own call to end, and
// POST /_sandbox/calls with "wait": false returns as soon as the call started.

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		badRequest(w, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

// withBody decodes a request's JSON body (empty: the zero T) into h's argument.
func withBody[T any](h func(w http.ResponseWriter, r *http.Request, in T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in T
		if decodeBody(w, r, &in) {
			h(w, r, in)
		}
	}
}

// The admin requests' bodies.
type (
	tokenRequest struct {
		Identity  string   `json:"identity"`
		Roles     []string `json:"roles"`
		WorkerSid string   `json:"workerSid"`
		TTL       int      `json:"ttl"`
	}

	callRequest struct {
		From   string `json:"from"`
		To     string `json:"to"`
		URL    string `json:"url"`
		Method string `json:"method"`
		// Wait false answers as soon as the call started, without waiting for the calls to
		// settle: load generators start calls faster than the sandbox is ever quiet.
		Wait    *bool `json:"wait"`
		Enqueue *struct {
			WorkflowSid string          `json:"workflowSid"`
			WaitURL     string          `json:"waitUrl"`
			Attributes  json.RawMessage `json:"attributes"`
		} `json:"enqueue"`
	}

	digitsRequest struct {
		Digits string `json:"digits"`
	}

	speechRequest struct {
		Text string `json:"text"`
	}

	clockRequest struct {
		Advance string `json:"advance"`
		To      string `json:"to"` // an RFC 3339 time to move to, forward only ("after hours" in the demo)
	}

	activityRequest struct {
		Activity string `json:"activity"`
	}

	reservationRequest struct {
		Status string `json:"status"`
	}
)

func (s *Sandbox) handleInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Info())
}

func (s *Sandbox) handleIssueToken(w http.ResponseWriter, r *http.Request, in tokenRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if wk := s.w.workerBySidOrName(in.WorkerSid); wk == nil && in.WorkerSid == "" && in.Identity != "" {
		if wk = s.w.workerBySidOrName(in.Identity); wk != nil {
			in.WorkerSid = wk.sid
			if in.Roles == nil {
				in.Roles = wk.roles
			}
		}
	}
	if in.Identity == "" {
		badRequest(w, "identity is required")
		return
	}
	if in.Roles == nil {
		in.Roles = []string{}
	}
	if in.TTL <= 0 {
		in.TTL = 3600
	}
	tok, exp := s.issueToken(in.Identity, in.Roles, in.WorkerSid, time.Duration(in.TTL)*time.Second)
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "expiration": iso(exp)})
}

func (s *Sandbox) handleAdminCreateCall(w http.ResponseWriter, r *http.Request, in callRequest) {
	if in.From == "" {
		in.From = "+15005550006"
	}
	if in.To == "" {
		in.To = "+15005550001"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		writeError(w, http.StatusServiceUnavailable, 20503, "Sandbox closed")
		return
	}
	var t target
	switch {
	case in.Enqueue != nil:
		attrs := string(in.Enqueue.Attributes)
		if len(in.Enqueue.Attributes) > 0 && in.Enqueue.Attributes[0] == '"' { // a JSON string holding JSON
			_ = json.Unmarshal(in.Enqueue.Attributes, &attrs)
		}
		if strings.TrimSpace(attrs) == "" || attrs == "null" {
			attrs = "{}"
		}
		wf := in.Enqueue.WorkflowSid
		if x := s.w.info().Workflows[wf]; x != "" { // a workflow name is fine too
			wf = x
		}
		t.twiml = enqueueTwiML(wf, in.Enqueue.WaitURL, attrs)
	case in.URL != "":
		t.url, t.method = in.URL, in.Method
	default:
		badRequest(w, "url or enqueue is required")
		return
	}
	c := s.newCall(in.From, in.To, "inbound", t)
	if in.Wait == nil || *in.Wait {
		s.settle()
	}
	writeJSON(w, http.StatusCreated, map[string]any{"callSid": c.sid, "status": c.status})
}

func (s *Sandbox) handleAdminCalls(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	out := []map[string]any{}
	for _, c := range s.w.callList {
		out = append(out, s.callView(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"calls": out})
}

// adminCall runs fn on the named call, then waits for every call to settle.
func (s *Sandbox) adminCall(fn func(w http.ResponseWriter, c *call) bool) http.HandlerFunc {
	return s.adminCallNow(fn, false)
}

// adminCallNow is adminCall; with now, fn runs at once and the answer waits only for the named
// call to settle, not for every call. A hang-up needs no quiet moment (a busy call sees it as
// soon as its webhook returns), and under a steady stream of calls (BenchmarkWaitLoad) a moment
// when no call is busy may not come for seconds, while every waiter wakes at each change.
func (s *Sandbox) adminCallNow(fn func(w http.ResponseWriter, c *call) bool, now bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !now {
			s.settle()
		}
		c := byPath(w, r, "call", func(sid string) *call { return s.w.calls[sid] })
		if c == nil {
			return
		}
		if fn != nil && !fn(w, c) {
			return
		}
		if now {
			s.settleCall(c)
		} else {
			s.settle()
		}
		writeJSON(w, http.StatusOK, s.callView(c))
	}
}

func (s *Sandbox) handleDigits(w http.ResponseWriter, r *http.Request, in digitsRequest) {
	s.adminCall(func(w http.ResponseWriter, c *call) bool {
		s.note(c, "Keys", in.Digits, "", map[string]string{"heard": boolStr(s.feedDigits(c, in.Digits))})
		return true
	})(w, r)
}

func (s *Sandbox) handleSpeech(w http.ResponseWriter, r *http.Request, in speechRequest) {
	s.adminCall(func(w http.ResponseWriter, c *call) bool {
		c.speech = &in.Text
		return true
	})(w, r)
}

func (s *Sandbox) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	c := s.w.calls[r.PathValue("call")]
	if c == nil || c.last == nil {
		notFound(w, r.URL.Path)
		return
	}
	d := c.last
	i := s.note(c, "Request", "", d.url, map[string]string{"method": d.method, "redelivery": "true"})
	status, _, err := s.send(d)
	c.timeline[i].Attrs["status"] = strconv.Itoa(status)
	s.settle()
	out := map[string]any{"status": status, "idempotencyToken": d.token, "url": d.url}
	if err != nil {
		out["error"] = err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sandbox) handleClock(w http.ResponseWriter, r *http.Request, in clockRequest) {
	d, err := time.ParseDuration(in.Advance)
	if in.Advance == "" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		badRequest(w, "advance must be a non-negative Go duration such as 30s")
		return
	}
	var to time.Time
	if in.To != "" {
		if to, err = time.Parse(time.RFC3339, in.To); err != nil || in.Advance != "" {
			badRequest(w, "to must be an RFC 3339 time, without advance")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !to.IsZero() {
		if d = to.Sub(s.now); d < 0 {
			badRequest(w, "to is before the sandbox's time "+iso(s.now)+": time only moves forward")
			return
		}
	}
	s.advance(d)
	writeJSON(w, http.StatusOK, map[string]any{"now": iso(s.now)})
}

func (s *Sandbox) handleAdminTasks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle()
	out := make([]taskJSON, 0, len(s.w.taskList))
	for _, t := range s.w.taskList {
		out = append(out, s.taskView(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": out})
}

func (s *Sandbox) handleAddFault(w http.ResponseWriter, r *http.Request) {
	f := &fault{Rate: 1}
	if !decodeBody(w, r, f) {
		return
	}
	if strings.HasPrefix(f.Path, "^") {
		re, err := regexp.Compile(f.Path)
		if err != nil {
			badRequest(w, "path regexp: "+err.Error())
			return
		}
		f.re = re
	}
	if f.Rate <= 0 || f.Rate > 1 {
		f.Rate = 1
	}
	if f.Status == 0 && f.LatencyMs == 0 && !f.After {
		badRequest(w, "a fault needs a status, a latencyMs or after")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
	writeJSON(w, http.StatusCreated, map[string]any{"faults": len(s.faults)})
}

func (s *Sandbox) handleClearFaults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) handleReset(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
	writeJSON(w, http.StatusOK, s.w.info())
}

func (s *Sandbox) handleWorkerActivity(w http.ResponseWriter, r *http.Request, in activityRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wk := byPath(w, r, "worker", s.w.workerBySidOrName)
	if wk == nil {
		return
	}
	var a *activity
	for _, x := range s.w.activities {
		if strings.EqualFold(x.friendly, in.Activity) || x.sid == in.Activity {
			a = x
		}
	}
	if a == nil {
		badRequest(w, `activity must be "available" or "offline"`)
		return
	}
	s.setActivity(wk, a)
	s.settle()
	writeJSON(w, http.StatusOK, s.workerView(wk))
}

func (s *Sandbox) handleAdminReservation(w http.ResponseWriter, r *http.Request, in reservationRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := byPath(w, r, "res", func(sid string) *reservation { return s.w.reservations[sid] })
	if res == nil {
		return
	}
	if err := s.moveReservation(res, in.Status); err != nil {
		badRequest(w, err.Error())
		return
	}
	s.settle()
	writeJSON(w, http.StatusOK, s.reservationView(res, false))
}

func (s *Sandbox) handleAdminReservations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, res := range s.w.resList {
		out = append(out, s.reservationView(res, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"reservations": out})
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
