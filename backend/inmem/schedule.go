package inmem

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"flexcallback"
)

// Schedule is the in-memory flexcallback.Schedule of one replica: scheduled requests live as
// long as the process, so a restart loses them (README; /readyz reports how many it holds).
type Schedule struct {
	mu    sync.Mutex
	items map[string]*scheduled
}

type scheduled struct {
	s       flexcallback.Scheduled
	visible time.Time // Due, or the end of a claim's lease
}

// NewSchedule returns an empty schedule.
func NewSchedule() *Schedule { return &Schedule{items: map[string]*scheduled{}} }

// Add keeps s unless its ID is held.
func (q *Schedule) Add(_ context.Context, s flexcallback.Scheduled) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.items[s.ID]; ok {
		return false, nil
	}
	q.items[s.ID] = &scheduled{s: s, visible: s.Due}
	return true, nil
}

// Due returns the entries visible at now, earliest first.
func (q *Schedule) Due(_ context.Context, now time.Time, limit int) ([]flexcallback.Scheduled, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var due []*scheduled
	for _, e := range q.items {
		if !e.visible.After(now) {
			due = append(due, e)
		}
	}
	slices.SortFunc(due, func(a, b *scheduled) int { return cmp.Or(a.visible.Compare(b.visible), cmp.Compare(a.s.ID, b.s.ID)) })
	return entries(due, limit), nil
}

// Claim hides id until now+lease if it is visible at now.
func (q *Schedule) Claim(_ context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.items[id]
	if !ok || e.visible.After(now) {
		return false, nil
	}
	e.visible = now.Add(lease)
	return true, nil
}

// Done removes id.
func (q *Schedule) Done(_ context.Context, id string) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	_, ok := q.items[id]
	delete(q.items, id)
	return ok, nil
}

// List returns every entry, earliest Due first.
func (q *Schedule) List(_ context.Context, limit int) ([]flexcallback.Scheduled, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	all := make([]*scheduled, 0, len(q.items))
	for _, e := range q.items {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *scheduled) int { return cmp.Or(a.s.Due.Compare(b.s.Due), cmp.Compare(a.s.ID, b.s.ID)) })
	return entries(all, limit), nil
}

// Count is Len, as flexcallback.Schedule asks.
func (q *Schedule) Count(context.Context) (int, error) { return q.Len(), nil }

// Len is how many requests the schedule holds (only in this process's memory).
func (q *Schedule) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func entries(es []*scheduled, limit int) []flexcallback.Scheduled {
	if limit > 0 && len(es) > limit {
		es = es[:limit]
	}
	out := make([]flexcallback.Scheduled, len(es))
	for i, e := range es {
		out[i] = e.s
	}
	return out
}
