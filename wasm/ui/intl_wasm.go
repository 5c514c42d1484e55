package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// formatDateTime renders t as the reference does (numeric date and time with seconds and a short
// zone name) in locale, with the browser's Intl so that every locale gets its own order and digits.
// zone is an IANA name; "" means the agent's browser zone.
func formatDateTime(locale string, t time.Time, zone string) (s string) {
	opts := map[string]any{
		"year": "numeric", "month": "numeric", "day": "numeric",
		"hour": "numeric", "minute": "2-digit", "second": "2-digit", "timeZoneName": "short",
	}
	if zone != "" {
		opts["timeZone"] = zone
		// Intl throws a RangeError for a zone it does not know; fall back to the agent's zone.
		defer func() {
			if recover() != nil {
				s = formatDateTime(locale, t, "")
			}
		}()
	}
	date := app.Window().Get("Date").New(float64(t.UnixMilli()))
	return app.Window().Get("Intl").Get("DateTimeFormat").New(locale, opts).Call("format", date).String()
}

// formatNumber renders n with the locale's digits and grouping.
func formatNumber(locale string, n int) string {
	return app.Window().Get("Intl").Get("NumberFormat").New(locale).Call("format", n).String()
}
