package waitexp

import (
	"strings"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

const taskQueueSid = "WQ00000000000000000000000000000001"

// The menu is offered only once the estimate exceeds WAIT_OFFER_CALLBACK_AFTER; the estimate
// comes from the task queue's statistics, else the position alone.
func TestOfferAfterEstimatedWait(t *testing.T) {
	opts := testOptions()
	opts.OfferCallbackAfter = 2 * time.Minute
	en := newEnvStats(t, opts)
	en.tw.PutStatistics(taskQueueSid, flexcallback.WaitStatistics{Waiting: 1, Available: 0, AvgAccept: 90 * time.Second})
	own := en.addCallTask()
	own.QueueSid = taskQueueSid
	en.tw.Put(own)
	loop := mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid, "skipGreeting", "true")

	if r := en.do(loop); r.says1("star key") || len(r.says()) != 0 {
		t.Errorf("position 1 × 90 s ≤ 2m: offered anyway: %q", r.says())
	}
	en.tw.Put(flexcallback.Task{Sid: "WTolder", WorkflowSid: wfSid, Status: flexcallback.StatusPending, DateCreated: own.DateCreated.Add(-time.Minute)})
	if r := en.do(loop); !r.says1("press the star key") {
		t.Errorf("position 2 × 90 s > 2m: not offered: %q", r.says())
	}
	if n := en.j.Count("statistics "); n != 1 {
		t.Errorf("statistics read %d times, want 1 (cached)", n)
	}

	// Two workers available for two callers: no wait.
	en.tw.PutStatistics(taskQueueSid, flexcallback.WaitStatistics{Waiting: 2, Available: 2, AvgAccept: 90 * time.Second})
	en.e.stats.ttl = 0
	if r := en.do(loop); r.says1("star key") {
		t.Errorf("workers available: offered: %q", r.says())
	}

	// Statistics failing (and nothing cached): the position alone, 1 minute a caller.
	en.tw.Inject(twiliofake.Fault{Op: "statistics", Err: twiliofake.Err(flexcallback.ErrUnavailable)})
	clear(en.e.stats.m)
	if r := en.do(loop); r.says1("star key") {
		t.Errorf("position 2 alone (2m) is not over 2m: offered: %q", r.says())
	}
	en.tw.Put(flexcallback.Task{Sid: "WToldest", WorkflowSid: wfSid, Status: flexcallback.StatusPending, DateCreated: own.DateCreated.Add(-2 * time.Minute)})
	if r := en.do(loop); !r.says1("press the star key") {
		t.Errorf("position 3 alone (3m): not offered: %q", r.says())
	}
}

// fixedHours is a schedule: closed, opening at next.
type fixedHours struct {
	open bool
	next time.Time
	loc  *time.Location
}

func (h fixedHours) Open(time.Time) bool               { return h.open }
func (h fixedHours) NextOpening(t time.Time) time.Time { return h.next }
func (h fixedHours) Location() *time.Location          { return h.loc }

// Outside hours the menu promises a callback for the next opening, in the caller's language.
func TestClosedMenu(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	opts := testOptions()
	opts.OfferCallbackAfter = time.Hour                                             // closed: offered whatever the wait
	opts.Hours = fixedHours{next: time.Date(2026, 11, 26, 9, 0, 0, 0, ny), loc: ny} // t0 is 04:00 on the 25th in New York
	en := newEnv(t, opts)
	en.addCallTask()
	loop := mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid, "skipGreeting", "true")
	r := en.do(loop)
	if says := r.says(); len(says) != 1 || says[0] != "We are closed now. To be called back after 9 a.m. tomorrow, or to leave a voicemail, press the star key at any time." {
		t.Errorf("closed prompt = %q", says)
	}
	r = en.do(r.must("Gather").attr("action"), "Digits", "*")
	if !r.says1("To be called back after 9 a.m. tomorrow, press 1. To leave a voicemail, press 2.") {
		t.Errorf("closed choice = %q", r.says())
	}
	r = en.do(mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid, "skipGreeting", "true", "lang", "es-MX"))
	if !r.says1("Para que le llamemos mañana después de las 09:00") {
		t.Errorf("spanish closed prompt = %q", r.says())
	}
	r = en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	if !r.says1("We will call you back after 9 a.m. tomorrow. Goodbye.") {
		t.Errorf("closed confirmation = %q", r.says())
	}

	// Nothing to offer: only when the centre opens again.
	opts.AllowVoicemail, opts.AllowAlternateNumber = false, false
	en = newEnv(t, opts)
	en.addCallTask()
	en.form.Set("Caller", "anonymous")
	en.form.Set("From", "anonymous")
	r = en.do(loop)
	if _, gathered := r.find("Gather"); gathered || !r.says1("We are closed now, and open again after 9 a.m. tomorrow.") {
		t.Errorf("closed with nothing to offer: %s", r.body)
	}
}

func TestOpeningSaidPerLanguage(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, paris) // a Wednesday
	e := &Experience{opts: Options{Hours: fixedHours{loc: paris}}, now: func() time.Time { return now }}
	for _, c := range []struct {
		tag  string
		at   time.Time
		want string
	}{
		{"en-US", time.Date(2026, 11, 25, 23, 30, 0, 0, paris), "after 11:30 p.m. today"},
		{"en-US", time.Date(2026, 11, 26, 12, 0, 0, 0, paris), "after 12 p.m. tomorrow"},
		{"en-US", time.Date(2026, 11, 30, 9, 0, 0, 0, paris), "after 9 a.m. on Monday"},
		{"en-US", time.Date(2026, 12, 7, 9, 0, 0, 0, paris), "after 9 a.m. on Monday, December 7"},
		{"es-MX", time.Date(2026, 11, 26, 13, 0, 0, 0, paris), "mañana después de las 13:00"},
		{"es-MX", time.Date(2026, 11, 27, 1, 0, 0, 0, paris), "el viernes después de la 01:00"},
		{"es-MX", time.Date(2026, 12, 7, 9, 0, 0, 0, paris), "el lunes 7 de diciembre después de las 09:00"},
		{"fr-FR", time.Date(2026, 11, 26, 9, 0, 0, 0, paris), "2026-11-26 09:00"},
		{"en-US", time.Time{}, "as soon as we open again"},
		// Said in the centre's zone: 08:00 UTC is 09:00 in Paris.
		{"en-US", time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), "after 9 a.m. tomorrow"},
	} {
		if got := e.opening(c.tag, c.at); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.tag, c.at, got, c.want)
		}
	}
	if !strings.Contains(builtinPrompts["es-MX"].Prompts[keyClosedCallbackSubmitted], "{opening}") {
		t.Error("spanish confirmation lacks the opening")
	}
}

// A caller with an open callback hears it is arranged whatever the hours: the merge check comes
// before the closed menu, and a request merged outside hours promises no new opening.
func TestArrangedWhenClosed(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	opts := testOptions()
	opts.Hours = fixedHours{next: time.Date(2026, 11, 26, 9, 0, 0, 0, ny), loc: ny}
	en := newEnv(t, opts)
	en.addCallTask()
	en.creator.open = map[string]string{caller: "WTopen"}
	r := en.do(mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid), "Digits", "*")
	if !r.says1("already arranged") || r.says1("9 a.m.") {
		t.Errorf("closed, open callback, *: %q", r.says())
	}
	en.addCallTask()
	r = en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	if !r.says1("already arranged") || r.says1("9 a.m.") {
		t.Errorf("closed, callback merged: %q", r.says())
	}
}
