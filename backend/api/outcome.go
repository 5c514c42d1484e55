package api

import (
	"cmp"
	"context"
	"time"

	"flexcallback"
)

// RecordOutcomePath is flex/record-outcome: what came of one call back.
const RecordOutcomePath = Prefix + "/flex/record-outcome"

// OutcomeObserver is told what recording outcomes finds out (backend/metrics). Each is called once
// per attempt: a repeated report of the same call is not counted again.
type OutcomeObserver interface {
	// OutcomeRecorded counts an attempt by its outcome.
	OutcomeRecorded(outcome string)
	// FirstAttempt is the time from the caller's request (callBackData.utcDateTimeReceived) to the
	// callback's first reported attempt.
	FirstAttempt(sinceRequest time.Duration)
	// CallbackEnded is the number of attempts of a callback whose last attempt ends it.
	CallbackEnded(attempts int)
}

// recordOutcome serves flex/record-outcome: the worker holding a callback task (an accepted
// reservation; supervisors too) reports the outcome of the call back it made. The attempt is
// appended to callBackData.attemptLog and conversations.outcome is set for Flex Insights, under
// the task's ETag, once per call SID: the same report again changes nothing, another outcome for
// the same call is a 409.
func (s *server) recordOutcome(ctx context.Context, r *Request) (Response, error) {
	p := r.Params
	if err := requireParams(RecordOutcomePath, p,
		[2]string{"taskSid", "the callback task SID"},
		[2]string{"callSid", "the SID of the call back"},
		[2]string{"outcome", "what came of the call"}); err != nil {
		return Response{}, err
	}
	o, err := flexcallback.ParseOutcome(p.get("outcome"))
	if err != nil {
		return Response{}, err
	}
	callSid := p.get("callSid")
	if !flexcallback.ValidCallSid(callSid) {
		return Response{}, flexcallback.Invalid("callSid", "callSid must look like CA followed by 32 hex digits")
	}
	t, err := heldTask(ctx, s.Twilio, s.Twilio, r.Worker, p.get("taskSid"))
	if err != nil {
		return Response{}, err
	}
	if t.Status != flexcallback.StatusAssigned && t.Status != flexcallback.StatusWrapping {
		return Response{}, flexcallback.Errorf(flexcallback.ErrConflict, "task %s is %s; an outcome is recorded while it is assigned or wrapping", t.Sid, t.Status)
	}
	a := flexcallback.Attempt{Time: s.now(), Worker: cmp.Or(r.Worker.Sid, r.Worker.Identity), Outcome: o, CallSid: callSid}
	res, err := recordAttempt(ctx, s.Twilio, t.Sid, a)
	if err != nil {
		return Response{}, err
	}
	if res.appended {
		s.observeOutcome(a, res, s.Config.MaxAttempts)
		s.Logger.InfoContext(ctx, "callback outcome recorded", "task_sid", t.Sid, "call_sid", callSid, "outcome", o,
			"attempt", len(res.log), "worker_sid", r.Worker.Sid)
	}
	return ok(map[string]any{"success": true, "outcome": o, "attempts": len(res.log),
		"offersRetry": o.OffersRetry(), "endsCallback": o.EndsCallback()})
}

// recorded is what recordAttempt found and did.
type recorded struct {
	appended bool                   // the attempt is new
	log      []flexcallback.Attempt // the attempt log afterwards
	data     flexcallback.CallbackData
}

// recordAttempt writes a into task sid under its ETag (flexcallback.RecordAttempt).
func recordAttempt(ctx context.Context, tasks flexcallback.TaskRouter, sid string, a flexcallback.Attempt) (recorded, error) {
	var res recorded
	var refused error
	err := flexcallback.UpdateGuarded(ctx, tasks, sid, func(t flexcallback.Task) (flexcallback.TaskUpdate, bool) {
		res.appended, refused = flexcallback.RecordAttempt(t.Attributes, a)
		res.log, res.data = flexcallback.ReadAttemptLog(t.Attributes), flexcallback.ReadCallbackData(t.Attributes)
		return flexcallback.TaskUpdate{Attributes: t.Attributes}, res.appended
	})
	return res, cmp.Or(refused, err)
}

// observeOutcome tells the observer about a new attempt: its outcome; the time from the request
// when it is the callback's first; the callback's attempts when this one ends it (the customer was
// reached or got a message, the number is wrong, or no attempt is left to retry with).
func (s *server) observeOutcome(a flexcallback.Attempt, res recorded, maxAttempts int) {
	if s.Outcomes == nil {
		return
	}
	s.Outcomes.OutcomeRecorded(string(a.Outcome))
	if len(res.log) == 1 && !res.data.Received.IsZero() {
		s.Outcomes.FirstAttempt(a.Time.Sub(res.data.Received))
	}
	if !a.Outcome.OffersRetry() || res.data.Attempts+1 >= maxAttempts {
		s.Outcomes.CallbackEnded(len(res.log))
	}
}

// now is the handlers' clock: Deps.Now, else the wall clock.
func (s *server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
