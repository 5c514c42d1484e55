package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

// The preset times of "Retry at…", on the business's clock.
const (
	afternoonHour = 14 // this afternoon, 14:00
	morningHour   = 9  // tomorrow, 09:00
	// presetMargin is how far ahead "this afternoon" must still be to be offered.
	presetMargin = 15 * time.Minute
)

// localInput is the value format of <input type="datetime-local">.
const localInput = "2006-01-02T15:04"

// retryPreset is one time "Retry at…" offers in one click.
type retryPreset struct {
	Key string // its label's string key
	At  time.Time
}

// retryPresets are the times offered at now: in one hour, this afternoon at 14:00 (while it is
// still ahead) and tomorrow at 09:00, the clock times read in the business zone, so they fall
// where the business's hours are whatever the agent's own zone, and across a DST change. The
// backend still judges each against business hours and the horizon.
func retryPresets(now time.Time, zone string) []retryPreset {
	out := []retryPreset{{Key: keyRetryInHour, At: now.Add(time.Hour).Truncate(time.Minute)}}
	today := wallClock(now, zone)
	y, m, d := today.Date()
	if afternoon := zoneTime(time.Date(y, m, d, afternoonHour, 0, 0, 0, time.UTC), zone); afternoon.After(now.Add(presetMargin)) {
		out = append(out, retryPreset{Key: keyRetryAfternoon, At: afternoon})
	}
	out = append(out, retryPreset{Key: keyRetryTomorrow, At: zoneTime(time.Date(y, m, d+1, morningHour, 0, 0, 0, time.UTC), zone)})
	return out
}

// zoneTime is the instant at which zone's clock shows wall (a date and time held as UTC fields).
// The zone's offset is read at a first guess and again at the result, which settles it on either
// side of a DST change; a wall time a spring-forward skips comes out an hour early.
func zoneTime(wall time.Time, zone string) time.Time {
	offset := func(t time.Time) time.Duration { return wallClock(t, zone).Sub(t) }
	t := wall.Add(-offset(wall))
	if o := offset(t); wall.Add(-o) != t {
		t = wall.Add(-o)
	}
	return t
}

// parseLocalInput reads a datetime-local value as a time in zone.
func parseLocalInput(v, zone string) (time.Time, bool) {
	wall, err := time.Parse(localInput, v)
	if err != nil {
		return time.Time{}, false
	}
	return zoneTime(wall, zone), true
}

// retryAt is the "Retry at…" control beside "Retry later": a disclosure with the presets and a
// date-and-time picker read in the business zone. Choosing calls OnChoose with the time; the
// panel then asks the backend (flex/requeue-callback with callbackAt) and shows a refusal.
type retryAt struct {
	app.Compo

	Locale       string
	BusinessZone string // IANA zone the presets and the picker are read in; "" is the agent's
	Disabled     bool
	Now          func() time.Time // nil: the agent's clock
	OnChoose     func(ctx app.Context, at time.Time)

	open  bool
	value string // the picker's, as datetime-local writes it
}

func (r *retryAt) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *retryAt) toggle(ctx app.Context, e app.Event) { r.open = !r.open }

func (r *retryAt) choose(ctx app.Context, at time.Time) {
	if r.Disabled || r.OnChoose == nil {
		return
	}
	r.open = false
	r.OnChoose(ctx, at)
}

func (r *retryAt) onInput(ctx app.Context, e app.Event) { r.value = ctx.JSSrc().Get("value").String() }

func (r *retryAt) onSubmit(ctx app.Context, e app.Event) {
	if at, ok := parseLocalInput(r.value, r.BusinessZone); ok {
		r.choose(ctx, at)
	}
}

