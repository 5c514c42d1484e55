package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Business hours (BUSINESS_HOURS_FILE) and the expected wait (WAIT_OFFER_CALLBACK_AFTER), through
// run() and the sandbox on its virtual clock, which the business hours follow in sandbox mode.

// timeline is what a caller heard and was asked, in order: the TwiML's Say and Gather, the
// music, the hang-up. Tests log it; it is the closing note's caller timeline.
func (c callView) timeline() string {
	var b strings.Builder
	for _, e := range c.Timeline {
		switch e.Verb {
		case "Say":
			fmt.Fprintf(&b, "  %s Say %q\n", e.At, e.Text)
		case "Gather", "Play", "Hangup", "Record":
			fmt.Fprintf(&b, "  %s %s\n", e.At, e.Verb)
		}
	}
	return b.String()
}

// hoursFile writes an hours file: weekdays 9 to 5 in New York, closed on closure (YYYY-MM-DD).
func hoursFile(t *testing.T, closure string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hours.json")
	doc := `{"weekly": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
		"thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
		"closed": [{"date": "` + closure + `", "reason": "Staff training"}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (a *app) clockTo(at time.Time) {
	a.t.Helper()
	a.admin("POST", "/_sandbox/clock", map[string]string{"to": at.UTC().Format(time.RFC3339)}, nil)
}

// nextWeekday is the first day after t (at least a day later) that is wd, at hh:00 in loc.
func nextWeekday(t time.Time, wd time.Weekday, hh int, loc *time.Location) time.Time {
	d := t.In(loc).AddDate(0, 0, 1)
	for d.Weekday() != wd {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hh, 0, 0, 0, loc)
}

// TestHoursOutsideAndClosure: on a Saturday the caller is offered a callback after 9 a.m. on
// Monday (or a voicemail) and Studio's create-callback answers nextOpening; on a closure
// Wednesday the next opening is Thursday ("tomorrow").
func TestHoursOutsideAndClosure(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	saturday := nextWeekday(time.Now(), time.Saturday, 10, ny)
	monday := saturday.AddDate(0, 0, 2).Add(-time.Hour) // 09:00
	wednesday := saturday.AddDate(0, 0, 4)              // 10:00, closed all day
	thursday := saturday.AddDate(0, 0, 5).Add(-time.Hour)
	a := startApp(t, map[string]string{"BUSINESS_TIME_ZONE": "America/New_York",
		"BUSINESS_HOURS_FILE": hoursFile(t, wednesday.Format(time.DateOnly))})

	a.clockTo(saturday)
	r := a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552601"}, "numberToCallFrom": {ourLine}}, nil)
	body := r.json(t)
	if r.status != 200 || body["taskSid"] == nil || body["nextOpening"] != monday.Format(time.RFC3339) {
		t.Fatalf("create-callback on Saturday: %d %s, want nextOpening %s", r.status, r.body, monday.Format(time.RFC3339))
	}

	sid := a.enqueue(caller, "")
	c := a.call(sid)
	if !c.heard("We are closed now. To be called back after 9 a.m. on Monday, or to leave a voicemail, press the star key") {
		t.Fatalf("Saturday menu:\n%s", c.timeline())
	}
	a.press(sid, "*")
	c = a.press(sid, "1")
	if !c.heard("To be called back after 9 a.m. on Monday, press 1. To leave a voicemail, press 2.") {
		t.Errorf("Saturday choice:\n%s", c.timeline())
	}
	c = a.press(sid, "1") // this number
	if c.Status != "completed" || !c.heard("Thank you. We will call you back after 9 a.m. on Monday. Goodbye.") {
		t.Fatalf("Saturday callback: %s\n%s", c.Status, c.timeline())
	}
	t.Logf("Saturday 10:00, closed, caller asks for a callback:\n%s", c.timeline())
	if fu := a.followUps(); len(fu) != 2 {
		t.Errorf("%d callback tasks, want 2 (Studio's and the caller's)", len(fu))
	}

	// The closure day: Spanish caller, opening "tomorrow" at 9.
	a.clockTo(wednesday)
	r = a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552602"}, "numberToCallFrom": {ourLine}}, nil)
	if got := r.json(t)["nextOpening"]; got != thursday.Format(time.RFC3339) {
		t.Errorf("create-callback on the closure day: nextOpening %v, want %s", got, thursday.Format(time.RFC3339))
	}
	sid = a.enqueue("+14155552603", "?lang=es-MX")
	a.press(sid, "*")
	c = a.press(sid, "2")
	if !c.heard("Para que le llamemos mañana después de las 09:00") || !c.heard("Por favor deje su mensaje") {
		t.Errorf("closure day, Spanish, voicemail:\n%s", c.timeline())
	}
	t.Logf("Wednesday 10:00, closure day, Spanish caller leaves a voicemail:\n%s", c.timeline())

	// Open again on Thursday: the usual menu, no nextOpening.
	a.clockTo(thursday.Add(time.Hour))
	r = a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552604"}, "numberToCallFrom": {ourLine}}, nil)
	if _, has := r.json(t)["nextOpening"]; has {
		t.Errorf("nextOpening while open: %s", r.body)
	}
	sid = a.enqueue("+14155552605", "")
	if c = a.call(sid); !c.heard("To request a callback, or to leave a voicemail, press the star key") || c.heard("closed") {
		t.Errorf("Thursday menu:\n%s", c.timeline())
	}
}

// TestWaitOfferThreshold: with WAIT_OFFER_CALLBACK_AFTER=2m the third caller in a queue no agent
// serves (3 × 1 min) is offered the menu and the first is not; once both agents are available
// and take the first two callers, the third waits for a minute and hears no offer.
func TestWaitOfferThreshold(t *testing.T) {
	a := startApp(t, map[string]string{"WAIT_OFFER_CALLBACK_AFTER": "2m", "WAIT_ANNOUNCE_POSITION": "true"})
	var sids []string
	for _, from := range []string{"+14155552611", "+14155552612", "+14155552613"} {
		sids = append(sids, a.enqueue(from, ""))
		a.advance("1s") // TaskRouter orders equal priorities by age
	}
	first, third := a.call(sids[0]), a.call(sids[2])
	if !first.heard("You are number 1 in line.") || first.heard("star key") {
		t.Errorf("first caller (1 minute) offered:\n%s", first.timeline())
	}
	if !third.heard("You are number 3 in line.") || !third.heard("about 3 minutes") || !third.heard("press the star key") {
		t.Errorf("third caller (3 minutes) not offered:\n%s", third.timeline())
	}
	t.Logf("queue long, first caller:\n%s", first.timeline())
	t.Logf("queue long, third caller:\n%s", third.timeline())

	for _, w := range []string{"alice", "sam"} {
		a.admin("POST", "/_sandbox/workers/"+w+"/activity", map[string]string{"activity": "available"}, nil)
	}
	a.advance("31s") // the next pass of the music, past the statistics' refresh
	third = a.call(sids[2])
	last := third.Timeline[lastPass(third):]
	pass := callView{Timeline: last}
	if !pass.heard("You are number 1 in line.") || !pass.heard("about one minute") || pass.heard("star key") {
		t.Errorf("agents took the first two: third caller's pass:\n%s", pass.timeline())
	}
	t.Logf("agents available, third caller's next pass:\n%s", pass.timeline())
}

// lastPass is where the caller's last pass of the wait loop starts (its last position).
func lastPass(c callView) int {
	for i := len(c.Timeline) - 1; i >= 0; i-- {
		if e := c.Timeline[i]; e.Verb == "Say" && strings.Contains(e.Text, "in line") {
			return i
		}
	}
	return 0
}

// TestWaitOfferStatisticsFail: with TaskRouter's statistics failing, the estimate falls back to
// the position alone (a minute a caller): the second caller (2 minutes) is not offered, the third
// is, and neither hears minutes it could not know.
func TestWaitOfferStatisticsFail(t *testing.T) {
	a := startApp(t, map[string]string{"WAIT_OFFER_CALLBACK_AFTER": "2m", "WAIT_ANNOUNCE_POSITION": "true"})
	a.fault(map[string]any{"path": "^/taskrouter/v1/Workspaces/[^/]+/(TaskQueues|Workflows)/[^/]+/(RealTime|Cumulative)?Statistics$", "status": 500})
	var sids []string
	for _, from := range []string{"+14155552621", "+14155552622", "+14155552623"} {
		sids = append(sids, a.enqueue(from, ""))
		a.advance("1s") // TaskRouter orders equal priorities by age
	}
	second, third := a.call(sids[1]), a.call(sids[2])
	if !second.heard("You are number 2 in line.") || second.heard("star key") || second.heard("estimated") {
		t.Errorf("second caller:\n%s", second.timeline())
	}
	if !third.heard("You are number 3 in line.") || !third.heard("press the star key") || third.heard("estimated") {
		t.Errorf("third caller:\n%s", third.timeline())
	}
	if !strings.Contains(a.logs.String(), "statistics failed: estimating from the position alone") {
		t.Error("no log line for the failed statistics")
	}
	t.Logf("statistics failing, third caller:\n%s", third.timeline())
}

// TestDemoAfterHours: the demo desk's "Clock: after hours" moves the sandbox's clock to the next
// closed moment, where callers hear the closed menu.
func TestDemoAfterHours(t *testing.T) {
	a := startApp(t, map[string]string{"BUSINESS_TIME_ZONE": "America/New_York", "BUSINESS_HOURS_FILE": hoursFile(t, "2020-01-01")})
	r := a.do(mustRequest("POST", a.base+"/demo/scenario/after-hours"))
	if r.status != 200 {
		t.Fatalf("after hours: %d %s", r.status, r.body)
	}
	if c := a.call(a.enqueue(caller, "")); !c.heard("We are closed now.") {
		t.Errorf("after the desk's clock control:\n%s", c.timeline())
	}
	open := startApp(t, nil)
	if r := open.do(mustRequest("POST", open.base+"/demo/scenario/after-hours")); r.status != 409 || !strings.Contains(string(r.body), "BUSINESS_HOURS_FILE") {
		t.Errorf("always open: %d %s", r.status, r.body)
	}
}

// TestHoursConfigProblemsNamed: a bad hours file fails the start with every problem named, with
// the other settings' problems.
func TestHoursConfigProblemsNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hours.json")
	if err := os.WriteFile(path, []byte(`{"weekly": {"mon": ["17:00-09:00"], "tue": ["9-5"]}, "closed": [{"date": "2026-02-30"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "BUSINESS_HOURS_FILE": path, "WAIT_OFFER_CALLBACK_AFTER": "soon"}))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`weekly.mon: "17:00-09:00": ends before it starts`, `weekly.tue: "9-5"`, "closed[0]: dates are YYYY-MM-DD",
		"weekly: no opening hours", `WAIT_OFFER_CALLBACK_AFTER: "soon"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	c, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "BUSINESS_HOURS_FILE": "../docs/business-hours.example.json", "WAIT_OFFER_CALLBACK_AFTER": "90"}))
	if err != nil || c.Hours == nil || c.Wait.OfferCallbackAfter != 90*time.Second {
		t.Errorf("example file and 90 s: %v %v %v", err, c.Hours, c.Wait.OfferCallbackAfter)
	}
}
