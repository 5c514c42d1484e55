//go:build !wasm

package ui

import (
	"strconv"
	"time"
)

// formatDateTime is the host stand-in for the Intl formatting of intl_wasm.go, so that component
// tests run without a browser. It is deterministic: ISO-like order, any locale.
func formatDateTime(locale string, t time.Time, zone string) string {
	loc := time.Local
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

// formatNumber is the host stand-in for Intl.NumberFormat.
func formatNumber(locale string, n int) string { return strconv.Itoa(n) }

// wallClock is the host stand-in for the Intl reading of intl_wasm.go: t's date and time of day
// in zone ("" or unknown: the local zone), as the fields of a UTC time.
func wallClock(t time.Time, zone string) time.Time {
	loc := time.Local
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			loc = l
		}
	}
	y, mo, d := t.In(loc).Date()
	h, mi, s := t.In(loc).Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
