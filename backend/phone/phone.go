// Package phone normalises callback numbers with github.com/nyaruka/phonenumbers (Google's
// libphonenumber metadata), so a number typed on a keypad or sent by Studio becomes E.164 and a
// callback never fails for a missing "+" (fixes B6).
package phone

import (
	"fmt"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"

	"flexcallback"
)

// Normalize returns raw as E.164, reading numbers without a country code in region (an ISO
// 3166 code such as "US"). sip: and client: addresses pass through unchanged. A number that is
// not a valid phone number is ErrInvalid.
//
// Answers are cached: libphonenumber's regular expressions were a third of a create-callback's
// CPU (issue 12), and the same numbers come back all the time (our own line on every create, the
// caller on every wait-experience document, Studio's redeliveries).
func Normalize(raw, region string) (string, error) {
	k := cacheKey{raw, region}
	if a, ok := cache.get(k); ok {
		return a.e164, a.err
	}
	e164, err := normalize(raw, region)
	cache.put(k, answer{e164, err})
	return e164, err
}

// answer is one Normalize result; the error, when there is one, is shared by every caller that
// gets it from the cache (errors are not changed after they are made).
type answer struct {
	e164 string
	err  error
}

func normalize(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	if IsAddress(s) {
		return s, nil
	}
	if s == "" {
		return "", flexcallback.Errorf(flexcallback.ErrInvalid, "empty phone number")
	}
	if len(s) > maxInput {
		return "", flexcallback.Errorf(flexcallback.ErrInvalid, "not a valid phone number")
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

// maxInput bounds what is parsed and cached: no phone number, however it is written, is longer.
const maxInput = 64

type cacheKey struct{ raw, region string }

// cacheSize bounds each of the cache's two generations; at most 2×cacheSize answers are kept.
const cacheSize = 4096

// twoGen is a bounded cache that keeps what was used recently without an LRU list: lookups hit
// the current generation, then the previous one (promoting the answer); when the current one is
// full it becomes the previous one and the oldest answers go.
type twoGen struct {
	mu        sync.Mutex
	cur, prev map[cacheKey]answer
}

var cache = &twoGen{cur: map[cacheKey]answer{}}

func (c *twoGen) get(k cacheKey) (answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.prev[k]
	if ok {
		c.putLocked(k, v)
	}
	return v, ok
}

func (c *twoGen) put(k cacheKey, v answer) {
	if len(k.raw) > maxInput || len(k.region) > maxInput {
		return // an oversized input is refused without being parsed; it is not worth a slot
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

func (c *twoGen) putLocked(k cacheKey, v answer) {
	if len(c.cur) >= cacheSize {
		c.prev, c.cur = c.cur, make(map[cacheKey]answer, cacheSize)
	}
	c.cur[k] = v
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
