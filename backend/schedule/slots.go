package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Spec is one slot of WAIT_CALLBACK_SLOTS. The format is a comma-separated list of:
//
//	a Go duration ("1h", "90m")   that long from now
//	"HH:MM" (24-hour clock)      today at that time in BUSINESS_TIME_ZONE, or tomorrow once it has passed
//	"tomorrow HH:MM"             tomorrow at that time
//
// A slot that falls outside business hours moves to the next opening; slots past the horizon
// or equal to an earlier one are not offered. The name, as written, is also what Studio's
// callbackSlot takes.
type Spec struct {
	Name     string
	after    time.Duration
	clock    bool // hour:min, today or tomorrow
	tomorrow bool
	hour     int
	min      int
}

// ParseSlots reads WAIT_CALLBACK_SLOTS; "" is no slots (callers are called back as soon as possible).
func ParseSlots(s string) ([]Spec, error) {
	var out []Spec
	for _, part := range strings.Split(s, ",") {
		name := strings.Join(strings.Fields(part), " ")
		if name == "" {
			continue
		}
		sp, err := parseSpec(name)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	if len(out) > 8 {
		return nil, fmt.Errorf("at most 8 slots (a caller presses one digit), not %d", len(out))
	}
	return out, nil
}

func parseSpec(name string) (Spec, error) {
	sp := Spec{Name: name}
	if d, err := time.ParseDuration(name); err == nil {
		if d < time.Minute {
			return sp, fmt.Errorf("slot %q: at least 1m from now", name)
		}
		sp.after = d
		return sp, nil
	}
	clock, ok := strings.CutPrefix(strings.ToLower(name), "tomorrow ")
	sp.tomorrow = ok
	h, m, found := strings.Cut(clock, ":")
	hour, herr := strconv.Atoi(h)
	minute, merr := strconv.Atoi(m)
	if !found || herr != nil || merr != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 || len(m) != 2 {
		return sp, fmt.Errorf("slot %q is not a duration (1h), a time (14:00) or tomorrow and a time (tomorrow 09:00)", name)
	}
	sp.clock, sp.hour, sp.min = true, hour, minute
	return sp, nil
}

// at is when the slot falls, seen at now (in the business zone), before business hours apply.
func (sp Spec) at(now time.Time) time.Time {
	if !sp.clock {
		return now.Add(sp.after).Truncate(time.Minute)
	}
	y, mo, d := now.Date()
	t := time.Date(y, mo, d, sp.hour, sp.min, 0, 0, now.Location())
	if sp.tomorrow || !t.After(now) {
		t = time.Date(y, mo, d+1, sp.hour, sp.min, 0, 0, now.Location())
	}
	return t
}
