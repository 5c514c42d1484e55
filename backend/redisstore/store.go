// Package redisstore is the flexcallback.Store that replicas share: Redis (REDIS_URL), every key
// under a prefix (REDIS_PREFIX) and with a TTL. When Redis does not answer, callers are never
// turned away: the store serves from this replica's own memory (counted, one WARN a minute),
// asks Redis again every second, and on its return writes what it holds back into Redis (never
// over a value Redis has) before using Redis again. The memory also mirrors what this replica
// wrote, so idempotency keys it set survive an outage, and a Redis restarted empty; a claim this
// replica holds is written back too, so the others wait for it rather than create again.
// Each operation is one round trip: PutIfAbsent is SET NX GET, CompareAndSwap a script.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"flexcallback/backend/inmem"
)

// Config is what the store needs.
type Config struct {
	URL    string // redis:// or rediss://, with password and DB
	Prefix string // put before every key; default "flexcallback:"
	Logger *slog.Logger
	Probe  time.Duration // how often a degraded store asks Redis again; default 1 s
	Warn   time.Duration // at most one WARN per this while degraded; default 1 min
}

// Store is a Redis store with a memory fallback. Close it.
type Store struct {
	cfg      Config
	rdb      *redis.Client
	cmd      redis.Cmdable // rdb's auto-pipeliner: concurrent requests' commands share writes
	mem      *inmem.Store  // mirror of this replica's writes, and the fallback
	noSetGet atomic.Bool   // Redis refused SET NX GET (before 7.0): PutIfAbsent is a script
	degraded atomic.Bool
	total    atomic.Uint64 // operations served from memory, ever

	mu         sync.Mutex // guards the fields below
	since      time.Time  // when the current outage began
	lastWarn   time.Time
	fromMemory int // operations served from memory in the current outage

	stop chan struct{}
	done chan struct{}
}

// ParseURL checks a REDIS_URL (configuration uses it to report a bad one at start).
func ParseURL(u string) error {
	_, err := redis.ParseURL(u)
	return err
}

