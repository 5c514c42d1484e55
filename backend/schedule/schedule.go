// Package schedule keeps callback requests for the time a caller or an agent chose, and creates
// their tasks then: a scheduler runs on every replica, claims each due request in the shared
// Schedule with a lease, and creates its task through the Creator with the request's own key, so
// a task is made once whichever replica, or how many, get to it. A replica that dies holding a
// lease leaves the request to another once the lease ends.
package schedule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"flexcallback"
)

// Hours are the business hours scheduled callbacks keep to (issue 15's BUSINESS_HOURS_FILE).
type Hours interface {
	Open(t time.Time) bool
	NextOpening(t time.Time) time.Time // the first open time from t on
}

// AlwaysOpen is the business hours of a desk that never closes: the default.
type AlwaysOpen struct{}

func (AlwaysOpen) Open(time.Time) bool               { return true }
func (AlwaysOpen) NextOpening(t time.Time) time.Time { return t }

// Config is what the scheduler needs from configuration.
type Config struct {
	Slots   []Spec         // WAIT_CALLBACK_SLOTS
	Horizon time.Duration  // CALLBACK_HORIZON: how far ahead a callback may be scheduled
	Zone    *time.Location // BUSINESS_TIME_ZONE
	Hours   Hours          // nil: AlwaysOpen
	Poll    time.Duration  // how often the scheduler looks for due requests; default 1 s
	Lease   time.Duration  // how long a claim hides a request from other replicas; default 30 s
	// Held, when set, is told after each tick how many requests the schedule holds (a gauge).
	Held func(n int)
}

// Service is the flexcallback.Scheduler, and the loop that makes due requests' tasks (Run).
type Service struct {
	cfg    Config
	q      flexcallback.Schedule
	create flexcallback.Creator
	logger *slog.Logger
	now    func() time.Time
}

// New returns the scheduler. now is its clock: the sandbox's in sandbox mode, so tests move it.
func New(cfg Config, q flexcallback.Schedule, create flexcallback.Creator, logger *slog.Logger, now func() time.Time) *Service {
	if cfg.Hours == nil {
		cfg.Hours = AlwaysOpen{}
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, q: q, create: create, logger: logger, now: now}
}

// Zone is the business time zone.
func (s *Service) Zone() *time.Location { return s.cfg.Zone }

// Now is the scheduler's clock.
func (s *Service) Now() time.Time { return s.now() }

// Check refuses a time in the past, beyond the horizon or outside business hours.
func (s *Service) Check(field string, at time.Time) error {
	now := s.now()
	switch {
	case !at.After(now):
		return flexcallback.Invalid(field, "%s %s is in the past", field, at.UTC().Format(time.RFC3339))
	case at.After(now.Add(s.cfg.Horizon)):
		return flexcallback.Invalid(field, "%s %s is beyond the scheduling horizon of %s (CALLBACK_HORIZON)",
			field, at.UTC().Format(time.RFC3339), s.cfg.Horizon)
	case !s.cfg.Hours.Open(at):
		return flexcallback.Invalid(field, "%s %s is outside business hours; the next opening is %s",
			field, at.UTC().Format(time.RFC3339), s.cfg.Hours.NextOpening(at).In(s.cfg.Zone).Format(time.RFC3339))
	}
	return nil
}

// Slots are the configured slots as they fall now: moved into business hours, within the
// horizon, each time once, earliest first.
func (s *Service) Slots() []flexcallback.Slot {
	now := s.now().In(s.cfg.Zone)
	var out []flexcallback.Slot
	for _, sp := range s.cfg.Slots {
		at := sp.at(now)
		if !s.cfg.Hours.Open(at) {
			at = s.cfg.Hours.NextOpening(at)
		}
		if !at.After(now) || at.After(now.Add(s.cfg.Horizon)) ||
			slices.ContainsFunc(out, func(o flexcallback.Slot) bool { return o.At.Equal(at) }) {
			continue
		}
		out = append(out, flexcallback.Slot{Name: sp.Name, At: at})
	}
	slices.SortStableFunc(out, func(a, b flexcallback.Slot) int { return a.At.Compare(b.At) })
	return out
}

// Slot is the slot named name as it falls now.
func (s *Service) Slot(field, name string) (time.Time, error) {
	name = strings.Join(strings.Fields(name), " ")
	var names []string
	for _, sl := range s.Slots() {
		if strings.EqualFold(sl.Name, name) {
			return sl.At, nil
		}
		names = append(names, sl.Name)
	}
	if len(names) == 0 {
		return time.Time{}, flexcallback.Invalid(field, "%s: no slots are offered now (WAIT_CALLBACK_SLOTS)", field)
	}
	return time.Time{}, flexcallback.Invalid(field, "%s %q is not a slot offered now; the slots are %s", field, name, strings.Join(names, ", "))
}

// Schedule keeps r for at, once per r.Key.
func (s *Service) Schedule(ctx context.Context, r flexcallback.Request, at time.Time) (flexcallback.ScheduledCallback, error) {
	if r.Key == "" {
		return flexcallback.ScheduledCallback{}, fmt.Errorf("schedule a callback without a request key: %w", flexcallback.ErrInternal)
	}
	r.ScheduledFor = at.UTC()
	if r.Received.IsZero() {
		r.Received = s.now() // utcDateTimeReceived: when it was asked for, not when it was made
	}
	b, err := json.Marshal(r)
	if err != nil {
		return flexcallback.ScheduledCallback{}, fmt.Errorf("encode scheduled request: %w", err)
	}
	e := flexcallback.Scheduled{ID: ID(r.Key), Due: r.ScheduledFor, Payload: string(b)}
	added, err := s.q.Add(ctx, e)
	if err != nil {
		return flexcallback.ScheduledCallback{}, err
	}
	if !added { // a redelivery: answer with the entry kept
		if kept, ok, err := s.find(ctx, e.ID); err != nil || ok {
			return kept, err
		}
	}
	sc, _ := view(e)
	s.logger.InfoContext(ctx, "callback scheduled", "scheduled_id", e.ID, "scheduled_for", e.Due, "source", r.Source, "repeat", !added)
	return sc, nil
}

