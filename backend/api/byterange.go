package api

import (
	"strconv"
	"strings"
)

// byteRange is the one range of a Range header we serve: first-last, first- (last < 0), or the
// suffix -n (first < 0, last = n).
type byteRange struct{ first, last int64 }

// parseRange reads a Range header asking for one byte range. Anything else (no header, another
// unit, bad syntax, last before first, several ranges) is not ok: RFC 9110 §14.2 lets a server
// ignore such a header and send the whole representation, which is what we do.
func parseRange(h string) (byteRange, bool) {
	unit, spec, found := strings.Cut(strings.TrimSpace(h), "=")
	if !found || !strings.EqualFold(strings.TrimSpace(unit), "bytes") || strings.Contains(spec, ",") {
		return byteRange{}, false
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return byteRange{}, false
	}
	if a == "" { // suffix: the last b bytes
		n, ok := position(b)
		return byteRange{first: -1, last: n}, ok
	}
	first, ok := position(a)
	if !ok {
		return byteRange{}, false
	}
	if b == "" {
		return byteRange{first: first, last: -1}, true
	}
	last, ok := position(b)
	return byteRange{first: first, last: last}, ok && last >= first
}

// position reads a range's decimal position: digits only, no sign, no overflow.
func position(s string) (int64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// header is the range as a Range header, in canonical form.
func (r byteRange) header() string {
	switch {
	case r.first < 0:
		return "bytes=-" + strconv.FormatInt(r.last, 10)
	case r.last < 0:
		return "bytes=" + strconv.FormatInt(r.first, 10) + "-"
	}
	return "bytes=" + strconv.FormatInt(r.first, 10) + "-" + strconv.FormatInt(r.last, 10)
}

// satisfiable reports whether the range selects at least one byte of size bytes.
func (r byteRange) satisfiable(size int64) bool {
	if r.first < 0 {
		return r.last > 0 && size > 0
	}
	return r.first < size
}
