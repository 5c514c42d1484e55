package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	if c.Sandbox || c.AuthToken != secret || c.PublicBaseURL != "https://cb.example.com" || c.Retry.Limit != 0 {
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
			signature(a.info.AuthToken, a.base+"/features/callback-and-voicemail/studio/create-callback", url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})))
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