// ID names the scheduled request of a request key: a digest, since keys may hold numbers.
func ID(key string) string {
	sum := sha256.Sum256([]byte("schedule:" + key))
	return "SC" + hex.EncodeToString(sum[:16])
}

// List returns the scheduled callbacks, earliest first.
func (s *Service) List(ctx context.Context) ([]flexcallback.ScheduledCallback, error) {
	es, err := s.q.List(ctx, maxList)
	if err != nil {
		return nil, err
	}
	out := make([]flexcallback.ScheduledCallback, 0, len(es))
	for _, e := range es {
		if v, err := view(e); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// maxList bounds what a supervisor's list reads.
const maxList = 1000

// Cancel removes a scheduled callback before its time.
func (s *Service) Cancel(ctx context.Context, id string) (flexcallback.ScheduledCallback, error) {
	sc, found, err := s.find(ctx, id)
	if err != nil {
		return sc, err
	}
	removed := false
	if found {
		if removed, err = s.q.Done(ctx, id); err != nil {
			return sc, err
		}
	}
	if !removed {
		return sc, flexcallback.Errorf(flexcallback.ErrNotFound, "no scheduled callback %s is waiting (made or canceled already)", id)
	}
	return sc, nil
}

func (s *Service) find(ctx context.Context, id string) (flexcallback.ScheduledCallback, bool, error) {
	es, err := s.q.List(ctx, maxList)
	if err != nil {
		return flexcallback.ScheduledCallback{}, false, err
	}
	for _, e := range es {
		if e.ID == id {
			v, err := view(e)
			return v, err == nil, err
		}
	}
	return flexcallback.ScheduledCallback{}, false, nil
}

// view is what an entry shows of its request.
func view(e flexcallback.Scheduled) (flexcallback.ScheduledCallback, error) {
	r, err := decode(e)
	if err != nil {
		return flexcallback.ScheduledCallback{ID: e.ID, At: e.Due}, err
	}
	v := flexcallback.ScheduledCallback{ID: e.ID, At: e.Due, NumberToCall: r.NumberToCall, Source: r.Source}
	if o := r.Original; o != nil {
		d := flexcallback.ReadCallbackData(o.Attributes)
		if k := flexcallback.TaskKind(o.Attributes); k == flexcallback.KindCallback || k == flexcallback.KindVoicemail {
			v.TaskSid, v.Attempts = o.Sid, d.Attempts+1
		}
		if v.NumberToCall == "" {
			v.NumberToCall = d.NumberToCall
		}
	}
	return v, nil
}

func decode(e flexcallback.Scheduled) (flexcallback.Request, error) {
	var r flexcallback.Request
	if err := json.Unmarshal([]byte(e.Payload), &r); err != nil {
		return r, fmt.Errorf("decode scheduled request %s: %w", e.ID, err)
	}
	return r, nil
}

// Run makes due requests' tasks until ctx ends; every replica runs it.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		s.Tick(ctx)
	}
}

// Tick claims and makes every request due now, then reports how many are held.
func (s *Service) Tick(ctx context.Context) {
	s.tick(ctx)
	if s.cfg.Held == nil || ctx.Err() != nil {
		return
	}
	if n, err := s.q.Count(ctx); err == nil {
		s.cfg.Held(n)
	}
}

func (s *Service) tick(ctx context.Context) {
	now := s.now()
	due, err := s.q.Due(ctx, now, 50)
	if err != nil {
		if ctx.Err() == nil {
			s.logger.WarnContext(ctx, "read due callbacks", "err", err)
		}
		return
	}
	for _, e := range due {
		if ctx.Err() != nil {
			return // killed or stopping: a claim held is left to its lease
		}
		won, err := s.q.Claim(ctx, e.ID, now, s.cfg.Lease)
		if err != nil || !won {
			continue
		}
		s.make(ctx, e, now)
	}
}

// make creates e's task through the idempotent path (the request's own key), then removes it.
// A failure leaves it claimed: it is tried again when the lease ends.
func (s *Service) make(ctx context.Context, e flexcallback.Scheduled, now time.Time) {
	log := s.logger.With("scheduled_id", e.ID, "scheduled_for", e.Due)
	log.InfoContext(ctx, "scheduled callback claimed", "lease", s.cfg.Lease)
	r, err := decode(e)
	if err != nil {
		log.ErrorContext(ctx, "drop a scheduled request that cannot be read", "err", err)
		s.q.Done(ctx, e.ID)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Lease)
	defer cancel()
	sid, replayed, err := s.create.Create(cctx, r)
	if errors.Is(err, flexcallback.ErrInvalid) {
		log.ErrorContext(ctx, "drop a scheduled request Twilio cannot take", "err", err)
		s.q.Done(ctx, e.ID)
		return
	}
	if err != nil {
		log.WarnContext(ctx, "create scheduled callback; retried after the lease", "err", err)
		return
	}
	if _, err := s.q.Done(context.WithoutCancel(ctx), e.ID); err != nil {
		log.WarnContext(ctx, "remove a made request; its key replays the task", "err", err)
	}
	log.InfoContext(ctx, "scheduled callback created", "task_sid", sid, "replayed", replayed, "late", now.Sub(e.Due).Round(time.Millisecond))
}
