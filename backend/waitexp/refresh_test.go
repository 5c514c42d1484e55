package waitexp

import (
	"context"
	"sync"
	"testing"
	"time"

	"flexcallback/backend/twiliofake"
)

// TestQueueFetchSingleFlightAtExpiry: 50 lookups that find the cached queue expired make one
// fetch, and all get its answer.
func TestQueueFetchSingleFlightAtExpiry(t *testing.T) {
	en := newEnv(t, testOptions())
	ctx := context.Background()
	if _, err := en.e.queue(ctx, queueSid); err != nil {
		t.Fatal(err)
	}
	en.e.now = func() time.Time { return t0.Add(queueTTL) }
	hold := make(chan struct{}) // holds the fetch on the wire while the lookups arrive
	en.tw.Inject(twiliofake.Fault{Op: "queue", Wait: hold, Count: 1})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			q, err := en.e.queue(ctx, queueSid)
			if err != nil || q.FriendlyName != wfSid {
				t.Errorf("queue: %+v, %v", q, err)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(hold)
	wg.Wait()
	if n := en.j.Count("queue "); n != 2 {
		t.Errorf("%d fetches for 1 cold lookup and 50 at expiry; want 2", n)
	}
}

// TestQueueRefreshedBeforeExpiry: a lookup late in the entry's life is answered from the cache at
// once and refreshes it in the background, so a lookup past the old expiry does not wait.
func TestQueueRefreshedBeforeExpiry(t *testing.T) {
	en := newEnv(t, testOptions())
	ctx := context.Background()
	if _, err := en.e.queue(ctx, queueSid); err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) {
		t.Helper()
		en.e.now = func() time.Time { return t0.Add(d) }
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := en.e.queue(ctx, queueSid); err != nil {
				t.Error(err)
			}
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("lookup at +%v waited for a fetch", d)
		}
	}
	hold := make(chan struct{})
	en.tw.Inject(twiliofake.Fault{Op: "queue", Wait: hold, Count: 1})
	at(queueTTL * 8 / 10) // served from the cache while the refresh waits on the wire
	close(hold)
	for deadline := time.Now().Add(2 * time.Second); !refreshed(en); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no refresh ahead of expiry")
		}
	}
	stuck := make(chan struct{}) // a fetch now would hang: the lookup must not make one
	defer close(stuck)
	en.tw.Inject(twiliofake.Fault{Op: "queue", Wait: stuck, Count: 1})
	at(queueTTL * 3 / 2)
	if n := en.j.Count("queue "); n != 2 {
		t.Errorf("%d fetches; want 2 (cold, refresh ahead)", n)
	}
}

// refreshed says the queue's refresh has ended and stored a newer answer.
func refreshed(en *env) bool {
	c := en.e.queues
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[queueSid]
	return e != nil && e.flight == nil && e.at.After(t0)
}
