package flexcallback

import (
	"context"
	"time"
)

// Scheduled is a request kept until its time: backend/schedule encodes the request as Payload,
// and names it by ID, a digest of the request's key, so a redelivered request is kept once.
type Scheduled struct {
	ID      string    `json:"id"`
	Due     time.Time `json:"due"`
	Payload string    `json:"payload"`
}

// Schedule keeps scheduled requests by time: in Redis (a sorted set replicas share) or in one
// replica's memory. It is apart from Store, whose values only expire. A claimed entry is hidden
// from Due until its lease ends, so a replica that dies holding it leaves it to another.
type Schedule interface {
	// Add keeps s unless its ID is held; added is false when it was (the entry kept as it is).
	Add(ctx context.Context, s Scheduled) (added bool, err error)
	// Due returns at most limit entries due at now and not under a live lease, earliest first.
	Due(ctx context.Context, now time.Time, limit int) ([]Scheduled, error)
	// Claim takes id for lease from now, atomically, if it is due and not under a live lease.
	Claim(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error)
	// Done removes id; removed is false when it was not held (made, or canceled, already).
	Done(ctx context.Context, id string) (removed bool, err error)
	// List returns at most limit entries, earliest Due first, claimed ones included.
	List(ctx context.Context, limit int) ([]Scheduled, error)
	// Count is how many entries are held, claimed ones included.
	Count(ctx context.Context) (int, error)
}

// ScheduledCallback is a callback request waiting for its time, as supervisors and callers see it.
type ScheduledCallback struct {
	ID           string    `json:"id"`
	At           time.Time `json:"callbackAt"`
	NumberToCall string    `json:"numberToCall"` // E.164; backend/api masks it for display where needed
	Source       string    `json:"source,omitempty"`
	TaskSid      string    `json:"taskSid,omitempty"` // the task retried, for an agent's "retry at"
	Attempts     int       `json:"attempts"`
}

// Slot is one time a caller may choose: its configured name (WAIT_CALLBACK_SLOTS) and when it falls now.
type Slot struct {
	Name string
	At   time.Time
}

// Scheduler keeps callback requests for a chosen time and creates their tasks then, exactly once
// (backend/schedule). Handlers and the wait experience reach it through this interface.
type Scheduler interface {
	// Check refuses a time in the past, outside business hours or beyond the horizon: an
	// *Error of ErrInvalid naming field.
	Check(field string, at time.Time) error
	// Slots are the times a caller may choose now, earliest first.
	Slots() []Slot
	// Slot is the slot named name, as Slots lists it now; ErrInvalid naming field when none is.
	Slot(field, name string) (time.Time, error)
	// Schedule keeps r for at, once per r.Key; a repeat returns the entry kept.
	Schedule(ctx context.Context, r Request, at time.Time) (ScheduledCallback, error)
	// List returns the scheduled callbacks, earliest first.
	List(ctx context.Context) ([]ScheduledCallback, error)
	// Cancel removes a scheduled callback; ErrNotFound when it is not waiting (made or canceled).
	Cancel(ctx context.Context, id string) (ScheduledCallback, error)
	// Zone is the business time zone slots and hours are read in.
	Zone() *time.Location
	// Now is the scheduler's clock (the sandbox's in sandbox mode).
	Now() time.Time
}
