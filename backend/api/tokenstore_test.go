package api

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
)

// countingStore counts reads and writes (each one a Redis round trip with the shared store).
type countingStore struct {
	flexcallback.Store
	reads, writes atomic.Int32
}

func (c *countingStore) Get(ctx context.Context, key string) (string, bool, error) {
	c.reads.Add(1)
	return c.Store.Get(ctx, key)
}

func (c *countingStore) Put(ctx context.Context, key, value string, ttl time.Duration) error {
	c.writes.Add(1)
	return c.Store.Put(ctx, key, value, ttl)
}

// A validated token costs each later request one store read, and is written once, not per request.
func TestTokenCacheOneReadPerRequest(t *testing.T) {
	iam := &fakeIAM{answer: func(string) (flexcallback.Worker, error) {
		return flexcallback.Worker{Sid: "WK1", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}}
	store := &countingStore{Store: inmem.New(0)}
	validate := CachedTokenValidator(iam, store, time.Minute, time.Now)
	if _, err := validate(context.Background(), "tok"); err != nil {
		t.Fatal(err)
	}
	reads, writes := store.reads.Load(), store.writes.Load()
	for range 10 {
		if _, err := validate(context.Background(), "tok"); err != nil {
			t.Fatal(err)
		}
	}
	if r, w := store.reads.Load()-reads, store.writes.Load()-writes; r != 10 || w != 0 || writes != 1 {
		t.Errorf("10 cached validations: %d reads, %d writes (first validation: %d writes); want 10, 0 (1)", r, w, writes)
	}
}
