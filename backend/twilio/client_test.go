package twilio

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostRecorder answers every request with the workspace fixture and remembers the hosts asked.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.hosts = append(h.hosts, r.URL.Host)
	h.mu.Unlock()
	b, err := os.ReadFile(filepath.Join("testdata", "workspace_fetch.json"))
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(string(b))), Request: r}, nil
}

func TestRegionOnlyWithoutAPIBase(t *testing.T) {
	t.Setenv("TWILIO_REGION", "au1") // twilio-go would read it; we must not
	t.Setenv("TWILIO_EDGE", "sydney")
	for _, tc := range []struct {
		region, apiBase, want string
	}{
		{"", "", "taskrouter.twilio.com"},
		{"ie1", "", "taskrouter.ie1.twilio.com"},
		{"ie1", "http://127.0.0.1:9", "127.0.0.1:9"},
	} {
		rt := &hostRecorder{}
		c, err := New(Config{AccountSid: testAccount, AuthToken: testToken, WorkspaceSid: testWorkspace, Retry: testRetry,
			Timeout: time.Second, Logger: slog.New(slog.DiscardHandler), Region: tc.region, APIBase: tc.apiBase, HTTPClient: &http.Client{Transport: rt}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if len(rt.hosts) != 1 || rt.hosts[0] != tc.want {
			t.Errorf("region %q, base %q: hosts %v, want %s", tc.region, tc.apiBase, rt.hosts, tc.want)
		}
	}
}
