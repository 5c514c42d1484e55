package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// Intl formatters are slow to build (each one resolves locale data) and every render of the panel
// needs three, so they are built once per locale and zone and kept; the panel only ever runs on
// the UI goroutine, so the maps need no lock.
var (
	dateFormats   = map[string]app.Value{}
	numberFormats = map[string]app.Value{}
)

// formatDateTime renders t as the reference does (numeric date and time with seconds and a short
// zone name) in locale, with the browser's Intl so that every locale gets its own order and digits.
// zone is an IANA name; "" means the agent's browser zone.
func formatDateTime(locale string, t time.Time, zone string) (s string) {
	key := locale + "\x00" + zone
	f, ok := dateFormats[key]
	if !ok {
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
		f = app.Window().Get("Intl").Get("DateTimeFormat").New(locale, opts)
		dateFormats[key] = f
	}
	date := app.Window().Get("Date").New(float64(t.UnixMilli()))
	return f.Call("format", date).String()
}

// formatNumber renders n with the locale's digits and grouping.
func formatNumber(locale string, n int) string {
	f, ok := numberFormats[locale]
	if !ok {
		f = app.Window().Get("Intl").Get("NumberFormat").New(locale)
		numberFormats[locale] = f
	}
	return f.Call("format", n).String()
}

// wallFormats are the Intl formatters wallClock reads fields with, by zone.
var wallFormats = map[string]app.Value{}

// wallClock is t's date and time of day in zone, as the fields of a UTC time: the browser's Intl
// knows every zone, so the panel links no zone database. zone "" or unknown is the agent's.
func wallClock(t time.Time, zone string) (w time.Time) {
	f, ok := wallFormats[zone]
	if !ok {
		opts := map[string]any{
			"year": "numeric", "month": "numeric", "day": "numeric",
			"hour": "numeric", "minute": "numeric", "second": "numeric", "hourCycle": "h23",
		}
		if zone != "" {
			opts["timeZone"] = zone
			defer func() {
				if recover() != nil {
					w = wallClock(t, "")
				}
			}()
		}
		f = app.Window().Get("Intl").Get("DateTimeFormat").New("en-US", opts)
		wallFormats[zone] = f
	}
	parts := f.Call("formatToParts", app.Window().Get("Date").New(float64(t.UnixMilli())))
	var v = map[string]int{}
	for i := 0; i < parts.Length(); i++ {
		p := parts.Index(i)
		n, err := strconv.Atoi(p.Get("value").String())
		if err == nil {
			v[p.Get("type").String()] = n
		}
	}
	return time.Date(v["year"], time.Month(v["month"]), v["day"], v["hour"]%24, v["minute"], v["second"], 0, time.UTC)
}
