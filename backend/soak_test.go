package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// soakTasksPath matches TaskRouter's task list and create (GET and POST .../Tasks), where a
// fault that comes after the operation leaves the create's outcome unknown.
const soakTasksPath = "^/taskrouter/v1/Workspaces/[^/]+/Tasks$"

// delivery is one create-callback request of the soak and what it got back.
type delivery struct {
	status     int
	retryAfter string
	code       string
	sid        string
}

// TestCreateCallbackFaultSoak sends 240 distinct create-callback requests (a quarter of them
// carrying an I-Twilio-Idempotency-Token and delivered a second time, as Twilio redelivers)
// while the sandbox fails 30% of REST requests: 10% answer 429, 10% 503, 10% are only slow
// (20 ms), on every REST path. One retry is allowed, so some requests fail past it. On top, up
// to 8 task creates are performed and then answered 500 ("after": the create's outcome is
// unknown to the backend, which must look for the task before trying again). A 503 on a create
// proves nothing either, even with Twilio's error body: here it comes before the create, so the
// lookup finds nothing and the backend creates once more (it used to resend it at once); the
// assertions are unchanged. TestCreatePerformedThenFailedSoak has the 5xx that come after.
//
// It asserts, per request (one caller number each):
//   - every answer is a 200 with a taskSid, or a 503 with code "unavailable" and a Retry-After
//     of at least one second; nothing else;
//   - all 200s of a request (first delivery and redelivery) carry the same taskSid;
//   - a request that got a 200 has exactly one task in the sandbox with its numberToCall, that
//     task is the SID it got, and, for tokened requests, carries the token as requestKey;
//   - a request that got only 503s has no task, except an "orphan": a create answered 500 after
//     it happened whose lookup then failed too. Orphans are counted, never two tasks for one
//     request, and at most one per after-fault (8). An orphan is not redelivered here: that case
//     is TestCreateCallbackLostAnswerThenRedelivery's.
//   - the sandbox holds no other callback tasks, and faults really fired (retries counted, some
//     requests failed past the retry).
func TestCreateCallbackFaultSoak(t *testing.T) {
	a := startApp(t, map[string]string{"TWILIO_SERVICE_RETRY_LIMIT": "1", "LOG_LEVEL": "warn"})
	// Faults are tried in order and the first that fires wins, so the rates are chained to
	// give 10% each of all requests: 0.1, 0.1/0.9, 0.1/0.8.
	a.fault(map[string]any{"path": "/", "status": 429, "rate": 0.1})
	a.fault(map[string]any{"path": "/", "status": 503, "rate": 0.1 / 0.9})
	a.fault(map[string]any{"path": "/", "latencyMs": 20, "rate": 0.1 / 0.8})
	const afterFaults = 8
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "status": 500, "after": true, "rate": 0.1, "count": afterFaults})

	const n = 240
	number := func(i int) string { return fmt.Sprintf("+1415555%04d", 3000+i) }
	tokened := func(i int) bool { return i%4 == 0 }
	got := make([][]delivery, n)
	send := func(i int) delivery {
		form := url.Values{"numberToCall": {number(i)}, "numberToCallFrom": {ourLine}, "flexFlowSid": {"FW" + strconv.Itoa(i)}}
		var h map[string]string
		if tokened(i) {
			h = map[string]string{"I-Twilio-Idempotency-Token": "soak-" + strconv.Itoa(i)}
		}
		r := a.studio("POST", "create-callback", form, h)
		d := delivery{status: r.status, retryAfter: r.header.Get("Retry-After")}
		body := r.json(t)
		d.code, _ = body["code"].(string)
		d.sid, _ = body["taskSid"].(string)
		return d
	}
	var wg sync.WaitGroup
	work := make(chan int)
	for range 24 {
		wg.Go(func() {
			for i := range work {
				got[i] = append(got[i], send(i))
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()

	byNumber := func() map[string][]sandboxTask {
		m := map[string][]sandboxTask{}
		for _, task := range a.tasks() {
			cb, _ := task.attrs(t)["callBackData"].(map[string]any)
			num, _ := cb["numberToCall"].(string)
			m[num] = append(m[num], task)
		}
		return m
	}

	// Twilio redelivers the tokened requests; orphans are left alone (see above).
	before := byNumber()
	orphans := map[int]bool{}
	for i := range n {
		if got[i][0].status != 200 && len(before[number(i)]) > 0 {
			orphans[i] = true
		}
	}
	for i := range n {
		if tokened(i) && !orphans[i] {
			wg.Go(func() { got[i] = append(got[i], send(i)) })
		}
	}
	wg.Wait()
	a.admin("DELETE", "/_sandbox/faults", nil, nil)

	tasks := byNumber()
	ok, failed, redelivered := 0, 0, 0
	for i := range n {
		sid := ""
		for k, d := range got[i] {
			switch {
			case d.status == 200 && strings.HasPrefix(d.sid, "WT"):
				if sid != "" && sid != d.sid {
					t.Errorf("request %d: delivery %d got %s, an earlier one %s", i, k, d.sid, sid)
				}
				sid = d.sid
			case d.status == 503:
				if d.code != "unavailable" || d.retryAfter == "" || d.retryAfter == "0" {
					t.Errorf("request %d: 503 with code %q, Retry-After %q", i, d.code, d.retryAfter)
				}
			default:
				t.Errorf("request %d: delivery %d answered %d %q; want 200 or 503", i, k, d.status, d.code)
			}
		}
		if len(got[i]) > 1 {
			redelivered++
		}
		have := tasks[number(i)]
		delete(tasks, number(i))
		switch {
		case sid != "":
			ok++
			if len(have) != 1 || have[0].Sid != sid {
				t.Errorf("request %d got %s; the sandbox holds %d tasks for its number: %v", i, sid, len(have), sids(have))
				continue
			}
			key, _ := have[0].attrs(t)["callBackData"].(map[string]any)["requestKey"].(string)
			if tokened(i) && key != "create:token:soak-"+strconv.Itoa(i) {
				t.Errorf("request %d: requestKey %q", i, key)
			}
		case orphans[i]:
			failed++
			if len(have) != 1 {
				t.Errorf("request %d (orphan) has %d tasks", i, len(have))
			}
		default:
			failed++
			if len(have) != 0 {
				t.Errorf("request %d got only 503s but has tasks %v", i, sids(have))
			}
		}
	}
	for num, ts := range tasks {
		t.Errorf("tasks for a number nobody asked for (%s): %v", num, sids(ts))
	}
	if len(orphans) > afterFaults {
		t.Errorf("%d orphans from at most %d after-faults", len(orphans), afterFaults)
	}
	retries := a.metric("flexcallback_twilio_retries_total")
	t.Logf("%d requests (%d redelivered): %d answered 200, %d only 503 (%d orphan tasks)\n%s", n, redelivered, ok, failed, len(orphans), retries)
	if failed == 0 || retries == "" {
		t.Errorf("faults did not bite: %d failed requests, retries %q", failed, retries)
	}
	if ok < n/2 {
		t.Errorf("only %d of %d requests succeeded", ok, n)
	}
}

// TestCreateCallbackLostAnswerThenRedelivery is the soak's orphan made deterministic: Twilio
// creates the task but its answer is lost (500 after the create), the lookup for it fails too, so
// the request gets a 503; Twilio then redelivers the webhook with the same idempotency token.
// The redelivery must get the orphan, not make a second task.
func TestCreateCallbackLostAnswerThenRedelivery(t *testing.T) {
	a := startApp(t, map[string]string{"TWILIO_SERVICE_RETRY_LIMIT": "1"})
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "status": 500, "after": true, "count": 1})
	a.fault(map[string]any{"method": "GET", "path": soakTasksPath, "status": 503, "count": 2})
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}
	token := map[string]string{"I-Twilio-Idempotency-Token": "lost-1"}
	if r := a.studio("POST", "create-callback", form, token); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("lost answer, failed lookup: %d %v %s", r.status, r.header, r.body)
	}
	orphan := a.tasks()
	if len(orphan) != 1 {
		t.Fatalf("%d tasks after the lost answer, want the 1 Twilio made", len(orphan))
	}
	r := a.studio("POST", "create-callback", form, token)
	if r.status != 200 || r.json(t)["taskSid"] != orphan[0].Sid {
		t.Errorf("redelivery: %d %s, want 200 with the orphan %s", r.status, r.body, orphan[0].Sid)
	}
	if ts := a.tasks(); len(ts) != 1 {
		t.Errorf("redelivery made a second task: %v", sids(ts))
	}
}

