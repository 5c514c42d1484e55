package main

import (
	"context"
	"log/slog"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
	"flexcallback/backend/media"
	"flexcallback/backend/metrics"
	"flexcallback/backend/redisstore"
)

// store is where idempotency keys, claims, token validations and the media key live: Redis when
// REDIS_URL is set (replicas share it), else this process's memory.
type store interface {
	flexcallback.Store
	State() string // for /readyz
	Close() error
	// Schedule is where scheduled callbacks wait: Redis's sorted set, or this process's memory.
	Schedule() flexcallback.Schedule
	// MemoryOnly is how many scheduled callbacks only this process holds (lost on a restart);
	// /readyz reports it. -1: none can be (Redis).
	MemoryOnly() int
}

type memoryStore struct {
	*inmem.Store
	sched *inmem.Schedule
}

func (memoryStore) State() string                     { return "memory" }
func (memoryStore) Close() error                      { return nil }
func (s memoryStore) Schedule() flexcallback.Schedule { return s.sched }
func (s memoryStore) MemoryOnly() int                 { return s.sched.Len() }

type redisStore struct {
	*redisstore.Store
	sched *redisstore.Schedule
}

func (s redisStore) Schedule() flexcallback.Schedule { return s.sched }
func (redisStore) MemoryOnly() int                   { return -1 }

func openStore(cfg config, logger *slog.Logger, m *metrics.Metrics) (store, error) {
	if cfg.RedisURL == "" {
		return memoryStore{inmem.New(0), inmem.NewSchedule()}, nil
	}
	rs, err := redisstore.New(redisstore.Config{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Logger: logger.With("component", "store")})
	if err != nil {
		return nil, err
	}
	m.WatchStore(rs.ServedFromMemory, rs.Degraded)
	return redisStore{rs, rs.Schedule()}, nil
}

// mediaKey is MEDIA_TOKEN_SECRET when set, else the key replicas share through the store.
func mediaKey(cfg config, st store) ([]byte, error) {
	if cfg.MediaSecret != nil {
		return cfg.MediaSecret, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return media.SharedKey(ctx, st)
}
