package callback

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A request key has one record in the store, whose value moves through these states, so that a
// new request costs two round trips (the PutIfAbsent that claims it, the Put of its task):
//
//	absent                                never seen: claim it and create
//	"claim:<owner>:<deadline ms>[:<prev>]" a flight holds the key until its lease's deadline, and
//	                                      keeps what the record named before (prev); a claim past
//	                                      its deadline (its replica died) says a create may have
//	                                      happened unseen: whoever takes it over looks for the task
//	                                      before creating
//	"?"                                   a create may have happened unseen; nobody holds the key
//	a task SID                            the task made for the key
//	"merged:<task SID>"                   Ask merged the request into that task (merge.go); a
//	                                      create for the key replaces it
//
// A caller's number has a record of the same kind (Ask): a claim, or the caller's task's SID.
// The record lives as long as the key is remembered from the claim on, so a dead replica's claim
// outlives its lease. Deadlines are compared across replicas: their clocks must agree to within
// clockSlack (NTP does).

// claimPrefix starts a claim's value; task SIDs never do.
const claimPrefix = "claim:"

// mergedPrefix starts the record of a request merged into another request's task.
const mergedPrefix = "merged:"

// unsure is the record of a key whose create may have happened unseen and that nobody holds.
const unsure = "?"

// clockSlack is how far replicas' clocks may disagree: a claim's lease is the longest a flight
// runs plus this, so no replica takes over a live flight's claim.
const clockSlack = 5 * time.Second

// hold is a flight's claim on a key's record.
type hold struct {
	key     string // the record's store key
	value   string // this flight's claim
	ttl     time.Duration
	prev    string // what the record named before: "" or a task SID that could not answer
	unsure  bool   // a create may have happened unseen: look before creating
	settled bool   // the record names the flight's task
}

// exclusive runs fn for key once across replicas while holding the key's record, unless the
// task the record names answers the request.
func (s *Service) exclusive(ctx context.Context, key string, ttl time.Duration,
	answers func(sid string) (any, bool, error), fn func(h *hold) (any, error)) (any, error) {
	h, v, answered, err := s.hold(ctx, key, ttl, answers)
	if err != nil || answered {
		return v, err
	}
	defer s.release(ctx, h)
	return fn(h)
}

// hold claims key's record, or takes over a claim whose lease passed (the flight then looks
// before creating), a merged request's record, or a task answers says does not answer the
// request (the flight replaces them). While another flight holds the record, it waits for its task.
func (s *Service) hold(ctx context.Context, key string, ttl time.Duration, answers func(sid string) (any, bool, error)) (*hold, any, bool, error) {
	owner := fmt.Sprintf("%s-%d", s.id, s.claims.Add(1))
	wait := 10 * time.Millisecond
	lease := func(prev string) string {
		v := claimPrefix + owner + ":" + strconv.FormatInt(s.now().Add(s.cfg.ClaimLease).UnixMilli(), 10)
		if prev != "" {
			v += ":" + prev
		}
		return v
	}
	for {
		h := &hold{key: storeKey(key), ttl: ttl, value: lease("")}
		held, won, err := s.store.PutIfAbsent(ctx, h.key, h.value, ttl)
		if err != nil {
			return nil, nil, false, fmt.Errorf("claim request key: %w", err)
		}
		if won {
			return h, nil, false, nil
		}
		deadline, claimed := claimDeadline(held)
		switch {
		case strings.HasPrefix(held, mergedPrefix):
			h.prev = held
		case claimed && s.now().Before(deadline):
			select {
			case <-ctx.Done():
				return nil, nil, false, fmt.Errorf("wait for another replica's create: %w", ctx.Err())
			case <-time.After(wait):
			}
			wait = min(wait*3/2, 100*time.Millisecond)
			continue
		case claimed || held == unsure:
			h.unsure = true
			h.prev = claimPrev(held)
		default:
			if v, ok, err := answers(held); err != nil || ok {
				return nil, v, ok, err
			}
			h.prev = held
		}
		h.value = lease(h.prev)
		if won, err := s.store.CompareAndSwap(ctx, h.key, held, h.value, ttl); err != nil {
			return nil, nil, false, fmt.Errorf("take over request key: %w", err)
		} else if won {
			return h, nil, false, nil
		}
		// Another flight changed the record first: read it again.
	}
}

// claimDeadline is the lease deadline of a claim's value; false when v is no claim.
func claimDeadline(v string) (time.Time, bool) {
	f, ok := claimFields(v)
	if !ok {
		return time.Time{}, false
	}
	ms, _ := strconv.ParseInt(f[1], 10, 64)
	return time.UnixMilli(ms), true
}

// claimPrev is what the record named before a claim's flight took it ("" for no claim).
func claimPrev(v string) string {
	if f, ok := claimFields(v); ok && len(f) == 3 {
		return f[2]
	}
	return ""
}

// claimFields splits a claim's value into owner, deadline and, if any, prev.
func claimFields(v string) ([]string, bool) {
	rest, ok := strings.CutPrefix(v, claimPrefix)
	if !ok {
		return nil, false
	}
	f := strings.SplitN(rest, ":", 3)
	return f, len(f) >= 2
}

// settle makes h's record name sid: the flight's task, answered from now on.
func (s *Service) settle(ctx context.Context, h *hold, sid string) {
	if err := s.store.Put(ctx, h.key, sid, h.ttl); err != nil {
		s.logger.ErrorContext(ctx, "remember idempotency key", "err", err)
		return
	}
	h.settled = true
}

// release ends a flight that named no task: a create that may have happened leaves the record
// unsure (the next delivery looks first); otherwise it gets back what it named before. It
// outlives ctx: it matters most when the request's time ran out.
func (s *Service) release(ctx context.Context, h *hold) {
	if h.settled {
		return
	}
	to := h.prev
	if h.unsure {
		to = unsure
	}
	if _, err := s.store.CompareAndSwap(context.WithoutCancel(ctx), h.key, h.value, to, h.ttl); err != nil {
		s.logger.ErrorContext(ctx, "release request key", "err", err)
	}
}

func storeKey(key string) string { return "idem:" + key }
