package inmem

import (
	"context"
	"fmt"
	"testing"
	"time"

	"flexcallback/backend/storetest"
)

func TestStoreExpiresAndBounds(t *testing.T) {
	ctx := context.Background()
	s := New(3)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }

	if err := s.Put(ctx, "a", "1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := s.Get(ctx, "a"); !ok || v != "1" {
		t.Fatalf("Get(a) = %q, %v; want 1, true", v, ok)
	}
	now = now.Add(time.Minute)
	if _, ok, _ := s.Get(ctx, "a"); ok {
		t.Fatal("Get(a) after its TTL: still there")
	}
	for i := range 5 {
		s.Put(ctx, fmt.Sprint("k", i), "v", time.Hour)
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d, want 3 (bounded)", s.Len())
	}
	if _, ok, _ := s.Get(ctx, "k0"); ok {
		t.Error("oldest key k0 kept; want it dropped")
	}
	if _, ok, _ := s.Get(ctx, "k4"); !ok {
		t.Error("newest key k4 dropped")
	}
}

func TestStoreContract(t *testing.T) { storetest.Run(t, New(0)) }

func TestScheduleContract(t *testing.T) { storetest.RunSchedule(t, NewSchedule()) }
