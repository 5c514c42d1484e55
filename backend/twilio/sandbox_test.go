package twilio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/sandbox"
	"flexcallback/backend/twilio"
)

// These tests run the adapter against the real sandbox over HTTP: twilio-go's requests go through
// APIBase to an httptest server on sandbox.Handler(). operations (below) is shared with
// prism_test.go, which drives the same calls through Prism's spec check.

// env is one sandbox on an httptest server.
type env struct {
	t   *testing.T
	srv *httptest.Server
	in  sandbox.Info
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sb := sandbox.New(sandbox.Config{Logger: testLogger(t)})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { sb.Close(); srv.Close() })
	return &env{t: t, srv: srv, in: sb.Info()}
}

// client returns a twilio.Client on apiBase (the sandbox, or the Prism front) with fast backoff;
// mod may change the config before New.
func (e *env) client(apiBase string, mod func(*twilio.Config)) *twilio.Client {
	e.t.Helper()
	cfg := twilio.Config{
		AccountSid: e.in.AccountSid, AuthToken: e.in.AuthToken, WorkspaceSid: e.in.WorkspaceSid,
		APIBase: apiBase, Logger: testLogger(e.t),
		Retry:   twilio.RetryPolicy{Limit: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Deadline: 5 * time.Second},
		Timeout: 3 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := twilio.New(cfg)
	if err != nil {
		e.t.Fatalf("twilio.New: %v", err)
	}
	return c
}

// admin calls the sandbox's admin API with a JSON body and decodes the JSON answer into out.
func (e *env) admin(method, path string, body, out any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
}

// taskCount counts the tasks the sandbox holds, straight from its admin API.
func (e *env) taskCount() int {
	e.t.Helper()
	var out struct {
		Tasks []json.RawMessage `json:"tasks"`
	}
	e.admin("GET", "/_sandbox/tasks", nil, &out)
	return len(out.Tasks)
}

func (e *env) fault(f map[string]any) {
	e.t.Helper()
	e.admin("POST", "/_sandbox/faults", f, nil)
}

func (e *env) clearFaults() {
	e.t.Helper()
	e.admin("DELETE", "/_sandbox/faults", nil, nil)
}

func (e *env) advance(d string) {
	e.t.Helper()
	e.admin("POST", "/_sandbox/clock", map[string]string{"advance": d}, nil)
}

type callView struct {
	Sid      string `json:"sid"`
	Status   string `json:"status"`
	TaskSid  string `json:"taskSid"`
	Timeline []struct {
		Verb string `json:"verb"`
		Text string `json:"text"`
		URL  string `json:"url"`
	} `json:"timeline"`
}

func (v callView) verbs() string {
	var out []string
	for _, e := range v.Timeline {
		if e.Verb != "Request" {
			out = append(out, e.Verb)
		}
	}
	return strings.Join(out, " ")
}

func (e *env) call(sid string) callView {
	e.t.Helper()
	var v callView
	e.admin("GET", "/_sandbox/calls/"+sid, nil, &v)
	return v
}

// hook is one webhook the TwiML server received.
type hook struct {
	method, path string
	params       url.Values
}

// twimlServer is a small backend that answers TwiML by path and checks every webhook's
// X-Twilio-Signature with twilio.NewSignatureValidator, as the real backend does.
type twimlServer struct {
	*httptest.Server
	mu    sync.Mutex
	hooks []hook
}

func newTwimlServer(t *testing.T, authToken string, answer func(h hook) string) *twimlServer {
	t.Helper()
	valid := twilio.NewSignatureValidator(authToken)
	ts := &twimlServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("webhook %s: %v", r.URL.Path, err)
		}
		full := ts.URL + r.URL.RequestURI()
		var signed url.Values // nil for GET: the query is part of the URL
		if r.Method == http.MethodPost {
			signed = r.PostForm
		}
		if !valid(full, signed, r.Header.Get("X-Twilio-Signature")) {
			t.Errorf("webhook %s %s: X-Twilio-Signature does not validate", r.Method, full)
		}
		if r.Header.Get("I-Twilio-Idempotency-Token") == "" {
			t.Errorf("webhook %s %s: no I-Twilio-Idempotency-Token", r.Method, full)
		}
		// A forged signature must not validate: the check above is not vacuous.
		if valid(full, signed, "AAAA"+r.Header.Get("X-Twilio-Signature")) {
			t.Errorf("webhook %s: a forged signature validates", r.URL.Path)
		}
		h := hook{method: r.Method, path: r.URL.Path, params: r.Form}
		ts.mu.Lock()
		ts.hooks = append(ts.hooks, h)
		ts.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, answer(h))
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *twimlServer) received() []hook {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.hooks)
}

