package schedule

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
)

var t0 = time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC) // a Wednesday, 15:00 UTC

// closedAfter17 is open 09:00–17:00 UTC every day.
type closedAfter17 struct{}

func (closedAfter17) Open(t time.Time) bool { h := t.UTC().Hour(); return h >= 9 && h < 17 }
func (closedAfter17) NextOpening(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	if t.UTC().Hour() < 9 {
		return time.Date(y, m, d, 9, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, d+1, 9, 0, 0, 0, time.UTC)
}

// creator counts creates by key, as backend/callback makes one task per key.
type creator struct {
	mu    sync.Mutex
	byKey map[string]int
	got   []flexcallback.Request
	fail  error
}

func (c *creator) Create(_ context.Context, r flexcallback.Request) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return "", false, c.fail
	}
	if c.byKey == nil {
		c.byKey = map[string]int{}
	}
	c.byKey[r.Key]++
	c.got = append(c.got, r)
	return "WT" + r.Key, c.byKey[r.Key] > 1, nil
}
func (c *creator) Voicemail(context.Context, flexcallback.Request) (string, error) { return "", nil }
func (c *creator) Ask(context.Context, flexcallback.Request) (flexcallback.Asked, error) {
	return flexcallback.Asked{}, errors.New("scheduled requests are created, never asked")
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newService(q flexcallback.Schedule, cr flexcallback.Creator, c *clock) *Service {
	return New(Config{Horizon: 14 * 24 * time.Hour, Hours: closedAfter17{}, Lease: time.Minute}, q, cr,
		slog.New(slog.NewTextHandler(io.Discard, nil)), c.Now)
}

func TestCheckRefusesPastOutsideHoursBeyondHorizon(t *testing.T) {
	s := newService(inmem.NewSchedule(), &creator{}, &clock{now: t0})
	for name, at := range map[string]time.Time{
		"past":           t0.Add(-time.Minute),
		"now":            t0,
		"outside hours":  t0.Add(3 * time.Hour), // 18:00
		"beyond horizon": t0.Add(15 * 24 * time.Hour),
	} {
		err := s.Check("callbackAt", at)
		if e, ok := flexcallback.AsError(err); !ok || !errors.Is(err, flexcallback.ErrInvalid) || e.Field != "callbackAt" {
			t.Errorf("%s: %v; want a 400 naming callbackAt", name, err)
		}
	}
	if err := s.Check("callbackAt", t0.Add(time.Hour)); err != nil {
		t.Errorf("16:00 the same day: %v", err)
	}
}

// A slot outside hours moves to the next opening; duplicates and slots past the horizon go.
func TestSlotsKeepToHours(t *testing.T) {
	specs, err := ParseSlots("1h, 3h, 18:00, tomorrow 09:00, 400h")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Slots: specs, Horizon: 14 * 24 * time.Hour, Hours: closedAfter17{}}, inmem.NewSchedule(), &creator{},
		slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return t0 })
	var got []string
	for _, sl := range s.Slots() {
		got = append(got, sl.Name+"="+sl.At.UTC().Format("02 15:04"))
	}
	want := []string{"1h=25 16:00", "3h=26 09:00"} // 18:00 and tomorrow 09:00 fall on 3h's time
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("slots = %v; want %v", got, want)
	}
	if _, err := s.Slot("callbackSlot", "400h"); err == nil {
		t.Error("a slot past the horizon was accepted")
	}
	for _, bad := range []string{"25:00", "tomorrow", "30s", "soon"} {
		if _, err := ParseSlots(bad); err == nil {
			t.Errorf("ParseSlots(%q) accepted", bad)
		}
	}
}

// Nothing early, nothing twice: three schedulers on one schedule make the task once, at its time;
// a failed create is tried again once the lease ends.
func TestTickMakesOnceAtItsTime(t *testing.T) {
	ctx := context.Background()
	q, cr, c := inmem.NewSchedule(), &creator{}, &clock{now: t0}
	reps := []*Service{newService(q, cr, c), newService(q, cr, c), newService(q, cr, c)}
	sc, err := reps[0].Schedule(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "k1"}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := reps[1].Schedule(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "k1"}, t0.Add(2*time.Hour)); again.ID != sc.ID || !again.At.Equal(sc.At) {
		t.Errorf("a repeat kept %+v; want the first %+v", again, sc)
	}
	c.add(time.Hour - time.Second)
	for _, r := range reps {
		r.Tick(ctx)
	}
	if len(cr.got) != 0 {
		t.Fatal("created a second early")
	}
	c.add(time.Second)
	cr.fail = flexcallback.Errorf(flexcallback.ErrUnavailable, "Twilio is down")
	reps[0].Tick(ctx)
	cr.fail = nil
	for _, r := range reps {
		r.Tick(ctx) // reps[0]'s lease hides it
	}
	if len(cr.got) != 0 {
		t.Fatal("another replica made it under a live lease")
	}
	c.add(time.Minute)
	var wg sync.WaitGroup
	for _, r := range reps {
		wg.Add(1)
		go func() { defer wg.Done(); r.Tick(ctx) }()
	}
	wg.Wait()
	if len(cr.got) != 1 || cr.got[0].Key != "k1" || !cr.got[0].ScheduledFor.Equal(t0.Add(time.Hour)) || !cr.got[0].Received.Equal(t0) {
		t.Fatalf("created %+v; want one, for k1, scheduled at 16:00, received at 15:00", cr.got)
	}
	if left, _ := q.List(ctx, 10); len(left) != 0 {
		t.Errorf("left %+v", left)
	}
	if _, err := reps[2].Cancel(ctx, sc.ID); !errors.Is(err, flexcallback.ErrNotFound) {
		t.Errorf("cancel after it was made: %v; want not found", err)
	}
}

func TestTickReportsHeld(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: t0}
	var held []int
	s := newService(inmem.NewSchedule(), &creator{}, c)
	s.cfg.Held = func(n int) { held = append(held, n) }
	for i, at := range []time.Duration{time.Hour, 90 * time.Minute} {
		if _, err := s.Schedule(ctx, flexcallback.Request{NumberToCall: "+14155552671", Key: "k" + string(rune('1'+i))}, t0.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	s.Tick(ctx)
	c.add(time.Hour)
	s.Tick(ctx)
	c.add(time.Hour)
	s.Tick(ctx)
	if want := []int{2, 1, 0}; !slices.Equal(held, want) {
		t.Errorf("held after each tick = %v; want %v", held, want)
	}
}
