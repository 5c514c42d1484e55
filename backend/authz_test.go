package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Issue 10 §3 (authorization by accepted work and by task state) and the media Range item of §6.

// offer has the sandbox's router offer taskSid to worker and leaves the reservation pending, as a
// task ringing in Flex that the agent has not accepted. It returns the reservation SID.
func (a *app) offer(worker, taskSid string) string {
	a.t.Helper()
	wk := a.info.Workers[worker].Sid
	a.admin("POST", "/_sandbox/workers/"+wk+"/activity", map[string]string{"activity": "available"}, nil)
	defer a.admin("POST", "/_sandbox/workers/"+wk+"/activity", map[string]string{"activity": "offline"}, nil)
	for _, r := range a.reservations(taskSid) {
		if r.WorkerSid == wk && r.Status == "pending" {
			return r.Sid
		}
	}
	a.t.Fatalf("no pending reservation of %s for %s", taskSid, worker)
	return ""
}

type reservationJSON struct {
	Sid       string `json:"sid"`
	WorkerSid string `json:"worker_sid"`
	Status    string `json:"reservation_status"`
}

func (a *app) reservations(taskSid string) []reservationJSON {
	a.t.Helper()
	var list struct {
		Reservations []reservationJSON `json:"reservations"`
	}
	a.rest("GET", "/Tasks/"+taskSid+"/Reservations", nil, &list)
	return list.Reservations
}

// setTaskStatus moves a task as Flex would (wrapping, completed, canceled).
func (a *app) setTaskStatus(taskSid, status string) {
	a.t.Helper()
	if r := a.rest("POST", "/Tasks/"+taskSid, url.Values{"AssignmentStatus": {status}}, nil); r.status != 200 {
		a.t.Fatalf("task %s to %s: %d %s", taskSid, status, r.status, r.body)
	}
}

func (a *app) callbackData(taskSid string) map[string]any {
	a.t.Helper()
	return a.task(taskSid).attrs(a.t)["callBackData"].(map[string]any)
}

// An offered (pending) reservation gives the worker nothing: no requeue, no audio, no URL to
// stream, no deletion. Accepting it does; a supervisor may read without one.
func TestPendingReservationHoldsNothing(t *testing.T) {
	a := startApp(t, map[string]string{"MAX_ATTEMPTS": "3"})
	task, rec := a.voicemailTask()
	a.offer("alice", task)
	alice := a.token("alice")
	form := url.Values{"taskSid": {task}, "recordingSid": {rec}}
	for _, path := range []string{"requeue-callback", "fetch-voicemail", "voicemail-url", "delete-voicemail"} {
		if r := a.flex(path, alice, form); r.status != 403 || r.json(t)["code"] != "forbidden" {
			t.Errorf("%s with an offered reservation: %d %s", path, r.status, r.body)
		}
	}
	if n := len(a.tasks()); n != 1 {
		t.Errorf("%d tasks, want 1", n)
	}
	if cb := a.callbackData(task); cb["isDeleted"] != false {
		t.Errorf("isDeleted = %v after refusals", cb["isDeleted"])
	}
	if a.twilioCalls("delete recording", "") != 0 || a.twilioCalls("recording media", "") != 0 {
		t.Error("Twilio was asked for the recording")
	}

	// A supervisor keeps reading without holding the task.
	if r := a.flex("voicemail-url", a.token("sam"), form); r.status != 200 {
		t.Errorf("supervisor voicemail-url: %d %s", r.status, r.body)
	}

	// Once alice accepts the same reservation, the task is hers.
	res := a.reservations(task)[0]
	if r := a.rest("POST", "/Tasks/"+task+"/Reservations/"+res.Sid, url.Values{"ReservationStatus": {"accepted"}}, nil); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	r := a.flex("voicemail-url", alice, form)
	if r.status != 200 {
		t.Fatalf("voicemail-url once accepted: %d %s", r.status, r.body)
	}
	if m := a.do(mustRequest("GET", r.json(t)["url"].(string))); m.status != 200 || len(m.body) < 1000 {
		t.Errorf("stream once accepted: %d, %d bytes", m.status, len(m.body))
	}
	if r := a.flex("fetch-voicemail", alice, form); r.status != 200 {
		t.Errorf("fetch-voicemail once accepted: %d", r.status)
	}
}

