package waitexp

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

const recSid = "RE00000000000000000000000000000001"

func TestVoicemailChoice(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	r := en.do(en.menu(), "Digits", "2")
	if r.body != "" {
		t.Fatalf("body = %q, want empty (the call runs the new URL)", r.body)
	}
	xi, ui := en.j.Index("update "+taskSid), en.j.Index("call-update "+callSid)
	if xi < 0 || ui < 0 || xi > ui {
		t.Fatalf("want cancel before the call redirect (PR #653):\n%s", strings.Join(en.j.Events(), "\n"))
	}
	got := en.tw.Task(taskSid)
	if got.Status != flexcallback.StatusCanceled || got.Reason != reasonVoicemail {
		t.Errorf("call task %s %q", got.Status, got.Reason)
	}
	if got.Attributes["conversations"].(map[string]any)["abandoned"] != "Follow-Up" {
		t.Errorf("abandoned not set: %v", got.Attributes)
	}
	up := en.tw.CallUpdates()[0]
	q := query(t, up.URL)
	if up.Method != "POST" || q.Get("mode") != modeRecordVoicemail || q.Get("enqueuedTaskSid") != taskSid ||
		q.Get("callerNumber") != caller || q.Get("calledNumber") != called {
		t.Errorf("call update = %+v", up)
	}
	if len(en.creator.created()) != 0 {
		t.Error("voicemail task created before a recording exists")
	}
}

func TestVoicemailChoiceFailures(t *testing.T) {
	t.Run("redirect fails after cancel", func(t *testing.T) {
		en := newEnv(t, testOptions())
		en.addCallTask()
		en.tw.Inject(twiliofake.Fault{Op: "call-update", Err: twiliofake.Err(flexcallback.ErrUnavailable)})
		r := en.do(mode(modeCallbackOrVoicemail, "CallSid", callSid, "enqueuedTaskSid", taskSid), "Digits", "2")
		if got, want := r.verbs(), []string{"Say", "Hangup"}; !slices.Equal(got, want) || !r.says1("unable to complete") {
			t.Errorf("got %s", r.body)
		}
	})
	t.Run("cancel fails", func(t *testing.T) {
		en := newEnv(t, testOptions())
		en.addCallTask()
		en.tw.Inject(twiliofake.Fault{Op: "update", Err: twiliofake.Err(flexcallback.ErrUnavailable)})
		r := en.do(mode(modeCallbackOrVoicemail, "CallSid", callSid, "enqueuedTaskSid", taskSid), "Digits", "2")
		if query(t, r.redirect()).Get("mode") != modeMainWaitLoop || en.j.Count("call-update") != 0 {
			t.Errorf("caller not kept queued: %s", r.body)
		}
		if en.tw.Task(taskSid).Status != flexcallback.StatusPending {
			t.Error("call task changed")
		}
	})
}

func TestRecordBounded(t *testing.T) {
	opts := testOptions()
	opts.MaxRecordAttempts = 3
	opts.MaxRecordLength = 90
	en := newEnv(t, opts)
	u := mode(modeRecordVoicemail, "CallSid", callSid, "enqueuedTaskSid", taskSid)
	for attempt := 1; ; attempt++ {
		r := en.do(u)
		rec := r.must("Record")
		if rec.attr("maxLength") != "90" || rec.attr("finishOnKey") != "*" || rec.attr("method") != "GET" ||
			rec.attr("transcribe") != "true" || rec.attr("recordingStatusCallbackEvent") != "completed" {
			t.Fatalf("Record = %v", rec.Attrs)
		}
		for _, a := range []string{"action", "transcribeCallback", "recordingStatusCallback"} {
			if q := query(t, rec.attr(a)); q.Get("callerNumber") != caller || q.Get("enqueuedTaskSid") != taskSid {
				t.Errorf("%s = %s", a, rec.attr(a))
			}
		}
		if q := query(t, rec.attr("action")); q.Get("mode") != modeVoicemailRecorded || q.Get("attempt") != strconv.Itoa(attempt) {
			t.Errorf("action = %s", rec.attr("action"))
		}
		if attempt == 3 {
			if got := r.verbs(); got[len(got)-1] != "Hangup" {
				t.Errorf("last attempt does not end: %s", r.body)
			}
			break
		}
		u = r.redirect()
		if query(t, u).Get("attempt") != strconv.Itoa(attempt+1) {
			t.Fatalf("attempt %d redirect = %s", attempt, u)
		}
	}
}

