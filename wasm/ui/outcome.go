package ui

import (
	"context"
	"fmt"
	"net/url"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

// The outcome step (issue 16): once the call back placed from the task has ended (the shim follows
// Flex's outbound task and says so in task.outboundCall), the panel asks the agent what came of it
// and records it through flex/record-outcome. "No answer" and "busy" then offer the retry at once
// (the same action as the Retry button: p.onRetry); "wrong number" ends the callback by wrapping the
// task up, which is what a Flex agent does with a callback that is over: the task leaves the list
// after wrap-up, with Flex's disposition step kept, and the backend refuses any later requeue.

const busyOutcome = "outcome"

// outcomeKeys are the outcome buttons' labels.
var outcomeKeys = map[flexcallback.Outcome]string{
	flexcallback.OutcomeReached:     keyOutcomeReached,
	flexcallback.OutcomeNoAnswer:    keyOutcomeNoAnswer,
	flexcallback.OutcomeBusy:        keyOutcomeBusy,
	flexcallback.OutcomeLeftMessage: keyOutcomeLeftMessage,
	flexcallback.OutcomeWrongNumber: keyOutcomeWrongNumber,
}

// recordOutcome reports the outcome of the call back callSid of a callback task.
func (c apiClient) recordOutcome(ctx context.Context, token, taskSid, callSid string, o flexcallback.Outcome) error {
	form := url.Values{"taskSid": {taskSid}, "callSid": {callSid}, "outcome": {string(o)}}
	if err := c.post(ctx, "flex/record-outcome", token, form, nil); err != nil {
		return fmt.Errorf("record outcome: %w", err)
	}
	return nil
}

// applyRecorded lays what this panel recorded over the task's attempt log, which Flex's task
// update may not have brought yet.
func (p *panel) applyRecorded(v *flexcallback.PanelView) {
	if p.recorded == "" || p.recordedCall != v.CallSid {
		return
	}
	v.Outcome, v.AskOutcome = p.recorded, false
	if p.recorded.EndsCallback() {
		v.ShowRetry, v.RetryEnabled = false, false
	}
}

// onOutcome returns the click handler of one outcome button.
func (p *panel) onOutcome(o flexcallback.Outcome) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		v := p.view()
		if p.task == nil || !v.AskOutcome || p.busy != "" {
			return
		}
		p.busy = busyOutcome
		p.setStatus("", false)
		token, task, call := p.token, *p.task, v.CallSid
		ctx.Async(func() {
			rctx, cancel := p.requestContext(ctx)
			defer cancel()
			err := p.api.recordOutcome(rctx, token, task.TaskSid, call, o)
			p.dispatch(ctx, app.Update, func(ctx app.Context) { p.outcomeRecorded(ctx, task, call, o, err) })
		})
	}
}

// outcomeRecorded shows what became of the report and takes the step that follows it.
func (p *panel) outcomeRecorded(ctx app.Context, task flexcallback.PanelTask, call string, o flexcallback.Outcome, err error) {
	p.busy = ""
	if err != nil {
		text := tr(p.locale, keyErrorRecordingOutcome, map[string]string{"reason": agentMessage(err)})
		p.setStatus(text, true)
		p.send(flexcallback.NewNotify(flexcallback.LevelError, text))
		return
	}
	p.recorded, p.recordedCall = o, call
	switch {
	case o.EndsCallback():
		p.busy = busyOutcome
		p.act(ctx, flexcallback.ActionWrapupTask, map[string]any{"sid": task.Sid}, pendingAction{ended: true})
	case o.OffersRetry() && p.view().RetryEnabled:
		p.focus(ctx, "outcome-retry")
	default:
		p.setStatus(tr(p.locale, keyOutcomeRecorded, map[string]string{"outcome": tr(p.locale, outcomeKeys[o], nil)}), false)
	}
}

// endedWrapup shows the answer to the wrap-up that ended a callback.
func (p *panel) endedWrapup(m flexcallback.Message) {
	if !m.OK {
		p.setStatus(tr(p.locale, keyErrorWrappingUp, map[string]string{"reason": m.Error}), true)
		return
	}
	p.setStatus(tr(p.locale, keyOutcomeEnded, nil), false)
}

// renderOutcome is the outcome step: the question with one button per outcome, then the outcome
// recorded and, after no answer or busy, the retry.
func (p *panel) renderOutcome(v flexcallback.PanelView) app.UI {
	l := p.locale
	heading := app.H2().ID("outcome-heading").Class("cv-subheading").Text(tr(l, keyOutcomeHeading, nil))
	return app.If(v.AskOutcome,
		app.Section().ID("outcome").Class("cv-box").Role("group").Aria("labelledby", "outcome-heading").Body(
			heading,
			app.Div().Class("cv-actions").Body(
				app.Range(flexcallback.Outcomes).Slice(func(i int) app.UI {
					o := flexcallback.Outcomes[i]
					return app.Button().ID("outcome-" + string(o)).Type("button").Class("cv-button cv-button-secondary").
						Disabled(p.busy != "").Text(tr(l, outcomeKeys[o], nil)).OnClick(p.onOutcome(o))
				}),
			),
		),
	).ElseIf(v.Outcome != "",
		app.Section().ID("outcome").Class("cv-box").Body(
			heading,
			app.P().ID("outcome-recorded").Text(tr(l, keyOutcomeRecorded, map[string]string{"outcome": tr(l, outcomeKeys[v.Outcome], nil)})),
			app.If(v.Outcome.OffersRetry() && v.ShowRetry,
				app.P().ID("outcome-retry-question").Text(tr(l, keyOutcomeRetryOffer, nil)),
				// The same action as the Retry button below: whatever "retry" offers, this offers.
				app.Button().ID("outcome-retry").Type("button").Class("cv-button cv-button-primary").
					Aria("describedby", "outcome-retry-question").
					Disabled(!v.RetryEnabled).Text(tr(l, keyRetryLater, nil)).OnClick(p.onRetry),
			),
		),
	)
}
