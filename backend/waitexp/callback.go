package waitexp

import (
	"context"
	"log/slog"
	"strings"

	"flexcallback"
	"flexcallback/backend/phone"
)

// Cancel reasons of the reference (spec §3.6); reports filter on them.
const (
	reasonCallback  = "Opted to request a callback"
	reasonVoicemail = "Opted to leave a voicemail"
)

// callbackOrVoicemail follows the menu: 1 is a callback, 2 a voicemail. When only voicemail can
// be offered, its menu said "press 1", so 1 means voicemail there.
func (t *turn) callbackOrVoicemail(ctx context.Context) []verb {
	o := t.offer()
	d := t.p.get("Digits")
	switch {
	case t.s.taskSid == "":
		return []verb{redirect(t.loopURL(t.s))}
	case d == "1" && o.callback:
		return t.offerCallback(o)
	case (d == "2" || d == "1") && o.voicemail:
		return t.startVoicemail(ctx)
	}
	return []verb{redirect(t.loopURL(t.s))}
}

// offerCallback asks which number to call back, skipping what cannot be offered: the caller's
// own number when it is not dialable (B6), another number when that option is off.
func (t *turn) offerCallback(o offer) []verb {
	switch {
	case o.sameNumber != "" && t.opts.AllowAlternateNumber:
		return []verb{
			gather(t.url(modeCallbackChoice, t.s), 5, 1, "", t.v.say(keyCallbackChoice)),
			redirect(t.loopURL(t.s)),
		}
	case o.sameNumber != "":
		return []verb{redirect(t.url(modeSubmitCallback, t.s, pTo, o.sameNumber))}
	case t.opts.AllowAlternateNumber:
		return t.askNumber()
	}
	return []verb{redirect(t.loopURL(t.s))}
}

// askNumber asks for the number to call back; with no entry the caller goes back to the music.
func (t *turn) askNumber(before ...verb) []verb {
	return append(before,
		gather(t.url(modeOtherNumberOption, t.s), 10, 0, "#", t.v.say(keyCallbackForOtherNumber)),
		redirect(t.loopURL(t.s)),
	)
}

// callbackChoice follows "1 for this number, 2 for another".
func (t *turn) callbackChoice(context.Context) []verb {
	o := t.offer()
	switch d := t.p.get("Digits"); {
	case d == "1" && o.sameNumber != "":
		return []verb{redirect(t.url(modeSubmitCallback, t.s, pTo, o.sameNumber))}
	case (d == "2" || d == "1") && t.opts.AllowAlternateNumber:
		return t.askNumber()
	}
	return []verb{redirect(t.loopURL(t.s))}
}

// otherNumberOption reads back the number entered, normalised to E.164 (B6), and asks to
// confirm it. A number we cannot call is asked for again.
func (t *turn) otherNumberOption(context.Context) []verb {
	n, ok := t.normalize(t.p.get("Digits"))
	if !ok {
		return t.askNumber(t.v.say(keyInvalidNumber))
	}
	return []verb{
		t.v.sayNumber(keyOtherNumberConfirm1, n),
		gather(t.url(modeOtherNumberConfirm, t.s, pUpdatedPhoneNumber, n), 15, 1, "#", t.v.say(keyOtherNumberConfirm2)),
		redirect(t.loopURL(t.s)),
	}
}

// otherNumberConfirm follows "1 to confirm, 2 to re-enter".
func (t *turn) otherNumberConfirm(context.Context) []verb {
	if t.p.get("Digits") != "1" {
		return t.askNumber()
	}
	// Calls from before a deploy carry the raw digits the reference stored.
	n, ok := t.normalize(t.p.get(pUpdatedPhoneNumber))
	if !ok {
		return t.askNumber(t.v.say(keyInvalidNumber))
	}
	return []verb{redirect(t.url(modeSubmitCallback, t.s, pTo, n))}
}

// normalize returns raw as a dialable E.164 number.
func (t *turn) normalize(raw string) (string, bool) {
	raw = strings.TrimSuffix(strings.TrimSpace(raw), "#")
	if raw == "" || phone.IsAddress(raw) {
		return "", false
	}
	n, err := phone.Normalize(raw, t.opts.Region)
	return n, err == nil
}

// submitCallback creates the callback, then cancels the call task, then confirms (B8). If the
// create fails the caller hears an apology and stays queued with the call task untouched.
func (t *turn) submitCallback(ctx context.Context) []verb {
	sorry := []verb{t.v.say(keyProcessingError), redirect(t.loopURL(t.s))}
	if t.s.taskSid == "" {
		t.log.WarnContext(ctx, "submit-callback without a call task")
		return sorry
	}
	to, ok := t.normalize(t.p.get(pTo))
	if !ok {
		if t.opts.AllowAlternateNumber {
			return t.askNumber(t.v.say(keyInvalidNumber))
		}
		return []verb{t.v.say(keyInvalidNumber), redirect(t.loopURL(t.s))}
	}
	at, answer := t.when(to)
	if answer != nil {
		return answer
	}
	log := t.log.With("task_sid", t.s.taskSid, "to", phone.Mask(to))
	task, found, answer := t.choiceTask(ctx, log, "callback")
	if answer != nil {
		return answer
	}
	r := t.callbackRequest(to)
	t.retain(&r, task, found)
	if !at.IsZero() {
		return t.schedule(ctx, log, r, at, task, found)
	}
	a, err := t.create.Ask(ctx, r)
	if err != nil {
		log.ErrorContext(ctx, "create callback failed; caller stays queued", "err", err)
		return sorry
	}
	log.InfoContext(ctx, "callback created", "callback_task_sid", a.Sid, "replayed", a.Replayed, "merged", a.Merged)
	t.leaveQueue(ctx, log, task, found)
	switch closed, next := t.closed(); {
	case a.Merged:
		return []verb{t.v.say(keyCallbackArranged), hangup()}
	case closed:
		return []verb{t.v.say(keyClosedCallbackSubmitted, "{opening}", t.opening(t.v.tag, next)), hangup()}
	}
	return []verb{t.v.say(keyCallbackSubmitted), hangup()}
}

