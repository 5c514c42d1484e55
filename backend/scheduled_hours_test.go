package main

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// Scheduled callbacks keep to the real business hours (BUSINESS_HOURS_FILE, backend/hours) on the
// sandbox's clock: Studio's callbackAt outside them is a 400 naming callbackAt that says the next
// opening, one inside them is kept, and a slot that falls after closing moves to the next opening.
func TestScheduledCallbackAtOutsideHours(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	friday := nextWeekday(time.Now(), time.Friday, 10, ny)
	monday := friday.AddDate(0, 0, 3).Add(-time.Hour) // 09:00
	a := startApp(t, map[string]string{"SCHEDULE_POLL": "20ms", "WAIT_CALLBACK_SLOTS": "1h", "CALLBACK_HORIZON": "7d",
		"BUSINESS_TIME_ZONE": "America/New_York", "BUSINESS_HOURS_FILE": hoursFile(t, "2020-01-01")})
	a.clockTo(friday)
	form := func(k, v string) url.Values {
		return url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, k: {v}}
	}

	saturday := friday.AddDate(0, 0, 1)
	r := a.studio("POST", "create-callback", form("callbackAt", saturday.Format(time.RFC3339)), nil)
	if body := string(r.body); r.status != 400 || !strings.Contains(body, `"field":"callbackAt"`) || !strings.Contains(body, monday.Format(time.RFC3339)) {
		t.Errorf("callbackAt on Saturday: %d %s; want 400 naming callbackAt and the next opening %s", r.status, body, monday.Format(time.RFC3339))
	}
	evening := friday.Add(8 * time.Hour) // 18:00, after closing
	if r := a.studio("POST", "create-callback", form("callbackAt", evening.Format(time.RFC3339)), nil); r.status != 400 || !strings.Contains(string(r.body), `"field":"callbackAt"`) {
		t.Errorf("callbackAt after closing: %d %s; want 400 naming callbackAt", r.status, r.body)
	}

	inHours := friday.Add(2 * time.Hour)
	r = a.studio("POST", "create-callback", form("callbackAt", inHours.Format(time.RFC3339)), nil)
	if b := r.json(t); r.status != 200 || b["scheduled"] != true || b["callbackAt"] != inHours.UTC().Format(time.RFC3339) {
		t.Errorf("callbackAt in hours: %d %s", r.status, r.body)
	}

	// The "1h" slot at 16:30 on Friday would be 17:30, after closing: it is Monday's opening.
	a.clockTo(friday.Add(6*time.Hour + 30*time.Minute))
	r = a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552602"}, "numberToCallFrom": {ourLine}, "callbackSlot": {"1h"}}, nil)
	if b := r.json(t); r.status != 200 || b["callbackAt"] != monday.UTC().Format(time.RFC3339) {
		t.Errorf("slot 1h at 16:30 on Friday: %d %s; want callbackAt %s", r.status, r.body, monday.UTC().Format(time.RFC3339))
	}
}
