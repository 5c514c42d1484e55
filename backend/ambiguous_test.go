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

// TestCreatePerformedThenFailedSoak: Twilio creates the task, then answers the create with a
// failure that proves nothing about it: 500, 502, 503 with Twilio's own error document, 503 with
// no body, 504, or a dropped connection. Such a create must never be sent again blindly (a 503
// with Twilio's body used to be, and made a second task): the backend looks for the task by its
// request key and answers with it.
//
// Six phases of 50 create-callback requests (300 in all, 24 at a time, half carrying an
// I-Twilio-Idempotency-Token), one phase per failure, each with the failure injected "after" on
// 30% of task creates. Lookups are not faulted, so each request must end 200 with exactly one
// task: 0 duplicates, 0 lost.
func TestCreatePerformedThenFailedSoak(t *testing.T) {
	start := time.Now()
	a := startApp(t, map[string]string{"LOG_LEVEL": "warn"})
	cases := []struct {
		name   string
		fault  map[string]any
		status string // the status the backend sees (its metric label; 0: no answer)
	}{
		{"500", map[string]any{"status": 500}, "500"},
		{"502", map[string]any{"status": 502}, "502"},
		{"503 Twilio error", map[string]any{"status": 503}, "503"},
		{"503 empty", map[string]any{"status": 503, "empty": true}, "503"},
		{"504", map[string]any{"status": 504}, "504"},
		{"dropped connection", map[string]any{}, "0"},
	}
	const perCase = 50
	n := perCase * len(cases)
	number := func(i int) string { return fmt.Sprintf("+1415556%04d", 1000+i) }
	tokened := func(i int) bool { return i%2 == 0 }
	got := make([]delivery, n)
	send := func(i int) {
		form := url.Values{"numberToCall": {number(i)}, "numberToCallFrom": {ourLine}, "flexFlowSid": {"FW" + strconv.Itoa(i)}}
		var h map[string]string
		if tokened(i) {
			h = map[string]string{"I-Twilio-Idempotency-Token": "ambiguous-" + strconv.Itoa(i)}
		}
		r := a.studio("POST", "create-callback", form, h)
		d := delivery{status: r.status}
		body := r.json(t)
		d.code, _ = body["code"].(string)
		d.sid, _ = body["taskSid"].(string)
		got[i] = d
	}

	fired := make([]int, len(cases))
	for c, tc := range cases {
		before := a.twilioCalls("create task", tc.status)
		f := map[string]any{"method": "POST", "path": soakTasksPath, "after": true, "rate": 0.3}
		for k, v := range tc.fault {
			f[k] = v
		}
		a.fault(f)
		var wg sync.WaitGroup
		work := make(chan int)
		for range 24 {
			wg.Go(func() {
				for i := range work {
					send(i)
				}
			})
		}
		for i := c * perCase; i < (c+1)*perCase; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
		a.admin("DELETE", "/_sandbox/faults", nil, nil)
		fired[c] = a.twilioCalls("create task", tc.status) - before
		if fired[c] == 0 {
			t.Errorf("%s: the fault never fired", tc.name)
		}
	}

	byNumber := map[string][]sandboxTask{}
	for _, task := range a.tasks() {
		cb, _ := task.attrs(t)["callBackData"].(map[string]any)
		num, _ := cb["numberToCall"].(string)
		byNumber[num] = append(byNumber[num], task)
	}
	duplicates, lost := 0, 0
	for i, d := range got {
		have := byNumber[number(i)]
		delete(byNumber, number(i))
		if len(have) > 1 {
			duplicates += len(have) - 1
			t.Errorf("request %d (%s): %d tasks %v", i, cases[i/perCase].name, len(have), sids(have))
		}
		if d.status != 200 || len(have) == 0 || have[0].Sid != d.sid {
			lost++
			t.Errorf("request %d (%s): answered %d %q %s; tasks %v", i, cases[i/perCase].name, d.status, d.code, d.sid, sids(have))
		}
	}
	for num, ts := range byNumber {
		duplicates += len(ts)
		t.Errorf("tasks for a number nobody asked for (%s): %v", num, sids(ts))
	}

	total := 0
	var perCaseFired []string
	for c, tc := range cases {
		total += fired[c]
		perCaseFired = append(perCaseFired, fmt.Sprintf("%s: %d", tc.name, fired[c]))
	}
	creates := a.twilioCalls("create task", "")
	lists := a.twilioCalls("list tasks", "")
	// Each fault is one ambiguous create, resolved by one lookup (checked: no create sent twice).
	t.Logf("%d requests, %d faults fired (%s); %d create attempts, %d lookups (%d list pages); %d duplicates, %d lost; %v",
		n, total, strings.Join(perCaseFired, ", "), creates, total, lists, duplicates, lost, time.Since(start).Round(time.Millisecond))
	if creates != n {
		t.Errorf("%d create attempts for %d requests: a performed create was sent again", creates, n)
	}
}

