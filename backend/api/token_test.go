package api

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/inmem"
)

// fakeIAM answers validations from a table, counting calls; gate, when set, holds every call.
type fakeIAM struct {
	calls  atomic.Int32
	gate   chan struct{}
	answer func(token string) (flexcallback.Worker, error)
}

func (f *fakeIAM) ValidateToken(ctx context.Context, token string) (flexcallback.Worker, error) {
	f.calls.Add(1)
	if f.gate != nil {
		<-f.gate
	}
	return f.answer(token)
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTokenCache(iam *fakeIAM, ttl time.Duration) (TokenValidateFunc, *fakeClock) {
	clock := &fakeClock{t: time.Now()}
	return CachedTokenValidator(iam, inmem.New(0), ttl, clock.now), clock
}

func TestTokenCacheRemembersRejections(t *testing.T) {
	iam := &fakeIAM{answer: func(string) (flexcallback.Worker, error) {
		return flexcallback.Worker{}, flexcallback.Errorf(flexcallback.ErrUnauthorized, "Invalid Access Token")
	}}
	validate, _ := newTokenCache(iam, time.Minute)
	for range 10 {
		_, err := validate(context.Background(), "forged")
		if e, ok := flexcallback.AsError(err); !ok || !errors.Is(err, flexcallback.ErrUnauthorized) || e.Message != "Invalid Access Token" {
			t.Fatalf("err = %v", err)
		}
	}
	if n := iam.calls.Load(); n != 1 {
		t.Errorf("10 validations of a rejected token made %d IAM calls, want 1", n)
	}
}

func TestTokenCacheForgetsOutages(t *testing.T) {
	for _, kind := range []error{flexcallback.ErrUnavailable, flexcallback.ErrUpstreamAuth, flexcallback.ErrInternal} {
		iam := &fakeIAM{answer: func(string) (flexcallback.Worker, error) {
			return flexcallback.Worker{}, flexcallback.Errorf(kind, "down")
		}}
		validate, _ := newTokenCache(iam, time.Minute)
		for range 3 {
			if _, err := validate(context.Background(), "tok"); !errors.Is(err, kind) {
				t.Fatalf("err = %v, want %v", err, kind)
			}
		}
		if n := iam.calls.Load(); n != 3 {
			t.Errorf("%v: %d IAM calls for 3 validations, want 3 (an outage is not a rejection)", kind, n)
		}
	}
}

func TestTokenCacheOneCallForConcurrentValidations(t *testing.T) {
	iam := &fakeIAM{gate: make(chan struct{}), answer: func(string) (flexcallback.Worker, error) {
		return flexcallback.Worker{Sid: "WK1", Identity: "alice", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}}
	validate, _ := newTokenCache(iam, time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			w, err := validate(context.Background(), "new-token")
			if err == nil && w.Identity != "alice" {
				err = errors.New("wrong worker " + w.Identity)
			}
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond) // let them all join the flight
	close(iam.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := iam.calls.Load(); n != 1 {
		t.Errorf("20 concurrent validations made %d IAM calls, want 1", n)
	}
}

func TestTokenCacheTrustsAcceptedTokensForTTL(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	iam := &fakeIAM{answer: func(string) (flexcallback.Worker, error) {
		return flexcallback.Worker{Sid: "WK1", Identity: "alice", ExpiresAt: exp}, nil
	}}
	validate, clock := newTokenCache(iam, time.Minute)
	for range 5 {
		if _, err := validate(context.Background(), "tok"); err != nil {
			t.Fatal(err)
		}
	}
	if n := iam.calls.Load(); n != 1 {
		t.Fatalf("IAM calls = %d, want 1 within the TTL", n)
	}
	clock.add(61 * time.Second)
	if _, err := validate(context.Background(), "tok"); err != nil {
		t.Fatal(err)
	}
	if n := iam.calls.Load(); n != 2 {
		t.Errorf("IAM calls = %d, want 2: a token is re-validated after the TTL", n)
	}

	// A token that expires sooner than the TTL is trusted only until then, then refused.
	exp = clock.now().Add(10 * time.Second)
	if _, err := validate(context.Background(), "short"); err != nil {
		t.Fatal(err)
	}
	clock.add(11 * time.Second)
	if _, err := validate(context.Background(), "short"); !errors.Is(err, flexcallback.ErrUnauthorized) {
		t.Errorf("a token past its expiry: err = %v, want unauthorized", err)
	}
	if n := iam.calls.Load(); n != 4 {
		t.Errorf("IAM calls = %d, want 4", n)
	}
}
