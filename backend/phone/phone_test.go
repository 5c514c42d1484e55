package phone

import (
	"errors"
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
