package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York on machines without a zone database

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

const flexOrigin = "https://flex.twilio.com"

type sentMessage struct {
	msg    flexcallback.Message
	origin string
}

type testPanel struct {
	t    *testing.T
	p    *panel
	disp app.ClientDispatcher
	mu   sync.Mutex
	sent []sentMessage
}

func newTestPanel(t *testing.T, baseURL string) *testPanel {
	t.Helper()
	tp := &testPanel{t: t}
	tp.p = &panel{
		allowed:      []string{flexOrigin, "http://localhost:9"},
		businessZone: "America/New_York",
		api:          apiClient{BaseURL: baseURL},
		locale:       defaultLocale,
		pending:      map[string]pendingAction{},
		timeout:      time.Hour,
		post: func(m flexcallback.Message, origin string) {
			tp.mu.Lock()
			defer tp.mu.Unlock()
			tp.sent = append(tp.sent, sentMessage{m, origin})
		},
	}
	tp.disp = app.NewClientTester(tp.p)
	t.Cleanup(tp.disp.Close)
	return tp
}

// do runs fn as an event handler would, then lets async work and re-renders finish.
func (tp *testPanel) do(fn func(ctx app.Context)) {
	tp.disp.Dispatch(app.Dispatch{Mode: app.Update, Source: tp.p, Function: fn})
	tp.settle()
}

func (tp *testPanel) settle() {
	for i := 0; i < 4; i++ {
		tp.disp.Consume()
		tp.disp.Wait()
	}
	tp.disp.Consume()
}

func (tp *testPanel) receive(origin string, fromParent bool, m any) {
	b, err := json.Marshal(m)
	if err != nil {
		tp.t.Fatal(err)
	}
	tp.do(func(ctx app.Context) { tp.p.handleMessage(ctx, origin, fromParent, b) })
}

func (tp *testPanel) html() string { return app.HTMLString(tp.p) }

func (tp *testPanel) lastSent() sentMessage {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if len(tp.sent) == 0 {
		tp.t.Fatal("nothing sent")
	}
	return tp.sent[len(tp.sent)-1]
}

func (tp *testPanel) sentOfType(typ string) []sentMessage {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var out []sentMessage
	for _, s := range tp.sent {
		if s.msg.Type == typ {
			out = append(out, s)
		}
	}
	return out
}

func contextMessage(kind, status string, attrs map[string]any) map[string]any {
	cb := map[string]any{
		"numberToCall": "+15550001111", "numberToCallFrom": "+15559990000", "attempts": 0,
		"utcDateTimeReceived": "2026-11-25T14:00:00.000Z", "isDeleted": false,
	}
	for k, v := range attrs {
		cb[k] = v
	}
	return map[string]any{
		"source": "flexcallback-shim", "type": "context", "v": 1, "token": "tok-1", "locale": "en-US",
		"task": map[string]any{
			"sid": "WR1", "taskSid": "WT1", "status": status, "queueSid": "WQ1",
			"attributes": map[string]any{"taskType": kind, "callBackData": cb},
		},
		"worker": map[string]any{"sid": "WK1", "offline": false},
		"config": map[string]any{"allowRequeue": true, "maxAttempts": 3, "outboundEnabled": true},
	}
}

func mustMatch(t *testing.T, tree app.UI, path []int, want app.UI) {
	t.Helper()
	if err := app.TestMatch(tree, app.TestUIDescriptor{Path: path, Expected: want}); err != nil {
		t.Error(err)
	}
}

func TestPanelSendsReadyToEachAllowedOrigin(t *testing.T) {
	tp := newTestPanel(t, "")
	ready := tp.sentOfType(flexcallback.MsgReady)
	if len(ready) != 2 || ready[0].origin != flexOrigin || ready[1].origin != "http://localhost:9" {
		t.Fatalf("ready sent to %v", ready)
	}
	for _, s := range ready {
		if s.origin == "*" || s.msg.Source != flexcallback.SourcePanel || s.msg.V != 1 {
			t.Errorf("bad ready %+v", s)
		}
	}
	mustMatch(t, tp.p, app.TestPath(0, 1, 0), app.Text(tr(defaultLocale, keyWaiting, nil)))
}

