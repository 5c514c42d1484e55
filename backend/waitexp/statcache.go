package waitexp

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"flexcallback"
)

// statsCache keeps TaskRouter's statistics per task queue or workflow, so callers waiting in the
// same queue share one read: concurrent misses share one fetch (singleflight), an entry past
// refresh is served while one request refreshes it in the background, and a failed fetch falls
// back to an entry no older than stale.
type statsCache struct {
	now                 func() time.Time
	fetch               func(ctx context.Context, sid string) (flexcallback.WaitStatistics, error)
	refresh, ttl, stale time.Duration

	group singleflight.Group
	mu    sync.Mutex
	m     map[string]statsEntry
}

type statsEntry struct {
	v  flexcallback.WaitStatistics
	at time.Time
}

// Statistics move slowly compared with a 30-second pass of hold music.
const (
	statsRefresh = 10 * time.Second
	statsTTL     = 20 * time.Second
	statsStale   = 2 * time.Minute
	statsTimeout = 3 * time.Second // a background refresh has no request to bound it
)

func newStatsCache(now func() time.Time, fetch func(context.Context, string) (flexcallback.WaitStatistics, error)) *statsCache {
	return &statsCache{now: now, fetch: fetch, refresh: statsRefresh, ttl: statsTTL, stale: statsStale, m: map[string]statsEntry{}}
}

func (c *statsCache) get(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	c.mu.Lock()
	ent, ok := c.m[sid]
	c.mu.Unlock()
	age := c.now().Sub(ent.at)
	switch {
	case ok && age < c.refresh:
		return ent.v, nil
	case ok && age < c.ttl:
		go func() { // refreshed before it expires, off the caller's request
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), statsTimeout)
			defer cancel()
			_, _ = c.load(bg, sid)
		}()
		return ent.v, nil
	}
	v, err := c.load(ctx, sid)
	if err != nil && ok && age < c.stale {
		return ent.v, nil
	}
	return v, err
}

// load fetches once for every concurrent caller of the same SID and stores the answer.
func (c *statsCache) load(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	v, err, _ := c.group.Do(sid, func() (any, error) {
		v, err := c.fetch(ctx, sid)
		if err != nil {
			return v, err
		}
		c.mu.Lock()
		if len(c.m) >= maxQueues {
			clear(c.m)
		}
		c.m[sid] = statsEntry{v: v, at: c.now()}
		c.mu.Unlock()
		return v, nil
	})
	return v.(flexcallback.WaitStatistics), err
}
