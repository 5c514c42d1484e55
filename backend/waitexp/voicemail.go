package waitexp

import (
	"context"
	"strconv"

	"flexcallback"
	"flexcallback/backend/phone"
)

// startVoicemail takes the call out of the queue to record. <Record> is not allowed in a waitUrl
// document, so the live call is redirected by REST; the call task is canceled first so that its
// reporting attributes can still be written (PR #653). The voicemail task itself is created once
// the recording exists (B11).
func (t *turn) startVoicemail(ctx context.Context) []verb {
	sorry := []verb{t.v.say(keyProcessingError), redirect(t.loopURL(t.s))}
	if t.s.callSid == "" {
		t.log.WarnContext(ctx, "voicemail choice without a CallSid")
		return sorry
	}
	log := t.log.With("task_sid", t.s.taskSid)
	task, found, answer := t.choiceTask(ctx, log, "voicemail")
	if answer != nil {
		return answer
	}
	canceled := !found
	if found && waiting(task) {
		res, err := t.cancelTask(ctx, task, reasonVoicemail)
		if err != nil {
			// The task still waits: the caller stays queued, able to try again.
			log.ErrorContext(ctx, "cancel call task before voicemail", "outcome", res, "err", err)
			return sorry
		}
		log.InfoContext(ctx, "call task canceled", "outcome", res)
		canceled = true
	} else if found {
		canceled = true // already canceled, by an earlier press of this same choice
	}
	err := t.voice.UpdateCall(ctx, t.s.callSid, flexcallback.CallUpdate{
		URL:    t.url(modeRecordVoicemail, t.s, t.numbers()...),
		Method: "POST",
	})
	if err == nil {
		return nil // the call already runs record-voicemail; this document is never played
	}
	log.ErrorContext(ctx, "redirect call to voicemail", "err", err)
	if canceled {
		// Without its task the call would wait forever in a queue no agent serves.
		return []verb{t.v.say(keyProcessingError), hangup()}
	}
	return sorry
}

// numbers are the caller's and the dialled number, passed explicitly to the recording callbacks
// because the transcription callback carries wrong Caller/Called when Caller Name Lookup is on.
func (t *turn) numbers() []string {
	caller := t.p.get(pCallerNumber)
	if caller == "" {
		caller = t.p.get("Caller")
	}
	called := t.p.get(pCalledNumber)
	if called == "" {
		called = t.p.get("Called")
	}
	return []string{pCalledNumber, called, pCallerNumber, caller}
}

// recordVoicemail records the message. The recording becomes a task from the Record action and
// from the recording status callback, whichever comes first; the transcription patches it (B11).
// A recording that ends empty falls through to a retry, at most MaxRecordAttempts times (B12).
func (t *turn) recordVoicemail(context.Context) []verb {
	attempt := t.attempt()
	nums := t.numbers()
	rec := record(t.url(modeVoicemailRecorded, t.s, append(nums, pAttempt, strconv.Itoa(attempt))...),
		t.url(modeSubmitVoicemail, t.s, nums...), t.url(modeRecordingStatus, t.s, nums...), t.opts.MaxRecordLength)
	return append([]verb{t.v.say(keyRecordVoicemailPrompt), rec}, t.notCaptured(attempt)...)
}