// A completed or canceled task is refused (409) and nothing is created, whoever asks; so is a
// task that is only waiting or offered.
func TestRequeueRefusedUnlessAssignedOrWrapping(t *testing.T) {
	a := startApp(t, nil)
	alice, sam := a.token("alice"), a.token("sam")

	completed := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", completed)
	a.setTaskStatus(completed, "completed")
	canceled := a.createCallback(url.Values{"numberToCall": {"+14155552672"}, "numberToCallFrom": {ourLine}})
	a.setTaskStatus(canceled, "canceled")
	offered := a.createCallback(url.Values{"numberToCall": {"+14155552673"}, "numberToCallFrom": {ourLine}})
	a.offer("sam", offered)
	waiting := a.createCallback(url.Values{"numberToCall": {"+14155552674"}, "numberToCallFrom": {ourLine}})
	created := a.metric("flexcallback_tasks_created_total")

	for _, tc := range []struct {
		name, task, token string
	}{
		{"completed, its agent", completed, alice},
		{"completed, a supervisor", completed, sam},
		{"canceled, an agent", canceled, alice},
		{"canceled, a supervisor", canceled, sam},
		{"offered, a supervisor", offered, sam},
		{"waiting, a supervisor", waiting, sam},
	} {
		r := a.flex("requeue-callback", tc.token, url.Values{"taskSid": {tc.task}})
		if r.status != 409 || r.json(t)["code"] != "conflict" {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if n := len(a.tasks()); n != 4 {
		t.Errorf("%d tasks, want 4 (nothing created)", n)
	}
	if m := a.metric("flexcallback_tasks_created_total"); m != created {
		t.Errorf("tasks created: %q, was %q", m, created)
	}
}

// One requeue per task, ever: a retry, another worker and a supervisor all get the first
// requeue's task, in wrap-up too; the requeued task, having its own SID, has its own requeue.
func TestRequeueOncePerTask(t *testing.T) {
	a := startApp(t, map[string]string{"MAX_ATTEMPTS": "5"})
	alice, sam := a.token("alice"), a.token("sam")
	sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", sid)

	requeue := func(token, task string) string {
		t.Helper()
		r := a.flex("requeue-callback", token, url.Values{"taskSid": {task}})
		if r.status != 200 {
			t.Fatalf("requeue %s: %d %s", task, r.status, r.body)
		}
		return r.json(t)["taskSid"].(string)
	}
	next := requeue(alice, sid)
	if a.callbackData(sid)["requeuedTo"] != next {
		t.Errorf("original's callBackData = %v, want requeuedTo %s", a.callbackData(sid), next)
	}
	if _, ok := a.callbackData(next)["requeuedTo"]; ok {
		t.Errorf("the new task is marked requeued: %v", a.callbackData(next))
	}
	if again := requeue(alice, sid); again != next {
		t.Errorf("retry: %s, want %s", again, next)
	}
	if again := requeue(sam, sid); again != next {
		t.Errorf("supervisor: %s, want %s", again, next)
	}
	a.setTaskStatus(sid, "wrapping")
	if again := requeue(alice, sid); again != next {
		t.Errorf("in wrap-up: %s, want %s", again, next)
	}
	a.setTaskStatus(sid, "completed")
	if again := requeue(sam, sid); again != next {
		t.Errorf("supervisor after completion: %s, want %s", again, next)
	}
	if n := len(a.tasks()); n != 2 {
		t.Fatalf("%d tasks, want 2", n)
	}

	// The requeued task is requeued once in its turn.
	a.assign("alice", next)
	third := requeue(alice, next)
	if third == next || third == sid || requeue(sam, next) != third {
		t.Errorf("requeue of the requeued task: %s (original %s, second %s)", third, sid, next)
	}
	if cb := a.callbackData(third); cb["attempts"] != 2.0 || cb["requeuedTo"] != nil {
		t.Errorf("third callBackData = %v", cb)
	}
	if n := len(a.tasks()); n != 3 {
		t.Errorf("%d tasks, want 3", n)
	}
}

// What the backend remembers in memory is lost on a restart; the mark on the task is not. A task
// marked requeued answers with that task, without creating one.
func TestRequeueAnswersFromTheTasksMark(t *testing.T) {
	a := startApp(t, nil)
	sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", sid)
	attrs := a.task(sid).attrs(t)
	marked := "WT" + strings.Repeat("7", 32)
	attrs["callBackData"].(map[string]any)["requeuedTo"] = marked
	b, _ := json.Marshal(attrs)
	a.rest("POST", "/Tasks/"+sid, url.Values{"Attributes": {string(b)}}, nil)
	r := a.flex("requeue-callback", a.token("alice"), url.Values{"taskSid": {sid}})
	if r.status != 200 || r.json(t)["taskSid"] != marked {
		t.Errorf("requeue of a marked task: %d %s", r.status, r.body)
	}
	if n := len(a.tasks()); n != 1 {
		t.Errorf("%d tasks, want 1", n)
	}
}

// Concurrent requeues of one task, from its agent and a supervisor, make one task.
func TestRequeueConcurrentMakesOneTask(t *testing.T) {
	a := startApp(t, nil)
	sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", sid)
	tokens := []string{a.token("alice"), a.token("sam")}
	// Slow creates widen the window in which the requests overlap.
	a.fault(map[string]any{"method": "POST", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "latencyMs": 300})
	const n = 8
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.flex("requeue-callback", tokens[i%2], url.Values{"taskSid": {sid}})
			if r.status == 200 {
				got[i], _ = r.json(t)["taskSid"].(string)
			} else {
				got[i] = strconv.Itoa(r.status) + " " + string(r.body)
			}
		}()
	}
	wg.Wait()
	for i, s := range got {
		if s != got[0] || !strings.HasPrefix(s, "WT") {
			t.Errorf("request %d: %s, request 0: %s", i, s, got[0])
		}
	}
	if n := len(a.tasks()); n != 2 {
		t.Errorf("%d tasks, want 2", n)
	}
	if a.callbackData(sid)["requeuedTo"] != got[0] {
		t.Errorf("requeuedTo = %v, want %s", a.callbackData(sid)["requeuedTo"], got[0])
	}
}

