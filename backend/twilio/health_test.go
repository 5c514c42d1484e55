package twilio

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback"
)

// syncBuffer is a log sink safe for the client's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), sub)
}

func TestIAMRefusingOurCredentialsIsUpstreamAuth(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(r.URL.Path, "/iam/") && refuse.Load():
			twilioError(w, http.StatusForbidden, 20003, "Authenticate")
		case strings.HasPrefix(r.URL.Path, "/iam/"):
			w.Write([]byte(`{"valid": false, "code": 20101, "message": "Invalid Access Token"}`))
		default:
			w.Write([]byte(`{"sid": "` + testWorkspace + `"}`))
		}
	})
	var logs syncBuffer
	c, _ := newTestClient(t, wr, func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	clock := time.Now()
	c.health.now = func() time.Time { return clock }
	ctx := context.Background()

	for range 5 {
		_, err := c.ValidateToken(ctx, "tok")
		e := wantKind(t, err, flexcallback.ErrUpstreamAuth)
		if !strings.Contains(e.Message, "(iam)") || !strings.Contains(e.Message, "TWILIO_AUTH_TOKEN") ||
			strings.Contains(e.Message, "WORKSPACE") || strings.Contains(e.Message, testToken) {
			t.Errorf("message = %q", e.Message)
		}
	}
	const loud = "level=ERROR msg=\"Twilio refuses the backend's credentials"
	if n := logs.count(loud); n != 1 {
		t.Errorf("%d loud log lines for 5 refusals in a minute, want 1", n)
	}
	if err := c.Ready(ctx); !strings.Contains(errString(err), "(iam)") {
		t.Errorf("Ready = %v, want upstream auth naming iam", err)
	}
	clock = clock.Add(authLogEvery + time.Second)
	c.ValidateToken(ctx, "tok")
	if n := logs.count(loud); n != 2 || logs.count("refusals=5") != 1 {
		t.Errorf("after a minute: %d loud lines (want 2), refusals=5 seen %d times", n, logs.count("refusals=5"))
	}

	// IAM answering again (an invalid Flex token is the client's problem) clears the outage.
	refuse.Store(false)
	if _, err := c.ValidateToken(ctx, "tok"); !isKind(err, flexcallback.ErrUnauthorized) {
		t.Fatalf("invalid Flex token: %v, want unauthorized", err)
	}
	if err := c.Ready(ctx); err != nil {
		t.Errorf("Ready after IAM answered = %v", err)
	}
	if logs.count("accepts the backend's credentials again") != 1 {
		t.Error("no recovery line")
	}

	// With no later call, a refusal stops counting after the window.
	refuse.Store(true)
	c.ValidateToken(ctx, "tok")
	if c.Ready(ctx) == nil {
		t.Error("Ready right after a refusal = nil")
	}
	clock = clock.Add(authWindow + time.Second)
	if err := c.Ready(ctx); err != nil {
		t.Errorf("Ready after the window = %v", err)
	}
}

func TestAuthMessageNamesTheSettings(t *testing.T) {
	wr := newWire(t, func(int, http.ResponseWriter, *http.Request) {})
	c, _ := newTestClient(t, wr, nil)
	if m := c.authMessage("taskrouter"); !strings.Contains(m, "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, and TWILIO_FLEX_WORKSPACE_SID") {
		t.Errorf("auth token: %q", m)
	}
	k, _ := newTestClient(t, wr, func(cfg *Config) { cfg.APIKey, cfg.APISecret = "SKkey", "secret" })
	if m := k.authMessage("voice"); !strings.Contains(m, "TWILIO_API_KEY and TWILIO_API_SECRET") || strings.Contains(m, "WORKSPACE") {
		t.Errorf("API key: %q", m)
	}
}

func TestServiceOf(t *testing.T) {
	for host, want := range map[string]string{
		"taskrouter.twilio.com": "taskrouter", "taskrouter.sydney.au1.twilio.com": "taskrouter", "iam.twilio.com": "iam",
		"api.twilio.com": "voice", "api.dublin.ie1.twilio.com": "voice", "media.example-storage.com": "", "twilio.com.evil.test": "",
	} {
		r, _ := http.NewRequest("GET", "https://"+host+"/x", nil)
		if got := serviceOf(r.URL); got != want {
			t.Errorf("%s: %q, want %q", host, got, want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func isKind(err, kind error) bool {
	e, ok := flexcallback.AsError(err)
	return ok && e.Kind == kind
}

// A 403 from the host a recording redirects to (media storage) is not our credentials.
func TestMediaStorageRefusalIsNotUpstreamAuth(t *testing.T) {
	storage := newWire(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) })
	wr := newWire(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, storage.srv.URL+"/signed.mp3", http.StatusTemporaryRedirect)
	})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.RecordingMedia(context.Background(), testRecording, "")
	wantKind(t, err, flexcallback.ErrInternal)
	if err := c.health.err(); err != nil {
		t.Errorf("health after a storage refusal: %v", err)
	}
}
