package twilio

import (
	"context"
	"net/http"
	"testing"
	"time"

	"flexcallback"
)

// TestCallerDeadlineBoundsRetries: the request's deadline, shorter than the operation's own,
// bounds every attempt and every wait: a backoff that would outlive it is not waited.
func TestCallerDeadlineBoundsRetries(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			twilioError(w, http.StatusServiceUnavailable, 20503, "Unavailable")
			return
		}
		<-r.Context().Done() // slower than any deadline
	})
	c, _ := newTestClient(t, wr, func(cfg *Config) {
		cfg.Retry = RetryPolicy{Limit: 5, MinBackoff: 50 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Deadline: 8 * time.Second}
	})
	c.sleep = sleepCtx
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.FetchTask(ctx, testTask)
	if d := time.Since(start); d > 2*time.Second { // far below the operation's 8 s; room for a slow machine
		t.Errorf("took %v, want about the caller's 400ms", d)
	}
	wantKind(t, err, flexcallback.ErrUnavailable)
	if n := len(wr.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (the 503, then one cut by the caller's deadline)", n)
	}

	// A backoff longer than what is left of the caller's deadline is not waited.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	wr2 := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusServiceUnavailable, 20503, "Unavailable")
	})
	c2, _ := newTestClient(t, wr2, func(cfg *Config) {
		cfg.Retry = RetryPolicy{Limit: 5, MinBackoff: time.Second, MaxBackoff: time.Second, Deadline: 8 * time.Second}
	})
	c2.sleep = sleepCtx
	start = time.Now()
	_, err = c2.FetchTask(ctx2, testTask)
	if d := time.Since(start); d > 700*time.Millisecond || len(wr2.requests()) != 1 { // waiting would take 1 s
		t.Errorf("waited %v over %d requests; want to give up at once", d, len(wr2.requests()))
	}
	wantKind(t, err, flexcallback.ErrUnavailable)
}