func (ts *twimlServer) last(path string) (hook, bool) {
	hs := ts.received()
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].path == path {
			return hs[i], true
		}
	}
	return hook{}, false
}

// flow is the scripted caller journey of the tests: a menu with a Gather that times out once (a
// clock advance) and repeats, a digit, a voicemail Record with transcription, a hang-up; and a
// second caller waiting in the callback queue (Enqueue) to be redirected over REST.
type flow struct {
	ts            *twimlServer
	voicemailCall string
	recording     string
	transcription string
	queuedCall    string
	queuedTask    string
}

func playFlow(t *testing.T, e *env) *flow {
	t.Helper()
	f := &flow{}
	f.ts = newTwimlServer(t, e.in.AuthToken, func(h hook) string {
		switch h.path {
		case "/voice":
			return `<Response><Say>Welcome</Say><Gather numDigits="1" action="/menu" timeout="5"><Say>Press 1 to leave a message</Say></Gather><Redirect>/voice</Redirect></Response>`
		case "/menu":
			if h.params.Get("Digits") != "1" {
				return `<Response><Redirect>/voice</Redirect></Response>`
			}
			return `<Response><Say>After the tone</Say><Record action="/recorded" method="GET" transcribe="true" transcribeCallback="/transcribed" finishOnKey="#" timeout="5" maxLength="60"/></Response>`
		case "/recorded":
			return `<Response><Say>Thank you</Say><Hangup/></Response>`
		case "/transcribed":
			return ``
		case "/wait":
			return `<Response><Play loop="0">https://example.com/hold.mp3</Play></Response>`
		case "/bye":
			return `<Response><Say>We will call you back</Say><Hangup/></Response>`
		}
		t.Errorf("unexpected webhook %s", h.path)
		return `<Response><Hangup/></Response>`
	})

	var started struct {
		CallSid string `json:"callSid"`
	}
	e.admin("POST", "/_sandbox/calls", map[string]any{"from": "+15551230001", "to": "+15559870000", "url": f.ts.URL + "/voice"}, &started)
	f.voicemailCall = started.CallSid
	e.advance("6s") // the Gather times out: Redirect back to the menu
	if v := e.call(f.voicemailCall); v.verbs() != "Say Gather Say Redirect Say Gather Say" {
		t.Fatalf("after the timeout: %q", v.verbs())
	}
	e.admin("POST", "/_sandbox/calls/"+f.voicemailCall+"/speech", map[string]string{"text": "please call me back soon"}, nil)
	e.admin("POST", "/_sandbox/calls/"+f.voicemailCall+"/digits", map[string]string{"digits": "1"}, nil)
	e.advance("3s")
	var end callView
	e.admin("POST", "/_sandbox/calls/"+f.voicemailCall+"/digits", map[string]string{"digits": "#"}, &end)
	if end.Status != "completed" || !strings.HasSuffix(end.verbs(), "Record Keys Say Hangup") {
		t.Fatalf("voicemail call: %s %q", end.Status, end.verbs())
	}
	rec, ok := f.ts.last("/recorded")
	if !ok || rec.params.Get("Digits") != "#" || rec.params.Get("RecordingDuration") != "3" {
		t.Fatalf("record action: %v", rec.params)
	}
	tr, ok := f.ts.last("/transcribed")
	if !ok || tr.params.Get("TranscriptionText") != "please call me back soon" {
		t.Fatalf("transcription callback: %v", tr.params)
	}
	f.recording, f.transcription = rec.params.Get("RecordingSid"), tr.params.Get("TranscriptionSid")
	var seen []string
	for _, h := range f.ts.received() {
		seen = append(seen, h.method+" "+h.path)
	}
	// Each of these passed the signature check in newTwimlServer, the GET one over its query.
	if got, want := strings.Join(seen, ", "), "POST /voice, POST /voice, POST /menu, GET /recorded, POST /transcribed"; got != want {
		t.Fatalf("webhooks:\n got %s\nwant %s", got, want)
	}

	e.admin("POST", "/_sandbox/calls", map[string]any{"from": "+15551230002", "to": "+15559870000",
		"enqueue": map[string]any{"workflowSid": "callback", "waitUrl": f.ts.URL + "/wait", "attributes": map[string]any{"name": "queued"}}}, &started)
	f.queuedCall = started.CallSid
	f.queuedTask = e.call(f.queuedCall).TaskSid
	if f.queuedTask == "" {
		t.Fatal("the enqueued call has no task")
	}
	return f
}