func TestPanelRendersCallbackFromContext(t *testing.T) {
	tp := newTestPanel(t, "")
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", nil))
	// main > section > h1 > text
	mustMatch(t, tp.p, app.TestPath(0, 0, 0, 0), app.Text("Callback Request"))
	h := tp.html()
	for _, want := range []string{"+15550001111", "Place Call Now To +15550001111", "1 of 3", "Retry Later", `role="status"`, `aria-describedby="system-time"`, "System time: 2026-11-25 09:00:00 EST"} {
		if !strings.Contains(h, want) {
			t.Errorf("panel lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "voicemail-audio") || strings.Contains(h, `id="delete"`) {
		t.Errorf("callback shows voicemail parts:\n%s", h)
	}
	if countDisabled(h) > 0 {
		t.Errorf("a button is disabled on an assigned task:\n%s", h)
	}
}

func TestPanelIgnoresForeignMessages(t *testing.T) {
	tp := newTestPanel(t, "")
	tp.receive("https://evil.example", true, contextMessage("callback", "assigned", nil))
	tp.receive(flexOrigin, false, contextMessage("callback", "assigned", nil))
	bad := contextMessage("callback", "assigned", nil)
	bad["source"] = "someone-else"
	tp.receive(flexOrigin, true, bad)
	if tp.p.task != nil || !strings.Contains(tp.html(), `id="waiting"`) {
		t.Fatalf("a foreign message was accepted: %s", tp.html())
	}

	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", nil))
	// Once bound to flex.twilio.com, the other allowed origin is not heard either.
	other := map[string]any{"source": "flexcallback-shim", "type": "task", "v": 1,
		"task": map[string]any{"sid": "WR9", "taskSid": "WT9", "status": "assigned", "attributes": map[string]any{"taskType": "voicemail"}}}
	tp.receive("http://localhost:9", true, other)
	if tp.p.task.TaskSid != "WT1" {
		t.Errorf("task from a second origin accepted: %s", tp.p.task.TaskSid)
	}
	tp.receive(flexOrigin, true, other)
	if tp.p.task.TaskSid != "WT9" || !strings.Contains(tp.html(), "Contact Voicemail") {
		t.Errorf("task message did not re-render: %s", tp.html())
	}
	tp.p.send(flexcallback.NewResize(100))
	if got := tp.lastSent().origin; got != flexOrigin {
		t.Errorf("after context, sent to %q", got)
	}
}

func TestPanelButtonsFollowStatusAndWorker(t *testing.T) {
	tp := newTestPanel(t, "")
	tp.receive(flexOrigin, true, contextMessage("callback", "reserved", nil))
	if h := tp.html(); countDisabled(h) != 3 {
		t.Errorf("reserved task: want call, retry and retry at disabled:\n%s", h)
	}
	m := contextMessage("callback", "assigned", nil)
	m["worker"] = map[string]any{"sid": "WK1", "offline": true}
	tp.receive(flexOrigin, true, m)
	h := tp.html()
	if !buttonDisabled(h, "call") {
		t.Errorf("offline worker: call not disabled:\n%s", h)
	}
	if countDisabled(h) != 1 {
		t.Errorf("offline worker: only call should be disabled:\n%s", h)
	}
}

func TestPanelPlaceCallSendsPayloadAndRecoversFromFailure(t *testing.T) {
	tp := newTestPanel(t, "")
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", map[string]any{"numberToCallFrom": "sip:x@y"}))
	tp.do(func(ctx app.Context) { tp.p.onCall(ctx, app.Event{}) })
	s := tp.lastSent()
	if s.msg.Type != "action" || s.msg.Name != "StartOutboundCall" || s.origin != flexOrigin || s.msg.ID == "" {
		t.Fatalf("sent %+v", s)
	}
	b, _ := json.Marshal(s.msg.Payload)
	var payload map[string]any
	json.Unmarshal(b, &payload)
	if _, ok := payload["callerId"]; ok || payload["destination"] != "+15550001111" || payload["queueSid"] != "WQ1" {
		t.Errorf("payload %s", b)
	}
	ta := payload["taskAttributes"].(map[string]any)
	if ta["taskType"] != "callback-outbound" || ta["parentTask"] != "WR1" || ta["autoClose"] != true {
		t.Errorf("taskAttributes %v", ta)
	}
	if tp.p.busy == "" || countDisabled(tp.html()) == 0 {
		t.Error("buttons not disabled while the call starts")
	}
	tp.receive(flexOrigin, true, map[string]any{"source": "flexcallback-shim", "type": "actionResult", "v": 1, "id": s.msg.ID, "ok": false, "error": "boom"})
	h := tp.html()
	if countDisabled(h) > 0 {
		t.Errorf("buttons stay disabled after a failed call (B9):\n%s", h)
	}
	if !strings.Contains(h, "Calling +15550001111 failed") {
		t.Errorf("failure not in status:\n%s", h)
	}
	if n := tp.sentOfType("notify"); len(n) != 1 || n[0].msg.Level != "error" {
		t.Errorf("notify = %+v", n)
	}
}

func TestPanelOutboundDisabledNotifies(t *testing.T) {
	tp := newTestPanel(t, "")
	m := contextMessage("callback", "assigned", nil)
	m["config"] = map[string]any{"outboundEnabled": false}
	tp.receive(flexOrigin, true, m)
	tp.do(func(ctx app.Context) { tp.p.onCall(ctx, app.Event{}) })
	if len(tp.sentOfType("action")) != 0 || len(tp.sentOfType("notify")) != 1 {
		t.Errorf("sent %+v", tp.sent)
	}
}

// fakeBackend records the flex/* requests it gets.
type fakeBackend struct {
	mu       sync.Mutex
	requests []*http.Request
	forms    []map[string]string
	fail     bool
}

func (f *fakeBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f.mu.Lock()
	f.requests = append(f.requests, r)
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	f.forms = append(f.forms, form)
	fail := f.fail
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if fail {
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`{"success":false,"message":"max attempts reached","code":"conflict"}`))
		return
	}
	switch r.URL.Path {
	case apiPrefix + "flex/requeue-callback":
		w.Write([]byte(`{"success":true,"taskSid":"WT2"}`))
	case apiPrefix + "flex/voicemail-url":
		w.Write([]byte(`{"success":true,"url":"https://backend.example/media/RE1?t=x","expiresAt":"2026-11-25T14:05:00Z"}`))
	case apiPrefix + "flex/delete-voicemail", apiPrefix + "flex/record-outcome":
		w.Write([]byte(`{"success":true}`))
	default:
		http.NotFound(w, r)
	}
}

