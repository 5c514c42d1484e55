package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"flexcallback/backend/sandbox"
)

const (
	caller  = "+14155552671"
	ourLine = "+14155550100"
)

// rest calls the sandbox's TaskRouter REST API as a Twilio client would.
func (a *app) rest(method, path string, form url.Values, out any) response {
	a.t.Helper()
	var req *http.Request
	if form != nil {
		req, _ = http.NewRequest(method, a.sandbox+"/taskrouter/v1/Workspaces/"+a.info.WorkspaceSid+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, _ = http.NewRequest(method, a.sandbox+"/taskrouter/v1/Workspaces/"+a.info.WorkspaceSid+path, nil)
	}
	req.SetBasicAuth(a.info.AccountSid, a.info.AuthToken)
	r := a.do(req)
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, r.body)
		}
	}
	return r
}

// assign makes worker hold taskSid, as an agent accepting it in Flex: the worker becomes
// available, the sandbox's router reserves the task, the worker accepts and goes offline so
// that later tasks stay pending. It returns the reservation SID.
func (a *app) assign(worker, taskSid string) string {
	a.t.Helper()
	wk := a.info.Workers[worker].Sid
	a.admin("POST", "/_sandbox/workers/"+wk+"/activity", map[string]string{"activity": "available"}, nil)
	defer a.admin("POST", "/_sandbox/workers/"+wk+"/activity", map[string]string{"activity": "offline"}, nil)
	var list struct {
		Reservations []struct {
			Sid       string `json:"sid"`
			WorkerSid string `json:"worker_sid"`
			Status    string `json:"reservation_status"`
		} `json:"reservations"`
	}
	a.rest("GET", "/Tasks/"+taskSid+"/Reservations", nil, &list)
	for _, r := range list.Reservations {
		if r.WorkerSid == wk && r.Status == "pending" {
			resp := a.rest("POST", "/Tasks/"+taskSid+"/Reservations/"+r.Sid, url.Values{"ReservationStatus": {"accepted"}}, nil)
			if resp.status != 200 {
				a.t.Fatalf("accept %s: %d %s", r.Sid, resp.status, resp.body)
			}
			return r.Sid
		}
	}
	a.t.Fatalf("no pending reservation of %s for %s: %+v", taskSid, worker, list)
	return ""
}

func (a *app) createCallback(form url.Values) string {
	a.t.Helper()
	r := a.studio("POST", "create-callback", form, nil)
	if r.status != 200 {
		a.t.Fatalf("create-callback: %d %s", r.status, r.body)
	}
	return r.json(a.t)["taskSid"].(string)
}

