package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"flexcallback/backend/setup"
)

// runSetupCmd runs `backend setup args…` through run() against the app's sandbox, as an operator
// would with TWILIO_API_BASE pointing at it.
func (a *app) runSetupCmd(publicBase string, args ...string) (string, error) {
	env := map[string]string{
		"TWILIO_ACCOUNT_SID": a.info.AccountSid, "TWILIO_AUTH_TOKEN": a.info.AuthToken,
		"TWILIO_API_BASE": a.sandbox, "PUBLIC_BASE_URL": publicBase,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, append([]string{"backend", "-env-file=", "setup"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	a.t.Logf("setup %s → %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	return out.String(), err
}

// The sandbox is set up at start (make run's demo), and `setup` and `setup --check` run
// through run() against it.
func TestSetupAtStartAndThroughRun(t *testing.T) {
	a := startApp(t, nil)
	if logs := a.logs.String(); !strings.Contains(logs, "4 change(s) made.") || !strings.Contains(logs, "setup on the sandbox") {
		t.Fatalf("the sandbox was not set up at start:\n%s", logs)
	}
	out, err := a.runSetupCmd(a.base, "--apply")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Nothing changed: the account was already set up.") {
		t.Errorf("apply after the start's apply changed something")
	}
	if _, err := a.runSetupCmd(a.base, "--check"); err != nil {
		t.Errorf("check: %v", err)
	}
	// Another PUBLIC_BASE_URL (a tunnel's host, https): every URL in the flows is named, exit status 1.
	out, err = a.runSetupCmd("https://example.ngrok.app", "--check")
	if !errors.Is(err, setup.ErrProblems) {
		t.Fatalf("err %v, want ErrProblems", err)
	}
	if n := strings.Count(out, "change it to https://example.ngrok.app/features/callback-and-voicemail/studio/"); n != 4 {
		t.Errorf("%d URL lines, want 4", n)
	}
	if !strings.Contains(out, "backend_url is "+a.base+": set it to https://example.ngrok.app") {
		t.Error("the Flex configuration's backend_url is not named")
	}
}

func TestSetupRefusesSandboxMode(t *testing.T) {
	err := run(context.Background(), []string{"backend", "-env-file=", "setup"}, func(k string) string {
		return map[string]string{"SANDBOX": "1"}[k]
	}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "sets up its own sandbox at start") {
		t.Errorf("err %v", err)
	}
}