func (t *turn) attempt() int {
	n, err := strconv.Atoi(t.p.get(pAttempt))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// notCaptured retries the recording, or gives up after the last attempt.
func (t *turn) notCaptured(attempt int) []verb {
	if attempt >= t.opts.MaxRecordAttempts {
		return []verb{t.v.say(keyVoicemailNotCapturedFinal), hangup()}
	}
	return []verb{
		t.v.say(keyVoicemailNotCaptured),
		redirect(t.url(modeRecordVoicemail, t.s, append(t.numbers(), pAttempt, strconv.Itoa(attempt+1))...)),
	}
}

// voicemailRecorded is the Record action: the recording exists, so the task is made now.
func (t *turn) voicemailRecorded(ctx context.Context) []verb {
	if t.p.get("RecordingSid") == "" || !t.wanted(ctx) {
		return t.notCaptured(t.attempt())
	}
	if err := t.saveVoicemail(ctx, "", "", false); err != nil {
		// The recording is kept by Twilio and its status and transcription callbacks make the
		// task too, so the caller's message is not lost: we still thank them.
		t.log.ErrorContext(ctx, "create voicemail from record action; callbacks will retry", "err", err)
	}
	return []verb{t.v.say(keyVoicemailRecorded), hangup()}
}

// recordingStatus is the recording status callback (ours, B11). It answers with an empty body.
func (t *turn) recordingStatus(ctx context.Context) []verb {
	if t.p.get("RecordingSid") == "" || !t.wanted(ctx) {
		return nil
	}
	if err := t.saveVoicemail(ctx, "", "", false); err != nil {
		t.log.ErrorContext(ctx, "create voicemail from recording status", "err", err)
	}
	return nil
}

// submitVoicemail is the transcription callback: it makes the task if the recording callbacks
// have not, or writes the transcript onto it; a failed transcription marks it unavailable. A
// recording that failed or lasted 0 s makes no task. It answers with an empty body.
func (t *turn) submitVoicemail(ctx context.Context) []verb {
	if t.p.get("RecordingSid") == "" {
		t.log.WarnContext(ctx, "transcription callback without RecordingSid")
		return nil
	}
	if !t.wanted(ctx) {
		return nil
	}
	var sid, text string
	if st := t.p.get("TranscriptionStatus"); st == "" || st == "completed" {
		sid, text = t.p.get("TranscriptionSid"), t.p.get("TranscriptionText")
	}
	if err := t.saveVoicemail(ctx, sid, text, t.report().TranscriptFailed()); err != nil {
		t.log.ErrorContext(ctx, "create voicemail from transcription", "err", err)
	}
	return nil
}

// report is what this callback says of its recording.
func (t *turn) report() flexcallback.RecordingReport {
	return flexcallback.RecordingReport{
		Sid: t.p.get("RecordingSid"), Status: t.p.get("RecordingStatus"),
		Duration: t.p.get("RecordingDuration"), TranscriptionStatus: t.p.get("TranscriptionStatus"),
	}
}

// wanted reports whether this callback's recording deserves a voicemail task.
func (t *turn) wanted(ctx context.Context) bool {
	ok, err := flexcallback.VoicemailWanted(ctx, t.voice, t.report())
	if err != nil {
		t.log.WarnContext(ctx, "fetch recording; keeping the voicemail", "err", err)
	}
	if !ok {
		t.log.InfoContext(ctx, "recording failed or empty: no voicemail", "recording_sid", t.p.get("RecordingSid"))
	}
	return ok
}

// saveVoicemail asks for the voicemail task of this request's recording.
func (t *turn) saveVoicemail(ctx context.Context, transcriptSid, transcriptText string, transcriptFailed bool) error {
	nums := t.numbers()
	called, caller := nums[1], nums[3]
	if n, err := phone.Normalize(caller, t.opts.Region); err == nil && !phone.IsAddress(caller) {
		caller = n
	}
	r := flexcallback.Request{
		NumberToCall:     caller,
		NumberToCallFrom: called,
		RecordingSid:     t.p.get("RecordingSid"),
		RecordingURL:     t.p.get("RecordingUrl"),
		TranscriptSid:    transcriptSid,
		TranscriptText:   transcriptText,
		TranscriptFailed: transcriptFailed,
		Key:              t.p.get("RecordingSid"),
		Source:           flexcallback.SourceWait,
	}
	if t.s.taskSid != "" && (t.opts.RetainRouting || t.opts.RetainPlaceInQueue) {
		task, found, err := t.callTask(ctx)
		if err != nil {
			// A voicemail without its routing beats no voicemail.
			t.log.WarnContext(ctx, "fetch call task for voicemail; creating without it", "err", err)
		}
		t.retain(&r, task, found)
	}
	a, err := t.create.Ask(ctx, r)
	if err != nil {
		return err
	}
	t.log.InfoContext(ctx, "voicemail task", "voicemail_task_sid", a.Sid, "recording_sid", r.RecordingSid,
		"transcript", transcriptSid != "", "merged", a.Merged)
	return nil
}
