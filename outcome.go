package flexcallback

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Outcome is what came of one call back to the customer, as the agent reports it after the
// outbound call: callBackData.attemptLog[].outcome and, for Flex Insights, conversations.outcome.
type Outcome string

// The outcomes an agent may report, in the order the panel offers them.
const (
	OutcomeReached     Outcome = "reached"
	OutcomeNoAnswer    Outcome = "no-answer"
	OutcomeBusy        Outcome = "busy"
	OutcomeLeftMessage Outcome = "left-message"
	OutcomeWrongNumber Outcome = "wrong-number"
)

// Outcomes lists every outcome, in the panel's order.
var Outcomes = []Outcome{OutcomeReached, OutcomeNoAnswer, OutcomeBusy, OutcomeLeftMessage, OutcomeWrongNumber}

// ParseOutcome reads an outcome word; anything else is ErrInvalid naming the field "outcome".
func ParseOutcome(s string) (Outcome, error) {
	o := Outcome(strings.TrimSpace(s))
	if !slices.Contains(Outcomes, o) {
		words := make([]string, len(Outcomes))
		for i, w := range Outcomes {
			words[i] = string(w)
		}
		return "", Invalid("outcome", "outcome must be one of %s", strings.Join(words, ", "))
	}
	return o, nil
}

// OffersRetry: the customer was not reached, but the number is right, so the panel offers the
// next attempt at once.
func (o Outcome) OffersRetry() bool { return o == OutcomeNoAnswer || o == OutcomeBusy }

// EndsCallback: calling this number again is pointless, so the callback ends and is not requeued.
func (o Outcome) EndsCallback() bool { return o == OutcomeWrongNumber }

// callSidRe is a Voice call SID, the key of one attempt.
var callSidRe = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

// ValidCallSid reports whether s looks like a Voice call SID.
func ValidCallSid(s string) bool { return callSidRe.MatchString(s) }

// Attempt is one call back and what came of it: callBackData.attemptLog[i].
type Attempt struct {
	Time    time.Time `json:"time"`
	Worker  string    `json:"worker"` // the worker's SID (WK…), or their identity when they are no worker
	Outcome Outcome   `json:"outcome"`
	CallSid string    `json:"callSid"`
}

// ReadAttemptLog reads callBackData.attemptLog, oldest first; entries it cannot read are skipped.
// The log travels with a requeued callback (BuildTask copies callBackData), so it is the whole
// callback's history, not one task's.
func ReadAttemptLog(attrs map[string]any) []Attempt {
	cb, _ := attrs["callBackData"].(map[string]any)
	list, _ := cb["attemptLog"].([]any)
	var out []Attempt
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		a := Attempt{Worker: str(m["worker"]), Outcome: Outcome(str(m["outcome"])), CallSid: str(m["callSid"])}
		a.Time, _ = time.Parse(time.RFC3339Nano, str(m["time"]))
		out = append(out, a)
	}
	return out
}

// AttemptFor returns the logged attempt of callSid, if there is one.
func AttemptFor(log []Attempt, callSid string) (Attempt, bool) {
	for _, a := range log {
		if a.CallSid == callSid {
			return a, true
		}
	}
	return Attempt{}, false
}

// RecordAttempt appends a to attrs' callBackData.attemptLog and sets conversations.outcome, once per
// call SID: an attempt already logged with the same outcome changes nothing (appended false), one
// logged with another outcome is ErrConflict (the first report stands; metrics counted it).
func RecordAttempt(attrs map[string]any, a Attempt) (appended bool, err error) {
	if prev, ok := AttemptFor(ReadAttemptLog(attrs), a.CallSid); ok {
		if prev.Outcome != a.Outcome {
			return false, Errorf(ErrConflict, "call %s already has the outcome %s", a.CallSid, prev.Outcome)
		}
		return false, nil
	}
	cb := CallbackDataOf(attrs)
	list, _ := cb["attemptLog"].([]any)
	cb["attemptLog"] = append(list, map[string]any{
		"time":    a.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		"worker":  a.Worker,
		"outcome": string(a.Outcome),
		"callSid": a.CallSid,
	})
	conv, _ := attrs["conversations"].(map[string]any)
	if conv == nil {
		conv = map[string]any{}
		attrs["conversations"] = conv
	}
	conv["outcome"] = string(a.Outcome)
	return true, nil
}

// EndedByOutcome reports whether the callback's last attempt ended it (a wrong number): it is
// not requeued, whoever asks.
func EndedByOutcome(attrs map[string]any) bool {
	log := ReadAttemptLog(attrs)
	return len(log) > 0 && log[len(log)-1].Outcome.EndsCallback()
}

// applyOutcome sets the outcome step of the panel's rules: once the call back placed from t
// ended, the agent is asked what came of it, until the attempt is logged; a callback a wrong
// number ended offers no retry.
func (v *PanelView) applyOutcome(t PanelTask) {
	c := t.OutboundCall
	if c != nil && c.Status == CallActive {
		v.CallActive, v.CallEnabled = true, false
	}
	if c != nil && c.Status == CallEnded && c.CallSid != "" {
		v.CallSid = c.CallSid
		if a, ok := AttemptFor(ReadAttemptLog(t.Attributes), c.CallSid); ok {
			v.Outcome = a.Outcome
		}
		v.AskOutcome = v.Outcome == "" && (t.Status == StatusAssigned || t.Status == StatusWrapping)
	}
	if EndedByOutcome(t.Attributes) {
		v.ShowRetry, v.RetryEnabled = false, false
	}
}
