// Package phone normalises callback numbers with github.com/nyaruka/phonenumbers (Google's
// libphonenumber metadata), so a number typed on a keypad or sent by Studio becomes E.164 and a
// callback never fails for a missing "+" (fixes B6).
package phone

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"flexcallback"
)

// Normalize returns raw as E.164, reading numbers without a country code in region (an ISO
// 3166 code such as "US"). sip: and client: addresses pass through unchanged. A number that is
// not a valid phone number is ErrInvalid.
func Normalize(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	if IsAddress(s) {
		return s, nil
	}
	if s == "" {
		return "", flexcallback.Errorf(flexcallback.ErrInvalid, "empty phone number")
	}
	// Keypad entries carry no "+": "0044…" and "44…" both mean a country code was typed when the
	// number is not valid in the default region.
	n, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(n) {
		if !strings.HasPrefix(s, "+") {
			if alt, err2 := phonenumbers.Parse("+"+strings.TrimLeft(s, "0"), ""); err2 == nil && phonenumbers.IsValidNumber(alt) {
				return phonenumbers.Format(alt, phonenumbers.E164), nil
			}
		}
		return "", flexcallback.Errorf(flexcallback.ErrInvalid, "not a valid phone number")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// IsAddress reports whether s is a SIP or Twilio Client address rather than a phone number.
func IsAddress(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "sip:") || strings.HasPrefix(l, "client:")
}

// Dialable reports whether a caller ID can be called back as a phone number: withheld,
// anonymous, SIP and client callers cannot be offered "call me back on this number".
func Dialable(callerID, region string) bool {
	if IsAddress(callerID) {
		return false
	}
	_, err := Normalize(callerID, region)
	return err == nil
}

// Mask keeps only the last four digits of a number for logs.
func Mask(s string) string {
	if IsAddress(s) {
		return s[:strings.Index(s, ":")+1] + "…"
	}
	if len(s) <= 4 {
		return "…"
	}
	return fmt.Sprintf("…%s", s[len(s)-4:])
}
