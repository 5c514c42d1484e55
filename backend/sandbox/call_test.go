package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"
)

// hook is one webhook the TwiML server received.
type hook struct {
	method, path, token string
	params              map[string]string
	signed              bool
}

// twimlServer is a tiny backend: it answers TwiML by path and checks every signature.
type twimlServer struct {
	*httptest.Server
	mu    sync.Mutex
	hooks []hook
}

func newTwimlServer(t *testing.T, authToken string, answer func(h hook) string) *twimlServer {
	ts := &twimlServer{}
	validator := client.NewRequestValidator(authToken)
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("parse form: %v", err)
		}
		h := hook{method: r.Method, path: r.URL.Path, token: r.Header.Get("I-Twilio-Idempotency-Token"), params: map[string]string{}}
		for k := range r.Form {
			h.params[k] = r.Form.Get(k)
		}
		full := ts.URL + r.URL.RequestURI()
		if r.Method == http.MethodPost {
			post := map[string]string{}
			for k := range r.PostForm {
				post[k] = r.PostForm.Get(k)
			}
			h.signed = validator.Validate(full, post, r.Header.Get("X-Twilio-Signature"))
		} else {
			h.signed = validator.Validate(full, map[string]string{}, r.Header.Get("X-Twilio-Signature"))
		}
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
	return append([]hook(nil), ts.hooks...)
}

type callState struct {
	Sid      string  `json:"sid"`
	Status   string  `json:"status"`
	TaskSid  string  `json:"taskSid"`
	Timeline []entry `json:"timeline"`
}

func verbs(c callState) string {
	var v []string
	for _, e := range c.Timeline {
		if e.Verb != "Request" {
			v = append(v, e.Verb)
		}
	}
	return strings.Join(v, " ")
}

