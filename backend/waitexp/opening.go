package waitexp

import (
	"fmt"
	"strings"
	"time"
)

// Hours is the contact centre's opening hours (backend/hours' Schedule implements it).
type Hours interface {
	Open(t time.Time) bool
	// NextOpening is t when open, else when the centre next opens; zero when not within a year.
	NextOpening(t time.Time) time.Time
	// Location is the zone the hours are in: the opening is said in its local time.
	Location() *time.Location
}

// closed reports whether the centre is closed now, and when it opens again.
func (e *Experience) closed() (bool, time.Time) {
	if e.opts.Hours == nil {
		return false, time.Time{}
	}
	now := e.now()
	if e.opts.Hours.Open(now) {
		return false, time.Time{}
	}
	return true, e.opts.Hours.NextOpening(now)
}

// opening is the {opening} placeholder: when the centre opens again, said the way the caller's
// language says it, in the centre's local time relative to today there ("after 9 a.m.
// tomorrow", "mañana después de las 9:00"). A language with no formatter of ours (one a prompts
// file adds) hears the date and the 24-hour time.
func (e *Experience) opening(tag string, at time.Time) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if at.IsZero() {
		if base == "es" {
			return "en cuanto volvamos a abrir"
		}
		return "as soon as we open again"
	}
	loc := e.opts.Hours.Location()
	now, at := e.now().In(loc), at.In(loc)
	days := dayDiff(now, at)
	switch base {
	case "en":
		return "after " + englishClock(at) + " " + englishDay(days, at)
	case "es":
		article := "las"
		if at.Hour() == 1 {
			article = "la"
		}
		return spanishDay(days, at) + " después de " + article + " " + at.Format("15:04")
	}
	return at.Format("2006-01-02 15:04")
}

// dayDiff is how many calendar days at is after now, both in the same zone.
func dayDiff(now, at time.Time) int {
	a := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// englishClock is "9 a.m.", "9:30 a.m.", "12 p.m.".
func englishClock(t time.Time) string {
	h, suffix := t.Hour()%12, "a.m."
	if t.Hour() >= 12 {
		suffix = "p.m."
	}
	if h == 0 {
		h = 12
	}
	if t.Minute() == 0 {
		return fmt.Sprintf("%d %s", h, suffix)
	}
	return fmt.Sprintf("%d:%02d %s", h, t.Minute(), suffix)
}

func englishDay(days int, t time.Time) string {
	switch {
	case days <= 0:
		return "today"
	case days == 1:
		return "tomorrow"
	case days < 7:
		return "on " + t.Weekday().String()
	}
	return "on " + t.Format("Monday, January 2")
}

var (
	spanishWeekdays = [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	spanishMonths   = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
		"septiembre", "octubre", "noviembre", "diciembre"}
)

func spanishDay(days int, t time.Time) string {
	switch {
	case days <= 0:
		return "hoy"
	case days == 1:
		return "mañana"
	case days < 7:
		return "el " + spanishWeekdays[t.Weekday()]
	}
	return fmt.Sprintf("el %s %d de %s", spanishWeekdays[t.Weekday()], t.Day(), spanishMonths[t.Month()-1])
}

// closedPrompts is what a caller hears each pass outside business hours: what can still be kept
// (a callback for the next opening, a voicemail), or only when the centre opens again.
func (t *turn) closedPrompts(o offer, next time.Time) (verbs []verb, menu bool) {
	when := t.opening(t.v.tag, next)
	switch {
	case o.callback && o.voicemail:
		return []verb{t.v.say(keyClosedRepeating, "{opening}", when)}, true
	case o.callback:
		return []verb{t.v.say(keyClosedRepeatingCallback, "{opening}", when)}, true
	case o.voicemail:
		return []verb{t.v.say(keyClosedRepeatingVoicemail)}, true
	}
	return []verb{t.v.say(keyClosedMessage, "{opening}", when)}, false
}

// closedChoiceKey is the menu after the star key outside business hours.
func closedChoiceKey(o offer) string {
	switch {
	case !o.voicemail:
		return keyClosedCallbackOnlyChoice
	case !o.callback:
		return keyVoicemailOnlyChoice
	}
	return keyClosedChoice
}