func TestCreateCallback(t *testing.T) {
	a := startApp(t, nil)
	r := a.studio("POST", "create-callback", url.Values{"numberToCall": {"(415) 555-2671"}, "numberToCallFrom": {ourLine},
		"flexFlowSid": {"FW1"}, "attempts": {"1"}, "isDeleted": {"false"}, "priority": {"7"}, "timeout": {"600"}}, nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	body := r.json(t)
	sid, _ := body["taskSid"].(string)
	if body["success"] != true || !strings.HasPrefix(sid, "WT") {
		t.Fatalf("body = %v", body)
	}
	task := a.task(sid)
	attrs := task.attrs(t)
	cb := attrs["callBackData"].(map[string]any)
	if attrs["taskType"] != "callback" || attrs["from"] != caller || attrs["name"] != caller || attrs["direction"] != "inbound" ||
		attrs["flow_execution_sid"] != "FW1" || cb["numberToCall"] != caller || cb["numberToCallFrom"] != ourLine ||
		cb["attempts"] != 1.0 || cb["isDeleted"] != false {
		t.Errorf("attributes = %s", task.Attributes)
	}
	if task.WorkflowSid != a.info.Workflows["callback"] || task.Priority != 7 || task.Timeout != 600 || task.Channel != "voice" {
		t.Errorf("task = %+v", task)
	}

	// GET with query parameters and the transcription callback's names: a voicemail (from another
	// caller: the first one's would join their open callback).
	r = a.studio("GET", "create-callback", url.Values{"numberToCall": {"+14155552672"}, "numberToCallFrom": {ourLine},
		"RecordingSid": {"RE" + strings.Repeat("a", 32)}, "TranscriptionText": {"please call"}, "TranscriptionSid": {"TR1"}}, nil)
	if r.status != 200 {
		t.Fatalf("GET voicemail: %d %s", r.status, r.body)
	}
	vm := a.task(r.json(t)["taskSid"].(string)).attrs(t)
	if vm["taskType"] != "voicemail" || vm["callBackData"].(map[string]any)["transcriptText"] != "please call" {
		t.Errorf("voicemail attributes = %v", vm)
	}
}

func TestCreateCallbackRefusesBadInput(t *testing.T) {
	a := startApp(t, nil)
	const path = "/features/callback-and-voicemail/studio/create-callback"
	for _, tc := range []struct {
		name    string
		form    url.Values
		field   string
		message string
	}{
		{"missing both", url.Values{}, "numberToCall",
			"(" + path + ") Missing numberToCall: the number of the customer to call(" + path + ") Missing numberToCallFrom: the number to call the customer from"},
		{"missing from", url.Values{"numberToCall": {caller}}, "numberToCallFrom", "(" + path + ") Missing numberToCallFrom: the number to call the customer from"},
		{"bad number", url.Values{"numberToCall": {"12*34"}, "numberToCallFrom": {ourLine}}, "numberToCall", ""},
		{"attempts", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "attempts": {"two"}}, "attempts", ""},
		{"isDeleted", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "isDeleted": {"maybe"}}, "isDeleted", ""},
		{"received", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "utcDateTimeReceived": {"yesterday"}}, "utcDateTimeReceived", ""},
		{"timeout", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "timeout": {"0"}}, "timeout", ""},
		{"priority", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "priority": {"-1"}}, "priority", ""},
		{"workflow", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "workflowSid": {"WW1"}}, "workflowSid", ""},
		{"recording", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "recordingSid": {"RE../../Calls"}}, "recordingSid", ""},
	} {
		r := a.studio("POST", "create-callback", tc.form, nil)
		body := r.json(t)
		if r.status != 400 || body["field"] != tc.field || body["data"] != nil || body["code"] != "invalid" {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
		if _, ok := body["data"]; !ok {
			t.Errorf("%s: no data key in %s", tc.name, r.body)
		}
		if tc.message != "" && body["message"] != tc.message {
			t.Errorf("%s: message\n got %q\nwant %q", tc.name, body["message"], tc.message)
		}
	}
	if n := len(a.tasks()); n != 0 {
		t.Errorf("%d tasks created by refused requests", n)
	}
}