func wantKind(t *testing.T, what string, err, kind error) *flexcallback.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: got %v, want %v", what, err, kind)
	}
	fe, ok := flexcallback.AsError(err)
	if !ok {
		t.Fatalf("%s: %v is not a *flexcallback.Error", what, err)
	}
	return fe
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// operations drives every operation of the adapter but IAM against e's sandbox through c (which
// may reach it directly or through Prism), asserting on what the sandbox then holds.
func operations(t *testing.T, e *env, c *twilio.Client) {
	ctx := ctxT(t)
	f := playFlow(t, e)
	wfCallback, wfDefault := e.in.Workflows["callback"], e.in.Workflows["default"]
	missing := func(prefix string) string { return prefix + strings.Repeat("0", 32) }

	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}

	// CreateTask with VirtualStartTime; FetchTask with its ETag.
	vst := time.Date(2026, 11, 20, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	created, err := c.CreateTask(ctx, flexcallback.NewTask{WorkflowSid: wfCallback, Channel: "voice", Priority: 5,
		Timeout: 3600, VirtualStartTime: vst, Attributes: map[string]any{"taskType": "callback", "n": 1.0}})
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	if !strings.HasPrefix(created.Sid, "WT") || created.Status != "pending" || created.Priority != 5 ||
		created.WorkflowSid != wfCallback || created.Channel != "voice" || created.ETag == "" ||
		!created.VirtualStartTime.Equal(vst) || created.Attributes["taskType"] != "callback" {
		t.Fatalf("created %+v", created)
	}
	got, err := c.FetchTask(ctx, created.Sid)
	if err != nil || got.Sid != created.Sid || got.ETag != created.ETag || got.Attributes["n"] != 1.0 {
		t.Fatalf("FetchTask: %+v %v", got, err)
	}

	// UpdateTask with If-Match; the old ETag is then stale.
	upd, err := c.UpdateTask(ctx, created.Sid, flexcallback.TaskUpdate{IfMatch: got.ETag,
		Attributes: map[string]any{"taskType": "callback", "n": 2.0}})
	if err != nil || upd.Attributes["n"] != 2.0 || upd.ETag == got.ETag || upd.ETag == "" {
		t.Fatalf("UpdateTask: %+v %v", upd, err)
	}
	_, err = c.UpdateTask(ctx, created.Sid, flexcallback.TaskUpdate{IfMatch: got.ETag, Attributes: map[string]any{"n": 3.0}})
	if fe := wantKind(t, "stale If-Match", err, flexcallback.ErrPrecondition); fe.Status != 412 {
		t.Fatalf("stale If-Match: status %d", fe.Status)
	}
	if again, _ := c.FetchTask(ctx, created.Sid); again.Attributes["n"] != 2.0 {
		t.Fatalf("a stale update changed the task: %v", again.Attributes)
	}

	// Cancel with Reason; cancelling again is refused (code 20001).
	canceled, err := c.UpdateTask(ctx, created.Sid, flexcallback.TaskUpdate{IfMatch: upd.ETag,
		AssignmentStatus: flexcallback.StatusCanceled, Reason: "caller hung up"})
	if err != nil || canceled.Status != "canceled" || canceled.Reason != "caller hung up" {
		t.Fatalf("cancel: %+v %v", canceled, err)
	}
	_, err = c.UpdateTask(ctx, created.Sid, flexcallback.TaskUpdate{AssignmentStatus: flexcallback.StatusCanceled, Reason: "again"})
	if fe := wantKind(t, "refused cancel", err, flexcallback.ErrConflict); fe.Status != 400 || fe.Code != 20001 || fe.MoreInfo == "" {
		t.Fatalf("refused cancel: %+v", fe)
	}

	// ListTasks: 5 more tasks, so with the queued call's and the canceled one there are 7.
	var sids []string
	for i := range 5 {
		wf := wfCallback
		if i%2 == 1 {
			wf = wfDefault
		}
		e.advance("1s") // distinct date_created, so DateCreated ordering is observable
		tk, err := c.CreateTask(ctx, flexcallback.NewTask{WorkflowSid: wf, Channel: "voice", Attributes: map[string]any{"i": float64(i)}})
		if err != nil {
			t.Fatalf("CreateTask %d: %v", i, err)
		}
		sids = append(sids, tk.Sid)
	}
	all, err := c.ListTasks(ctx, flexcallback.TaskQuery{Ordering: "DateCreated:desc", PageSize: 2, MaxPages: 10})
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	// Newest first; created and the queued call's task share a second: the later one comes first.
	wantOrder := slices.Clone(sids)
	slices.Reverse(wantOrder)
	wantOrder = append(wantOrder, created.Sid, f.queuedTask)
	if gotOrder := taskSids(all); !slices.Equal(gotOrder, wantOrder) {
		t.Fatalf("DateCreated:desc over pages of 2:\n got %v\nwant %v", gotOrder, wantOrder)
	}
	for i := 1; i < len(all); i++ {
		if all[i].DateCreated.After(all[i-1].DateCreated) {
			t.Fatalf("not DateCreated:desc at %d: %v after %v", i, all[i].DateCreated, all[i-1].DateCreated)
		}
	}
	bounded, err := c.ListTasks(ctx, flexcallback.TaskQuery{Ordering: "DateCreated:desc", PageSize: 2, MaxPages: 2})
	if err != nil || !slices.Equal(taskSids(bounded), wantOrder[:4]) {
		t.Fatalf("MaxPages 2: %v %v", taskSids(bounded), err)
	}
	// ListTaskPage walks the same list a page at a time, as refs: call_sid read from the attributes.
	var walked []flexcallback.TaskRef
	next, pages := "", 0
	for {
		pg, err := c.ListTaskPage(ctx, flexcallback.TaskQuery{Ordering: "DateCreated:desc", PageSize: 2}, next)
		if err != nil {
			t.Fatalf("ListTaskPage %d: %v", pages, err)
		}
		walked, next, pages = append(walked, pg.Refs...), pg.Next, pages+1
		if next == "" {
			break
		}
	}
	if got := refSids(walked); pages != 4 || !slices.Equal(got, wantOrder) {
		t.Fatalf("ListTaskPage over %d pages of 2:\n got %v\nwant %v", pages, got, wantOrder)
	}
	for i, r := range walked {
		if r.Status != all[i].Status || r.Priority != all[i].Priority || !r.DateCreated.Equal(all[i].DateCreated) ||
			!r.VirtualStartTime.Equal(all[i].VirtualStartTime) {
			t.Fatalf("ref %d %+v differs from the task %+v", i, r, all[i])
		}
		if want, _ := all[i].Attributes["call_sid"].(string); r.CallSid != want {
			t.Fatalf("ref %d: call_sid %q, want %q", i, r.CallSid, want)
		}
	}
	if last := walked[len(walked)-1]; last.CallSid != f.queuedCall {
		t.Fatalf("the queued call's task ref has call_sid %q, want %q", last.CallSid, f.queuedCall)
	}
	pending, err := c.ListTasks(ctx, flexcallback.TaskQuery{AssignmentStatus: []string{"pending", "reserved"},
		WorkflowSid: wfDefault, PageSize: 2, MaxPages: 5})
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending on default: %d %v", len(pending), err)
	}
	for _, tk := range pending {
		if tk.WorkflowSid != wfDefault || tk.Status != "pending" {
			t.Fatalf("filter let through %+v", tk)
		}
	}
	canceledOnly, err := c.ListTasks(ctx, flexcallback.TaskQuery{AssignmentStatus: []string{"canceled"}})
	if err != nil || !slices.Equal(taskSids(canceledOnly), []string{created.Sid}) {
		t.Fatalf("canceled: %v %v", taskSids(canceledOnly), err)
	}

	wfs, err := c.ListWorkflows(ctx)
	if err != nil || len(wfs) != 2 {
		t.Fatalf("ListWorkflows: %+v %v", wfs, err)
	}
	names := map[string]string{}
	for _, w := range wfs {
		names[w.Sid] = w.FriendlyName
	}
	if names[wfCallback] == "" || names[wfDefault] == "" {
		t.Fatalf("workflows %v, want %s and %s", names, wfCallback, wfDefault)
	}

	// Reservations: alice becomes available and the router offers her the queued call's task.
	e.admin("POST", "/_sandbox/workers/alice/activity", map[string]string{"activity": "available"}, nil)
	res, err := c.ListTaskReservations(ctx, f.queuedTask)
	if err != nil || len(res) != 1 || res[0].WorkerSid != e.in.Workers["alice"].Sid || res[0].TaskSid != f.queuedTask ||
		res[0].Status != "pending" || res[0].Holds() { // offered, not yet held
		t.Fatalf("ListTaskReservations: %+v %v", res, err)
	}
	none, err := c.ListTaskReservations(ctx, sids[0])
	if err != nil || len(none) != 0 {
		t.Fatalf("reservations of an unreserved task: %+v %v", none, err)
	}

	// FetchQueue: Flex names the queue after its workflow; one caller waits in it.
	q, err := c.FetchQueue(ctx, e.in.Queues["callback"])
	if err != nil || q.FriendlyName != wfCallback || q.CurrentSize != 1 || q.Sid != e.in.Queues["callback"] {
		t.Fatalf("FetchQueue: %+v %v", q, err)
	}

	// UpdateCall redirects the waiting caller, whose new TwiML hangs up.
	if err := c.UpdateCall(ctx, f.queuedCall, flexcallback.CallUpdate{URL: f.ts.URL + "/bye", Method: "POST"}); err != nil {
		t.Fatalf("UpdateCall: %v", err)
	}
	if v := e.call(f.queuedCall); v.Status != "completed" || !strings.HasSuffix(v.verbs(), "Redirect Say Hangup") {
		t.Fatalf("after redirect: %s %q", v.Status, v.verbs())
	}
	err = c.UpdateCall(ctx, f.queuedCall, flexcallback.CallUpdate{Status: "completed"})
	if fe := wantKind(t, "update of an ended call", err, flexcallback.ErrInvalid); fe.Status != 400 || fe.Code != 21220 {
		t.Fatalf("update of an ended call: %+v", fe)
	}

	// Recordings and their media.
	rec, err := c.FetchRecording(ctx, f.recording)
	if err != nil || rec.Sid != f.recording || rec.CallSid != f.voicemailCall || rec.Duration != 3*time.Second ||
		rec.Status != "completed" || rec.DateCreated.IsZero() {
		t.Fatalf("FetchRecording: %+v %v", rec, err)
	}
	full := readMedia(t, c, f.recording, "")
	if full.status != 200 || full.ctype != "audio/mpeg" || len(full.body) < 1000 || int64(len(full.body)) != full.length {
		t.Fatalf("media: %d %s %d bytes (length %d)", full.status, full.ctype, len(full.body), full.length)
	}
	part := readMedia(t, c, f.recording, "bytes=100-199")
	if part.status != 206 || !bytes.Equal(part.body, full.body[100:200]) ||
		part.contentRange != "bytes 100-199/"+strconv.Itoa(len(full.body)) {
		t.Fatalf("media range: %d %q %d bytes", part.status, part.contentRange, len(part.body))
	}
	tr, err := c.FetchTranscription(ctx, f.transcription)
	if err != nil || tr.Text != "please call me back soon" || tr.RecordingSid != f.recording || tr.Status != "completed" {
		t.Fatalf("FetchTranscription: %+v %v", tr, err)
	}
	if err := c.DeleteTranscription(ctx, f.transcription); err != nil {
		t.Fatalf("DeleteTranscription: %v", err)
	}
	_, err = c.FetchTranscription(ctx, f.transcription)
	wantKind(t, "deleted transcription", err, flexcallback.ErrNotFound)
	if err := c.DeleteRecording(ctx, f.recording); err != nil {
		t.Fatalf("DeleteRecording: %v", err)
	}
	_, err = c.FetchRecording(ctx, f.recording)
	wantKind(t, "deleted recording", err, flexcallback.ErrNotFound)
	err = c.DeleteRecording(ctx, f.recording)
	wantKind(t, "second delete", err, flexcallback.ErrNotFound)

	// Unknown SIDs: 404 with code 20404.
	for name, call := range map[string]func() error{
		"task": func() error { _, err := c.FetchTask(ctx, missing("WT")); return err },
		"update task": func() error {
			_, err := c.UpdateTask(ctx, missing("WT"), flexcallback.TaskUpdate{Reason: "x"})
			return err
		},
		"reservations":  func() error { _, err := c.ListTaskReservations(ctx, missing("WT")); return err },
		"queue":         func() error { _, err := c.FetchQueue(ctx, missing("QU")); return err },
		"call":          func() error { return c.UpdateCall(ctx, missing("CA"), flexcallback.CallUpdate{Status: "completed"}) },
		"recording":     func() error { _, err := c.FetchRecording(ctx, missing("RE")); return err },
		"transcription": func() error { _, err := c.FetchTranscription(ctx, missing("TR")); return err },
	} {
		fe := wantKind(t, "unknown "+name, call(), flexcallback.ErrNotFound)
		if fe.Status != 404 || fe.Code != 20404 {
			t.Errorf("unknown %s: status %d code %d, want 404 20404", name, fe.Status, fe.Code)
		}
	}
	// The missing recording's media is a 404 too.
	_, err = c.RecordingMedia(ctx, missing("RE"), "")
	if fe := wantKind(t, "unknown media", err, flexcallback.ErrNotFound); fe.Status != 404 {
		t.Fatalf("unknown media: status %d", fe.Status)
	}
}