// Concurrent deletions of one voicemail: one DELETE at Twilio, one audit line, every request
// answered success; a later one too, without touching Twilio.
func TestDeleteVoicemailConcurrentDeletesOnce(t *testing.T) {
	a := startApp(t, nil)
	task, rec := a.voicemailTask()
	a.assign("alice", task)
	tokens := []string{a.token("alice"), a.token("sam")}
	form := url.Values{"taskSid": {task}, "recordingSid": {rec}}
	// A slow DELETE at Twilio keeps the first deletion in flight while the others arrive.
	a.fault(map[string]any{"method": "DELETE", "path": "^/api/2010-04-01/Accounts/[^/]+/Recordings/", "latencyMs": 300})
	const n = 6
	status := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.flex("delete-voicemail", tokens[i%2], form)
			status[i] = strconv.Itoa(r.status) + " " + strings.TrimSpace(string(r.body))
		}()
	}
	wg.Wait()
	for i, s := range status {
		if s != `200 {"success":true}` {
			t.Errorf("request %d: %s", i, s)
		}
	}
	if r := a.flex("delete-voicemail", tokens[0], form); r.status != 200 || r.json(t)["success"] != true {
		t.Errorf("delete after deletion: %d %s", r.status, r.body)
	}
	if d := a.twilioCalls("delete recording", ""); d != 1 {
		t.Errorf("%d DELETEs of the recording at Twilio, want 1", d)
	}
	if audit := strings.Count(a.logs.String(), `msg="voicemail deleted"`); audit != 1 {
		t.Errorf("%d audit lines, want 1", audit)
	}
	if cb := a.callbackData(task); cb["isDeleted"] != true {
		t.Errorf("isDeleted = %v", cb["isDeleted"])
	}
}