func TestTwilioSignatureRequired(t *testing.T) {
	a := startApp(t, nil)
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}
	u := a.base + "/features/callback-and-voicemail/studio/create-callback"
	good := sandbox.Signature(a.info.AuthToken, u, form)
	for name, req := range map[string]*http.Request{
		"no header":         post(u, form, ""),
		"changed parameter": post(u, url.Values{"numberToCall": {"+14155552672"}, "numberToCallFrom": {ourLine}}, good),
		"changed URL":       post(u+"?x=1", form, good),
		"other path":        post(a.base+"/features/callback-and-voicemail/studio/wait-experience", form, good),
		"wrong key":         post(u, form, sandbox.Signature("not-the-token", u, form)),
	} {
		r := a.do(req)
		if r.status != 403 || r.json(t)["code"] != "forbidden" || r.json(t)["success"] != false {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if n := len(a.tasks()); n != 0 {
		t.Errorf("%d tasks created by unsigned requests", n)
	}
	if r := a.do(post(u, form, good)); r.status != 200 {
		t.Errorf("signed request: %d %s", r.status, r.body)
	}
}

func post(u string, form url.Values, sig string) *http.Request {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	return req
}

func TestCreateCallbackIsIdempotent(t *testing.T) {
	a := startApp(t, nil)
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}
	// A redelivery carries the same idempotency token, even with other parameters.
	first := a.studio("POST", "create-callback", form, map[string]string{"I-Twilio-Idempotency-Token": "tok-1"}).json(t)["taskSid"]
	again := a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552672"}, "numberToCallFrom": {ourLine}},
		map[string]string{"I-Twilio-Idempotency-Token": "tok-1"}).json(t)["taskSid"]
	if first != again || len(a.tasks()) != 1 {
		t.Fatalf("redelivery: %v then %v, %d tasks", first, again, len(a.tasks()))
	}
	// Twenty identical requests at once make one task, and all get its SID.
	form.Set("numberToCall", "+14155552673")
	var wg sync.WaitGroup
	sids := make([]string, 20)
	for i := range sids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.studio("POST", "create-callback", form, nil)
			if r.status == 200 {
				sids[i], _ = r.json(t)["taskSid"].(string)
			}
		}()
	}
	wg.Wait()
	for _, s := range sids {
		if s == "" || s != sids[0] {
			t.Fatalf("sids = %v", sids)
		}
	}
	if n := len(a.tasks()); n != 2 {
		t.Errorf("%d tasks, want 2", n)
	}
	if m := a.metric("flexcallback_idempotent_replays_total"); !strings.Contains(m, " 20") {
		t.Errorf("replays metric = %q, want 20 (1 redelivery + 19 joined)", m)
	}
}

func TestCreateCallbackUpstreamFailures(t *testing.T) {
	a := startApp(t, map[string]string{"TWILIO_SERVICE_RETRY_LIMIT": "2"})
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}
	tasksPath := "/taskrouter/v1/Workspaces/" + a.info.WorkspaceSid + "/Tasks"

	// A refusal keeps Twilio's status and code (fixes B3).
	a.fault(map[string]any{"method": "POST", "path": tasksPath, "status": 400, "count": 1})
	r := a.studio("POST", "create-callback", form, nil)
	if body := r.json(t); r.status != 400 || body["status"] != 400.0 || body["twilioErrorCode"] == nil || body["code"] != "refused" || body["success"] != false {
		t.Errorf("upstream 400: %d %s", r.status, r.body)
	}

	// Throttling past the retries: 503 with Retry-After, nothing created.
	a.fault(map[string]any{"method": "POST", "path": tasksPath, "status": 429, "count": 3})
	r = a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552672"}, "numberToCallFrom": {ourLine}}, nil)
	if r.status != 503 || r.header.Get("Retry-After") == "" || r.json(t)["code"] != "unavailable" {
		t.Errorf("throttled: %d %v %s", r.status, r.header, r.body)
	}
	if n := len(a.tasks()); n != 0 {
		t.Fatalf("%d tasks after refusals", n)
	}

	// Throttled twice, then through: retried, one task.
	a.fault(map[string]any{"method": "POST", "path": tasksPath, "status": 429, "count": 2})
	if r = a.studio("POST", "create-callback", form, nil); r.status != 200 {
		t.Fatalf("after two 429s: %d %s", r.status, r.body)
	}
	// The task is created but the answer is lost: found, not duplicated.
	a.fault(map[string]any{"method": "POST", "path": tasksPath, "status": 500, "after": true, "count": 1})
	r = a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552674"}, "numberToCallFrom": {ourLine}}, nil)
	if r.status != 200 {
		t.Fatalf("ambiguous create: %d %s", r.status, r.body)
	}
	if n := len(a.tasks()); n != 2 {
		t.Errorf("%d tasks, want 2 (no duplicate after the lost answer)", n)
	}
	if m := a.metric(`flexcallback_twilio_retries_total{op="create task",status="429"}`); !strings.HasSuffix(m, " 4") {
		t.Errorf("retry metric = %q", m)
	}
}

