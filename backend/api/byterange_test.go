package api

import "testing"

func TestParseRange(t *testing.T) {
	for h, want := range map[string]string{
		"bytes=0-99":                  "bytes=0-99",
		"bytes=100-":                  "bytes=100-",
		"bytes=-500":                  "bytes=-500",
		"Bytes = 7-7 ":                "bytes=7-7",
		"bytes=-0":                    "bytes=-0",
		"":                            "",
		"bytes=":                      "",
		"bytes=5-2":                   "",
		"bytes=a-b":                   "",
		"bytes=-":                     "",
		"bytes=0-1,3-4":               "",
		"bytes=+1-2":                  "",
		"bytes=1-2-3":                 "",
		"items=0-1":                   "",
		"bytes 0-1":                   "",
		"bytes=99999999999999999999-": "",
	} {
		r, ok := parseRange(h)
		got := ""
		if ok {
			got = r.header()
		}
		if got != want {
			t.Errorf("parseRange(%q) = %q, want %q", h, got, want)
		}
	}
	for _, tc := range []struct {
		h    string
		size int64
		ok   bool
	}{
		{"bytes=0-", 1, true}, {"bytes=0-", 0, false}, {"bytes=9-", 10, true}, {"bytes=10-", 10, false},
		{"bytes=-1", 10, true}, {"bytes=-0", 10, false}, {"bytes=-5", 0, false}, {"bytes=3-100", 4, true},
	} {
		r, _ := parseRange(tc.h)
		if got := r.satisfiable(tc.size); got != tc.ok {
			t.Errorf("%q of %d bytes: satisfiable %v, want %v", tc.h, tc.size, got, tc.ok)
		}
	}
}
