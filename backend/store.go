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
}

type memoryStore struct{ *inmem.Store }

func (memoryStore) State() string { return "memory" }
func (memoryStore) Close() error  { return nil }

func openStore(cfg config, logger *slog.Logger, m *metrics.Metrics) (store, error) {
	if cfg.RedisURL == "" {
		return memoryStore{inmem.New(0)}, nil
	}
	rs, err := redisstore.New(redisstore.Config{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Logger: logger.With("component", "store")})
	if err != nil {
		return nil, err
	}
	m.WatchStore(rs.ServedFromMemory, rs.Degraded)
	return rs, nil
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