// refusals checks the sandbox's refusals of bad parameters and credentials, seen through c.
func refusals(t *testing.T, e *env, apiBase string) {
	ctx := ctxT(t)
	c := e.client(apiBase, nil)
	// An unknown workflow is a bad parameter: 400 with code 20001.
	_, err := c.CreateTask(ctx, flexcallback.NewTask{WorkflowSid: "WW" + strings.Repeat("0", 32), Attributes: map[string]any{}})
	fe, ok := flexcallback.AsError(err)
	if !ok || fe.Status != 400 || fe.Code != 20001 {
		t.Fatalf("unknown workflow: %v", err)
	}
	bad := e.client(apiBase, func(cfg *twilio.Config) { cfg.AuthToken = "wrongtoken" })
	err = bad.Ping(ctx)
	if fe := wantKind(t, "bad credentials", err, flexcallback.ErrUpstreamAuth); fe.Status != 401 || fe.Code != 20003 {
		t.Fatalf("bad credentials: %+v", fe)
	}
}

func refSids(rs []flexcallback.TaskRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Sid
	}
	return out
}

func taskSids(ts []flexcallback.Task) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Sid
	}
	return out
}

type media struct {
	status       int
	ctype        string
	length       int64
	contentRange string
	body         []byte
}

func readMedia(t *testing.T, c *twilio.Client, sid, rng string) media {
	t.Helper()
	m, err := c.RecordingMedia(ctxT(t), sid, rng)
	if err != nil {
		t.Fatalf("RecordingMedia(%q): %v", rng, err)
	}
	defer m.Body.Close()
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatalf("read media: %v", err)
	}
	return media{m.Status, m.ContentType, m.ContentLength, m.ContentRange, b}
}

