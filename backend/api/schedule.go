package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"flexcallback"
)

// chosenTime reads callbackAt (RFC 3339) or callbackSlot (a WAIT_CALLBACK_SLOTS name) and checks
// it against the scheduler's rules; zero: as soon as possible. A bad value is a 400 naming its field.
func (s *server) chosenTime(p params) (time.Time, error) {
	at, slot := p.get("callbackAt"), p.get("callbackSlot")
	switch {
	case at == "" && slot == "":
		return time.Time{}, nil
	case at != "" && slot != "":
		return time.Time{}, flexcallback.Invalid("callbackSlot", "give callbackAt or callbackSlot, not both")
	case s.Scheduler == nil:
		return time.Time{}, flexcallback.Invalid(cond(at != "", "callbackAt", "callbackSlot"), "scheduled callbacks are not available here")
	case slot != "":
		return s.Scheduler.Slot("callbackSlot", slot)
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, flexcallback.Invalid("callbackAt", "callbackAt must be an RFC 3339 time with its offset, such as 2025-05-02T14:00:00-05:00")
	}
	return t, s.Scheduler.Check("callbackAt", t)
}

func cond(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// scheduledAnswer is the answer to a request kept for later: no task yet (taskSid null, as when
// nothing is made), the scheduled request's ID and time.
func scheduledAnswer(sc flexcallback.ScheduledCallback) map[string]any {
	return map[string]any{"success": true, "taskSid": nil, "scheduled": true, "scheduledId": sc.ID,
		"callbackAt": sc.At.UTC().Format(time.RFC3339)}
}

// scheduledCallbacks serves flex/scheduled-callbacks for supervisors: GET lists the callbacks
// waiting for their time, POST with id cancels one.
func (s *server) scheduledCallbacks(ctx context.Context, r *Request) (Response, error) {
	if !r.Worker.Supervises() {
		return Response{}, flexcallback.Errorf(flexcallback.ErrForbidden, "only supervisors may see or cancel scheduled callbacks")
	}
	if s.Scheduler == nil {
		return Response{}, flexcallback.Errorf(flexcallback.ErrNotFound, "scheduled callbacks are not available here")
	}
	if r.Method != http.MethodPost {
		list, err := s.Scheduler.List(ctx)
		if err != nil {
			return Response{}, err
		}
		return ok(map[string]any{"scheduled": list, "timeZone": s.Scheduler.Zone().String()})
	}
	if err := requireParams(Prefix+"/flex/scheduled-callbacks", r.Params, [2]string{"id", "the scheduled callback to cancel"}); err != nil {
		return Response{}, err
	}
	sc, err := s.Scheduler.Cancel(ctx, r.Params.get("id"))
	if err != nil {
		return Response{}, err
	}
	s.Logger.InfoContext(ctx, "scheduled callback canceled", "audit", true, "scheduled_id", sc.ID,
		"scheduled_for", sc.At, "worker_sid", r.Worker.Sid, "identity", r.Worker.Identity)
	return ok(map[string]any{"success": true, "canceled": sc})
}

// retryAt keeps t's next attempt for at (an agent's "retry at") once, and marks t with it; see
// requeue. A concurrent retry that marked t first wins, and ours is canceled.
func retryAt(ctx context.Context, tasks flexcallback.TaskRouter, sched flexcallback.Scheduler, t flexcallback.Task, at time.Time) (Retry, error) {
	sc, err := sched.Schedule(ctx, flexcallback.Request{Original: &t, Key: requeueKey(t)}, at)
	if err != nil {
		return Retry{}, err
	}
	kept, err := markRetried(ctx, tasks, t.Sid, retryScheduled, sc.ID)
	if err != nil {
		return Retry{}, err
	}
	if kept != (Retry{ScheduledID: sc.ID}) {
		if _, err := sched.Cancel(ctx, sc.ID); err != nil && kept.ScheduledID != sc.ID {
			return Retry{}, fmt.Errorf("cancel duplicate retry of %s: %w", t.Sid, err)
		}
		kept.Replayed = true
		return kept, nil
	}
	return Retry{ScheduledID: sc.ID, At: sc.At}, nil
}
