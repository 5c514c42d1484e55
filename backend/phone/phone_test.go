package phone

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"flexcallback"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		raw, region, want string
		ok                bool
	}{
		{"+15551230001", "US", "", false}, // 555-0xxx is not a real line; libphonenumber refuses it
		{"+14155552671", "US", "+14155552671", true},
		{"4155552671", "US", "+14155552671", true},
		{"(415) 555-2671", "US", "+14155552671", true},
		{"442071838750", "US", "+442071838750", true}, // keypad entry with the country code, no "+"
		{"00442071838750", "US", "+442071838750", true},
		{"02071838750", "GB", "+442071838750", true},
		{"sip:alice@example.com", "US", "sip:alice@example.com", true},
		{"client:agent1", "US", "client:agent1", true},
		{"12*34", "US", "", false},
		{"", "US", "", false},
		{"anonymous", "US", "", false},
		{"266696687", "US", "", false},
	} {
		for range 2 { // the second answer comes from the cache
			got, err := Normalize(tc.raw, tc.region)
			if tc.ok {
				if err != nil || got != tc.want {
					t.Errorf("Normalize(%q, %q) = %q, %v; want %q", tc.raw, tc.region, got, err, tc.want)
				}
				continue
			}
			if !errors.Is(err, flexcallback.ErrInvalid) {
				t.Errorf("Normalize(%q) = %q, %v; want ErrInvalid", tc.raw, got, err)
			}
		}
	}
	if _, err := Normalize("+1"+strings.Repeat("4", 80), "US"); !errors.Is(err, flexcallback.ErrInvalid) {
		t.Errorf("an oversized number: %v; want ErrInvalid", err)
	}
}

// TestCacheIsBounded: however many different numbers arrive, at most two generations of answers
// are kept, and a number used in the previous generation is kept when it is used again.
func TestCacheIsBounded(t *testing.T) {
	c := &twoGen{cur: map[cacheKey]answer{}}
	ours := cacheKey{"+14155552671", "US"}
	c.put(ours, answer{e164: "+14155552671"})
	for i := range 5 * cacheSize {
		c.put(cacheKey{fmt.Sprintf("+1415%07d", i), "US"}, answer{})
		if i%(cacheSize/2) == 0 {
			if a, ok := c.get(ours); !ok || a.e164 != "+14155552671" {
				t.Fatalf("after %d others: our line was dropped", i)
			}
		}
	}
	if n := len(c.cur) + len(c.prev); n > 2*cacheSize {
		t.Errorf("%d answers kept; want at most %d", n, 2*cacheSize)
	}
	if _, ok := c.get(cacheKey{"+14150000000", "US"}); ok {
		t.Error("the oldest answer is still kept")
	}
	c.put(cacheKey{strings.Repeat("1", maxInput+1), "US"}, answer{})
	if _, ok := c.get(cacheKey{strings.Repeat("1", maxInput+1), "US"}); ok {
		t.Error("an oversized input was cached")
	}
}

// BenchmarkNormalize: a new number each time (parsed) and the same one (cached).
func BenchmarkNormalize(b *testing.B) {
	b.Run("new", func(b *testing.B) {
		for i := range b.N {
			Normalize(fmt.Sprintf("+14152%06d", i%1000000), "US")
		}
	})
	b.Run("cached", func(b *testing.B) {
		for range b.N {
			Normalize("+14155552671", "US")
		}
	})
}

func TestDialableAndMask(t *testing.T) {
	if Dialable("anonymous", "US") || Dialable("sip:a@b", "US") || !Dialable("+14155552671", "US") {
		t.Error("Dialable matrix wrong")
	}
	if got := Mask("+14155552671"); got != "…2671" {
		t.Errorf("Mask = %q", got)
	}
	if got := Mask("sip:alice@example.com"); got != "sip:…" {
		t.Errorf("Mask sip = %q", got)
	}
}
