package twilio

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSharedPoolReusesConnections: 20 rounds of 8 concurrent calls, from two Clients, reuse their
// connections (http.DefaultTransport's 2 idle per host dialled about 6 new ones every round, ~120
// in all), and every Client's default transport is the same pool. The bound is twice the
// concurrency, not the concurrency: the transport puts a connection back in the pool on its own
// read goroutine, just after the call returns, so a next round that starts in that instant dials
// a fresh one (CI saw 9 once).
func TestSharedPoolReusesConnections(t *testing.T) {
	fixture, err := os.ReadFile(filepath.Join("testdata", "workspace_fetch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixture)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	var clients [2]*Client
	for i := range clients {
		c, err := New(Config{AccountSid: testAccount, AuthToken: testToken, WorkspaceSid: testWorkspace, APIBase: srv.URL, Retry: testRetry, Timeout: 10 * time.Second, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	const conc, rounds = 8, 20
	for range rounds {
		var wg sync.WaitGroup
		for i := range conc {
			wg.Go(func() {
				if err := clients[i%2].Ping(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := conns.Load(); n > 2*conc {
		t.Errorf("%d calls opened %d connections; want at most %d", conc*rounds, n, 2*conc)
	}
	if sharedTransport().MaxIdleConnsPerHost < conc || !sharedTransport().ForceAttemptHTTP2 {
		t.Errorf("shared transport: %d idle per host, HTTP/2 %v", sharedTransport().MaxIdleConnsPerHost, sharedTransport().ForceAttemptHTTP2)
	}
}
