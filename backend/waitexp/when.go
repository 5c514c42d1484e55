package waitexp

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"flexcallback"
)

// when asks a caller who chose a callback when to be called, if slots are offered: "as soon as
// possible" (1) or one of the slots (2…), each read back in the caller's language and the
// business's time. The offered times travel in the URL, so the answer picks what was heard.
// A zero time is as soon as possible; answer, when not nil, is what to say instead.
func (t *turn) when(to string) (time.Time, []verb) {
	sched := t.opts.Scheduler
	if sched == nil {
		return time.Time{}, nil
	}
	offered := t.p.get(pSlots)
	if offered == "" {
		return time.Time{}, t.askWhen(to, sched.Slots())
	}
	d, _ := strconv.Atoi(t.p.get("Digits"))
	times := strings.Split(offered, ",")
	if d == 1 {
		return time.Time{}, nil
	}
	if d >= 2 && d-2 < len(times) {
		sec, err := strconv.ParseInt(times[d-2], 10, 64)
		at := time.Unix(sec, 0)
		if err == nil && sched.Check("slot", at) == nil {
			return at, nil
		}
	}
	return time.Time{}, t.askWhen(to, sched.Slots(), t.v.say(keyInvalidInput))
}

// askWhen offers "as soon as possible" and the slots; nil when no slot is offered now: as soon
// as possible it is.
func (t *turn) askWhen(to string, slots []flexcallback.Slot, before ...verb) []verb {
	if len(slots) == 0 {
		return nil
	}
	now := t.opts.Scheduler.Now()
	says := []verb{t.v.say(keyCallbackWhenSoon)}
	unix := make([]string, len(slots))
	for i, sl := range slots {
		unix[i] = strconv.FormatInt(sl.At.Unix(), 10)
		says = append(says, t.v.say(keyCallbackWhenSlot, "{when}", t.v.spokenTime(sl.At, now, t.opts.Scheduler.Zone()),
			"{digit}", strconv.Itoa(i+2)))
	}
	return append(before,
		gather(t.url(modeSubmitCallback, t.s, pTo, to, pSlots, strings.Join(unix, ",")), 8, 1, "", says...),
		redirect(t.loopURL(t.s)),
	)
}

// schedule keeps the caller's request for at, then takes the call out of the queue and reads the
// time back. If it cannot be kept the caller hears an apology and stays queued.
func (t *turn) schedule(ctx context.Context, log *slog.Logger, r flexcallback.Request, at time.Time, task flexcallback.Task, found bool) []verb {
	sc, err := t.opts.Scheduler.Schedule(ctx, r, at)
	if err != nil {
		log.ErrorContext(ctx, "schedule callback failed; caller stays queued", "err", err)
		return []verb{t.v.say(keyProcessingError), redirect(t.loopURL(t.s))}
	}
	log.InfoContext(ctx, "callback scheduled", "scheduled_id", sc.ID, "scheduled_for", sc.At)
	t.leaveQueue(ctx, log, task, found)
	when := t.v.spokenTime(at, t.opts.Scheduler.Now(), t.opts.Scheduler.Zone())
	return []verb{t.v.say(keyCallbackScheduled, "{when}", when), hangup()}
}

// clock is how a language says a time of day and names the days of the week.
type clock struct {
	layout string
	days   [7]string // Sunday first, as time.Weekday
}

var clocks = map[string]clock{
	"en": {"3:04 PM", [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}},
	"es": {"15:04", [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}},
}

// spokenTime says at, in zone, relative to now: "today at 2:00 PM", "mañana a las 9:00",
// "on Tuesday at 9:00 AM". Languages without a clock of their own use English's.
func (v voice) spokenTime(at, now time.Time, zone *time.Location) string {
	base, _, _ := strings.Cut(v.tag, "-")
	c, ok := clocks[strings.ToLower(base)]
	if !ok {
		c = clocks["en"]
	}
	at, now = at.In(zone), now.In(zone)
	args := []string{"{time}", at.Format(c.layout), "{day}", c.days[at.Weekday()]}
	y, m, d := now.Date()
	switch day := time.Date(y, m, d, 0, 0, 0, 0, zone); {
	case at.Before(day.AddDate(0, 0, 1)):
		return v.text(keyWhenToday, args...)
	case at.Before(day.AddDate(0, 0, 2)):
		return v.text(keyWhenTomorrow, args...)
	}
	return v.text(keyWhenDay, args...)
}