// New connects to Redis. An unreachable Redis is no error: the store starts degraded and comes
// back to Redis when it answers.
func New(cfg Config) (*Store, error) {
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// Fail fast and fall back rather than retry: a caller waits on every operation.
	opt.MaxRetries = -1
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = time.Second, 500*time.Millisecond, 500*time.Millisecond, time.Second
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true
	if cfg.Prefix == "" {
		cfg.Prefix = "flexcallback:"
	}
	if cfg.Probe <= 0 {
		cfg.Probe = time.Second
	}
	if cfg.Warn <= 0 {
		cfg.Warn = time.Minute
	}
	s := &Store{cfg: cfg, rdb: redis.NewClient(opt), mem: inmem.New(0), stop: make(chan struct{}), done: make(chan struct{})}
	// Concurrent requests' commands go to Redis in one write and come back in one read, which
	// halves redis-server's CPU per request under load. The pipeliner runs a command on its own
	// context, bounded by the connection's timeouts above rather than the caller's deadline.
	if s.cmd, err = s.rdb.AutoPipeline(); err != nil {
		return nil, fmt.Errorf("redis auto-pipelining: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.degrade(err)
	}
	go s.probe()
	return s, nil
}

// Close stops the probe and closes the connections.
func (s *Store) Close() error {
	close(s.stop)
	<-s.done
	return s.rdb.Close()
}

// State is "redis", or "memory (redis unreachable)" during an outage; /readyz reports it.
func (s *Store) State() string {
	if s.degraded.Load() {
		return "memory (redis unreachable)"
	}
	return "redis"
}

// Degraded reports whether Redis is unreachable and the store is this replica's memory.
func (s *Store) Degraded() bool { return s.degraded.Load() }

// ServedFromMemory is the number of operations served from memory since the start
// (flexcallback_store_degraded_total).
func (s *Store) ServedFromMemory() uint64 { return s.total.Load() }

// Get returns the value for key: one GET (a hit is not mirrored: that would cost a PTTL on
// every read).
func (s *Store) Get(ctx context.Context, key string) (string, bool, error) {
	if !s.degraded.Load() {
		v, err := s.cmd.Get(ctx, s.key(key)).Result()
		switch {
		case errors.Is(err, redis.Nil):
			return "", false, nil
		case err == nil:
			return v, true, nil
		}
		if !s.failed(ctx, err) {
			return "", false, err
		}
	} else {
		s.count()
	}
	return s.mem.Get(ctx, key)
}

// Put sets key in Redis and in memory.
func (s *Store) Put(ctx context.Context, key, value string, ttl time.Duration) error {
	s.mem.Put(ctx, key, value, ttl)
	if s.degraded.Load() {
		s.count()
		return nil
	}
	if err := s.cmd.Set(ctx, s.key(key), value, px(ttl)).Err(); err != nil && !s.failed(ctx, err) {
		return err
	}
	return nil
}

// PutIfAbsent sets key in Redis unless it holds a value, and returns the value it holds, in one
// SET NX GET; a value it sets is mirrored. While Redis is unreachable it is memory's.
func (s *Store) PutIfAbsent(ctx context.Context, key, value string, ttl time.Duration) (string, bool, error) {
	if !s.degraded.Load() {
		held, err := s.putIfAbsent(ctx, key, value, ttl)
		switch {
		case errors.Is(err, redis.Nil):
			s.mem.Put(ctx, key, value, ttl)
			return value, true, nil
		case err == nil:
			return held, false, nil
		}
		if !s.failed(ctx, err) {
			return "", false, err
		}
	} else {
		s.count()
	}
	return s.mem.PutIfAbsent(ctx, key, value, ttl)
}

// putIfAbsentScript is SET NX GET for a Redis before 7.0.
var putIfAbsentScript = redis.NewScript(`local v = redis.call("GET", KEYS[1]) if v then return v end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) return false`)

// putIfAbsent is the value key held (redis.Nil: none, and value is set).
func (s *Store) putIfAbsent(ctx context.Context, key, value string, ttl time.Duration) (string, error) {
	if !s.noSetGet.Load() {
		held, err := s.cmd.SetArgs(ctx, s.key(key), value, redis.SetArgs{Mode: "NX", Get: true, TTL: px(ttl)}).Result()
		if err == nil || !isSyntaxError(err) {
			return held, err
		}
		s.noSetGet.Store(true)
	}
	return putIfAbsentScript.Run(ctx, s.cmd, []string{s.key(key)}, value, px(ttl).Milliseconds()).Text()
}

func isSyntaxError(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.Contains(re.Error(), "syntax error")
}

// compareAndSwap sets KEYS[1] to ARGV[2] for ARGV[3] ms, or deletes it when ARGV[2] is "",
// only while it holds ARGV[1].
var compareAndSwap = redis.NewScript(`if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == "" then redis.call("DEL", KEYS[1]) else redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) end
return 1`)

// CompareAndSwap swaps key in Redis (one script) and then its mirror, or, while Redis is
// unreachable, in memory.
func (s *Store) CompareAndSwap(ctx context.Context, key, old, value string, ttl time.Duration) (bool, error) {
	if !s.degraded.Load() {
		n, err := compareAndSwap.Run(ctx, s.cmd, []string{s.key(key)}, old, value, px(ttl).Milliseconds()).Int()
		if err == nil {
			if n == 1 {
				s.mirror(ctx, key, value, ttl)
			}
			return n == 1, nil
		}
		if !s.failed(ctx, err) {
			return false, err
		}
	} else {
		s.count()
	}
	return s.mem.CompareAndSwap(ctx, key, old, value, ttl)
}

// mirror sets (or, for "", removes) key in memory as Redis now has it.
func (s *Store) mirror(ctx context.Context, key, value string, ttl time.Duration) {
	if value == "" {
		s.mem.Delete(key)
		return
	}
	s.mem.Put(ctx, key, value, ttl)
}

func (s *Store) key(k string) string { return s.cfg.Prefix + k }

// px is a TTL Redis takes: at least a millisecond.
func px(ttl time.Duration) time.Duration { return max(ttl, time.Millisecond) }

// failed handles a Redis error: the caller's own cancellation is returned as it is (false);
// anything else means Redis is unreachable, and the operation is served from memory (true).
func (s *Store) failed(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	s.degrade(err)
	s.count()
	return true
}

// degrade switches to memory and says so, once a minute at most.
func (s *Store) degrade(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if !s.degraded.Swap(true) {
		s.since, s.fromMemory = now, 0
	}
	if now.Sub(s.lastWarn) >= s.cfg.Warn {
		s.lastWarn = now
		s.cfg.Logger.Warn("Redis is unreachable: idempotency keys, claims and the token cache are this replica's own until it answers",
			"err", err, "since", s.since)
	}
}

// count counts an operation served from memory.
func (s *Store) count() {
	s.mu.Lock()
	s.fromMemory++
	s.mu.Unlock()
	s.total.Add(1)
}

// probe asks a degraded store's Redis again every cfg.Probe and recovers when it answers.
func (s *Store) probe() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Probe)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if s.degraded.Load() {
			s.recover()
		}
	}
}

// recover returns to Redis if it answers: memory is written back first (SET NX: a value another
// replica put meanwhile wins), then Redis is used again, then what memory took during the switch
// is written back too.
func (s *Store) recover() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if s.rdb.Ping(ctx).Err() != nil {
		if s.degraded.Load() {
			s.degrade(errors.New("still unreachable")) // a WARN a minute while the outage lasts
		}
		return
	}
	if err := s.writeBack(ctx); err != nil {
		return
	}
	s.mu.Lock()
	since, served := s.since, s.fromMemory
	s.degraded.Store(false)
	s.mu.Unlock()
	if err := s.writeBack(ctx); err != nil {
		s.degrade(err)
		return
	}
	s.cfg.Logger.Info("Redis answers again: the shared store is back", "outage", time.Since(since).Round(time.Millisecond), "served_from_memory", served)
}

// writeBack sets every key memory holds in Redis, unless Redis holds it.
func (s *Store) writeBack(ctx context.Context) error {
	p := s.rdb.Pipeline()
	var err error
	flush := func() {
		if p.Len() > 0 && err == nil {
			_, err = p.Exec(ctx)
		}
	}
	s.mem.Each(func(key, value string, ttl time.Duration) {
		p.SetNX(ctx, s.key(key), value, px(ttl))
		if p.Len() >= 500 {
			flush()
		}
	})
	flush()
	return err
}

// quiet drops go-redis's own log lines (a failed dial per operation in an outage): the store
// logs the outage once a minute itself.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quiet{}) }
