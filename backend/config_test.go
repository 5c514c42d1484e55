package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flexcallback/backend/sandbox"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigReportsEveryProblem(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"backend", "-env-file="}, env(map[string]string{
		"TWILIO_ACCOUNT_SID": "AC1", "ADDR": "nonsense", "LOG_LEVEL": "loud", "BUSINESS_TIME_ZONE": "Mars/Olympus",
		"PANEL_ALLOWED_ORIGINS": "flex.twilio.com", "MEDIA_TOKEN_SECRET": "short", "WAIT_ALLOW_VOICEMAIL": "perhaps",
		"TWILIO_SERVICE_RETRY_LIMIT": "many", "MAX_ATTEMPTS": "0",
	}), &stderr, &stderr)
	if err == nil {
		t.Fatal("run accepted a bad configuration")
	}
	for _, want := range []string{"ADDR", "LOG_LEVEL", "BUSINESS_TIME_ZONE", "PANEL_ALLOWED_ORIGINS", "MEDIA_TOKEN_SECRET",
		"WAIT_ALLOW_VOICEMAIL", "TWILIO_SERVICE_RETRY_LIMIT", "MAX_ATTEMPTS", "TWILIO_AUTH_TOKEN", "TWILIO_FLEX_WORKSPACE_SID", "PUBLIC_BASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
}

func TestConfigSecretsStayOutOfLogs(t *testing.T) {
	const secret = "s3cr3t-auth-token-value"
	_, _, err := loadConfig(env(map[string]string{"AUTH_TOKEN": secret, "ACCOUNT_SID": "AC1", "MAX_ATTEMPTS": "x"}))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("err = %v", err)
	}
	c, _, err := loadConfig(env(map[string]string{"AUTH_TOKEN": secret, "ACCOUNT_SID": "AC1",
		"TWILIO_FLEX_WORKSPACE_SID": "WS1", "PUBLIC_BASE_URL": "https://cb.example.com/"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sandbox || c.AuthToken != secret || c.PublicBaseURL != "https://cb.example.com" || c.Retry.Limit != 3 {
		t.Errorf("reference names not read: %+v", c)
	}
}

func TestDotEnvUnderEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("DEFAULT_REGION=GB\nMAX_ATTEMPTS=5\n"), 0o600)
	getenv, err := withDotEnv(env(map[string]string{"MAX_ATTEMPTS": "4"}), path)
	if err != nil {
		t.Fatal(err)
	}
	if getenv("DEFAULT_REGION") != "GB" || getenv("MAX_ATTEMPTS") != "4" {
		t.Errorf("DEFAULT_REGION=%q MAX_ATTEMPTS=%q", getenv("DEFAULT_REGION"), getenv("MAX_ATTEMPTS"))
	}
}