func TestPanelRetryLaterRequeuesThenWrapsUp(t *testing.T) {
	be := &fakeBackend{}
	srv := httptest.NewServer(be)
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", map[string]any{"attempts": 1}))
	tp.do(func(ctx app.Context) { tp.p.onRetry(ctx, app.Event{}) })
	if len(be.requests) != 1 {
		t.Fatalf("backend got %d requests", len(be.requests))
	}
	r := be.requests[0]
	if r.URL.Path != apiPrefix+"flex/requeue-callback" || r.Header.Get("Authorization") != "Bearer tok-1" ||
		be.forms[0]["taskSid"] != "WT1" || r.URL.RawQuery != "" || be.forms[0]["Token"] != "" {
		t.Errorf("request %s %v %v", r.URL, r.Header, be.forms[0])
	}
	s := tp.lastSent()
	if s.msg.Name != "WrapupTask" {
		t.Fatalf("after requeue sent %+v", s.msg)
	}
	tp.receive(flexOrigin, true, map[string]any{"source": "flexcallback-shim", "type": "actionResult", "v": 1, "id": s.msg.ID, "ok": true})
	if h := tp.html(); !strings.Contains(h, "rescheduled as attempt 3") {
		t.Errorf("status after wrap-up:\n%s", h)
	}
}