// Range on the media URL (RFC 9110 §14): an unsatisfiable range is our own 416 with
// Content-Range: bytes */SIZE; a Range we do not serve is ignored (200, whole file); never
// Twilio's error shape, even when Twilio answers a good range with a 416.
func TestVoicemailMediaRange(t *testing.T) {
	a := startApp(t, nil)
	task, rec := a.voicemailTask()
	a.assign("alice", task)
	r := a.flex("voicemail-url", a.token("alice"), url.Values{"taskSid": {task}, "recordingSid": {rec}})
	if r.status != 200 {
		t.Fatalf("voicemail-url: %d %s", r.status, r.body)
	}
	mediaURL := r.json(t)["url"].(string)
	full := a.do(mustRequest("GET", mediaURL))
	if full.status != 200 || len(full.body) < 1000 {
		t.Fatalf("media: %d, %d bytes", full.status, len(full.body))
	}
	size := len(full.body)
	get := func(method, rng string) response {
		req := mustRequest(method, mediaURL)
		req.Header.Set("Range", rng)
		return a.do(req)
	}
	noTwilioShape := func(name string, r response) {
		if strings.Contains(string(r.body), "twilio") || strings.Contains(string(r.body), `"status"`) {
			t.Errorf("%s: Twilio's error shape: %s", name, r.body)
		}
	}

	for _, rng := range []string{
		"bytes=" + strconv.Itoa(size) + "-",
		"bytes=" + strconv.Itoa(size+100) + "-" + strconv.Itoa(size+200),
		"bytes=-0",
		"BYTES=" + strconv.Itoa(size) + "-",
	} {
		for _, method := range []string{"GET", "HEAD"} {
			r := get(method, rng)
			if r.status != http.StatusRequestedRangeNotSatisfiable || r.header.Get("Content-Range") != "bytes */"+strconv.Itoa(size) {
				t.Errorf("%s %q: %d Content-Range %q %s", method, rng, r.status, r.header.Get("Content-Range"), r.body)
			}
			noTwilioShape(rng, r)
		}
	}
	for _, rng := range []string{"bytes=abc", "bytes=5-2", "items=0-10", "bytes=0-1,4-5", "bytes=--1", "bytes=1-2-3", "bytes=+1-2", "bytes=99999999999999999999-"} {
		r := get("GET", rng)
		if r.status != 200 || string(r.body) != string(full.body) || r.header.Get("Content-Range") != "" {
			t.Errorf("malformed %q: %d, %d bytes, Content-Range %q", rng, r.status, len(r.body), r.header.Get("Content-Range"))
		}
	}
	for rng, want := range map[string]string{
		"bytes=-100":                          string(full.body[size-100:]),
		"bytes=100-":                          string(full.body[100:]),
		"bytes=10-" + strconv.Itoa(size+1000): string(full.body[10:]),
		" bytes = 0-9 ":                       string(full.body[:10]),
		"bytes=" + strconv.Itoa(size-1) + "-" + strconv.Itoa(size+9): string(full.body[size-1:]),
	} {
		if r := get("GET", rng); r.status != 206 || string(r.body) != want {
			t.Errorf("range %q: %d, %d bytes, want 206 and %d", rng, r.status, len(r.body), len(want))
		}
	}

	// Twilio refusing a satisfiable range with its own 416: the listener gets the whole file.
	a.fault(map[string]any{"method": "GET", "path": "^/api/2010-04-01/Accounts/[^/]+/Recordings/", "status": 416, "count": 1})
	r = get("GET", "bytes=0-99")
	if r.status != 200 || string(r.body) != string(full.body) {
		t.Errorf("after Twilio's odd 416: %d, %d bytes", r.status, len(r.body))
	}
	noTwilioShape("odd 416", r)
}
