package ui

import (
	"maps"
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
// zone is an IANA name; "" or one Intl does not know means the agent's browser zone.
func formatDateTime(locale string, t time.Time, zone string) string {
	f, ok := dateTimeFormat(dateFormats, locale, zone, dateTimeOptions)
	if !ok {
		return formatDateTime(locale, t, "")
	}
	date := app.Window().Get("Date").New(float64(t.UnixMilli()))
	return f.Call("format", date).String()
}

var dateTimeOptions = map[string]any{
	"year": "numeric", "month": "numeric", "day": "numeric",
	"hour": "numeric", "minute": "2-digit", "second": "2-digit", "timeZoneName": "short",
}

// dateTimeFormat is the Intl.DateTimeFormat for locale, opts and zone ("" for the agent's), built
// once and kept in cache; ok is false when Intl does not know zone (it throws a RangeError).
func dateTimeFormat(cache map[string]app.Value, locale, zone string, opts map[string]any) (f app.Value, ok bool) {
	key := locale + "\x00" + zone
	if f, ok := cache[key]; ok {
		return f, true
	}
	if zone != "" {
		opts = maps.Clone(opts)
		opts["timeZone"] = zone
		defer func() {
			if recover() != nil {
				f, ok = nil, false
			}
		}()
	}
	f = app.Window().Get("Intl").Get("DateTimeFormat").New(locale, opts)
	cache[key] = f
	return f, true
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

var wallOptions = map[string]any{
	"year": "numeric", "month": "numeric", "day": "numeric",
	"hour": "numeric", "minute": "numeric", "second": "numeric", "hourCycle": "h23",
}

// wallClock is t's date and time of day in zone, as the fields of a UTC time: the browser's Intl
// knows every zone, so the panel links no zone database. zone "" or unknown is the agent's.
func wallClock(t time.Time, zone string) time.Time {
	f, ok := dateTimeFormat(wallFormats, "en-US", zone, wallOptions)
	if !ok {
		return wallClock(t, "")
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