func TestRequeueCallback(t *testing.T) {
	a := startApp(t, map[string]string{"MAX_ATTEMPTS": "3"})
	sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	alice, bob := a.token("alice"), a.token("sam", "agent") // sam without his supervisor role
	a.assign("alice", sid)

	if r := a.flex("requeue-callback", "", url.Values{"taskSid": {sid}}); r.status != 401 {
		t.Errorf("no token: %d %s", r.status, r.body)
	}
	if r := a.flex("requeue-callback", "forged", url.Values{"taskSid": {sid}}); r.status != 401 {
		t.Errorf("forged token: %d %s", r.status, r.body)
	}
	if r := a.flex("requeue-callback", bob, url.Values{"taskSid": {sid}}); r.status != 403 {
		t.Errorf("another worker: %d %s", r.status, r.body)
	}
	if r := a.flex("requeue-callback", alice, url.Values{"taskSid": {"WT" + strings.Repeat("0", 32)}}); r.status != 404 {
		t.Errorf("unknown task: %d %s", r.status, r.body)
	}
	if n := len(a.tasks()); n != 1 {
		t.Fatalf("%d tasks after refusals, want 1", n)
	}

	r := a.flex("requeue-callback", alice, url.Values{"taskSid": {sid}})
	body := r.json(t)
	newSid, _ := body["taskSid"].(string)
	if r.status != 200 || body["success"] != true || newSid == "" || newSid == sid {
		t.Fatalf("requeue: %d %s", r.status, r.body)
	}
	next := a.task(newSid).attrs(t)
	if cb := next["callBackData"].(map[string]any); cb["attempts"] != 1.0 || cb["numberToCall"] != caller {
		t.Errorf("requeued callBackData = %v", cb)
	}
	if conv := next["conversations"].(map[string]any); conv["conversation_id"] != sid {
		t.Errorf("conversation_id = %v, want %s", conv["conversation_id"], sid)
	}
	// The panel retrying the same request gets the same task.
	if again := a.flex("requeue-callback", alice, url.Values{"taskSid": {sid}}).json(t)["taskSid"]; again != newSid {
		t.Errorf("retry made %v, want %s", again, newSid)
	}
	// A supervisor may requeue the second attempt once it is accepted; the third is refused
	// (attempt 3 of 3).
	a.rest("POST", "/Tasks/"+sid, url.Values{"AssignmentStatus": {"completed"}}, nil)
	a.assign("alice", newSid)
	super := a.token("sam")
	third := a.flex("requeue-callback", super, url.Values{"taskSid": {newSid}}).json(t)["taskSid"].(string)
	a.rest("POST", "/Tasks/"+newSid, url.Values{"AssignmentStatus": {"completed"}}, nil)
	a.assign("alice", third)
	if r := a.flex("requeue-callback", super, url.Values{"taskSid": {third}}); r.status != 409 || !strings.Contains(string(r.body), "3 of 3 attempts") {
		t.Errorf("past max attempts: %d %s", r.status, r.body)
	}
	// Only callback and voicemail tasks can be requeued.
	var other struct{ Sid string }
	a.rest("POST", "/Tasks", url.Values{"WorkflowSid": {a.info.Workflows["default"]}, "Attributes": {`{"type":"inbound"}`}}, &other)
	if r := a.flex("requeue-callback", super, url.Values{"taskSid": {other.Sid}}); r.status != 409 {
		t.Errorf("not a callback: %d %s", r.status, r.body)
	}
	// Reference clients send the token in the body.
	r = a.do(post(a.base+"/features/callback-and-voicemail/flex/requeue-callback", url.Values{"Token": {alice}}, ""))
	if r.status != 400 || !strings.Contains(r.json(t)["message"].(string), "Missing taskSid") {
		t.Errorf("token in body, no taskSid: %d %s", r.status, r.body)
	}
	if n := len(a.tasks()); n != 4 {
		t.Errorf("%d tasks, want 4", n)
	}
}

// voicemailTask has a sandbox caller leave a recording, then creates the voicemail task for it
// as Studio would; it returns the task and recording SIDs.
func (a *app) voicemailTask() (taskSid, recordingSid string) {
	a.t.Helper()
	rec := a.recording()
	sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "recordingSid": {rec}})
	return sid, rec
}

