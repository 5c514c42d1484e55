package main

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"flexcallback/backend/sandbox"
)

// Edge cases of issue 10 §5 and §6: the same-parameters rule, empty recordings, failed
// transcriptions, one deadline per request, content types, unknown workflow or channel, logs.

var callbackForm = url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}

// settle moves sid to status through the sandbox's REST API, as Flex and TaskRouter would.
func (a *app) settle(sid, status string) {
	a.t.Helper()
	if status == "completed" {
		a.assign("alice", sid)
	}
	if r := a.rest("POST", "/Tasks/"+sid, url.Values{"AssignmentStatus": {status}, "Reason": {"handled"}}, nil); r.status != 200 {
		a.t.Fatalf("%s %s: %d %s", status, sid, r.status, r.body)
	}
}

func TestEdgesContentKeyNotReusedForClosedTask(t *testing.T) {
	a := startApp(t, nil)
	first := a.createCallback(callbackForm)
	if again := a.createCallback(callbackForm); again != first {
		t.Fatalf("a repeat while the task waits made %s, want %s", again, first)
	}
	prev := first
	for _, status := range []string{"canceled", "completed"} {
		a.settle(prev, status)
		next := a.createCallback(callbackForm)
		if next == prev {
			t.Fatalf("asking again after the task was %s answered the %s task %s", status, status, prev)
		}
		if again := a.createCallback(callbackForm); again != next {
			t.Errorf("after %s: the new task %s is not replayed (got %s)", status, next, again)
		}
		prev = next
	}

	// Concurrent identical requests after the last one was handled still make one task.
	a.settle(prev, "canceled")
	var mu sync.Mutex
	sids := map[string]bool{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			r := a.studio("POST", "create-callback", callbackForm, nil)
			mu.Lock()
			defer mu.Unlock()
			sid, _ := r.json(t)["taskSid"].(string)
			if r.status != 200 || sid == "" {
				t.Errorf("concurrent create: %d %s", r.status, r.body)
			}
			sids[sid] = true
		})
	}
	wg.Wait()
	if len(sids) != 1 || sids[prev] {
		t.Errorf("concurrent repeats made %v, want one new task", sids)
	}
	if n := len(a.tasks()); n != 4 {
		t.Errorf("%d tasks, want 4 (one per handled round, then one)", n)
	}
}

func TestEdgesE164VariantsDedupe(t *testing.T) {
	a := startApp(t, nil)
	var first string
	for _, v := range [][2]string{
		{"+14155552671", ourLine},
		{"+1 415 555 2671", "+1 (415) 555-0100"},
		{"(415) 555-2671", "415.555.0100"},
		{"1-415-555-2671", "+1-415-555-0100"},
	} {
		sid := a.createCallback(url.Values{"numberToCall": {v[0]}, "numberToCallFrom": {v[1]}})
		if first == "" {
			first = sid
		} else if sid != first {
			t.Errorf("%q from %q made %s, want the task of %s: %s", v[0], v[1], sid, caller, first)
		}
	}
	if n := len(a.tasks()); n != 1 {
		t.Errorf("%d tasks, want 1", n)
	}
}

func TestEdgesNoVoicemailForFailedOrEmptyRecording(t *testing.T) {
	a := startApp(t, nil)
	rec := "RE" + strings.Repeat("ab", 16)
	for name, extra := range map[string]url.Values{
		"failed":                        {"RecordingStatus": {"failed"}, "RecordingDuration": {"12"}},
		"absent":                        {"RecordingStatus": {"absent"}},
		"0 s":                           {"RecordingStatus": {"completed"}, "RecordingDuration": {"0"}},
		"0 s, Record widget":            {"RecordingDuration": {"0"}},
		"failed transcription, no such": {"TranscriptionStatus": {"failed"}, "TranscriptionSid": {"TR1"}},
	} {
		form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "RecordingSid": {rec}}
		for k, v := range extra {
			form[k] = v
		}
		r := a.studio("POST", "create-callback", form, nil)
		if body := r.json(t); r.status != 200 || body["taskSid"] != nil || body["success"] != true {
			t.Errorf("%s: %d %s, want 200 with taskSid null", name, r.status, r.body)
		}
	}
	if n := len(a.tasks()); n != 0 {
		t.Fatalf("%d tasks from failed or empty recordings, want 0", n)
	}

	// The wait experience: a caller who says nothing twice. Twilio still calls the recording
	// status and transcription callbacks (the transcription failed: too short).
	sid := a.enqueue(caller, "")
	a.admin("POST", "/_sandbox/calls/"+sid+"/speech", map[string]string{"text": ""}, nil)
	a.press(sid, "*")
	a.press(sid, "2")
	for range 3 {
		a.advance("20s")
	}
	c := a.call(sid)
	if c.Status != "completed" {
		t.Fatalf("caller: %s\n%s", c.Status, c.dump())
	}
	if fu := a.followUps(); len(fu) != 0 {
		t.Errorf("%d voicemail tasks from silent recordings, want 0: %s\n%s", len(fu), fu[0].Attributes, c.dump())
	}
}