func TestPanelRetryLaterFailureIsShown(t *testing.T) {
	be := &fakeBackend{fail: true}
	srv := httptest.NewServer(be)
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", nil))
	tp.do(func(ctx app.Context) { tp.p.onRetry(ctx, app.Event{}) })
	h := tp.html()
	if !strings.Contains(h, "could not be rescheduled: max attempts reached") || countDisabled(h) > 0 {
		t.Errorf("failure not shown or buttons not back:\n%s", h)
	}
	if len(tp.sentOfType("action")) != 0 {
		t.Error("WrapupTask requested after a failed requeue")
	}
}

func TestPanelVoicemailPlayerTranscriptAndDelete(t *testing.T) {
	be := &fakeBackend{}
	srv := httptest.NewServer(be)
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	rec := "RE0123456789abcdef0123456789abcdef"
	tp.receive(flexOrigin, true, contextMessage("voicemail", "assigned", map[string]any{"recordingSid": rec, "transcriptText": "call me back please"}))
	h := tp.html()
	for _, want := range []string{"Contact Voicemail", `src="https://backend.example/media/RE1?t=x"`, "call me back please", "Delete voicemail"} {
		if !strings.Contains(h, want) {
			t.Errorf("lacks %q:\n%s", want, h)
		}
	}
	if be.forms[0]["recordingSid"] != rec || be.forms[0]["taskSid"] != "WT1" {
		t.Errorf("voicemail-url form %v", be.forms[0])
	}
	tp.do(func(ctx app.Context) { tp.p.onDelete(ctx, app.Event{}) })
	if len(be.requests) != 1 || !strings.Contains(tp.html(), "delete-confirm") {
		t.Fatalf("delete did not ask first: %d requests", len(be.requests))
	}
	tp.do(func(ctx app.Context) { tp.p.onDeleteConfirm(ctx, app.Event{}) })
	if len(be.requests) != 2 || be.requests[1].URL.Path != apiPrefix+"flex/delete-voicemail" || be.forms[1]["recordingSid"] != rec {
		t.Fatalf("delete request wrong: %v", be.forms)
	}
	h = tp.html()
	if strings.Contains(h, "voicemail-audio") || strings.Contains(h, "call me back") || !strings.Contains(h, "Voicemail deleted.") {
		t.Errorf("after delete:\n%s", h)
	}
}

// An offered voicemail is not the agent's yet: the backend refuses its audio (403), so the panel
// asks for none and says why; once accepted, the player loads.
func TestPanelVoicemailPlaysOnceAccepted(t *testing.T) {
	be := &fakeBackend{}
	srv := httptest.NewServer(be)
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	rec := "RE0123456789abcdef0123456789abcdef"
	tp.receive(flexOrigin, true, contextMessage("voicemail", "reserved", map[string]any{"recordingSid": rec}))
	h := tp.html()
	if len(be.requests) != 0 || !strings.Contains(h, "Accept the task to play the voicemail.") || strings.Contains(h, "voicemail-error") {
		t.Fatalf("offered voicemail: %d requests\n%s", len(be.requests), h)
	}
	tp.receive(flexOrigin, true, contextMessage("voicemail", "assigned", map[string]any{"recordingSid": rec}))
	h = tp.html()
	if len(be.requests) != 1 || !strings.Contains(h, `src="https://backend.example/media/RE1?t=x"`) || strings.Contains(h, "voicemail-accept") {
		t.Errorf("accepted voicemail: %d requests\n%s", len(be.requests), h)
	}
	if n := len(tp.sentOfType("notify")); n != 0 {
		t.Errorf("%d notifications", n)
	}
}

