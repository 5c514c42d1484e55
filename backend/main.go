// Command backend serves flexcallback: the Studio and Flex endpoints, the in-queue wait
// experience, the agent panel, and, with no Twilio account configured, an embedded Twilio
// sandbox with a demo desk.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	_ "time/tzdata" // BUSINESS_TIME_ZONE works in a container with no zoneinfo

	"golang.org/x/sync/errgroup"

	"flexcallback"
	"flexcallback/backend/api"
	"flexcallback/backend/callback"
	"flexcallback/backend/demo"
	"flexcallback/backend/hours"
	"flexcallback/backend/media"
	"flexcallback/backend/metrics"
	"flexcallback/backend/panel"
	"flexcallback/backend/phone"
	"flexcallback/backend/sandbox"
	"flexcallback/backend/schedule"
	"flexcallback/backend/twilio"
	"flexcallback/backend/waitexp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// listening is told the backend's address once it listens (tests use it); nil in production.
type listening func(addr, sandboxAddr string)

// run starts everything and serves until ctx ends, then drains requests in flight.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runWith(ctx, args, getenv, stdout, stderr, nil)
}

func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, onListen listening) error {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	envFile := flags.String("env-file", ".env", "a .env file read under the environment (\"\" for none)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	getenv, err := withDotEnv(getenv, *envFile)
	if err != nil {
		return err
	}
	if flags.Arg(0) == "setup" {
		return runSetup(ctx, flags.Args()[1:], getenv, stdout, stderr)
	}
	cfg, notes, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg)
	for _, n := range notes {
		logger.Warn(n)
	}

	// Listen before anything else, so a taken port fails at once.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	g, gctx := errgroup.WithContext(ctx)

	var sb *sandbox.Sandbox
	sandboxAddr := ""
	if cfg.Sandbox {
		sb = sandbox.New(sandbox.Config{Logger: logger.With("component", "sandbox"), RealClock: cfg.SandboxRealClock, AuthToken: cfg.AuthToken})
		defer sb.Close()
		sln, err := net.Listen("tcp", cfg.SandboxAddr)
		if err != nil {
			return fmt.Errorf("listen on SANDBOX_ADDR %s: %w", cfg.SandboxAddr, err)
		}
		sandboxAddr = sln.Addr().String()
		ssrv := newHTTPServer(sb.Handler(), logger)
		g.Go(func() error { return serve(gctx, ssrv, sln) })
	}
	cfg.listening(ln.Addr().String(), sandboxAddr)
	if cfg.Sandbox {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		logger.Warn("SANDBOX MODE (SANDBOX=1): Twilio is simulated on this machine; no call reaches a real phone",
			"sandbox", cfg.APIBase, "clock", map[bool]string{true: "real", false: "virtual"}[cfg.SandboxRealClock],
			"demo_desk", "http://localhost:"+port+"/demo/")
	}

	m := metrics.New()
	st, err := openStore(cfg, logger, m)
	if err != nil {
		return err
	}
	defer st.Close()
	// The world's clock: the sandbox's (virtual) one in sandbox mode, so tests and the demo desk
	// can move it past closing time or to a scheduled callback's time.
	clock := time.Now
	if sb != nil {
		clock = sb.Now
	}
	handler, scheduler, err := newHandler(cfg, logger, sb != nil, m, st, clock)
	if err != nil {
		return err
	}
	g.Go(func() error { return scheduler.Run(gctx) })
	srv := newHTTPServer(handler, logger)
	g.Go(func() error { return serve(gctx, srv, ln) })
	setupAtStart(gctx, cfg, logger.With("component", "setup"))
	logger.Info("listening", "addr", ln.Addr().String(), "public_base_url", cfg.PublicBaseURL)
	if onListen != nil {
		onListen(ln.Addr().String(), sandboxAddr)
	}
	return g.Wait()
}

