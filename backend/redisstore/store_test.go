package redisstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"flexcallback/backend/redistest"
	"flexcallback/backend/storetest"
)

func newStore(t *testing.T, url string, logs *bytes.Buffer) *Store {
	t.Helper()
	if logs == nil {
		logs = &bytes.Buffer{}
	}
	s, err := New(Config{URL: url, Prefix: "test:", Logger: slog.New(slog.NewTextHandler(logs, nil)), Probe: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// probeOff leaves recovery to the test's own calls of recover.
func (s *Store) probeOff() {
	close(s.stop)
	<-s.done
	s.stop = make(chan struct{}) // for Close
}

func TestStoreContract(t *testing.T) {
	r := redistest.Start(t)
	storetest.Run(t, newStore(t, r.URL(), nil))
}

// A Redis before 7.0 refuses SET NX GET: PutIfAbsent is a script there, under the same contract.
func TestStoreContractScriptPutIfAbsent(t *testing.T) {
	r := redistest.Start(t)
	s := newStore(t, r.URL(), nil)
	s.noSetGet.Store(true)
	storetest.Run(t, s)
}

// Redis killed and started again, empty: every operation is served from memory meanwhile (no
// error), counted, with one WARN; the store returns by itself and writes back what it knew,
// never over a value another replica put meanwhile, and a claim only while it is held.
func TestStoreFallsBackAndRecovers(t *testing.T) {
	ctx := context.Background()
	r := redistest.Start(t)
	var logs bytes.Buffer
	s := newStore(t, r.URL(), &logs)
	other := newStore(t, r.URL(), nil)
	if err := s.Put(ctx, "before", "1", time.Hour); err != nil {
		t.Fatal(err)
	}

	r.Kill()
	for i := range 20 {
		if err := s.Put(ctx, "during", "2", time.Hour); err != nil {
			t.Fatalf("Put %d during the outage: %v", i, err)
		}
		if v, ok, err := s.Get(ctx, "before"); err != nil || !ok || v != "1" {
			t.Fatalf("Get during the outage = %q, %v, %v; want the mirrored 1", v, ok, err)
		}
		if _, won, err := s.PutIfAbsent(ctx, "claim", "me", time.Hour); err != nil || (i == 0) != won {
			t.Fatalf("PutIfAbsent %d during the outage: won %v, %v", i, won, err)
		}
	}
	if _, won, _ := s.PutIfAbsent(ctx, "held", "me", time.Hour); !won {
		t.Fatal("PutIfAbsent of a new key during the outage lost")
	}
	if swapped, err := s.CompareAndSwap(ctx, "claim", "me", "", time.Hour); err != nil || !swapped {
		t.Fatalf("releasing a claim during the outage: swapped %v, %v", swapped, err)
	}
	if s.State() != "memory (redis unreachable)" || s.ServedFromMemory() < 62 || !s.Degraded() {
		t.Errorf("state %q, %d operations counted; want memory and at least 60", s.State(), s.ServedFromMemory())
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d WARN lines in the outage, want 1:\n%s", n, logs.String())
	}

	r.Restart()
	// Another replica puts "during" first: its value wins over this replica's write-back.
	other.recover()
	if err := other.Put(ctx, "during", "theirs", time.Hour); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.State() != "redis" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s.State() != "redis" || s.Degraded() {
		t.Fatalf("state %q after Redis came back", s.State())
	}
	for key, want := range map[string]string{"before": "1", "during": "theirs"} {
		if v, ok, err := other.Get(ctx, key); err != nil || !ok || v != want {
			t.Errorf("another replica reads %s = %q, %v, %v; want %q", key, v, ok, err, want)
		}
	}
	// A claim released in the outage stays released; one still held is written back, so other
	// replicas wait for its flight.
	if _, won, err := other.PutIfAbsent(ctx, "claim", "other", time.Hour); err != nil || !won {
		t.Errorf("the outage's released claim was written back to Redis (won %v, %v)", won, err)
	}
	if held, won, err := other.PutIfAbsent(ctx, "held", "other", time.Hour); err != nil || won || held != "me" {
		t.Errorf("another replica claims the outage's held key: %q, won %v, %v; want me's", held, won, err)
	}
}

// What a flight does to its key while the store is switching back to Redis (after its write-back
// read memory, before Redis is used again) reaches Redis: a claim settled or released then does
// not stay in Redis as a live claim that other replicas wait on past their requests' deadlines.
func TestStoreRecoveryKeepsWritesDuringTheSwitch(t *testing.T) {
	ctx := context.Background()
	r := redistest.Start(t)
	s := newStore(t, r.URL(), nil)
	s.probeOff()
	other := newStore(t, r.URL(), nil)

	r.Kill()
	for _, k := range []string{"settled", "released"} {
		if _, won, err := s.PutIfAbsent(ctx, k, "claim", time.Hour); err != nil || !won {
			t.Fatalf("claim %s in the outage: won %v, %v", k, won, err)
		}
	}
	r.Restart()
	s.beforeSwitch = func() {
		// The first write-back has put both claims in Redis; the flights end in memory.
		if err := s.Put(ctx, "settled", "WT1", time.Hour); err != nil {
			t.Error(err)
		}
		if ok, err := s.CompareAndSwap(ctx, "released", "claim", "", time.Hour); err != nil || !ok {
			t.Errorf("release: %v, %v", ok, err)
		}
		if _, won, err := s.PutIfAbsent(ctx, "held", "claim", time.Hour); err != nil || !won {
			t.Errorf("claim held: won %v, %v", won, err)
		}
	}
	s.recover()
	if s.Degraded() {
		t.Fatal("store still degraded after Redis answered")
	}
	for key, want := range map[string]string{"settled": "WT1", "released": "", "held": "claim"} {
		if v, _, err := other.Get(ctx, key); err != nil || v != want {
			t.Errorf("another replica reads %s = %q, %v; want %q", key, v, err, want)
		}
	}
}

// Redis that kept its data through the outage (a partition, not a restart) holds this replica's
// claim from before it; the flight settled or released it in memory meanwhile, and the
// write-back brings Redis up to date rather than leave the stale claim for its lease.
func TestStoreRecoveryUpdatesItsOwnStaleValues(t *testing.T) {
	ctx := context.Background()
	r := redistest.Start(t)
	s := newStore(t, r.URL(), nil)
	s.probeOff()
	other := newStore(t, r.URL(), nil)
	for _, k := range []string{"settled", "released", "theirs"} {
		if _, won, err := s.PutIfAbsent(ctx, k, "claim", time.Hour); err != nil || !won {
			t.Fatalf("claim %s: won %v, %v", k, won, err)
		}
	}
	// Redis stays up for the others but this replica loses it: its operations go to memory.
	s.degrade(errors.New("partition"))
	if err := s.Put(ctx, "settled", "WT1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.CompareAndSwap(ctx, "released", "claim", "", time.Hour); err != nil || !ok {
		t.Fatalf("release: %v, %v", ok, err)
	}
	if ok, err := s.CompareAndSwap(ctx, "theirs", "claim", "WT2", time.Hour); err != nil || !ok {
		t.Fatalf("settle: %v, %v", ok, err)
	}
	if err := other.Put(ctx, "theirs", "WT3", time.Hour); err != nil { // another replica took it over meanwhile
		t.Fatal(err)
	}
	s.recover()
	for key, want := range map[string]string{"settled": "WT1", "released": "", "theirs": "WT3"} {
		if v, _, err := other.Get(ctx, key); err != nil || v != want {
			t.Errorf("another replica reads %s = %q, %v; want %q", key, v, err, want)
		}
	}
}

func TestScheduleContract(t *testing.T) {
	r := redistest.Start(t)
	storetest.RunSchedule(t, newStore(t, r.URL(), nil).Schedule())
}
