package main

import (
	"testing"

	"flexcallback/backend/sandbox"
)

// TestSandboxSettingsDecidedByLoadConfig: in sandbox mode loadConfig itself returns the sandbox's
// account, token, workspace and workflow, and listening completes the address-dependent values;
// run patches nothing afterwards.
func TestSandboxSettingsDecidedByLoadConfig(t *testing.T) {
	c, _, err := loadConfig(env(map[string]string{"SANDBOX": "1", "TWILIO_ACCOUNT_SID": "ACreal", "TWILIO_API_KEY": "SK1", "TWILIO_API_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	world := sandbox.World(c.AuthToken)
	if c.AccountSid != world.AccountSid || c.WorkspaceSid != world.WorkspaceSid ||
		c.CallbackWorkflowSid != world.Workflows["callback"] || c.AuthToken == "" || c.APIKey != "" || c.APISecret != "" {
		t.Errorf("sandbox settings = %q %q %q key %q, want the sandbox's world", c.AccountSid, c.WorkspaceSid, c.CallbackWorkflowSid, c.APIKey)
	}
	c.listening("127.0.0.1:4321", "127.0.0.1:4322")
	if c.PublicBaseURL != "http://127.0.0.1:4321" || c.APIBase != "http://127.0.0.1:4322" ||
		c.AllowedOrigins[len(c.AllowedOrigins)-1] != "http://localhost:4321" {
		t.Errorf("after listening: %q %q %v", c.PublicBaseURL, c.APIBase, c.AllowedOrigins)
	}
	if c.Wait.Endpoint != "http://127.0.0.1:4321/features/callback-and-voicemail/studio/wait-experience" {
		t.Errorf("wait endpoint %q", c.Wait.Endpoint)
	}
}

// TestHoldMusicURL: WAIT_HOLD_MUSIC_URL is made absolute under PUBLIC_BASE_URL, here and only here.
func TestHoldMusicURL(t *testing.T) {
	const base = "https://cb.example.com"
	for music, want := range map[string]string{
		"":                          base + "/web/hold-music.mp3",
		"/media/jazz.mp3":           base + "/media/jazz.mp3",
		"https://cdn.example/a.mp3": "https://cdn.example/a.mp3",
	} {
		c, _, err := loadConfig(env(map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t",
			"TWILIO_FLEX_WORKSPACE_SID": "WS1", "PUBLIC_BASE_URL": base + "/", "WAIT_HOLD_MUSIC_URL": music}))
		if err != nil {
			t.Fatal(err)
		}
		c.listening("127.0.0.1:8080", "")
		if c.Wait.HoldMusicURL != want {
			t.Errorf("WAIT_HOLD_MUSIC_URL %q: %q, want %q", music, c.Wait.HoldMusicURL, want)
		}
	}
}

// TestRetryPolicyDecidedByConfig: the retry defaults live in config.go only; an explicit 0 means
// no retries, and every request deadline bounds the Twilio calls.
func TestRetryPolicyDecidedByConfig(t *testing.T) {
	creds := map[string]string{"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FLEX_WORKSPACE_SID": "WS1", "PUBLIC_BASE_URL": "https://x.example"}
	c, _, err := loadConfig(env(creds))
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Retry; r.Limit != 3 || r.MinBackoff.Milliseconds() != 100 || r.MaxBackoff.Milliseconds() != 2000 || r.Deadline != c.RequestDeadline {
		t.Errorf("default retry %+v", r)
	}
	creds["TWILIO_SERVICE_RETRY_LIMIT"] = "0"
	if c, _, _ = loadConfig(env(creds)); c.Retry.Limit != 0 {
		t.Errorf("explicit 0: limit %d", c.Retry.Limit)
	}
}
