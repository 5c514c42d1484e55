package callback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"flexcallback"
)

// Ask makes the task a caller's request asks for, or merges the request into the caller's open
// callback or voicemail task (flexcallback.Creator). The caller's number has one record in the
// store, like a request key's (claim.go): a claim while a request for the number is being
// answered, else the SID of the task Ask made for it, so finding the open task is one fetch, never
// a listing, and concurrent requests for one number, on any replica, make one task. Claiming the
// number reads its task in the same round trip.
func (s *Service) Ask(ctx context.Context, r flexcallback.Request) (flexcallback.Asked, error) {
	if r.RecordingSid != "" {
		r.Key = voicemailKey(r.RecordingSid)
	}
	if !s.cfg.MergeOpen || !strings.HasPrefix(r.NumberToCall, "+") || r.Key == "" {
		if r.MergeOnly {
			return flexcallback.Asked{}, nil
		}
		return s.plain(ctx, r)
	}
	never := func(string) (any, bool, error) { return nil, false, nil } // each request needs its own turn
	v, err := s.exclusive(ctx, callerKey(r.NumberToCall), s.openTTL(r), never,
		func(h *hold) (any, error) { return s.askOnce(ctx, r, h) })
	if err != nil {
		return flexcallback.Asked{}, err
	}
	return v.(flexcallback.Asked), nil
}

// askOnce answers r while holding its number's record, h (h.prev: the caller's task, if any): a
// replay as before, else r merged into the caller's open task, else a task of its own, which the
// number then names.
func (s *Service) askOnce(ctx context.Context, r flexcallback.Request, h *hold) (any, error) {
	h.unsure = false // the number's record names tasks; no create stands behind it
	mark, _, err := s.store.Get(ctx, storeKey(r.Key))
	if err != nil {
		return nil, fmt.Errorf("read request key: %w", err)
	}
	if mine, err := s.ownTask(ctx, r, mark); err != nil {
		return nil, err
	} else if mine {
		return s.plain(ctx, r) // replayed by the create path, which also writes a late transcript
	}
	if sid, ok := strings.CutPrefix(mark, mergedPrefix); ok {
		if a, done, err := s.merge(ctx, sid, r, true); err != nil || done {
			return a, err
		}
	}
	if h.prev != "" {
		if a, done, err := s.merge(ctx, h.prev, r, false); err != nil || done {
			return a, err
		}
	}
	if r.MergeOnly {
		return flexcallback.Asked{}, nil
	}
	a, err := s.plain(ctx, r)
	if err != nil {
		return nil, err
	}
	s.settle(ctx, h, a.Sid)
	return a, nil
}

// ownTask reports whether r's key, whose record holds mark, made a task that answers it, or may
// have (a create in flight or unknown, which only the create path resolves without making a
// second task).
func (s *Service) ownTask(ctx context.Context, r flexcallback.Request, mark string) (bool, error) {
	_, claimed := claimDeadline(mark)
	switch {
	case mark == "" || strings.HasPrefix(mark, mergedPrefix):
		return false, nil
	case claimed || mark == unsure:
		return true, nil
	}
	_, ok, err := s.known(ctx, r, mark)
	return ok, err
}

// merge writes r into task sid's requests (ETag-guarded). done is false when the task cannot take
// it: gone, closed, or (again) only while open for a key that replays open tasks only. again says
// r was merged into sid before: its entry is updated, never appended once the task closed.
func (s *Service) merge(ctx context.Context, sid string, r flexcallback.Request, again bool) (a flexcallback.Asked, done bool, err error) {
	var own, appended bool
	usable := true
	err = flexcallback.UpdateGuarded(ctx, s.tasks, sid, func(t flexcallback.Task) (flexcallback.TaskUpdate, bool) {
		own, appended = false, false
		usable = flexcallback.OpenForMerge(t) || (again && !r.KeyOpenOnly)
		if !usable {
			return flexcallback.TaskUpdate{}, false
		}
		before := len(flexcallback.ReadCallbackData(t.Attributes).Requests)
		changed, isOwn := flexcallback.MergeRequest(t.Attributes, r, s.now())
		own = isOwn
		appended = changed && len(flexcallback.ReadCallbackData(t.Attributes).Requests) > before
		return flexcallback.TaskUpdate{Attributes: t.Attributes}, changed
	})
	switch {
	case errors.Is(err, flexcallback.ErrNotFound):
		return a, false, nil
	case err != nil:
		return a, false, fmt.Errorf("merge request into task %s: %w", sid, err)
	case !usable:
		return a, false, nil
	case own:
		a, err := s.plain(ctx, r)
		return a, err == nil, err
	}
	if err := s.store.Put(ctx, storeKey(r.Key), mergedPrefix+sid, s.ttl(r)); err != nil {
		s.logger.ErrorContext(ctx, "remember merged request", "err", err)
	}
	if appended {
		s.logger.InfoContext(ctx, "request merged into caller's open task", "task_sid", sid, "kind", r.Kind(), "source", r.Source)
		if s.observer != nil {
			s.observer.Merged()
		}
	} else {
		s.replayed()
	}
	return flexcallback.Asked{Sid: sid, Merged: true, Replayed: !appended}, true, nil
}

// plain is Voicemail or Create, without merging.
func (s *Service) plain(ctx context.Context, r flexcallback.Request) (flexcallback.Asked, error) {
	if r.RecordingSid != "" {
		sid, err := s.Voicemail(ctx, r)
		return flexcallback.Asked{Sid: sid}, err
	}
	sid, replayed, err := s.Create(ctx, r)
	return flexcallback.Asked{Sid: sid, Replayed: replayed}, err
}

// openTTL bounds how long a number names its task: as long as the task may stay open.
func (s *Service) openTTL(r flexcallback.Request) time.Duration {
	timeout := flexcallback.DefaultTimeout
	switch {
	case r.Timeout != nil:
		timeout = *r.Timeout
	case r.Original != nil && r.Original.Timeout > 0:
		timeout = r.Original.Timeout
	}
	return max(time.Duration(timeout)*time.Second, s.cfg.KeyTTL)
}

// callerKey is the key of a caller's record; the number is digested, never stored.
func callerKey(number string) string {
	sum := sha256.Sum256([]byte(number))
	return "caller:" + hex.EncodeToString(sum[:16])
}

func voicemailKey(recordingSid string) string { return "voicemail:" + recordingSid }