// recording has a sandbox caller leave a recording on a small TwiML app of the test's own and
// returns its SID.
func (a *app) recording() string {
	a.t.Helper()
	recs := make(chan string, 1)
	twiml := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "text/xml")
		if sid := r.Form.Get("RecordingSid"); sid != "" {
			recs <- sid
			io.WriteString(w, `<Response><Hangup/></Response>`)
			return
		}
		fmt.Fprintf(w, `<Response><Record action="http://%s/done" maxLength="30" finishOnKey="#"/></Response>`, r.Host)
	}))
	defer twiml.Close()
	var call struct {
		CallSid string `json:"callSid"`
	}
	a.admin("POST", "/_sandbox/calls", map[string]any{"from": caller, "to": ourLine, "url": twiml.URL + "/start"}, &call)
	a.admin("POST", "/_sandbox/calls/"+call.CallSid+"/speech", map[string]string{"text": "please call me back about my order"}, nil)
	a.admin("POST", "/_sandbox/clock", map[string]string{"advance": "5s"}, nil)
	a.admin("POST", "/_sandbox/calls/"+call.CallSid+"/digits", map[string]string{"digits": "#"}, nil)
	select {
	case rec := <-recs:
		return rec
	case <-time.After(10 * time.Second):
		a.t.Fatal("no recording made")
	}
	return ""
}

func TestVoicemailMedia(t *testing.T) {
	a := startApp(t, nil)
	task, rec := a.voicemailTask()
	a.assign("alice", task)
	alice := a.token("alice")

	r := a.flex("voicemail-url", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}})
	if r.status != 200 {
		t.Fatalf("voicemail-url: %d %s", r.status, r.body)
	}
	mediaURL := r.json(t)["url"].(string)
	if strings.Contains(mediaURL, alice) {
		t.Fatal("the Flex token is in the media URL")
	}
	full := a.do(mustRequest("GET", mediaURL))
	if full.status != 200 || full.header.Get("Content-Type") != "audio/mpeg" || len(full.body) < 1000 {
		t.Fatalf("media: %d %v %d bytes", full.status, full.header, len(full.body))
	}
	req := mustRequest("GET", mediaURL)
	req.Header.Set("Range", "bytes=100-199")
	part := a.do(req)
	if part.status != 206 || string(part.body) != string(full.body[100:200]) || !strings.HasPrefix(part.header.Get("Content-Range"), "bytes 100-199/") {
		t.Errorf("range: %d %v %d bytes", part.status, part.header, len(part.body))
	}
	// The media token is bound to its recording.
	other := "RE" + strings.Repeat("b", 32)
	if r := a.do(mustRequest("GET", strings.Replace(mediaURL, rec, other, 1))); r.status != 403 {
		t.Errorf("token used for another recording: %d", r.status)
	}
	if r := a.do(mustRequest("GET", strings.Split(mediaURL, "?")[0]+"?token=forged")); r.status != 401 {
		t.Errorf("forged media token: %d", r.status)
	}

	// The compatible endpoint: base64 in JSON, only for the task's own recording (fixes S1).
	r = a.flex("fetch-voicemail", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}})
	audio, _ := base64.StdEncoding.DecodeString(fmt.Sprint(r.json(t)["recording"]))
	if r.status != 200 || r.json(t)["type"] != "audio/mpeg" || string(audio) != string(full.body) {
		t.Errorf("fetch-voicemail: %d, %d bytes", r.status, len(audio))
	}
	for name, form := range map[string]url.Values{
		"path tricks":   {"taskSid": {task}, "recordingSid": {"RE../../Calls.json?"}},
		"another's rec": {"taskSid": {task}, "recordingSid": {other}},
		"no task":       {"recordingSid": {rec}},
	} {
		if r := a.flex("fetch-voicemail", alice, form); r.status < 400 || r.status >= 500 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := a.flex("fetch-voicemail", a.token("sam", "agent"), url.Values{"taskSid": {task}, "recordingSid": {rec}}); r.status != 403 {
		t.Errorf("a worker who does not hold the task: %d", r.status)
	}

	// Delete: gone at Twilio, flagged on the task, and no more URLs.
	if r := a.flex("delete-voicemail", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}}); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if cb := a.task(task).attrs(t)["callBackData"].(map[string]any); cb["isDeleted"] != true {
		t.Errorf("isDeleted = %v", cb["isDeleted"])
	}
	if r := a.do(mustRequest("GET", mediaURL)); r.status != 404 {
		t.Errorf("media after delete: %d", r.status)
	}
	if r := a.flex("voicemail-url", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}}); r.status != 404 {
		t.Errorf("voicemail-url after delete: %d %s", r.status, r.body)
	}
}