func TestEdgesFailedTranscriptionOneTask(t *testing.T) {
	a := startApp(t, nil)
	// Studio: a good recording whose transcription failed.
	rec := "RE" + strings.Repeat("cd", 16)
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "RecordingSid": {rec},
		"RecordingDuration": {"7"}, "TranscriptionStatus": {"failed"}, "TranscriptionSid": {"TR1"}}
	sid := a.createCallback(form)
	if again := a.createCallback(form); again != sid {
		t.Errorf("the repeated callback made %s, want %s", again, sid)
	}
	checkUnavailable(t, a, sid)

	// The wait experience: one second of speech is recorded but too short to transcribe. Another
	// caller: the first would hear that their voicemail is already arranged.
	call := a.enqueue("+14155552672", "")
	a.admin("POST", "/_sandbox/calls/"+call+"/speech", map[string]string{"text": "hi"}, nil)
	a.press(call, "*")
	a.press(call, "2")
	a.advance("20s")
	a.admin("POST", "/_sandbox/calls/"+call+"/redeliver", nil, nil)
	var voicemails []sandboxTask
	for _, t := range a.followUps() {
		if t.Sid != sid {
			voicemails = append(voicemails, t)
		}
	}
	if len(voicemails) != 1 {
		t.Fatalf("%d voicemail tasks from the wait experience, want 1\n%s", len(voicemails), a.call(call).dump())
	}
	checkUnavailable(t, a, voicemails[0].Sid)
}

func checkUnavailable(t *testing.T, a *app, sid string) {
	t.Helper()
	task := a.task(sid)
	data, _ := task.attrs(t)["callBackData"].(map[string]any)
	if task.attrs(t)["taskType"] != "voicemail" || data["transcriptStatus"] != "failed" || data["transcriptText"] != nil {
		t.Errorf("voicemail %s attributes = %s, want transcriptStatus failed and no text", sid, task.Attributes)
	}
}

func TestEdgesOneDeadlinePerRequest(t *testing.T) {
	if c, _, err := loadConfig(func(k string) string { return map[string]string{"SANDBOX": "1"}[k] }); err != nil || c.RequestDeadline != 8*time.Second {
		t.Fatalf("default REQUEST_DEADLINE = %v (%v), want 8s", c.RequestDeadline, err)
	}
	const deadline, margin = 2 * time.Second, 750 * time.Millisecond
	a := startApp(t, map[string]string{"REQUEST_DEADLINE": deadline.String()})
	sid := a.createCallback(callbackForm)
	a.assign("alice", sid)
	alice := a.token("alice") // not validated yet: the request's first Twilio call is IAM's

	// Every Twilio call takes 1.5 s: each fits the deadline, together they do not.
	a.fault(map[string]any{"path": "/", "latencyMs": 1500})
	start := time.Now()
	r := a.flex("requeue-callback", alice, url.Values{"taskSid": {sid}})
	d := time.Since(start)
	t.Logf("requeue with 1.5 s Twilio calls: %d after %v", r.status, d.Round(time.Millisecond))
	if r.status != http.StatusServiceUnavailable || d > deadline+margin {
		t.Errorf("requeue with slow Twilio: %d after %v, want 503 within %v: %s", r.status, d.Round(time.Millisecond), deadline+margin, r.body)
	}
	a.admin("DELETE", "/_sandbox/faults", nil, nil)

	// One create slower than the whole deadline.
	a.fault(map[string]any{"method": "POST", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "latencyMs": 3000})
	start = time.Now()
	r = a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155550123"}, "numberToCallFrom": {ourLine}}, nil)
	d = time.Since(start)
	t.Logf("create with a 3 s Twilio create: %d after %v", r.status, d.Round(time.Millisecond))
	if r.status != http.StatusServiceUnavailable || d > deadline+margin {
		t.Errorf("slow create: %d after %v, want 503 within %v: %s", r.status, d.Round(time.Millisecond), deadline+margin, r.body)
	}
	a.admin("DELETE", "/_sandbox/faults", nil, nil)
}

func TestEdgesUnsupportedMediaType(t *testing.T) {
	a := startApp(t, nil)
	for _, ct := range []string{"text/plain", "application/xml", "multipart/form-data; boundary=x"} {
		for _, path := range []string{"create-callback", "wait-experience"} {
			u := a.base + "/features/callback-and-voicemail/studio/" + path
			req, _ := http.NewRequest("POST", u, strings.NewReader(callbackForm.Encode()))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("X-Twilio-Signature", sandbox.Signature(a.info.AuthToken, u, callbackForm))
			r := a.do(req)
			body := r.json(t)
			msg, _ := body["message"].(string)
			if r.status != http.StatusUnsupportedMediaType || body["code"] != "unsupported_media_type" ||
				!strings.Contains(msg, "application/x-www-form-urlencoded") || !strings.Contains(msg, "application/json") {
				t.Errorf("%s with %s: %d %s", path, ct, r.status, r.body)
			}
		}
	}
	if n := len(a.tasks()); n != 0 {
		t.Errorf("%d tasks, want 0", n)
	}
	// Forms and query strings still work.
	a.createCallback(callbackForm)
	if r := a.studio("GET", "create-callback", url.Values{"numberToCall": {"+14155550199"}, "numberToCallFrom": {ourLine}}, nil); r.status != 200 {
		t.Errorf("GET with a query string: %d %s", r.status, r.body)
	}
}

