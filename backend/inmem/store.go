// Package inmem is the in-memory default of flexcallback.Store, for one replica, and the Redis
// store's fallback: idempotency keys, claims and token validations. Entries expire after their
// TTL and the store holds at most a fixed number of them, dropping the oldest first, so a flood
// of distinct keys cannot exhaust memory.
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
	e, ok := s.live(key)
	if !ok {
		return "", false, nil
	}
	return e.value, true, nil
}

// Put sets key to value for ttl.
func (s *Store) Put(_ context.Context, key, value string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(key, value, ttl)
	return nil
}

// PutIfAbsent sets key to value for ttl unless it holds a live value; it returns the value held
// afterwards and whether it is this call's.
func (s *Store) PutIfAbsent(_ context.Context, key, value string, ttl time.Duration) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(key); ok {
		return e.value, false, nil
	}
	s.put(key, value, ttl)
	return value, true, nil
}

// CompareAndSwap sets key to value for ttl if it holds old; a value of "" removes it.
func (s *Store) CompareAndSwap(_ context.Context, key, old, value string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(key); !ok || e.value != old {
		return false, nil
	}
	if value == "" {
		s.delete(key)
	} else {
		s.put(key, value, ttl)
	}
	return true, nil
}

// Delete removes key (the Redis store keeps its mirror of Redis with it).
func (s *Store) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delete(key)
}

// Each calls fn with every live entry and the time it has left, oldest first (the Redis store
// writes its memory back to Redis with it).
func (s *Store) Each(fn func(key, value string, ttl time.Duration)) {
	s.mu.Lock()
	now := s.now()
	var live []entry
	for el := s.order.Front(); el != nil; el = el.Next() {
		if e := el.Value.(*entry); now.Before(e.expires) {
			live = append(live, *e)
		}
	}
	s.mu.Unlock()
	for _, e := range live {
		fn(e.key, e.value, e.expires.Sub(now))
	}
}

// live returns key's entry unless it is absent or expired (and then drops it). s.mu is held.
func (s *Store) live(key string) (*entry, bool) {
	el, ok := s.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if !s.now().Before(e.expires) {
		s.delete(key)
		return nil, false
	}
	return e, true
}

// delete removes key if present. s.mu is held.
func (s *Store) delete(key string) {
	if el, ok := s.items[key]; ok {
		s.order.Remove(el)
		delete(s.items, key)
	}
}

// put sets key, dropping the oldest entries past the bound. s.mu is held.
func (s *Store) put(key, value string, ttl time.Duration) {
	s.delete(key)
	for s.order.Len() >= s.max {
		oldest := s.order.Front()
		s.order.Remove(oldest)
		delete(s.items, oldest.Value.(*entry).key)
	}
	s.items[key] = s.order.PushBack(&entry{key: key, value: value, expires: s.now().Add(ttl)})
}

// Len returns the number of entries held, expired ones included until they are touched.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}
