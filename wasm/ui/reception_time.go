package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// receptionTime shows when the call came in, in the agent's own zone, with the business time
// (BUSINESS_TIME_ZONE, fixes U4) in a tooltip. The tooltip hangs off a focusable button through
// aria-describedby, so it shows on hover and on keyboard focus and is read by screen readers.
type receptionTime struct {
	app.Compo

	Received     time.Time
	Locale       string
	BusinessZone string // IANA zone; "" uses the task's mainTimeZone, then the agent's
}

func (r *receptionTime) Render() app.UI {
	system := tr(r.Locale, keySystemTime, map[string]string{
		"systemTime": formatDateTime(r.Locale, r.Received, r.BusinessZone),
	})
	return app.P().Class("cv-reception").Body(
		app.Time().
			ID("reception-time").
			DateTime(r.Received.UTC().Format(time.RFC3339)).
			Text(formatDateTime(r.Locale, r.Received, "")),
		app.Span().Class("cv-tip-anchor").Body(
			app.Button().
				ID("system-time-button").
				Type("button").
				Class("cv-info").
				Aria("label", tr(r.Locale, keySystemTimeLabel, nil)).
				Aria("describedby", "system-time").
				Body(app.Span().Aria("hidden", "true").Text("i")),
			app.Span().
				ID("system-time").
				Role("tooltip").
				Class("cv-tooltip").
				Text(system),
		),
	)
}
