// Package hours holds a contact centre's opening hours: weekly hours in its time zone and dated
// closures, read from BUSINESS_HOURS_FILE. Standard library only.
//
// The file is JSON; times are wall-clock times in the zone (BUSINESS_TIME_ZONE), so "09:00" is
// 9 a.m. on both sides of a daylight-saving change:
//
//	{
//	  "weekly": {
//	    "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-12:00", "13:00-17:00"],
//	    "thu": ["09:00-17:00"], "fri": ["09:00-16:00"], "sat": ["10:00-13:00"]
//	  },
//	  "closed": [
//	    {"date": "2026-12-25", "reason": "Christmas Day"},
//	    {"from": "2026-12-31", "to": "2027-01-02", "reason": "New Year"}
//	  ]
//	}
//
// A day left out is closed. Ranges are "HH:MM-HH:MM", the end after the start ("24:00" ends at
// midnight), not overlapping within a day. A closure is one "date" or a "from"–"to" span, both
// days included. A week with no opening at all is refused.
package hours

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed hours file. A nil *Schedule is always open (no BUSINESS_HOURS_FILE).
type Schedule struct {
	loc    *time.Location
	weekly [7][]span // by time.Weekday
	closed []closure
}

// span is an opening within one day, in minutes after midnight (wall clock), end exclusive.
type span struct{ from, to int }

// closure is a run of whole days, both included, as dates in the zone.
type closure struct {
	from, to date
	reason   string
}

type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

func (a date) before(b date) bool {
	return a.y < b.y || (a.y == b.y && (a.m < b.m || (a.m == b.m && a.d < b.d)))
}

// file is the JSON shape.
type file struct {
	Weekly map[string][]string `json:"weekly"`
	Closed []struct {
		Date   string `json:"date"`
		From   string `json:"from"`
		To     string `json:"to"`
		Reason string `json:"reason"`
	} `json:"closed"`
}

var days = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Load reads the hours file at path for the zone. Every problem is reported, each naming where
// it is, joined in one error.
func Load(path string, loc *time.Location) (*Schedule, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b, loc)
}

// Parse is Load for the file's contents.
func Parse(b []byte, loc *time.Location) (*Schedule, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not the hours JSON: %w", err)
	}
	s := &Schedule{loc: loc}
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	open := false
	for _, name := range slices.Sorted(maps.Keys(f.Weekly)) {
		wd, ok := days[strings.ToLower(name)]
		if !ok {
			bad("weekly: %q is not a day (mon, tue, wed, thu, fri, sat, sun)", name)
			continue
		}
		for _, r := range f.Weekly[name] {
			sp, err := parseSpan(r)
			if err != nil {
				bad("weekly.%s: %q: %v", name, r, err)
				continue
			}
			s.weekly[wd] = append(s.weekly[wd], sp)
		}
		slices.SortFunc(s.weekly[wd], func(a, b span) int { return a.from - b.from })
		for i := 1; i < len(s.weekly[wd]); i++ {
			if s.weekly[wd][i].from < s.weekly[wd][i-1].to {
				bad("weekly.%s: ranges overlap", name)
			}
		}
		open = open || len(s.weekly[wd]) > 0
	}
	if !open {
		bad("weekly: no opening hours on any day (a week with no opening is never open)")
	}
	for i, c := range f.Closed {
		where := fmt.Sprintf("closed[%d]", i)
		from, to := c.From, c.To
		if c.Date != "" {
			if from != "" || to != "" {
				bad("%s: give a date, or from and to, not both", where)
				continue
			}
			from, to = c.Date, c.Date
		}
		if from == "" || to == "" {
			bad("%s: needs a date, or from and to", where)
			continue
		}
		a, errA := time.ParseInLocation(time.DateOnly, from, loc)
		z, errZ := time.ParseInLocation(time.DateOnly, to, loc)
		if errA != nil || errZ != nil {
			bad("%s: dates are YYYY-MM-DD (%q, %q)", where, from, to)
			continue
		}
		if z.Before(a) {
			bad("%s: to %s is before from %s", where, to, from)
			continue
		}
		s.closed = append(s.closed, closure{from: dateOf(a), to: dateOf(z), reason: c.Reason})
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return s, nil
}

// parseSpan reads "HH:MM-HH:MM".
func parseSpan(r string) (span, error) {
	a, z, ok := strings.Cut(strings.TrimSpace(r), "-")
	if !ok {
		return span{}, errors.New(`not "HH:MM-HH:MM"`)
	}
	from, err1 := clock(a)
	to, err2 := clock(z)
	if err := errors.Join(err1, err2); err != nil {
		return span{}, err
	}
	if from >= 24*60 {
		return span{}, errors.New("starts at 24:00")
	}
	if to <= from {
		return span{}, errors.New("ends before it starts (a range cannot cross midnight: split it)")
	}
	return span{from, to}, nil
}

func clock(v string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(v), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time from 00:00 to 24:00", v)
	}
	return hh*60 + mm, nil
}

// Location is the zone the hours are in; nil for an always-open schedule.
func (s *Schedule) Location() *time.Location {
	if s == nil {
		return nil
	}
	return s.loc
}

// Open reports whether the centre is open at t.
func (s *Schedule) Open(t time.Time) bool {
	if s == nil {
		return true
	}
	l := t.In(s.loc)
	if s.closedOn(dateOf(l)) {
		return false
	}
	m := l.Hour()*60 + l.Minute()
	for _, sp := range s.weekly[l.Weekday()] {
		if sp.from <= m && m < sp.to {
			return true
		}
	}
	return false
}

// horizon bounds the search for the next opening: closures longer than this are not looked past.
const horizon = 400

// NextOpening is t when the centre is open at t, else the moment it next opens. It is the zero
// time when it does not open within the next 400 days (closures cover them all).
func (s *Schedule) NextOpening(t time.Time) time.Time {
	if s.Open(t) {
		return t
	}
	l := t.In(s.loc)
	y, m, d := l.Date()
	for i := range horizon {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, s.loc) // noon: never a DST gap
		if s.closedOn(dateOf(day)) {
			continue
		}
		for _, sp := range s.weekly[day.Weekday()] {
			start := wallTime(day, sp.from, s.loc)
			if start.After(t) {
				return start
			}
		}
	}
	return time.Time{}
}

// wallTime is minute m of day's date in loc. A wall time that does not exist (02:30 on a
// spring-forward day) opens when the clocks jump: the first instant whose wall time is past it.
func wallTime(day time.Time, m int, loc *time.Location) time.Time {
	t := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc)
	switch got := t.Hour()*60 + t.Minute(); {
	case got > m: // placed after the gap
		start, _ := t.ZoneBounds()
		return start
	case got < m: // placed before the gap
		_, end := t.ZoneBounds()
		return end
	}
	return t
}

func (s *Schedule) closedOn(d date) bool {
	for _, c := range s.closed {
		if !d.before(c.from) && !c.to.before(d) {
			return true
		}
	}
	return false
}