// TestShutdownDrainsRequests cancels run while a request waits on a slow Twilio: the request
// still completes, then run returns.
func TestShutdownDrainsRequests(t *testing.T) {
	vars := map[string]string{"SANDBOX": "1", "ADDR": "127.0.0.1:0", "SANDBOX_ADDR": "127.0.0.1:0", "WEB_DIR": webDir(t)}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan [2]string, 1)
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- runWith(ctx, []string{"backend", "-env-file="}, env(vars), &logs, &logs,
			func(addr, sb string) { addrs <- [2]string{addr, sb} })
	}()
	got := <-addrs
	a := &app{t: t, base: "http://" + got[0], sandbox: "http://" + got[1], hc: nil}
	a.hc = newClient()
	a.waitForReady()
	a.admin("GET", "/_sandbox/", nil, &a.info)
	a.fault(map[string]any{"method": "POST", "path": "/taskrouter/v1/", "latencyMs": 1500, "count": 1})

	result := make(chan response, 1)
	go func() {
		result <- a.do(post(a.base+"/features/callback-and-voicemail/studio/create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}},
			sandbox.Signature(a.info.AuthToken, a.base+"/features/callback-and-voicemail/studio/create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})))
	}()
	time.Sleep(300 * time.Millisecond) // the request is in flight, waiting on Twilio
	cancel()
	select {
	case r := <-result:
		if r.status != 200 {
			t.Errorf("in-flight request: %d %s", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request never finished")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(12 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
}

// TestNoSilentSandbox: with no Twilio credentials and no SANDBOX=1 the backend refuses to start,
// naming what is missing and how to run the simulated Twilio instead; nothing listens.
func TestNoSilentSandbox(t *testing.T) {
	var stderr bytes.Buffer
	listened := false
	err := runWith(context.Background(), []string{"backend", "-env-file="}, env(map[string]string{"ADDR": "127.0.0.1:0"}),
		&stderr, &stderr, func(string, string) { listened = true })
	if err == nil || listened {
		t.Fatalf("started without credentials or SANDBOX=1 (err %v)", err)
	}
	for _, want := range []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FLEX_WORKSPACE_SID", "PUBLIC_BASE_URL", "SANDBOX=1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not name %s:\n%v", want, err)
		}
	}
	if strings.Contains(stderr.String(), "SANDBOX MODE") {
		t.Errorf("sandbox mode was logged:\n%s", stderr.String())
	}
}

// TestSandboxStaysOnLoopback: the sandbox (whose admin API hands out its credentials) listens on
// another interface only when SANDBOX_PUBLIC=1 says so.
func TestSandboxStaysOnLoopback(t *testing.T) {
	for _, addr := range []string{":8081", "0.0.0.0:8081", "[::]:8081", "192.0.2.7:8081"} {
		_, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "SANDBOX_ADDR": addr}))
		if err == nil || !strings.Contains(err.Error(), "SANDBOX_PUBLIC=1") {
			t.Errorf("SANDBOX_ADDR=%s accepted without SANDBOX_PUBLIC: %v", addr, err)
		}
		if _, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "SANDBOX_ADDR": addr, "SANDBOX_PUBLIC": "1"})); err != nil {
			t.Errorf("SANDBOX_ADDR=%s with SANDBOX_PUBLIC=1: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:8081", "localhost:8081", "[::1]:0", "127.0.0.2:1"} {
		if _, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "SANDBOX_ADDR": addr})); err != nil {
			t.Errorf("SANDBOX_ADDR=%s: %v", addr, err)
		}
	}
}

// TestDemoDeskLoopbackOnly: the demo desk, which proxies the sandbox's admin API, refuses a
// client on another machine unless SANDBOX_PUBLIC=1.
func TestDemoDeskLoopbackOnly(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := loopbackOnly(inner, slog.New(slog.DiscardHandler))
	for remote, want := range map[string]int{"127.0.0.1:5555": 418, "[::1]:5555": 418, "192.0.2.7:5555": 403, "10.0.0.2:80": 403, "garbage": 403} {
		r := httptest.NewRequest("GET", "/demo/sandbox/_sandbox/", nil)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("from %s: %d, want %d", remote, w.Code, want)
		}
		if want == 403 && !strings.Contains(w.Body.String(), "SANDBOX_PUBLIC=1") {
			t.Errorf("from %s: the refusal does not say how to expose the desk: %s", remote, w.Body)
		}
	}
}

// TestSandboxSecretPerStart: two sandboxes never share the auth token that signs their webhooks.
func TestSandboxSecretPerStart(t *testing.T) {
	a, b := startApp(t, nil), startApp(t, nil)
	if a.info.AuthToken == "" || a.info.AuthToken == b.info.AuthToken {
		t.Errorf("auth tokens %q and %q", a.info.AuthToken, b.info.AuthToken)
	}
	// Webhooks signed with another installation's token are refused.
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}
	u := a.base + "/features/callback-and-voicemail/studio/create-callback"
	if r := a.do(post(u, form, sandbox.Signature(b.info.AuthToken, u, form))); r.status != http.StatusForbidden {
		t.Errorf("a webhook signed with another sandbox's token: %d %s", r.status, r.body)
	}
}
