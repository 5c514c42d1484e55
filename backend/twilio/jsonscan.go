package twilio

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScan reads a JSON document in one pass, building only the values asked for and skipping
// the rest: a task list page names fifty tasks of some thirty fields each, and the lookup needs
// five of them and one attribute (issue 12: encoding/json's decoder scanned each page twice and
// each task's attributes once more). It checks structure, not every detail of the grammar: a
// document it cannot read is an error, never a panic.
type jsonScan struct {
	b []byte
	i int
}

var errJSON = errors.New("malformed JSON in Twilio's answer")

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, 0 at the end.
func (s *jsonScan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jsonScan) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// object calls field with each key of the object that comes next (raw: escapes not decoded);
// field must read or skip the value.
func (s *jsonScan) object(field func(key []byte) error) error {
	if !s.eat('{') {
		return errJSON
	}
	if s.eat('}') {
		return nil
	}
	for {
		key, err := s.rawString()
		if err != nil {
			return err
		}
		if !s.eat(':') {
			return errJSON
		}
		if err := field(key); err != nil {
			return err
		}
		if s.eat('}') {
			return nil
		}
		if !s.eat(',') {
			return errJSON
		}
	}
}

// array calls elem for each element of the array that comes next; elem reads or skips it.
func (s *jsonScan) array(elem func() error) error {
	if !s.eat('[') {
		return errJSON
	}
	if s.eat(']') {
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if s.eat(']') {
			return nil
		}
		if !s.eat(',') {
			return errJSON
		}
	}
}

// rawString returns the next string's bytes between its quotes, escapes left as they are.
func (s *jsonScan) rawString() ([]byte, error) {
	if !s.eat('"') {
		return nil, errJSON
	}
	start := s.i
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			return nil, errJSON
		}
		s.i += j + 1
		// The quote ends the string unless an odd run of backslashes escapes it.
		k := s.i - 2
		for k >= start && s.b[k] == '\\' {
			k--
		}
		if (s.i-2-k)%2 == 0 {
			return s.b[start : s.i-1], nil
		}
	}
}

// str returns the next value as a string: "" for null.
func (s *jsonScan) str() (string, error) {
	if s.peek() == 'n' {
		return "", s.skip()
	}
	raw, err := s.rawString()
	if err != nil {
		return "", err
	}
	return unescape(raw)
}

// int returns the next value as an integer: 0 for null.
func (s *jsonScan) int() (int, error) {
	start := s.i
	if err := s.skip(); err != nil {
		return 0, err
	}
	lit := bytes.TrimSpace(s.b[start:s.i])
	if string(lit) == "null" {
		return 0, nil
	}
	n, err := strconv.Atoi(string(lit))
	if err != nil {
		return 0, errJSON
	}
	return n, nil
}

// skip passes over the next value, whatever it is.
func (s *jsonScan) skip() error {
	switch c := s.peek(); {
	case c == '"':
		_, err := s.rawString()
		return err
	case c == '{':
		return s.object(func([]byte) error { return s.skip() })
	case c == '[':
		return s.array(s.skip)
	case c == 0:
		return errJSON
	default: // a number, true, false or null
		start := s.i
		for s.i < len(s.b) && bytes.IndexByte([]byte("-+.eE0123456789truefalsn"), s.b[s.i]) >= 0 {
			s.i++
		}
		if s.i == start {
			return errJSON
		}
		return nil
	}
}

// unescape decodes a JSON string's escapes; raw is between the quotes.
func unescape(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw), nil
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i++; i >= len(raw) {
			return "", errJSON
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := hex4(raw[i+1:])
			if n < 0 {
				return "", errJSON
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, m := hex4(raw[min(i+3, len(raw)):]); m >= 0 && i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r = utf16.DecodeRune(r, r2)
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", errJSON
		}
	}
	return string(out), nil
}

// hex4 reads four hex digits; n is -1 when they are not there.
func hex4(b []byte) (r rune, n int) {
	if len(b) < 4 {
		return 0, -1
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 16)
	if err != nil {
		return 0, -1
	}
	return rune(v), 4
}
