package waitexp

import (
	"context"
	"sync"
	"time"
)

// refreshTimeout bounds a fetch that runs detached from the request that started it.
const refreshTimeout = 15 * time.Second

// refreshCache keeps fetched values by key, with one fetch per key at a time (single-flight):
// callers that arrive while a fetch is on the wire wait for it instead of starting their own. A
// value older than 3/4 of ttl is refreshed in the background while it is still served, so a busy
// key never expires and its callers never wait; an expired one is fetched while callers wait.
// When a fetch fails, the previous value is still served. Fetches run detached from the caller's
// context (a caller that gives up does not fail the others), under refreshTimeout.
type refreshCache[K comparable, V any] struct {
	mu  sync.Mutex
	ttl time.Duration
	max int // entries; the cache is emptied when full
	m   map[K]*refreshEntry[V]
}

type refreshEntry[V any] struct {
	v      V
	at     time.Time     // when v was fetched; zero: never
	flight chan struct{} // non-nil while a fetch runs; closed when it ends
	err    error         // of the last fetch
}

func newRefreshCache[K comparable, V any](ttl time.Duration, max int) *refreshCache[K, V] {
	return &refreshCache[K, V]{ttl: ttl, max: max, m: map[K]*refreshEntry[V]{}}
}

// get returns key's value as of now. ok says v is usable: fetched now, fresh, or stale after a
// failed fetch (then err is that failure); !ok means there is no value and err says why.
func (c *refreshCache[K, V]) get(ctx context.Context, key K, now time.Time,
	fetch func(context.Context, K) (V, error)) (v V, ok bool, err error) {
	c.mu.Lock()
	e := c.m[key]
	if e == nil {
		if len(c.m) >= c.max {
			clear(c.m)
		}
		e = &refreshEntry[V]{}
		c.m[key] = e
	}
	age := now.Sub(e.at)
	if !e.at.IsZero() && age < c.ttl {
		if age >= c.ttl*3/4 {
			c.start(ctx, key, e, now, fetch) // refresh ahead; serve the current value meanwhile
		}
		v = e.v
		c.mu.Unlock()
		return v, true, nil
	}
	flight := c.start(ctx, key, e, now, fetch)
	c.mu.Unlock()
	select {
	case <-flight:
	case <-ctx.Done():
		return v, false, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.v, !e.at.IsZero(), e.err
}

// start begins a fetch of key unless one runs, and returns the channel its end closes. c.mu is held.
func (c *refreshCache[K, V]) start(ctx context.Context, key K, e *refreshEntry[V], now time.Time,
	fetch func(context.Context, K) (V, error)) chan struct{} {
	if e.flight != nil {
		return e.flight
	}
	done := make(chan struct{})
	e.flight = done
	go func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		v, err := fetch(fctx, key)
		c.mu.Lock()
		if err == nil {
			e.v, e.at = v, now
		}
		e.err, e.flight = err, nil
		c.mu.Unlock()
		close(done)
	}()
	return done
}
