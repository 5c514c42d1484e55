package waitexp

import (
	"slices"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
	"flexcallback/backend/schedule"
)

var chicago, _ = time.LoadLocation("America/Chicago")

// officeHours are 08:00 to 18:00 on weekdays in Chicago.
type officeHours struct{}

func (officeHours) Open(t time.Time) bool {
	t = t.In(chicago)
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday && t.Hour() >= 8 && t.Hour() < 18
}

func (h officeHours) NextOpening(t time.Time) time.Time {
	for t = t.In(chicago); !h.Open(t); {
		y, m, d := t.Date()
		if t.Hour() < 8 {
			t = time.Date(y, m, d, 8, 0, 0, 0, chicago)
		} else {
			t = time.Date(y, m, d+1, 8, 0, 0, 0, chicago)
		}
	}
	return t
}

// withSlots is the options with WAIT_CALLBACK_SLOTS="1h,14:00,tomorrow 09:00" in Chicago's office
// hours; t0 is 03:00 there on a Wednesday, so "1h" moves to 08:00.
func withSlots(t *testing.T) (Options, *inmem.Schedule) {
	slots, err := schedule.ParseSlots("1h, 14:00, tomorrow 09:00")
	if err != nil {
		t.Fatal(err)
	}
	q := inmem.NewSchedule()
	opts := testOptions()
	opts.Scheduler = schedule.New(schedule.Config{Slots: slots, Horizon: 14 * 24 * time.Hour, Zone: chicago, Hours: officeHours{}},
		q, nil, testLogger(t), func() time.Time { return t0 })
	return opts, q
}

func TestCallbackAtChosenSlot(t *testing.T) {
	for _, tc := range []struct {
		lang       string
		offer      []string
		confirm    string
		wantOffset time.Duration
	}{
		{"", []string{"To be called back as soon as possible, press 1.", "To be called back today at 8:00 AM, press 2.",
			"To be called back today at 2:00 PM, press 3.", "To be called back tomorrow at 9:00 AM, press 4."},
			"Thank you. We will call you back today at 2:00 PM. Goodbye.", 11 * time.Hour},
		{"es-MX", []string{"Para que le llamemos lo antes posible, presione 1.", "Para que le llamemos hoy a las 08:00, presione 2.",
			"Para que le llamemos hoy a las 14:00, presione 3.", "Para que le llamemos mañana a las 09:00, presione 4."},
			"Gracias. Le llamaremos hoy a las 14:00. Adiós.", 11 * time.Hour},
	} {
		t.Run("lang="+tc.lang, func(t *testing.T) {
			opts, q := withSlots(t)
			en := newEnv(t, opts)
			en.addCallTask()
			ask := en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller, "lang", tc.lang))
			if got := ask.says(); !slices.Equal(got, tc.offer) {
				t.Fatalf("offer = %q\nwant %q", got, tc.offer)
			}
			done := en.do(ask.must("Gather").attr("action"), "Digits", "3")
			if got := done.says(); !slices.Equal(got, []string{tc.confirm}) || !slices.Equal(done.verbs(), []string{"Say", "Hangup"}) {
				t.Fatalf("confirmation = %q (%v)", got, done.verbs())
			}
			if len(en.creator.created()) != 0 {
				t.Error("a task was made now for a callback at 2 PM")
			}
			kept, _ := q.List(t.Context(), 10)
			if len(kept) != 1 || !kept[0].Due.Equal(t0.Add(tc.wantOffset)) {
				t.Fatalf("scheduled %+v; want one at %v", kept, t0.Add(tc.wantOffset))
			}
			if got := en.tw.Task(taskSid); got.Status != flexcallback.StatusCanceled {
				t.Errorf("call task %s; want canceled once the request is kept", got.Status)
			}
		})
	}
}

// "As soon as possible" (1) is today's callback: made now, through Ask.
func TestCallbackAsSoonAsPossibleWithSlots(t *testing.T) {
	opts, q := withSlots(t)
	en := newEnv(t, opts)
	en.addCallTask()
	ask := en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller))
	done := en.do(ask.must("Gather").attr("action"), "Digits", "1")
	if !done.says1("callback has been requested") || len(en.creator.created()) != 1 {
		t.Fatalf("says %q, created %d", done.says(), len(en.creator.created()))
	}
	if kept, _ := q.List(t.Context(), 10); len(kept) != 0 {
		t.Errorf("scheduled %+v for as soon as possible", kept)
	}
}
