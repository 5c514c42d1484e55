package waitexp

import (
	"slices"
	"strings"
	"testing"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

// menu walks from the first waitUrl request to the callback-or-voicemail menu and returns the
// menu's Gather action.
func (en *env) menu() string {
	en.t.Helper()
	loop := en.do(endpoint).redirect()
	g := en.do(loop).must("Gather")
	star := en.do(g.attr("action"), "Digits", "*")
	return star.must("Gather").attr("action")
}

func TestSameNumberCallbackJourney(t *testing.T) {
	en := newEnv(t, testOptions())
	task := en.addCallTask()

	choice := en.do(en.menu(), "Digits", "1")
	if !choice.says1("number you are calling from") {
		t.Fatalf("callback choice does not offer the same number: %v", choice.says())
	}
	submit := en.do(choice.must("Gather").attr("action"), "Digits", "1")
	next := submit.redirect()
	if q := query(t, next); q.Get("mode") != modeSubmitCallback || q.Get("to") != caller {
		t.Fatalf("redirect = %s, want submit-callback to %s", next, caller)
	}
	if !strings.Contains(next, "to=%2B14155552671") {
		t.Errorf("to not encoded: %s", next)
	}
	done := en.do(next)
	if got, want := done.verbs(), []string{"Say", "Hangup"}; !slices.Equal(got, want) {
		t.Fatalf("verbs = %v, want %v\n%s", got, want, done.body)
	}
	if !done.says1("callback has been requested") {
		t.Errorf("no confirmation: %v", done.says())
	}

	// B8: create first, cancel after.
	ci, xi := en.j.Index("create callback key="+taskSid+":callback"), en.j.Index("update "+taskSid)
	if ci < 0 || xi < 0 || ci > xi {
		t.Fatalf("want create before cancel, journal:\n%s", strings.Join(en.j.Events(), "\n"))
	}
	if !strings.Contains(en.j.Events()[xi], "if-match="+task.ETag) {
		t.Errorf("cancel not ETag-guarded: %s", en.j.Events()[xi])
	}
	got := en.tw.Task(taskSid)
	if got.Status != flexcallback.StatusCanceled || got.Reason != reasonCallback {
		t.Errorf("call task = %s %q, want canceled %q", got.Status, got.Reason, reasonCallback)
	}
	conv := got.Attributes["conversations"].(map[string]any)
	if conv["abandoned"] != "Follow-Up" || conv["communication_channel"] != "voice" {
		t.Errorf("conversations = %v, want abandoned Follow-Up and the rest kept", conv)
	}
	created := en.creator.created()
	if len(created) != 1 {
		t.Fatalf("created %d tasks, want 1", len(created))
	}
	r := created["WTnew1"]
	if r.NumberToCall != caller || r.NumberToCallFrom != called || r.Key != taskSid+":callback" {
		t.Errorf("request = %+v", r)
	}
	if r.Original == nil || r.Original.Sid != taskSid || !r.VirtualStartTime.Equal(task.DateCreated) {
		t.Errorf("routing or place not kept: original %v, virtual start %v", r.Original, r.VirtualStartTime)
	}
}

func TestRetainOptionsOff(t *testing.T) {
	opts := testOptions()
	opts.RetainRouting, opts.RetainPlaceInQueue = false, false
	en := newEnv(t, opts)
	en.addCallTask()
	en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	r := en.creator.created()["WTnew1"]
	if r.Original != nil || !r.VirtualStartTime.IsZero() {
		t.Errorf("request = %+v, want no original and no virtual start", r)
	}
}

func TestCreateFailureKeepsCallerQueued(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	en.creator.err = twiliofake.Err(flexcallback.ErrUnavailable)
	r := en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	if !r.says1("unable to complete") {
		t.Errorf("no apology: %v", r.says())
	}
	if q := query(t, r.redirect()); q.Get("mode") != modeMainWaitLoop || q.Get("enqueuedTaskSid") != taskSid {
		t.Errorf("caller not kept in the loop: %s", r.redirect())
	}
	if _, ok := r.find("Hangup"); ok {
		t.Error("hung up after a failed create")
	}
	if en.j.Count("update ") != 0 || en.tw.Task(taskSid).Status != flexcallback.StatusPending {
		t.Errorf("call task touched after a failed create: %v", en.j.Events())
	}
}

func TestCancelFailureAfterCreateStillConfirms(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	en.tw.Inject(twiliofake.Fault{Op: "update", Err: twiliofake.Err(flexcallback.ErrUnavailable)})
	r := en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	if !r.says1("callback has been requested") || len(en.creator.created()) != 1 {
		t.Errorf("says %v, created %d; want confirmation and one task", r.says(), len(en.creator.created()))
	}
}

func TestCancelRetriesOnETagMismatch(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	en.tw.Inject(twiliofake.Fault{Op: "update", Race: true, Count: 1})
	en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	if n := en.j.Count("update " + taskSid); n != 2 {
		t.Errorf("%d updates, want 2 (412 then retry)", n)
	}
	if got := en.tw.Task(taskSid); got.Status != flexcallback.StatusCanceled {
		t.Errorf("status = %s, want canceled", got.Status)
	}
}

func TestDoublePressMakesOneTask(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	u := mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller)
	for i := 0; i < 2; i++ {
		if r := en.do(u); !r.says1("callback has been requested") {
			t.Errorf("press %d: %v", i+1, r.says())
		}
	}
	if n := len(en.creator.created()); n != 1 {
		t.Errorf("%d tasks, want 1", n)
	}
	if n := en.j.Count("update " + taskSid); n != 1 {
		t.Errorf("%d cancels, want 1 (the task was already canceled the second time)", n)
	}
}