func TestOperationsAgainstSandbox(t *testing.T) {
	e := newEnv(t)
	operations(t, e, e.client(e.srv.URL, nil))
}

func TestRefusalsAgainstSandbox(t *testing.T) {
	e := newEnv(t)
	refusals(t, e, e.srv.URL)
}

func TestValidateTokenAgainstSandbox(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.srv.URL, nil)
	ctx := ctxT(t)
	var issued struct {
		Token string `json:"token"`
	}
	e.admin("POST", "/_sandbox/tokens", map[string]any{"identity": "alice", "ttl": 60}, &issued)
	w, err := c.ValidateToken(ctx, issued.Token)
	if err != nil || w.Identity != "alice" || w.Sid != e.in.Workers["alice"].Sid || !slices.Equal(w.Roles, []string{"agent"}) ||
		w.ExpiresAt.IsZero() {
		t.Fatalf("valid token: %+v %v", w, err)
	}
	_, err = c.ValidateToken(ctx, issued.Token[:len(issued.Token)-4]+"AAAA")
	wantKind(t, "forged token", err, flexcallback.ErrUnauthorized)
	e.advance("61s")
	_, err = c.ValidateToken(ctx, issued.Token)
	if fe := wantKind(t, "expired token", err, flexcallback.ErrUnauthorized); !strings.Contains(fe.Message, "expired") {
		t.Fatalf("expired token message %q", fe.Message)
	}
	_, err = c.ValidateToken(ctx, "")
	wantKind(t, "no token", err, flexcallback.ErrUnauthorized)
}