func TestExpiredTokenAndBodyLimit(t *testing.T) {
	a := startApp(t, nil)
	w := a.info.Workers["alice"]
	var out struct{ Token string }
	a.admin("POST", "/_sandbox/tokens", map[string]any{"identity": w.Identity, "roles": w.Roles, "workerSid": w.Sid, "ttl": 30}, &out)
	a.advance("31s")
	r := a.flex("requeue-callback", out.Token, url.Values{"taskSid": {"WT" + strings.Repeat("0", 32)}})
	if r.status != 401 || r.json(t)["code"] != "unauthorized" {
		t.Errorf("expired token: %d %s", r.status, r.body)
	}
	big := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "padding": {strings.Repeat("x", 70<<10)}}
	if r := a.studio("POST", "create-callback", big, nil); r.status != 400 {
		t.Errorf("70 kB body: %d %s", r.status, r.body)
	}
	if n := len(a.tasks()); n != 0 {
		t.Errorf("%d tasks", n)
	}
}

// TestVoicemailTranscriptionFirst plays Twilio's voicemail callbacks in the other order: the
// transcription arrives before the recording action. Either order makes one task.
func TestVoicemailTranscriptionFirst(t *testing.T) {
	a := startApp(t, nil)
	rec := a.recording()
	q := "wait-experience?mode=submit-voicemail&callerNumber=" + url.QueryEscape(caller) + "&calledNumber=" + url.QueryEscape(ourLine)
	r := a.studio("POST", q, url.Values{"RecordingSid": {rec}, "TranscriptionSid": {"TR" + strings.Repeat("c", 32)},
		"TranscriptionText": {"call me about the refund"}, "TranscriptionStatus": {"completed"}, "CallSid": {"CA1"}}, nil)
	if r.status != 200 {
		t.Fatalf("transcription callback: %d %s", r.status, r.body)
	}
	r = a.studio("GET", "wait-experience", url.Values{"mode": {"voicemail-recorded"}, "callerNumber": {caller}, "calledNumber": {ourLine},
		"RecordingSid": {rec}, "RecordingDuration": {"3"}, "CallSid": {"CA1"}}, nil)
	if r.status != 200 {
		t.Fatalf("recording action: %d %s", r.status, r.body)
	}
	var vms []sandboxTask
	for _, tk := range a.tasks() {
		if tk.attrs(t)["taskType"] == "voicemail" {
			vms = append(vms, tk)
		}
	}
	if len(vms) != 1 {
		t.Fatalf("%d voicemail tasks, want 1", len(vms))
	}
	if d := vms[0].attrs(t)["callBackData"].(map[string]any); d["transcriptText"] != "call me about the refund" || d["recordingSid"] != rec {
		t.Errorf("callBackData = %v", d)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	a := startApp(t, nil)
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := a.do(mustRequest("GET", a.base+p)); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	for _, name := range []string{
		`flexcallback_tasks_created_total{kind="callback"} 1`,
		`flexcallback_http_request_duration_seconds_count{method="POST",route="/features/callback-and-voicemail/studio/create-callback",status="200"} 1`,
		`flexcallback_twilio_call_duration_seconds_count{op="create task",status="201"} 1`,
	} {
		if m := a.metric(strings.SplitN(name, " ", 2)[0]); m != name {
			t.Errorf("metric %q, want %q", m, name)
		}
	}
}
