package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"flexcallback/backend/setup"
	"flexcallback/backend/twilio"
)

// unsetWorkspace stands in for TWILIO_FLEX_WORKSPACE_SID while loadConfig checks a setup run's
// configuration: finding the workspace is setup's job, so it may not be set yet.
const unsetWorkspace = "WS00000000000000000000000000000000"

// runSetup is `flexcallback setup …` (args after "setup"), on the backend's configuration.
func runSetup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfig(func(k string) string {
		if v := getenv(k); v != "" || k != "TWILIO_FLEX_WORKSPACE_SID" {
			return v
		}
		return unsetWorkspace
	})
	if err != nil {
		return err
	}
	if cfg.WorkspaceSid == unsetWorkspace {
		cfg.WorkspaceSid = ""
	}
	if cfg.Sandbox {
		return errors.New("setup works on a Twilio account (or a Twilio-compatible server at TWILIO_API_BASE); with SANDBOX=1 the backend sets up its own sandbox at start")
	}
	// The command prints its own table; the client's retry notes would only interleave with it.
	return setup.Main(ctx, args, setupConfig(cfg, slog.New(slog.DiscardHandler)), stdout, stderr)
}

// setupConfig is setup's view of the configuration; logger receives the Twilio client's notes.
func setupConfig(cfg config, logger *slog.Logger) setup.Config {
	return setup.Config{
		Twilio: twilio.Config{AccountSid: cfg.AccountSid, AuthToken: cfg.AuthToken, APIKey: cfg.APIKey, APISecret: cfg.APISecret,
			APIBase: cfg.APIBase, Region: cfg.Region, Retry: cfg.Retry, Timeout: cfg.TwilioTimeout, Logger: logger},
		WorkspaceSid: cfg.WorkspaceSid, CallbackWorkflowSid: cfg.CallbackWorkflowSid,
		PublicBaseURL: cfg.PublicBaseURL, MaxAttempts: cfg.MaxAttempts,
	}
}

// setupAtStart runs when the backend starts. On its sandbox it applies setup, so the demo's
// Flex configuration and Studio flows are what a real account would have; on Twilio it runs
// the check in the background and logs what is wrong (it never stops the backend).
func setupAtStart(ctx context.Context, cfg config, logger *slog.Logger) {
	scfg := setupConfig(cfg, logger.With("component", "twilio"))
	if cfg.Sandbox {
		var out bytes.Buffer
		err := setup.Run(ctx, scfg, setup.Options{Apply: true}, &out)
		logLines(logger, slog.LevelInfo, "setup on the sandbox", &out)
		if err != nil {
			logger.Warn("setup on the sandbox failed", "err", err)
		}
		return
	}
	go func() {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		res, err := setup.Check(cctx, scfg)
		if err != nil {
			logger.Warn("setup check could not run", "err", err)
			return
		}
		for _, p := range res.Problems {
			logger.Warn("setup check: "+p, "fix", "flexcallback setup --check")
		}
		if len(res.Problems) == 0 {
			logger.Info(fmt.Sprintf("setup check: all %d webhook URL(s) pointing at this backend match PUBLIC_BASE_URL", res.Checked))
		}
	}()
}

func logLines(logger *slog.Logger, level slog.Level, msg string, r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		logger.Log(context.Background(), level, msg, "line", sc.Text())
	}
}