func TestAssignedTaskGetsNoCallback(t *testing.T) {
	en := newEnv(t, testOptions())
	task := en.addCallTask()
	task.Status = flexcallback.StatusAssigned
	en.tw.Put(task)
	r := en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	if len(en.creator.created()) != 0 || query(t, r.redirect()).Get("mode") != modeMainWaitLoop {
		t.Errorf("callback made for a call an agent took: %v", en.j.Events())
	}
}

func TestAlternateNumber(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	ask := en.do(mode(modeCallbackChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid), "Digits", "2")
	g := ask.must("Gather")
	if g.attr("finishOnKey") != "#" || !ask.says1("starting with the country code") {
		t.Fatalf("number entry = %s", ask.body)
	}

	bad := en.do(g.attr("action"), "Digits", "12345")
	if !bad.says1("not a number we can call") || query(t, bad.must("Gather").attr("action")).Get("mode") != modeOtherNumberOption {
		t.Errorf("invalid number not asked again: %s", bad.body)
	}

	read := en.do(g.attr("action"), "Digits", "4155552671")
	sayAs := read.must("say-as")
	if sayAs.attr("interpret-as") != "telephone" || sayAs.text() != "+14155552671" {
		t.Errorf("read-back = %s", read.body)
	}
	confirm := read.must("Gather").attr("action")
	if !strings.Contains(confirm, "updatedPhoneNumber=%2B14155552671") {
		t.Errorf("confirm action %s does not carry the encoded E.164 number", confirm)
	}
	ok := en.do(confirm, "Digits", "1")
	if q := query(t, ok.redirect()); q.Get("mode") != modeSubmitCallback || q.Get("to") != "+14155552671" {
		t.Errorf("confirm redirect = %s", ok.redirect())
	}
	again := en.do(confirm, "Digits", "2")
	if query(t, again.must("Gather").attr("action")).Get("mode") != modeOtherNumberOption {
		t.Errorf("re-entry = %s", again.body)
	}

	// A call from before the deploy carries the raw digits the reference stored.
	old := en.do(mode(modeOtherNumberConfirm, "enqueuedTaskSid", taskSid, "updatedPhoneNumber", "14155552671"), "Digits", "1")
	if query(t, old.redirect()).Get("to") != "+14155552671" {
		t.Errorf("old raw digits not normalised: %s", old.redirect())
	}
}

func TestCallerNotDialable(t *testing.T) {
	for _, c := range []string{"anonymous", "sip:alice@example.com", "client:bob", "266696687"} {
		t.Run(c, func(t *testing.T) {
			en := newEnv(t, testOptions())
			en.form.Set("Caller", c)
			en.form.Set("From", c)
			en.addCallTask()
			r := en.do(en.menu(), "Digits", "1")
			if r.says1("number you are calling from") {
				t.Errorf("same number offered to %s", c)
			}
			if query(t, r.must("Gather").attr("action")).Get("mode") != modeOtherNumberOption {
				t.Errorf("option 1 does not go straight to entering a number: %s", r.body)
			}
			direct := en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", c))
			if len(en.creator.created()) != 0 || !direct.says1("not a number we can call") {
				t.Errorf("callback to %s accepted", c)
			}
		})
	}
}

func TestNoAlternateNumberGoesStraightToSubmit(t *testing.T) {
	opts := testOptions()
	opts.AllowAlternateNumber = false
	en := newEnv(t, opts)
	en.addCallTask()
	r := en.do(en.menu(), "Digits", "1")
	if q := query(t, r.redirect()); q.Get("mode") != modeSubmitCallback || q.Get("to") != caller {
		t.Errorf("redirect = %s", r.redirect())
	}
}