func (r *retryAt) Render() app.UI {
	l := r.Locale
	presets := retryPresets(r.now(), r.BusinessZone)
	_, ok := parseLocalInput(r.value, r.BusinessZone)
	return app.Div().Class("cv-retry-at").Body(
		app.Button().
			ID("retry-at").Type("button").Class("cv-button cv-button-secondary").
			Disabled(r.Disabled).
			Aria("expanded", strconv.FormatBool(r.open)).Aria("controls", "retry-at-choices").
			Text(tr(l, keyRetryAt, nil)).
			OnClick(r.toggle),
		app.If(r.open,
			app.FieldSet().ID("retry-at-choices").Class("cv-confirm").Disabled(r.Disabled).Body(
				app.Legend().Text(tr(l, keyRetryAtLegend, nil)),
				app.Range(presets).Slice(func(i int) app.UI {
					p := presets[i]
					return app.Button().
						ID("retry-preset-"+strconv.Itoa(i+1)).Type("button").Class("cv-button cv-button-secondary").
						Attr("data-at", p.At.UTC().Format(time.RFC3339)).
						Text(tr(l, p.Key, nil) + " · " + formatDateTime(l, p.At, r.BusinessZone)).
						OnClick(func(ctx app.Context, e app.Event) { r.choose(ctx, p.At) })
				}),
				app.Label().For("retry-at-time").Text(tr(l, keyRetryAtTime, map[string]string{"zone": first(r.BusinessZone, tr(l, keyYourTimeZone, nil))})),
				app.Input().
					ID("retry-at-time").Type("datetime-local").Class("cv-input").
					Min(wallClock(r.now(), r.BusinessZone).Format(localInput)).
					Value(r.value).
					OnInput(r.onInput).OnChange(r.onInput),
				app.Button().
					ID("retry-at-submit").Type("button").Class("cv-button cv-button-primary").
					Disabled(!ok).
					Text(tr(l, keyRetryAtSubmit, nil)).
					OnClick(r.onSubmit),
				app.Button().
					ID("retry-at-cancel").Type("button").Class("cv-button cv-button-secondary").
					Text(tr(l, keyCancel, nil)).
					OnClick(r.toggle),
			),
		),
	)
}

// retry is "Retry later" (spec §5.7), now when at is zero, else at that time (issue 16): the
// backend makes or schedules the next attempt, then Flex wraps this task up. A refusal (a time in
// the past, outside business hours, beyond the horizon) is shown with the backend's own message,
// once, on the status line and as Flex's notification (fixes B9).
func (p *panel) retry(ctx app.Context, at time.Time) {
	if p.task == nil || !p.view().RetryEnabled {
		return
	}
	p.busy = busyRequeue
	p.setStatus("", false)
	token, task, next := p.token, *p.task, p.view().ThisAttempt+1
	ctx.Async(func() {
		rctx, cancel := p.requestContext(ctx)
		defer cancel()
		_, err := p.api.requeueCallback(rctx, token, task.TaskSid, at)
		p.dispatch(ctx, app.Update, func(ctx app.Context) {
			if err != nil {
				p.busy = ""
				text := tr(p.locale, keyErrorRequeuing, map[string]string{"reason": agentMessage(err)})
				p.setStatus(text, true)
				p.send(flexcallback.NewNotify(flexcallback.LevelError, text))
				return
			}
			p.act(ctx, flexcallback.ActionWrapupTask, map[string]any{"sid": task.Sid}, pendingAction{nextAttempt: next, at: at})
		})
	})
}

// retriedText is the status once the retried task is wrapped up.
func (p *panel) retriedText(pa pendingAction) string {
	next := formatNumber(p.locale, pa.nextAttempt)
	if pa.at.IsZero() {
		return tr(p.locale, keyRequeued, map[string]string{"nextAttempt": next})
	}
	return tr(p.locale, keyRetryScheduled, map[string]string{"nextAttempt": next, "time": formatDateTime(p.locale, pa.at, "")})
}

// scheduledFor shows callBackData.scheduledFor: the time the caller or an agent chose, in the
// agent's zone and, beside it, the business's.
type scheduledFor struct {
	app.Compo

	At           time.Time
	Locale       string
	BusinessZone string
}

func (s *scheduledFor) Render() app.UI {
	l := s.Locale
	return app.Section().Class("cv-box").Body(
		app.H2().ID("scheduled-heading").Class("cv-subheading").Text(tr(l, keyScheduledFor, nil)),
		app.P().Body(
			app.Time().ID("scheduled-for").DateTime(s.At.UTC().Format(time.RFC3339)).Text(formatDateTime(l, s.At, "")),
		),
		app.P().ID("scheduled-for-business").Class("cv-weak").
			Text(tr(l, keySystemTime, map[string]string{"systemTime": formatDateTime(l, s.At, s.BusinessZone)})),
	)
}