func TestEdgesUnknownWorkflowOrChannel(t *testing.T) {
	a := startApp(t, nil)
	for field, v := range map[string]string{"workflowSid": "WW" + strings.Repeat("0", 32), "taskChannel": "fax"} {
		form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, field: {v}}
		r := a.studio("POST", "create-callback", form, nil)
		body := r.json(t)
		msg, _ := body["message"].(string)
		if r.status != 400 || body["field"] != field || !strings.Contains(msg, field) || strings.Contains(msg, "state") {
			t.Errorf("unknown %s: %d %s, want 400 naming %s", field, r.status, r.body, field)
		}
	}
	if n := len(a.tasks()); n != 0 {
		t.Errorf("%d tasks, want 0", n)
	}
}

// TestEdgesJSONLogs drives the Studio, Flex and wait-experience paths (and a failure) with
// LOG_FORMAT=json and reads every line the backend wrote: each is one JSON object without a
// repeated key, and none carries the caller's number or a hash of it.
func TestEdgesJSONLogs(t *testing.T) {
	a := startApp(t, map[string]string{"LOG_FORMAT": "json", "LOG_LEVEL": "debug"})
	sid := a.createCallback(callbackForm)
	a.createCallback(callbackForm)
	a.assign("alice", sid)
	if r := a.flex("requeue-callback", a.token("alice"), url.Values{"taskSid": {sid}}); r.status != 200 {
		t.Fatalf("requeue: %d %s", r.status, r.body)
	}
	a.studio("POST", "create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "taskChannel": {"fax"}}, nil)
	a.fault(map[string]any{"method": "POST", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "status": 503, "count": 10})
	a.studio("POST", "create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "priority": {"3"}}, nil)
	a.admin("DELETE", "/_sandbox/faults", nil, nil)
	// A create whose answer is lost while the lookup fails too: the error chain is logged.
	a.fault(map[string]any{"method": "POST", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "after": true, "count": 1})
	a.fault(map[string]any{"method": "GET", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "status": 500, "count": 20})
	a.studio("POST", "create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "priority": {"4"}}, nil)
	a.admin("DELETE", "/_sandbox/faults", nil, nil)

	call := a.enqueue(caller, "")
	a.admin("POST", "/_sandbox/calls/"+call+"/speech", map[string]string{"text": "please call me back"}, nil)
	a.press(call, "*")
	a.press(call, "2")
	a.advance("20s")
	call2 := a.enqueue(caller, "")
	a.press(call2, "*")
	a.press(call2, "1")
	a.press(call2, "1")

	forbidden := []string{caller, strings.TrimPrefix(caller, "+1"), strings.TrimPrefix(caller, "+")}
	for _, s := range []string{caller, strings.TrimPrefix(caller, "+"), strings.TrimPrefix(caller, "+1")} {
		s256, s1, m5 := sha256.Sum256([]byte(s)), sha1.Sum([]byte(s)), md5.Sum([]byte(s))
		forbidden = append(forbidden, hex.EncodeToString(s256[:]), hex.EncodeToString(s1[:]), hex.EncodeToString(m5[:]))
	}
	for _, task := range a.tasks() { // the content key digests the numbers
		data, _ := task.attrs(t)["callBackData"].(map[string]any)
		if k, _ := data["requestKey"].(string); strings.HasPrefix(k, "create:content:") {
			forbidden = append(forbidden, strings.TrimPrefix(k, "create:content:"))
		}
	}

	lines := strings.Split(strings.TrimSpace(a.logs.String()), "\n")
	if len(lines) < 20 {
		t.Fatalf("only %d log lines", len(lines))
	}
	for i, line := range lines {
		if err := noRepeatedKeys([]byte(line)); err != nil {
			t.Errorf("log line %d: %v: %s", i+1, err, line)
		}
		for _, f := range forbidden {
			if strings.Contains(line, f) {
				t.Errorf("log line %d carries the caller's number or a hash of it (%s): %s", i+1, f, line)
			}
		}
	}
}

// noRepeatedKeys checks that b is exactly one JSON object and that no object in it, at any
// depth, repeats a key (encoding/json would silently keep the last).
func noRepeatedKeys(b []byte) error {
	if !bytes.HasPrefix(b, []byte("{")) {
		return fmt.Errorf("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := uniqueKeys(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("more than one JSON value")
	}
	return nil
}

func uniqueKeys(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			if key := k.(string); seen[key] {
				return fmt.Errorf("key %q repeated", key)
			} else {
				seen[key] = true
			}
			if err := uniqueKeys(dec); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for dec.More() {
			if err := uniqueKeys(dec); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}