// TestVoicemailJourney plays the reference's voicemail path: Enqueue with a waitUrl that redirects
// into a Gather loop, a digit, a REST redirect out of the queue while the webhook is still running,
// Record with transcription, the action (GET), the callbacks, Hangup.
func TestVoicemailJourney(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	c := twilioClient(t, srv, in)
	tr := taskrouter.NewApiServiceWithClient(c)
	voice := api.NewApiServiceWithClient(c)
	var ts *twimlServer
	ts = newTwimlServer(t, in.AuthToken, func(h hook) string {
		switch h.path {
		case "/voice":
			return `<Response><Say>Welcome</Say><Enqueue workflowSid="` + in.Workflows["callback"] +
				`" waitUrl="/wait"><Task>{"type":"inbound","name":"Caller"}</Task></Enqueue></Response>`
		case "/wait":
			switch h.params["mode"] {
			case "":
				return `<Response><Redirect>/wait?mode=loop</Redirect></Response>`
			case "loop":
				return `<Response><Gather numDigits="1" action="/wait?mode=choice"><Say>Press 2 for voicemail</Say><Play>https://example.com/music.mp3</Play></Gather></Response>`
			case "choice":
				// What the backend does: cancel the task, then redirect the live call out of the queue.
				list, err := tr.ListTask(in.WorkspaceSid, (&taskrouter.ListTaskParams{}).SetAssignmentStatus([]string{"pending", "reserved"}))
				if err != nil || len(list) != 1 {
					t.Errorf("find task: %v %d", err, len(list))
					return ""
				}
				task := *list[0].Sid
				if _, err := tr.UpdateTask(in.WorkspaceSid, task, (&taskrouter.UpdateTaskParams{}).
					SetAssignmentStatus("canceled").SetReason("Opted to leave a voicemail")); err != nil {
					t.Errorf("cancel: %v", err)
				}
				if _, err := voice.UpdateCall(h.params["CallSid"], (&api.UpdateCallParams{}).
					SetUrl(ts.URL+"/record").SetMethod("POST")); err != nil {
					t.Errorf("redirect: %v", err)
				}
				return `<Response><Say>This is never heard</Say></Response>`
			}
		case "/record":
			return `<Response><Say>Leave a message</Say><Record action="/recorded" method="GET" transcribe="true" transcribeCallback="/transcribed" recordingStatusCallback="/recstatus" finishOnKey="*" timeout="10" playBeep="true"/><Say>not captured</Say><Redirect>/record</Redirect></Response>`
		case "/recorded":
			return `<Response><Say>Thanks</Say><Hangup/></Response>`
		}
		return ``
	})
	var started struct {
		CallSid string `json:"callSid"`
	}
	if code := do(t, in, "POST", srv.URL+"/_sandbox/calls", map[string]any{"from": "+15551230000", "to": "+15559870000", "url": ts.URL + "/voice"}, &started); code != 201 {
		t.Fatalf("create call: %d", code)
	}
	ca := started.CallSid
	var st callState
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+ca, nil, &st)
	if verbs(st) != "Say Enqueue Redirect Gather Say Play" || st.TaskSid == "" {
		t.Fatalf("after start: %q task %q", verbs(st), st.TaskSid)
	}
	task, err := tr.FetchTask(in.WorkspaceSid, st.TaskSid)
	if err != nil || *task.AssignmentStatus != "pending" || !strings.Contains(*task.Attributes, `"call_sid":"`+ca+`"`) {
		t.Fatalf("task %v %v", task, err)
	}
	// Twilio's wait parameters on the waitUrl request.
	first := ts.received()[1]
	if first.params["QueueSid"] != in.Queues["callback"] || first.params["QueuePosition"] != "1" || first.params["CurrentQueueSize"] != "1" || first.params["QueueTime"] != "0" {
		t.Fatalf("waitUrl params %v", first.params)
	}
	queue, err := voice.FetchQueue(in.Queues["callback"], nil)
	if err != nil || *queue.FriendlyName != in.Workflows["callback"] || queue.CurrentSize != 1 {
		t.Fatalf("queue %+v %v", queue, err)
	}

	// The caller will speak 4 words (2 s); pressing keys outside Gather/Record is ignored.
	do(t, in, "POST", srv.URL+"/_sandbox/calls/"+ca+"/speech", map[string]string{"text": "please call me back"}, nil)
	do(t, in, "POST", srv.URL+"/_sandbox/calls/"+ca+"/digits", map[string]string{"digits": "2"}, &st)
	_ = st
	hooks := ts.received()
	choice := hooks[len(hooks)-2]
	if choice.params["mode"] != "choice" || choice.params["Digits"] != "2" {
		t.Fatalf("gather action %+v", choice)
	}
	// The task was canceled by the backend, before the call left the queue: its reason is kept.
	task, _ = tr.FetchTask(in.WorkspaceSid, st.TaskSid)
	if task == nil {
		t.Fatal("task vanished")
	}
	if *task.AssignmentStatus != "canceled" || *task.Reason != "Opted to leave a voicemail" {
		t.Fatalf("task %s reason %v", *task.AssignmentStatus, task.Reason)
	}
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+ca, nil, &st)
	if !strings.HasSuffix(verbs(st), "Record") {
		t.Fatalf("after redirect: %q", verbs(st))
	}
	do(t, in, "POST", srv.URL+"/_sandbox/clock", map[string]string{"advance": "5s"}, nil)
	do(t, in, "POST", srv.URL+"/_sandbox/calls/"+ca+"/digits", map[string]string{"digits": "*"}, &st)
	if st.Status != "completed" || !strings.HasSuffix(verbs(st), "Record Keys Say Hangup") {
		t.Fatalf("after record: %s %q", st.Status, verbs(st))
	}

	hooks = ts.received()
	paths := []string{}
	tokens := map[string]bool{}
	for _, h := range hooks {
		paths = append(paths, h.method+" "+h.path)
		if !h.signed {
			t.Errorf("bad signature on %s %s", h.method, h.path)
		}
		if h.token == "" || tokens[h.token] {
			t.Errorf("idempotency token %q missing or reused", h.token)
		}
		tokens[h.token] = true
	}
	want := "POST /voice POST /wait POST /wait POST /wait POST /record GET /recorded POST /recstatus POST /transcribed"
	if strings.Join(paths, " ") != want {
		t.Fatalf("webhooks:\n %s\nwant\n %s", strings.Join(paths, " "), want)
	}
	recorded, tx := hooks[5], hooks[7]
	if recorded.params["Digits"] != "*" || recorded.params["RecordingDuration"] != "2" || !strings.HasPrefix(recorded.params["RecordingSid"], "RE") {
		t.Fatalf("record action %v", recorded.params)
	}
	if tx.params["TranscriptionText"] != "please call me back" || tx.params["TranscriptionStatus"] != "completed" ||
		tx.params["RecordingSid"] != recorded.params["RecordingSid"] || tx.params["CallSid"] != ca {
		t.Fatalf("transcription callback %v", tx.params)
	}
	re := recorded.params["RecordingSid"]
	rec, err := voice.FetchRecording(re, nil)
	if err != nil || *rec.Duration != "2" || *rec.CallSid != ca {
		t.Fatalf("recording %+v %v", rec, err)
	}
	tran, err := voice.FetchTranscription(tx.params["TranscriptionSid"], nil)
	if err != nil || *tran.TranscriptionText != "please call me back" {
		t.Fatalf("transcription %+v %v", tran, err)
	}

	// Media needs no auth and honours Range.
	req, _ := http.NewRequest("GET", srv.URL+"/api/2010-04-01/Accounts/"+in.AccountSid+"/Recordings/"+re+".mp3", nil)
	req.Header.Set("Range", "bytes=0-9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || len(body) != 10 || resp.Header.Get("Content-Type") != "audio/mpeg" {
		t.Fatalf("media range: %d %d bytes %s", resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
	}
	if err := voice.DeleteRecording(re, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := voice.FetchRecording(re, nil); restErr(t, err).Status != 404 {
		t.Fatal("deleted recording still there")
	}

	// Redeliver re-sends the last webhook with the same idempotency token.
	var red struct {
		Status int    `json:"status"`
		Token  string `json:"idempotencyToken"`
	}
	do(t, in, "POST", srv.URL+"/_sandbox/calls/"+ca+"/redeliver", nil, &red)
	hooks = ts.received()
	if last := hooks[len(hooks)-1]; red.Status != 200 || last.token != tx.token || last.path != "/transcribed" || !last.signed {
		t.Fatalf("redelivery %+v vs %+v", last, red)
	}
}

func TestQueueLeaveRefetchBridgeAndHangup(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	tr := taskrouter.NewApiServiceWithClient(twilioClient(t, srv, in))
	var waits int
	var mu sync.Mutex
	ts := newTwimlServer(t, in.AuthToken, func(h hook) string {
		switch h.path {
		case "/voice":
			return `<Response><Enqueue workflowSid="` + in.Workflows["default"] + `" waitUrl="/hold" waitUrlMethod="GET"><Task priority="3">{"type":"inbound"}</Task></Enqueue><Say>You left the queue</Say></Response>`
		case "/hold":
			mu.Lock()
			defer mu.Unlock()
			waits++
			if waits == 3 {
				return `<Response><Leave/></Response>`
			}
			return `<Response><Play>https://example.com/music.mp3</Play></Response>`
		case "/music":
			return `<Response><Play loop="0">https://example.com/music.mp3</Play></Response>`
		}
		return ""
	})
	var a, b struct {
		CallSid string `json:"callSid"`
	}
	do(t, in, "POST", srv.URL+"/_sandbox/calls", map[string]any{"url": ts.URL + "/voice"}, &a)
	do(t, in, "POST", srv.URL+"/_sandbox/clock", map[string]string{"advance": "30s"}, nil)
	var st callState
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+a.CallSid, nil, &st)
	if verbs(st) != "Enqueue Play Play" {
		t.Fatalf("after 30 s: %q", verbs(st))
	}
	do(t, in, "POST", srv.URL+"/_sandbox/clock", map[string]string{"advance": "30s"}, &st)
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+a.CallSid, nil, &st)
	if st.Status != "completed" || verbs(st) != "Enqueue Play Play Leave Say" {
		t.Fatalf("after leave: %s %q", st.Status, verbs(st))
	}
	for _, h := range ts.received()[1:] {
		if h.method != "GET" || !h.signed || h.params["QueueSid"] != in.Queues["default"] {
			t.Fatalf("waitUrl GET %+v", h)
		}
	}
	task, _ := tr.FetchTask(in.WorkspaceSid, st.TaskSid)
	if *task.AssignmentStatus != "canceled" || task.Priority != 3 {
		t.Fatalf("left task %s prio %d", *task.AssignmentStatus, task.Priority)
	}

	// A call sent straight to Flex is bridged when its reservation is accepted, then hangs up.
	do(t, in, "POST", srv.URL+"/_sandbox/calls", map[string]any{"enqueue": map[string]any{
		"workflowSid": "callback", "waitUrl": ts.URL + "/music", "attributes": map[string]string{"type": "inbound"}}}, &b)
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+b.CallSid, nil, &st)
	do(t, in, "POST", srv.URL+"/_sandbox/workers/alice/activity", map[string]string{"activity": "available"}, nil)
	var res struct {
		Reservations []struct {
			Sid     string `json:"sid"`
			TaskSid string `json:"task_sid"`
		} `json:"reservations"`
	}
	do(t, in, "GET", srv.URL+"/_sandbox/reservations", nil, &res)
	if len(res.Reservations) != 1 || res.Reservations[0].TaskSid != st.TaskSid {
		t.Fatalf("reservations %+v (task %s)", res, st.TaskSid)
	}
	if code := do(t, in, "POST", srv.URL+"/_sandbox/reservations/"+res.Reservations[0].Sid, map[string]string{"status": "accepted"}, nil); code != 200 {
		t.Fatalf("accept: %d", code)
	}
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+b.CallSid, nil, &st)
	if verbs(st) != "Enqueue Play Bridged" || st.Status != "in-progress" {
		t.Fatalf("bridged call: %s %q", st.Status, verbs(st))
	}
	do(t, in, "POST", srv.URL+"/_sandbox/calls/"+b.CallSid+"/hangup", nil, &st)
	task, _ = tr.FetchTask(in.WorkspaceSid, st.TaskSid)
	if st.Status != "completed" || *task.AssignmentStatus != "assigned" {
		t.Fatalf("hung up: call %s, task %s", st.Status, *task.AssignmentStatus)
	}
	if code := do(t, in, "POST", srv.URL+"/_sandbox/calls/"+b.CallSid+"/hangup", nil, nil); code != 200 {
		t.Fatalf("second hangup: %d", code)
	}
}
