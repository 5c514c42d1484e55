// Package storetest is the contract every flexcallback.Store passes: the in-memory store and the
// Redis store run the same test (backend/inmem, backend/redisstore).
package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback"
)

// Run checks s against the contract. Keys are prefixed with the test's name, so one store
// (one Redis) may serve several runs.
func Run(t *testing.T, s flexcallback.Store) {
	ctx := context.Background()
	k := func(name string) string { return t.Name() + ":" + name }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("GetPut", func(t *testing.T) {
		if v, ok, err := s.Get(ctx, k("absent")); err != nil || ok || v != "" {
			t.Errorf("Get(absent) = %q, %v, %v", v, ok, err)
		}
		must(s.Put(ctx, k("a"), "1", time.Minute))
		must(s.Put(ctx, k("a"), "2", time.Minute))
		if v, ok, err := s.Get(ctx, k("a")); err != nil || !ok || v != "2" {
			t.Errorf("Get(a) = %q, %v, %v; want 2", v, ok, err)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		must(s.Put(ctx, k("short"), "x", 50*time.Millisecond))
		if _, won, err := s.PutIfAbsent(ctx, k("claim"), "x", 50*time.Millisecond); err != nil || !won {
			t.Fatalf("PutIfAbsent on a new key: won %v, %v", won, err)
		}
		time.Sleep(120 * time.Millisecond)
		if _, ok, _ := s.Get(ctx, k("short")); ok {
			t.Error("a key outlived its TTL")
		}
		if held, won, err := s.PutIfAbsent(ctx, k("claim"), "y", time.Minute); err != nil || !won || held != "y" {
			t.Errorf("PutIfAbsent after the claim expired = %q, %v, %v; want y, true", held, won, err)
		}
	})

	t.Run("PutIfAbsent", func(t *testing.T) {
		if held, won, err := s.PutIfAbsent(ctx, k("p"), "first", time.Minute); err != nil || !won || held != "first" {
			t.Fatalf("first PutIfAbsent = %q, %v, %v", held, won, err)
		}
		if held, won, err := s.PutIfAbsent(ctx, k("p"), "second", time.Minute); err != nil || won || held != "first" {
			t.Errorf("second PutIfAbsent = %q, %v, %v; want first, false", held, won, err)
		}
	})

	t.Run("OneWinner", func(t *testing.T) {
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if _, won, err := s.PutIfAbsent(ctx, k("race"), fmt.Sprint(i), time.Minute); err != nil {
					t.Error(err)
				} else if won {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d of 20 concurrent PutIfAbsent won, want 1", wins.Load())
		}
	})

	t.Run("CompareAndSwap", func(t *testing.T) {
		must(s.Put(ctx, k("c"), "mine", time.Minute))
		if swapped, err := s.CompareAndSwap(ctx, k("c"), "theirs", "x", time.Minute); err != nil || swapped {
			t.Errorf("CompareAndSwap with another old value: swapped %v, %v", swapped, err)
		}
		if v, ok, _ := s.Get(ctx, k("c")); !ok || v != "mine" {
			t.Fatalf("a CompareAndSwap that did not match changed the key (%q, %v)", v, ok)
		}
		if swapped, err := s.CompareAndSwap(ctx, k("c"), "mine", "next", 50*time.Millisecond); err != nil || !swapped {
			t.Fatalf("CompareAndSwap with the held value: swapped %v, %v", swapped, err)
		}
		if v, ok, _ := s.Get(ctx, k("c")); !ok || v != "next" {
			t.Errorf("after the swap the key holds %q, %v; want next", v, ok)
		}
		time.Sleep(120 * time.Millisecond)
		if _, ok, _ := s.Get(ctx, k("c")); ok {
			t.Error("a swapped value outlived the TTL it was given")
		}
		if swapped, err := s.CompareAndSwap(ctx, k("never"), "", "x", time.Minute); err != nil || swapped {
			t.Errorf("CompareAndSwap on an absent key: swapped %v, %v", swapped, err)
		}
		if _, ok, _ := s.Get(ctx, k("never")); ok {
			t.Error("CompareAndSwap on an absent key set it")
		}
	})

	t.Run("CompareAndSwapRemoves", func(t *testing.T) {
		must(s.Put(ctx, k("d"), "mine", time.Minute))
		if swapped, err := s.CompareAndSwap(ctx, k("d"), "mine", "", time.Minute); err != nil || !swapped {
			t.Fatalf("CompareAndSwap to remove: swapped %v, %v", swapped, err)
		}
		if _, ok, _ := s.Get(ctx, k("d")); ok {
			t.Error("CompareAndSwap to \"\" kept the key")
		}
		if held, won, err := s.PutIfAbsent(ctx, k("d"), "again", time.Minute); err != nil || !won || held != "again" {
			t.Errorf("PutIfAbsent after the removal = %q, %v, %v", held, won, err)
		}
	})

	t.Run("CompareAndSwapOneWinner", func(t *testing.T) {
		must(s.Put(ctx, k("race2"), "expired-claim", time.Minute))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if swapped, err := s.CompareAndSwap(ctx, k("race2"), "expired-claim", fmt.Sprint(i), time.Minute); err != nil {
					t.Error(err)
				} else if swapped {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d of 20 concurrent takeovers won, want 1", wins.Load())
		}
	})
}
