package hours

import (
	"os"
	"strings"
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustParse(t *testing.T, doc string, loc *time.Location) *Schedule {
	t.Helper()
	s, err := Parse([]byte(doc), loc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const weekdays = `{"weekly": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-12:00", "13:00-17:00"],
	"thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}`

func TestOpenAndNextOpening(t *testing.T) {
	ny := zone(t, "America/New_York")
	s := mustParse(t, weekdays+`}`, ny)
	at := func(v string) time.Time {
		x, err := time.ParseInLocation("2006-01-02 15:04", v, ny)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, c := range []struct {
		now  string
		open bool
		next string
	}{
		{"2026-03-02 09:00", true, "2026-03-02 09:00"},  // Monday, opening minute
		{"2026-03-02 08:59", false, "2026-03-02 09:00"}, // before opening
		{"2026-03-02 17:00", false, "2026-03-03 09:00"}, // end is exclusive
		{"2026-03-04 12:30", false, "2026-03-04 13:00"}, // lunch
		{"2026-03-06 18:00", false, "2026-03-09 09:00"}, // Friday evening: Monday
		{"2026-03-07 11:00", false, "2026-03-09 09:00"}, // Saturday
	} {
		now := at(c.now)
		if got := s.Open(now); got != c.open {
			t.Errorf("Open(%s) = %v", c.now, got)
		}
		if got := s.NextOpening(now); !got.Equal(at(c.next)) {
			t.Errorf("NextOpening(%s) = %s, want %s", c.now, got.In(ny), c.next)
		}
	}
}

// Daylight saving: 9 a.m. stays 9 a.m. local on both sides, so the UTC instant moves.
func TestDaylightSaving(t *testing.T) {
	ny := zone(t, "America/New_York")
	s := mustParse(t, `{"weekly": {"fri": ["09:00-17:00"], "sun": ["02:30-04:00"], "mon": ["09:00-17:00"]}}`, ny)
	// 2026-03-08 is spring-forward in New York (02:00 → 03:00).
	fri := time.Date(2026, 3, 6, 20, 0, 0, 0, ny)
	next := s.NextOpening(fri)
	if want := time.Date(2026, 3, 8, 3, 0, 0, 0, ny); !next.Equal(want) {
		t.Errorf("a 02:30 opening on spring-forward day: %s, want 03:00 (%s)", next, want)
	}
	mon := s.NextOpening(time.Date(2026, 3, 8, 5, 0, 0, 0, ny))
	if mon.UTC().Hour() != 13 { // 09:00 EDT
		t.Errorf("Monday after the change opens at %s UTC, want 13:00", mon.UTC())
	}
	before := s.NextOpening(time.Date(2026, 3, 1, 1, 0, 0, 0, ny))
	if before.UTC().Hour() != 7 || before.UTC().Minute() != 30 { // Sunday 1 March 02:30 EST
		t.Errorf("Sunday before the change: %s", before.In(ny))
	}
	// Fall back (2026-11-01): 17:00 local is 22:00 UTC, an hour later than the day before.
	if !s.Open(time.Date(2026, 11, 2, 21, 30, 0, 0, time.UTC)) || s.Open(time.Date(2026, 11, 2, 22, 0, 0, 0, time.UTC)) {
		t.Error("Monday after fall-back should close at 22:00 UTC")
	}
}

func TestClosures(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	s := mustParse(t, weekdays+`, "closed": [{"date": "2026-05-01", "reason": "Labour Day"},
		{"from": "2026-12-24", "to": "2027-01-01", "reason": "Holidays"}]}`, paris)
	may1 := time.Date(2026, 5, 1, 10, 0, 0, 0, paris) // a Friday
	if s.Open(may1) {
		t.Error("open on a closure day")
	}
	if got := s.NextOpening(may1); !got.Equal(time.Date(2026, 5, 4, 9, 0, 0, 0, paris)) {
		t.Errorf("after the closure: %s", got)
	}
	xmas := time.Date(2026, 12, 23, 18, 0, 0, 0, paris)
	if got := s.NextOpening(xmas); !got.Equal(time.Date(2027, 1, 4, 9, 0, 0, 0, paris)) {
		t.Errorf("a closure spanning days and a year: %s", got)
	}
	// Closure days are dates in the zone: 23:30 UTC on 30 April is already 1 May in Paris.
	if s.Open(time.Date(2026, 4, 30, 23, 30, 0, 0, time.UTC)) {
		t.Error("closure read in UTC instead of the zone")
	}
}

func TestAlwaysOpenWithoutFile(t *testing.T) {
	var s *Schedule
	now := time.Now()
	if !s.Open(now) || !s.NextOpening(now).Equal(now) {
		t.Error("a nil schedule is always open")
	}
}

func TestNoOpeningWithinHorizon(t *testing.T) {
	s := mustParse(t, `{"weekly": {"mon": ["09:00-10:00"]}, "closed": [{"from": "2026-01-01", "to": "2028-01-01"}]}`, time.UTC)
	if got := s.NextOpening(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)); !got.IsZero() {
		t.Errorf("NextOpening = %s, want zero", got)
	}
}

func TestEveryProblemNamed(t *testing.T) {
	_, err := Parse([]byte(`{"weekly": {"mon": ["17:00-09:00", "9-10"], "funday": ["09:00-10:00"],
		"tue": ["09:00-12:00", "11:00-13:00"], "wed": ["09:00-25:00"]},
		"closed": [{"date": "2026-13-01"}, {"from": "2026-02-02", "to": "2026-02-01"}, {"reason": "x"},
		{"date": "2026-01-01", "from": "2026-01-01", "to": "2026-01-02"}]}`), time.UTC)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`weekly.mon: "17:00-09:00": ends before it starts`, `weekly.mon: "9-10"`,
		`"funday" is not a day`, "weekly.tue: ranges overlap", `weekly.wed: "09:00-25:00"`, "closed[0]: dates are YYYY-MM-DD",
		"closed[1]: to 2026-02-01 is before from 2026-02-02", "closed[2]: needs a date", "closed[3]: give a date, or from and to, not both"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if _, err := Parse([]byte(`{"weekly": {}}`), time.UTC); err == nil || !strings.Contains(err.Error(), "no opening hours") {
		t.Errorf("a week with no opening: %v", err)
	}
	if _, err := Parse([]byte(`{"weekly": {"mon": ["09:00-10:00"]}, "holidays": []}`), time.UTC); err == nil {
		t.Error("an unknown key was accepted")
	}
}

// The example the README points at is valid.
func TestExampleFile(t *testing.T) {
	s, err := Load("../../docs/business-hours.example.json", zone(t, "America/New_York"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Open(time.Date(2026, 12, 25, 10, 0, 0, 0, s.Location())) {
		t.Error("open on Christmas Day")
	}
	if _, err := os.Stat("../../docs/business-hours.example.json"); err != nil {
		t.Fatal(err)
	}
}
