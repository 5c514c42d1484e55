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