func TestVoicemailEitherOrder(t *testing.T) {
	action := func(en *env) reply {
		return en.do(mode(modeVoicemailRecorded, "CallSid", callSid, "enqueuedTaskSid", taskSid,
			"callerNumber", caller, "calledNumber", called, "attempt", "1",
			"RecordingSid", recSid, "RecordingUrl", "https://api.twilio.com/rec/"+recSid, "RecordingDuration", "12"))
	}
	status := func(en *env) {
		if r := en.do(mode(modeRecordingStatus, "CallSid", callSid, "enqueuedTaskSid", taskSid,
			"callerNumber", caller, "calledNumber", called),
			"RecordingSid", recSid, "RecordingStatus", "completed", "RecordingDuration", "12"); r.body != "" {
			t.Errorf("recording status body %q", r.body)
		}
	}
	transcript := func(en *env) {
		if r := en.do(mode(modeSubmitVoicemail, "CallSid", callSid, "enqueuedTaskSid", taskSid,
			"callerNumber", caller, "calledNumber", called),
			"Caller", "+19999999999", // wrong with Caller Name Lookup: the URL's number wins
			"RecordingSid", recSid, "TranscriptionSid", "TR1", "TranscriptionText", "please call me",
			"TranscriptionStatus", "completed"); r.body != "" {
			t.Errorf("transcription body %q", r.body)
		}
	}
	for name, steps := range map[string][]func(*env){
		"action, status, transcript": {func(en *env) { action(en) }, status, transcript},
		"transcript, action, status": {transcript, func(en *env) { action(en) }, status},
		"status, transcript":         {status, transcript},
	} {
		t.Run(name, func(t *testing.T) {
			en := newEnv(t, testOptions())
			task := en.addCallTask()
			for _, s := range steps {
				s(en)
			}
			created := en.creator.created()
			if len(created) != 1 {
				t.Fatalf("%d voicemail tasks, want 1", len(created))
			}
			for _, r := range created {
				if r.Kind() != flexcallback.KindVoicemail || r.NumberToCall != caller || r.NumberToCallFrom != called ||
					r.TranscriptText != "please call me" || r.Original == nil || !r.VirtualStartTime.Equal(task.DateCreated) {
					t.Errorf("voicemail = %+v", r)
				}
			}
			if n := en.j.Count("voicemail " + recSid); n != len(steps) {
				t.Errorf("Creator.Voicemail called %d times, want %d", n, len(steps))
			}
		})
	}
	t.Run("action confirms", func(t *testing.T) {
		en := newEnv(t, testOptions())
		en.addCallTask()
		r := action(en)
		if got := r.verbs(); !slices.Equal(got, []string{"Say", "Hangup"}) || !r.says1("voicemail has been recorded") {
			t.Errorf("action reply %s", r.body)
		}
	})
}

func TestEmptyRecordingIsNotAVoicemail(t *testing.T) {
	en := newEnv(t, testOptions())
	r := en.do(mode(modeVoicemailRecorded, "CallSid", callSid, "enqueuedTaskSid", taskSid, "attempt", "1"),
		"RecordingSid", recSid, "RecordingDuration", "0")
	if len(en.creator.created()) != 0 || query(t, r.redirect()).Get("attempt") != "2" {
		t.Errorf("empty recording: %s", r.body)
	}
	en.do(mode(modeRecordingStatus, "CallSid", callSid), "RecordingSid", recSid, "RecordingStatus", "absent")
	if len(en.creator.created()) != 0 {
		t.Error("absent recording made a task")
	}
}
