// Package inmem is the in-memory default of flexcallback.Store: idempotency keys and token
// validations for one replica. Entries expire after their TTL and the store holds at most a fixed
// number of them, dropping the oldest first, so a flood of distinct keys cannot exhaust memory.
package inmem

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Store is a bounded, expiring map of strings. The zero value is not usable; use New.
type Store struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	items map[string]*list.Element
	order *list.List // oldest insertion at the front
}

type entry struct {
	key, value string
	expires    time.Time
}

// New returns a store holding at most max entries (max <= 0 means 100 000).
func New(max int) *Store {
	if max <= 0 {
		max = 100_000
	}
	return &Store{max: max, now: time.Now, items: map[string]*list.Element{}, order: list.New()}
}

// Get returns the value for key, unless it is absent or expired.
func (s *Store) Get(_ context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.items[key]
	if !ok {
		return "", false, nil
	}
	e := el.Value.(*entry)
	if !s.now().Before(e.expires) {
		s.order.Remove(el)
		delete(s.items, key)
		return "", false, nil
	}
	return e.value, true, nil
}

// Put sets key to value for ttl.
func (s *Store) Put(_ context.Context, key, value string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[key]; ok {
		s.order.Remove(el)
		delete(s.items, key)
	}
	for s.order.Len() >= s.max {
		oldest := s.order.Front()
		s.order.Remove(oldest)
		delete(s.items, oldest.Value.(*entry).key)
	}
	s.items[key] = s.order.PushBack(&entry{key: key, value: value, expires: s.now().Add(ttl)})
	return nil
}

// Len returns the number of entries held, expired ones included until they are touched.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}