// twilioCalls is the number of Twilio attempts of op the backend made that ended with status
// ("" for any).
func (a *app) twilioCalls(op, status string) int {
	a.t.Helper()
	total := 0
	prefix := `flexcallback_twilio_call_duration_seconds_count{op="` + op + `",status="` + status
	if status != "" {
		prefix += `"}`
	}
	for _, l := range strings.Split(a.metric("flexcallback_twilio_call_duration_seconds_count"), "\n") {
		rest, ok := strings.CutPrefix(l, prefix)
		if !ok {
			continue
		}
		_, v, _ := strings.Cut(rest, " ")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			a.t.Fatalf("metric line %q: %v", l, err)
		}
		total += n
	}
	return total
}

// TestAmbiguousCreateOnEveryPath: each way the backend creates a task carries a request key, so a
// create Twilio performed but answered 503 (with its own error document) is found, not made
// twice: Studio's create-callback, a voicemail from Studio, the agent's requeue, and the wait
// experience's callback and voicemail.
func TestAmbiguousCreateOnEveryPath(t *testing.T) {
	performedThen503 := map[string]any{"method": "POST", "path": soakTasksPath, "status": 503, "after": true, "count": 1}
	t.Run("studio callback", func(t *testing.T) {
		a := startApp(t, nil)
		defer a.firedOnce(t)
		a.fault(performedThen503)
		sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
		if ts := a.tasks(); len(ts) != 1 || ts[0].Sid != sid {
			t.Errorf("answered %s; tasks %v", sid, sids(ts))
		}
	})
	t.Run("studio voicemail", func(t *testing.T) {
		a := startApp(t, nil)
		defer a.firedOnce(t)
		rec := a.recording()
		a.fault(performedThen503)
		sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "recordingSid": {rec}})
		if ts := a.tasks(); len(ts) != 1 || ts[0].Sid != sid {
			t.Errorf("answered %s; tasks %v", sid, sids(ts))
		}
	})
	t.Run("requeue", func(t *testing.T) {
		a := startApp(t, nil)
		defer a.firedOnce(t)
		sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
		alice := a.token("alice")
		a.assign("alice", sid)
		a.fault(performedThen503)
		r := a.flex("requeue-callback", alice, url.Values{"taskSid": {sid}})
		newSid, _ := r.json(t)["taskSid"].(string)
		if ts := a.tasks(); r.status != 200 || len(ts) != 2 || ts[1].Sid != newSid {
			t.Errorf("requeue: %d %s; tasks %v", r.status, r.body, sids(ts))
		}
	})
	t.Run("wait experience callback", func(t *testing.T) {
		a := startApp(t, nil)
		defer a.firedOnce(t)
		sid := a.enqueue(caller, "")
		a.press(sid, "*")
		a.press(sid, "1")
		a.fault(performedThen503)
		c := a.press(sid, "1")
		if fu := a.followUps(); c.Status != "completed" || !c.heard("A callback has been requested") || len(fu) != 1 {
			t.Errorf("caller %s, %d callback tasks %v\n%s", c.Status, len(fu), sids(fu), c.dump())
		}
	})
	t.Run("wait experience voicemail", func(t *testing.T) {
		a := startApp(t, nil)
		defer a.firedOnce(t)
		sid := a.enqueue(caller, "")
		a.admin("POST", "/_sandbox/calls/"+sid+"/speech", map[string]string{"text": "please call me back"}, nil)
		a.press(sid, "*")
		a.press(sid, "2")
		a.fault(performedThen503)
		a.advance("20s")
		if fu := a.followUps(); len(fu) != 1 {
			t.Errorf("%d voicemail tasks %v, want 1\n%s", len(fu), sids(fu), a.call(sid).dump())
		}
	})
}

// TestCreateSecondAmbiguousFound: the first create is answered 503 and made nothing, the lookup
// proves it, the second is performed and answered 503 too. The second lookup finds it: one task,
// answered 200.
func TestCreateSecondAmbiguousFound(t *testing.T) {
	a := startApp(t, nil)
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "status": 503, "count": 1})
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "status": 503, "after": true, "count": 1})
	r := a.studio("POST", "create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}, nil)
	ts := a.tasks()
	if r.status != 200 || len(ts) != 1 || r.json(t)["taskSid"] != ts[0].Sid {
		t.Errorf("answered %d %s; tasks %v, want the one task", r.status, r.body, sids(ts))
	}
	if n := a.twilioCalls("create task", ""); n != 2 {
		t.Errorf("%d create attempts, want 2", n)
	}
}

// firedOnce checks that exactly one task create was answered 503: the fault did bite.
func (a *app) firedOnce(t *testing.T) {
	if n := a.twilioCalls("create task", "503"); n != 1 {
		t.Errorf("%d creates answered 503, want 1", n)
	}
}