func TestAudioPlayerErrorAndTryAgain(t *testing.T) {
	be := &fakeBackend{fail: true}
	srv := httptest.NewServer(be)
	defer srv.Close()
	p := &audioPlayer{BaseURL: srv.URL, Token: "t", TaskSid: "WT1", RecordingSid: "RE1", Locale: "es-MX"}
	disp := app.NewClientTester(p)
	defer disp.Close()
	settle := func() {
		for i := 0; i < 3; i++ {
			disp.Consume()
			disp.Wait()
		}
		disp.Consume()
	}
	settle()
	mustMatch(t, p, app.TestPath(0, 0, 0), app.Text("Error al cargar el mensaje de voz."))
	mustMatch(t, p, app.TestPath(0, 1, 0), app.Text("Intentar de nuevo"))
	be.mu.Lock()
	be.fail = false
	be.mu.Unlock()
	disp.Dispatch(app.Dispatch{Mode: app.Update, Source: p, Function: func(ctx app.Context) { p.onRetry(ctx, app.Event{}) }})
	settle()
	if p.state != playerReady || !strings.Contains(app.HTMLString(p), "<audio") {
		t.Errorf("after try again: %s", app.HTMLString(p))
	}
	if len(be.requests) != 2 {
		t.Errorf("requests = %d, want 2", len(be.requests))
	}
}

func TestPanelLocaleSwitch(t *testing.T) {
	tp := newTestPanel(t, "")
	m := contextMessage("callback", "assigned", nil)
	m["locale"] = "es-MX"
	tp.receive(flexOrigin, true, m)
	mustMatch(t, tp.p, app.TestPath(0, 0, 0, 0), app.Text("Solicitud de devolución de llamada"))
	m["locale"] = "zh-CN"
	tp.receive(flexOrigin, true, m)
	mustMatch(t, tp.p, app.TestPath(0, 0, 0, 0), app.Text("回电请求"))
	if !strings.Contains(tp.html(), "第 1 次，共 3 次") {
		t.Errorf("zh attempts:\n%s", tp.html())
	}
}

func TestPanelTranscriptUnavailable(t *testing.T) {
	be := &fakeBackend{}
	srv := httptest.NewServer(be)
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	rec := "RE0123456789abcdef0123456789abcdef"
	tp.receive(flexOrigin, true, contextMessage("voicemail", "assigned", map[string]any{"recordingSid": rec, "transcriptStatus": "failed"}))
	if h := tp.html(); !strings.Contains(h, `id="transcript-unavailable"`) || !strings.Contains(h, "Transcript unavailable") {
		t.Errorf("a failed transcription is not said:\n%s", h)
	}
}

// Requests merged into the task are listed with their times; a merged voicemail gets a player of
// its own (asking voicemail-url for its recording) and its transcript.
func TestPanelShowsMergedRequests(t *testing.T) {
	be := &fakeBackend{}
	srv := httptest.NewServer(be)
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	rec := "RE0123456789abcdef0123456789abcdef"
	merged := []any{
		map[string]any{"time": "2026-11-25T14:10:00.000Z", "source": "studio", "key": "k1"},
		map[string]any{"time": "2026-11-25T14:20:00.000Z", "source": "wait-experience", "key": "voicemail:" + rec,
			"recordingSid": rec, "transcriptText": "it is about my order"},
	}
	tp.receive(flexOrigin, true, contextMessage("callback", "reserved", map[string]any{"requests": merged, "requestCount": 3}))
	h := tp.html()
	for _, want := range []string{"More requests from this contact (2)", `id="merged-1"`, "Asked again to be called back",
		`datetime="2026-11-25T14:20:00Z"`, "Left a voicemail", "it is about my order", "Accept the task to play the voicemail."} {
		if !strings.Contains(h, want) {
			t.Errorf("lacks %q:\n%s", want, h)
		}
	}
	if len(be.requests) != 0 {
		t.Errorf("%d backend requests before the task was accepted", len(be.requests))
	}
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", map[string]any{"requests": merged, "requestCount": 3}))
	h = tp.html()
	if len(be.forms) != 1 || be.forms[0]["recordingSid"] != rec || be.forms[0]["taskSid"] != "WT1" ||
		!strings.Contains(h, `id="merged-2-voicemail-audio"`) {
		t.Errorf("accepted: voicemail-url forms %v\n%s", be.forms, h)
	}
	if strings.Contains(h, `id="voicemail-audio"`) {
		t.Error("a callback task shows a player of its own")
	}
}
