package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Issue 16 §1: callbacks at a chosen time, on the sandbox's virtual clock, which the backend's
// scheduler keeps in sandbox mode.

var scheduleEnv = map[string]string{"SCHEDULE_POLL": "20ms", "WAIT_CALLBACK_SLOTS": "1h", "CALLBACK_HORIZON": "2d"}

// now is the sandbox's virtual time.
func (a *app) now() time.Time {
	a.t.Helper()
	var clock struct {
		Now time.Time `json:"now"`
	}
	a.admin("POST", "/_sandbox/clock", map[string]string{}, &clock)
	return clock.Now
}

// callbacksWithin polls the sandbox for callback tasks for up to d (the scheduler polls every 20 ms).
func (a *app) callbacksWithin(d time.Duration) []sandboxTask {
	deadline := time.Now().Add(d)
	for {
		if fu := a.followUps(); len(fu) > 0 || time.Now().After(deadline) {
			return fu
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readyBody is /readyz's body.
func (a *app) readyBody() map[string]any {
	a.t.Helper()
	return a.do(mustRequest("GET", a.base+"/readyz")).json(a.t)
}

// checkScheduledTask checks a task made for at: scheduledFor, virtual start and creation time.
func checkScheduledTask(t *testing.T, task sandboxTask, at time.Time) {
	t.Helper()
	cb := task.attrs(t)["callBackData"].(map[string]any)
	created, _ := time.Parse(time.RFC3339, task.DateCreated)
	if cb["scheduledFor"] != at.UTC().Format(time.RFC3339) || task.VirtualStartTime != at.UTC().Format(time.RFC3339) || created.Before(at) {
		t.Errorf("task %s: scheduledFor %v, virtual_start_time %s, date_created %s; want all %s", task.Sid, cb["scheduledFor"],
			task.VirtualStartTime, task.DateCreated, at.UTC().Format(time.RFC3339))
	}
}

// A caller in queue picks "in one hour": they hear the time, leave the queue, and the callback
// task is made at that time and not a second before.
func TestScheduledSlotChosenInQueue(t *testing.T) {
	a := startApp(t, scheduleEnv)
	tl := &timeline{a: a}
	sid := a.enqueue(caller, "")
	tl.add("caller queued (%s)", sid)
	a.press(sid, "*")
	a.press(sid, "1")
	ask := a.press(sid, "1")
	if !ask.heard("To be called back as soon as possible, press 1.") || !ask.heard(", press 2.") {
		t.Fatalf("no choice of time:\n%s", ask.dump())
	}
	c := a.press(sid, "2")
	said := c.said()
	if c.Status != "completed" || !strings.HasPrefix(said[len(said)-1], "Thank you. We will call you back ") {
		t.Fatalf("caller: %s\n%s", c.Status, c.dump())
	}
	tl.add("caller chose slot 1h and heard %q", said[len(said)-1])
	var list struct {
		Scheduled []struct {
			ID string    `json:"id"`
			At time.Time `json:"callbackAt"`
		} `json:"scheduled"`
	}
	a.flexGet("scheduled-callbacks", a.token("sam"), &list)
	if len(list.Scheduled) != 1 {
		t.Fatalf("scheduled: %+v", list)
	}
	at := list.Scheduled[0].At
	tl.add("request %s kept for %s; /readyz says %v held in memory only", list.Scheduled[0].ID, at.Format(time.RFC3339), a.readyBody()["scheduledInMemoryOnly"])
	if got := a.readyBody()["scheduledInMemoryOnly"]; got != "1" {
		t.Errorf("/readyz scheduledInMemoryOnly = %v; want 1", got)
	}
	if ct := a.callTask(sid); ct.AssignmentStatus != "canceled" {
		t.Errorf("call task %s; want canceled", ct.AssignmentStatus)
	}

	a.advance((at.Sub(a.now()) - time.Second).String())
	tl.add("clock one second before the time")
	if fu := a.callbacksWithin(300 * time.Millisecond); len(fu) != 0 {
		t.Fatalf("a task a second early: %+v", fu)
	}
	tl.add("no task (300 ms of polls)")
	a.advance("1s")
	fu := a.callbacksWithin(5 * time.Second)
	if len(fu) != 1 {
		t.Fatalf("%d callback tasks at the time; want 1", len(fu))
	}
	tl.add("task %s created (date_created %s, virtual_start_time %s)", fu[0].Sid, fu[0].DateCreated, fu[0].VirtualStartTime)
	checkScheduledTask(t, fu[0], at)
	if got := a.readyBody()["scheduledInMemoryOnly"]; got != "0" {
		t.Errorf("/readyz scheduledInMemoryOnly = %v after the task; want 0", got)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(a.followUps()); n != 1 {
		t.Errorf("%d callback tasks; want 1", n)
	}
	tl.log(t)
}

// Studio's callbackAt: a time in the past, beyond the horizon, malformed, or with a slot too, is
// a 400 naming the field; a good one is kept (a redelivery keeps the same) and made at its time.
func TestScheduledStudioCallbackAt(t *testing.T) {
	a := startApp(t, scheduleEnv)
	now := a.now()
	form := func(kv ...string) url.Values {
		f := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	for name, tc := range map[string]struct {
		form  url.Values
		field string
	}{
		"past":      {form("callbackAt", now.Add(-time.Minute).Format(time.RFC3339)), "callbackAt"},
		"horizon":   {form("callbackAt", now.Add(49*time.Hour).Format(time.RFC3339)), "callbackAt"},
		"malformed": {form("callbackAt", "tomorrow at 3"), "callbackAt"},
		"both":      {form("callbackAt", now.Add(time.Hour).Format(time.RFC3339), "callbackSlot", "1h"), "callbackSlot"},
		"no slot":   {form("callbackSlot", "14:00"), "callbackSlot"},
	} {
		r := a.studio("POST", "create-callback", tc.form, nil)
		if body := string(r.body); r.status != 400 || !strings.Contains(body, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s; want 400 naming %s", name, r.status, body, tc.field)
		}
	}
	at := now.Add(2 * time.Hour).Truncate(time.Second)
	tok := map[string]string{"I-Twilio-Idempotency-Token": "sched-1"}
	r := a.studio("POST", "create-callback", form("callbackAt", at.Format(time.RFC3339)), tok)
	again := a.studio("POST", "create-callback", form("callbackAt", at.Format(time.RFC3339)), tok)
	b, b2 := r.json(t), again.json(t)
	if r.status != 200 || b["taskSid"] != nil || b["scheduled"] != true || b["callbackAt"] != at.UTC().Format(time.RFC3339) || b2["scheduledId"] != b["scheduledId"] {
		t.Fatalf("scheduled: %d %s; again %s", r.status, r.body, again.body)
	}
	if len(a.followUps()) != 0 {
		t.Fatal("a task made before its time")
	}
	a.advance("2h")
	fu := a.callbacksWithin(5 * time.Second)
	if len(fu) != 1 {
		t.Fatalf("%d tasks at the time; want 1", len(fu))
	}
	checkScheduledTask(t, fu[0], at)
}

// An agent's "retry at": the next attempt is kept for the time and made then, once; asking again
// answers the same; the original records it.
func TestScheduledRetryAt(t *testing.T) {
	a := startApp(t, scheduleEnv)
	alice := a.token("alice")
	sid := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	a.assign("alice", sid)
	past := a.flex("requeue-callback", alice, url.Values{"taskSid": {sid}, "callbackAt": {a.now().Add(-time.Hour).Format(time.RFC3339)}})
	if past.status != 400 || !strings.Contains(string(past.body), `"field":"callbackAt"`) {
		t.Errorf("retry in the past: %d %s", past.status, past.body)
	}
	at := a.now().Add(30 * time.Minute).Truncate(time.Second)
	r := a.flex("requeue-callback", alice, url.Values{"taskSid": {sid}, "callbackAt": {at.Format(time.RFC3339)}})
	if r.status != 200 || r.json(t)["scheduled"] != true {
		t.Fatalf("retry at: %d %s", r.status, r.body)
	}
	id := r.json(t)["scheduledId"]
	if a.callbackData(sid)["retryScheduled"] != id {
		t.Errorf("original's callBackData = %v; want retryScheduled %v", a.callbackData(sid), id)
	}
	if again := a.flex("requeue-callback", alice, url.Values{"taskSid": {sid}}); again.json(t)["scheduledId"] != id {
		t.Errorf("retry again: %s; want %v", again.body, id)
	}
	a.advance("29m")
	time.Sleep(200 * time.Millisecond)
	if n := len(a.followUps()); n != 1 {
		t.Fatalf("%d callback tasks before the time; want the original only", n)
	}
	a.advance("1m")
	deadline := time.Now().Add(5 * time.Second)
	for len(a.followUps()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var next sandboxTask
	for _, task := range a.followUps() {
		if task.Sid != sid {
			next = task
		}
	}
	if next.Sid == "" {
		t.Fatal("no retry at its time")
	}
	checkScheduledTask(t, next, at)
	if cb := next.attrs(t)["callBackData"].(map[string]any); cb["attempts"] != 1.0 {
		t.Errorf("retry's attempts = %v; want 1", cb["attempts"])
	}
}

// flexGet is a panel GET with a Flex token.
func (a *app) flexGet(path, token string, out any) response {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.base+"/features/callback-and-voicemail/flex/"+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r := a.do(req)
	if out != nil && r.status == 200 {
		if err := json.Unmarshal(r.body, out); err != nil {
			a.t.Fatal(err)
		}
	}
	return r
}

// Supervisors list and cancel scheduled callbacks; agents are refused both. A canceled one is
// never made; canceling it again is a 404.
func TestScheduledSupervisorListAndCancel(t *testing.T) {
	a := startApp(t, scheduleEnv)
	alice, sam := a.token("alice"), a.token("sam")
	now := a.now()
	for i, n := range []string{"+14155552671", "+14155552672"} {
		r := a.studio("POST", "create-callback", url.Values{"numberToCall": {n}, "numberToCallFrom": {ourLine},
			"callbackAt": {now.Add(time.Duration(i+1) * time.Hour).Format(time.RFC3339)}}, nil)
		if r.status != 200 {
			t.Fatalf("schedule: %d %s", r.status, r.body)
		}
	}
	if r := a.flexGet("scheduled-callbacks", alice, nil); r.status != 403 {
		t.Errorf("agent's list: %d %s", r.status, r.body)
	}
	var list struct {
		Scheduled []struct {
			ID           string `json:"id"`
			NumberToCall string `json:"numberToCall"`
		} `json:"scheduled"`
	}
	a.flexGet("scheduled-callbacks", sam, &list)
	if len(list.Scheduled) != 2 || list.Scheduled[0].NumberToCall != "+14155552671" {
		t.Fatalf("list: %+v", list)
	}
	first := list.Scheduled[0].ID
	if r := a.flex("scheduled-callbacks", alice, url.Values{"id": {first}}); r.status != 403 {
		t.Errorf("agent's cancel: %d %s", r.status, r.body)
	}
	if r := a.flex("scheduled-callbacks", sam, url.Values{"id": {first}}); r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := a.flex("scheduled-callbacks", sam, url.Values{"id": {first}}); r.status != 404 {
		t.Errorf("cancel again: %d %s", r.status, r.body)
	}
	a.advance("2h")
	fu := a.callbacksWithin(5 * time.Second)
	time.Sleep(100 * time.Millisecond)
	if fu = a.followUps(); len(fu) != 1 || fu[0].attrs(t)["callBackData"].(map[string]any)["numberToCall"] != "+14155552672" {
		t.Errorf("tasks after the times: %d; want only the one not canceled", len(fu))
	}
}