// TestCreateCallbackLostAnswerUnderLoad: Twilio creates the task but its answer is lost (500
// after the create); while the backend's lookup for it is slow (1.5 s), 120 other callbacks are
// created on the same workflow. The lookup must still find the task it made, not create a second
// one because the first fell out of the newest tasks it reads.
func TestCreateCallbackLostAnswerUnderLoad(t *testing.T) {
	a := startApp(t, map[string]string{"TWILIO_SERVICE_RETRY_LIMIT": "1"})
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "status": 500, "after": true, "count": 1})
	a.fault(map[string]any{"method": "GET", "path": soakTasksPath, "latencyMs": 1500, "count": 1})
	done := make(chan response, 1)
	go func() {
		done <- a.studio("POST", "create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}},
			map[string]string{"I-Twilio-Idempotency-Token": "lost-2"})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(a.tasks()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for i := range 120 {
		a.createCallback(url.Values{"numberToCall": {fmt.Sprintf("+1415555%04d", 5000+i)}, "numberToCallFrom": {ourLine}})
	}
	r := <-done
	var mine []string
	for _, task := range a.tasks() {
		if task.attrs(t)["callBackData"].(map[string]any)["numberToCall"] == caller {
			mine = append(mine, task.Sid)
		}
	}
	if r.status != 200 || len(mine) != 1 || r.json(t)["taskSid"] != mine[0] {
		t.Errorf("lost answer under load: %d %s; tasks for the caller %v, want exactly the one answered", r.status, r.body, mine)
	}
}

func sids(ts []sandboxTask) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Sid
	}
	return out
}