// TestRetriesUnderFaults injects Twilio's failures in the sandbox and checks what the retry
// policy makes of them, counting the sandbox's tasks so that no create is ever duplicated.
func TestRetriesUnderFaults(t *testing.T) {
	t.Parallel() // mostly waits for Retry-After
	e := newEnv(t)
	ctx := ctxT(t)
	wf := e.in.Workflows["callback"]
	tasksPath := "/taskrouter/v1/Workspaces/" + e.in.WorkspaceSid + "/Tasks"
	newTask := flexcallback.NewTask{WorkflowSid: wf, Attributes: map[string]any{"taskType": "callback"}}
	c := e.client(e.srv.URL, nil)
	seed, err := c.CreateTask(ctx, newTask)
	if err != nil {
		t.Fatal(err)
	}
	count := 1

	t.Run("429 with Retry-After", func(t *testing.T) {
		e.fault(map[string]any{"method": "POST", "path": tasksPath, "status": 429, "count": 1})
		start := time.Now()
		if _, err := c.CreateTask(ctx, newTask); err != nil {
			t.Fatalf("create after a 429: %v", err)
		}
		count++
		// The sandbox's 429 says Retry-After: 1; the backoff alone would wait ≤ 5 ms.
		if d := time.Since(start); d < time.Second {
			t.Fatalf("retried after %v, before Retry-After", d)
		}
		if n := e.taskCount(); n != count {
			t.Fatalf("%d tasks, want %d", n, count)
		}
	})
	t.Run("429 past the deadline", func(t *testing.T) {
		// Waiting for Retry-After (1 s) would outlive the 900 ms deadline: give up at once, not at
		// the deadline.
		short := e.client(e.srv.URL, func(cfg *twilio.Config) { cfg.Retry.Deadline = 900 * time.Millisecond })
		e.fault(map[string]any{"method": "GET", "path": tasksPath + "/" + seed.Sid, "status": 429, "count": 1})
		start := time.Now()
		_, err := short.FetchTask(ctx, seed.Sid)
		fe := wantKind(t, "429 with Retry-After past the deadline", err, flexcallback.ErrUnavailable)
		if fe.Status != 429 || fe.Code != 20429 || fe.RetryAfter != time.Second || time.Since(start) > 700*time.Millisecond {
			t.Fatalf("got %+v after %v; want an early give-up passing Retry-After on", fe, time.Since(start))
		}
	})
	t.Run("503", func(t *testing.T) {
		// The sandbox's 503 says Retry-After: 1, so each retry here costs a second.
		e.fault(map[string]any{"method": "GET", "path": tasksPath + "/" + seed.Sid, "status": 503, "count": 1})
		if got, err := c.FetchTask(ctx, seed.Sid); err != nil || got.Sid != seed.Sid {
			t.Fatalf("fetch after a 503: %v", err)
		}
		// A 503 with Twilio's own error body proves nothing for a create: ambiguous, sent once.
		e.fault(map[string]any{"method": "POST", "path": tasksPath, "status": 503, "count": 1})
		_, err := c.CreateTask(ctx, newTask)
		wantKind(t, "create answered 503", err, flexcallback.ErrAmbiguous)
		if n := e.taskCount(); n != count {
			t.Fatalf("%d tasks, want %d (the refused create not sent again)", n, count)
		}
		e.fault(map[string]any{"method": "GET", "path": tasksPath + "/" + seed.Sid, "status": 503})
		twice := e.client(e.srv.URL, func(cfg *twilio.Config) { cfg.Retry.Limit = 1 })
		_, err = twice.FetchTask(ctx, seed.Sid)
		if fe := wantKind(t, "503 forever", err, flexcallback.ErrUnavailable); fe.Status != 503 || fe.Code != 20503 || fe.RetryAfter != time.Second {
			t.Fatalf("503 forever: %+v", fe)
		}
		e.clearFaults()
	})
	t.Run("connection reset", func(t *testing.T) {
		// The sandbox creates the task, then drops the connection: the create is ambiguous and
		// must not be sent again.
		e.fault(map[string]any{"method": "POST", "path": tasksPath, "after": true, "count": 1})
		_, err := c.CreateTask(ctx, newTask)
		wantKind(t, "create with a reset answer", err, flexcallback.ErrAmbiguous)
		count++
		if n := e.taskCount(); n != count {
			t.Fatalf("%d tasks after an ambiguous create, want %d (exactly one made)", n, count)
		}
		// A read is simply sent again.
		e.fault(map[string]any{"method": "GET", "path": tasksPath + "/" + seed.Sid, "after": true, "count": 2})
		if _, err := c.FetchTask(ctx, seed.Sid); err != nil {
			t.Fatalf("fetch after resets: %v", err)
		}
	})
	t.Run("latency past the deadline", func(t *testing.T) {
		slow := e.client(e.srv.URL, func(cfg *twilio.Config) {
			cfg.Timeout = 200 * time.Millisecond
			cfg.Retry.Deadline = 1500 * time.Millisecond
		})
		e.fault(map[string]any{"method": "GET", "path": tasksPath + "/" + seed.Sid, "latencyMs": 600, "count": 1})
		if _, err := slow.FetchTask(ctx, seed.Sid); err != nil {
			t.Fatalf("fetch after one slow answer: %v", err)
		}
		e.fault(map[string]any{"method": "POST", "path": tasksPath, "latencyMs": 600, "count": 1})
		_, err := slow.CreateTask(ctx, newTask)
		wantKind(t, "slow create", err, flexcallback.ErrAmbiguous)
		time.Sleep(500 * time.Millisecond) // let the sandbox see the request go away
		if n := e.taskCount(); n != count {
			t.Fatalf("%d tasks after a timed-out create, want %d (never sent twice)", n, count)
		}
		e.fault(map[string]any{"method": "GET", "path": tasksPath + "/" + seed.Sid, "latencyMs": 600})
		start := time.Now()
		_, err = slow.FetchTask(ctx, seed.Sid)
		wantKind(t, "always slow", err, flexcallback.ErrUnavailable)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("gave up after %v, past the 1.5 s deadline", d)
		}
		e.clearFaults()
	})
}

// testLogger sends logs to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