// callbackRequest is this call's callback request to number to.
func (t *turn) callbackRequest(to string) flexcallback.Request {
	return flexcallback.Request{
		NumberToCall:     to,
		NumberToCallFrom: t.p.get("Called"),
		Key:              t.s.taskSid + ":callback",
		Source:           flexcallback.SourceWait,
	}
}

// arranged answers a caller whose number has an open callback or voicemail task: the request joins
// that task, the caller hears it is arranged and is not asked again. nil: no such task; the menu.
func (t *turn) arranged(ctx context.Context, o offer) []verb {
	if o.sameNumber == "" {
		return nil
	}
	r := t.callbackRequest(o.sameNumber)
	r.MergeOnly = true
	log := t.log.With("task_sid", t.s.taskSid, "to", phone.Mask(o.sameNumber))
	a, err := t.create.Ask(ctx, r)
	if err != nil {
		log.WarnContext(ctx, "look for the caller's open callback; offering the menu", "err", err)
		return nil
	}
	if a.Sid == "" {
		return nil
	}
	log.InfoContext(ctx, "callback already arranged; request merged", "callback_task_sid", a.Sid, "replayed", a.Replayed)
	task, found, err := t.callTask(ctx)
	if err != nil {
		log.WarnContext(ctx, "fetch call task after merge", "err", err)
	}
	if found && connecting(task) {
		return []verb{redirect(t.loopURL(t.s))} // an agent took the call meanwhile: it is about to be bridged
	}
	t.leaveQueue(ctx, log, task, found)
	return []verb{t.v.say(keyCallbackArranged), hangup()}
}

// leaveQueue cancels the waiting call task once the caller's request is safe in a callback task.
func (t *turn) leaveQueue(ctx context.Context, log *slog.Logger, task flexcallback.Task, found bool) {
	if found && waiting(task) {
		// The request is safe in its own task now; a failed cancel only leaves a stale call task,
		// which TaskRouter cancels when the call leaves the queue.
		if res, err := t.cancelTask(ctx, task, reasonCallback); err != nil {
			log.ErrorContext(ctx, "cancel call task after callback", "outcome", res, "err", err)
		} else {
			log.InfoContext(ctx, "call task canceled", "outcome", res)
		}
	}
}

// choiceTask fetches the call's task for the caller's choice (a callback, a voicemail). answer,
// when not nil, is what to answer instead: an apology when the fetch failed, the hold music when
// an agent took the call meanwhile (it is about to be bridged).
func (t *turn) choiceTask(ctx context.Context, log *slog.Logger, choice string) (task flexcallback.Task, found bool, answer []verb) {
	task, found, err := t.callTask(ctx)
	if err != nil {
		log.ErrorContext(ctx, "fetch call task", "err", err)
		return task, false, []verb{t.v.say(keyProcessingError), redirect(t.loopURL(t.s))}
	}
	if found && connecting(task) {
		log.InfoContext(ctx, "call task already assigned; no "+choice, "status", task.Status)
		return task, false, []verb{redirect(t.loopURL(t.s))}
	}
	return task, found, nil
}

// callTask fetches the call's task. A task that no longer exists is found false, not an error:
// the request can still be made, without the task's routing.
func (t *turn) callTask(ctx context.Context) (flexcallback.Task, bool, error) {
	task, err := t.tasks.FetchTask(ctx, t.s.taskSid)
	if isGone(err) {
		t.log.WarnContext(ctx, "call task not found", "task_sid", t.s.taskSid)
		return flexcallback.Task{}, false, nil
	}
	if err != nil {
		return flexcallback.Task{}, false, err
	}
	return task, true, nil
}

// retain applies retainRouting and retainPlaceInQueue.
func (t *turn) retain(r *flexcallback.Request, task flexcallback.Task, found bool) {
	if !found {
		return
	}
	if t.opts.RetainRouting {
		r.Original = &task
	}
	if t.opts.RetainPlaceInQueue {
		r.VirtualStartTime = task.DateCreated
	}
}

func waiting(t flexcallback.Task) bool {
	return t.Status == flexcallback.StatusPending || t.Status == flexcallback.StatusReserved
}

func connecting(t flexcallback.Task) bool {
	return t.Status == flexcallback.StatusAssigned || t.Status == flexcallback.StatusWrapping ||
		t.Status == flexcallback.StatusCompleted
}