// newHandler wires the packages together: api's Studio and Flex routes, and on its router the
// panel, the static files, the metrics and, in sandbox mode, the demo desk.
func newHandler(cfg config, logger *slog.Logger, demoDesk bool, m *metrics.Metrics, store store, clock func() time.Time) (http.Handler, *schedule.Service, error) {
	tw, err := twilio.New(twilio.Config{
		AccountSid: cfg.AccountSid, AuthToken: cfg.AuthToken, APIKey: cfg.APIKey, APISecret: cfg.APISecret,
		WorkspaceSid: cfg.WorkspaceSid, APIBase: cfg.APIBase, Region: cfg.Region,
		Retry: cfg.Retry, Timeout: cfg.TwilioTimeout, Logger: logger.With("component", "twilio"), Observer: m,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("twilio client: %w", err)
	}
	creator := callback.New(callback.Config{DefaultWorkflowSid: cfg.CallbackWorkflowSid, TimeZone: cfg.BusinessTimeZone,
		MergeOpen: cfg.MergeOpenCallbacks},
		tw, store, logger.With("component", "callback"), m, time.Now)
	sc := schedule.Config{Slots: cfg.CallbackSlots, Horizon: cfg.CallbackHorizon, Zone: cfg.zone(),
		Poll: cfg.SchedulePoll, Lease: cfg.ScheduleLease, Held: m.SetScheduled}
	if cfg.Hours != nil { // a nil *hours.Schedule in the interface would not read as "always open"
		sc.Hours = cfg.Hours
	}
	scheduler := schedule.New(sc, store.Schedule(), creator, logger.With("component", "schedule"), clock)
	cfg.Wait.OnLookupMiss = m.LookupMiss
	cfg.Wait.Scheduler = scheduler
	cfg.Wait.Statistics = tw
	if cfg.Hours != nil {
		cfg.Wait.Hours = cfg.Hours
	}
	wait, err := waitexp.New(cfg.Wait, tw, tw, creator, logger.With("component", "waitexp"), clock)
	if err != nil {
		return nil, nil, fmt.Errorf("wait experience: %w", err)
	}
	key, err := mediaKey(cfg, store)
	if err != nil {
		return nil, nil, err
	}
	signer, err := media.NewSigner(key, media.MaxTTL)
	if err != nil {
		return nil, nil, err
	}
	panelHandler, err := panel.NewHandler(panel.Config{
		WebDir: cfg.WebDir, AllowedOrigins: cfg.AllowedOrigins, BusinessTimeZone: cfg.BusinessTimeZone, MaxAttempts: cfg.MaxAttempts, Logger: logger.With("component", "panel"),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("panel: %w", err)
	}
	r := api.NewServer(api.Deps{
		Logger: logger,
		Config: api.Config{PublicBaseURL: cfg.PublicBaseURL, MaxAttempts: cfg.MaxAttempts,
			AllowedOrigins: cfg.AllowedOrigins, RequestDeadline: cfg.RequestDeadline, StoreState: store.State,
			ScheduledInMemory: store.MemoryOnly},
		Twilio:         tw,
		Creator:        creator,
		Scheduler:      scheduler,
		Wait:           wait,
		Normalize:      func(s string) (string, error) { return phone.Normalize(s, cfg.DefaultRegion) },
		ValidSignature: twilio.NewSignatureValidator(cfg.AuthToken, cfg.AuthTokenSecondary),
		ValidateToken:  api.CachedTokenValidator(tw, store, cfg.FlexTokenCacheTTL, time.Now),
		MediaTokens:    signer,
		NextOpening:    nextOpening(cfg.Hours, clock),
		Observe:        m.Request,
		Outcomes:       m,
	})
	r.Handle("/metrics", m.Handler()).Methods(http.MethodGet)
	r.PathPrefix("/panel/").Handler(panelHandler)
	r.PathPrefix("/web/").Handler(http.StripPrefix("/web/", http.FileServer(http.Dir(cfg.WebDir))))
	if demoDesk {
		h, err := demoHandler(cfg, logger.With("component", "demo"))
		if err != nil {
			return nil, nil, err
		}
		r.PathPrefix("/demo/").Handler(h)
	}
	return r, scheduler, nil
}

func newHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // a voicemail streams for as long as the agent listens
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// serve runs srv on ln until ctx ends, then shuts it down with a fresh deadline so requests in
// flight finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLogger(w io.Writer, cfg config) *slog.Logger {
	level := new(slog.LevelVar)
	level.Set(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// demoHandler is the demo desk (sandbox mode only).
func demoHandler(cfg config, logger *slog.Logger) (http.Handler, error) {
	h, err := demo.New(demo.Config{
		Dir: filepath.Join(cfg.WebDir, "demo"), SandboxURL: cfg.APIBase,
		AccountSid: cfg.AccountSid, AuthToken: cfg.AuthToken, CallbackWorkflowSid: cfg.CallbackWorkflowSid,
		PublicBaseURL: cfg.PublicBaseURL, CreateCallbackURL: cfg.PublicBaseURL + api.CreateCallbackPath,
		WaitURL: cfg.Wait.Endpoint, AfterHours: afterHours(cfg.Hours), Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	if !cfg.SandboxPublic {
		h = loopbackOnly(h, logger)
	}
	return h, nil
}

// loopbackOnly refuses requests from other machines: the demo desk proxies the sandbox's admin
// API, which hands out the sandbox's auth token and plays callers.
func loopbackOnly(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			api.WriteError(r.Context(), w, logger, flexcallback.Errorf(flexcallback.ErrForbidden,
				"the demo desk answers on loopback only; set SANDBOX_PUBLIC=1 to expose it"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// nextOpening is when the centre opens again and true while it is closed; nil when always open.
func nextOpening(h *hours.Schedule, now func() time.Time) func() (time.Time, bool) {
	if h == nil {
		return nil
	}
	return func() (time.Time, bool) {
		t := now()
		if h.Open(t) {
			return time.Time{}, false
		}
		return h.NextOpening(t), true
	}
}

// afterHours is the first whole minute from now on when the centre is closed (the demo desk's
// "after hours"); nil when always open.
func afterHours(h *hours.Schedule) func(time.Time) (time.Time, bool) {
	if h == nil {
		return nil
	}
	return func(now time.Time) (time.Time, bool) {
		if !h.Open(now) {
			return now, true
		}
		for t := now.Truncate(time.Minute).Add(time.Minute); t.Sub(now) < 8*24*time.Hour; t = t.Add(time.Minute) {
			if !h.Open(t) {
				return t, true
			}
		}
		return time.Time{}, false
	}
}
