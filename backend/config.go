package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"flexcallback"
	"flexcallback/backend/api"
	"flexcallback/backend/hours"
	"flexcallback/backend/redisstore"
	"flexcallback/backend/sandbox"
	"flexcallback/backend/schedule"
	"flexcallback/backend/twilio"
	"flexcallback/backend/waitexp"
)

// config is the whole configuration, read from the environment (and a .env file) in one place.
// Each field's comment names its variable and default: this struct is the operator's manual.
type config struct {
	// ADDR: where the backend listens. Default 127.0.0.1:8080 (":8080" in the container).
	Addr string
	// PUBLIC_BASE_URL: the URL Twilio and browsers reach the backend at, e.g.
	// https://callbacks.example.com. Twilio signs webhooks over it, so it must be exact (scheme,
	// host, port, path prefix). Required with Twilio; in sandbox mode http://{ADDR}.
	PublicBaseURL string

	// TWILIO_ACCOUNT_SID (or ACCOUNT_SID) and TWILIO_AUTH_TOKEN (or AUTH_TOKEN). The auth token
	// also checks webhook signatures. TWILIO_API_KEY and TWILIO_API_SECRET, when both set, are
	// used for REST calls instead of the auth token. With no account SID and no auth token the
	// backend runs on its embedded sandbox.
	AccountSid, AuthToken, APIKey, APISecret string
	// TWILIO_AUTH_TOKEN_SECONDARY: Twilio's secondary auth token while the primary is rotated;
	// webhook signatures made with either token are accepted. Never logged. Default: none.
	// FLEX_TOKEN_CACHE_TTL: how long a Flex token IAM accepted is trusted without asking IAM
	// again, so a revoked token stops working within it: seconds or a Go duration ("45s"), at
	// most 10m, 0 to ask IAM on every request. Default 60s.
	AuthTokenSecondary string
	FlexTokenCacheTTL  time.Duration
	// TWILIO_FLEX_WORKSPACE_SID: the Flex TaskRouter workspace (WS…). Required with Twilio.
	WorkspaceSid string
	// TWILIO_FLEX_CALLBACK_WORKFLOW_SID: the workflow of callbacks created without one (WW…).
	CallbackWorkflowSid string
	// TWILIO_SERVICE_RETRY_LIMIT (retries after the first try, default 3),
	// TWILIO_SERVICE_MIN_BACKOFF and TWILIO_SERVICE_MAX_BACKOFF (milliseconds, default 100 and
	// 2000): the retry of Twilio calls; the reference's names, better defaults.
	Retry twilio.RetryPolicy
	// TwilioTimeout bounds one attempt of a Twilio call (media: until the headers). Not a
	// setting: 10 s, under Twilio's 15 s webhook timeout; REQUEST_DEADLINE bounds the whole call.
	TwilioTimeout time.Duration
	// REQUEST_DEADLINE: how long a Studio or Flex request may take with all of its Twilio calls,
	// retries included (a Go duration, default 8s; 1s to 60s). Twilio's own webhook timeout is 15 s.
	RequestDeadline time.Duration
	// TWILIO_API_BASE: send Twilio requests to another Twilio-compatible server, e.g. Prism.
	APIBase string
	// TWILIO_REGION: Twilio's regional API hosts, e.g. "au1". Default: none.
	Region string

	// SANDBOX=1 runs on the embedded, simulated Twilio (even with credentials); nothing else
	// does: with no credentials and no SANDBOX=1 the backend refuses to start. SANDBOX_ADDR
	// (default 127.0.0.1:8081) is where the sandbox listens; SANDBOX_CLOCK=real lets its time
	// run (default virtual: time moves only when told, for tests). The sandbox and the demo
	// desk (which proxies the sandbox's admin API, auth token included) answer on loopback only,
	// unless SANDBOX_PUBLIC=1 says to expose them (a shared demo machine).
	Sandbox          bool
	SandboxAddr      string
	SandboxRealClock bool
	SandboxPublic    bool

	// PANEL_ALLOWED_ORIGINS: comma-separated origins that may frame the panel and talk to it.
	// Default https://flex.twilio.com (and, in sandbox mode, the demo desk's origin). Parsed by
	// flexcallback.ParseOrigins, as the panel parses it.
	AllowedOrigins []string
	// MEDIA_TOKEN_SECRET: at least 32 bytes signing voicemail URLs. Default: a key generated
	// once and shared through REDIS_URL, so every replica accepts every replica's URLs; without
	// Redis, random at start (one replica).
	MediaSecret []byte
	// REDIS_URL: the Redis that replicas share idempotency keys, in-flight claims, the Flex token
	// cache and the media key through: redis:// or rediss:// (TLS), with password and DB, e.g.
	// rediss://:password@redis.example.com:6380/0. Default: none; each replica keeps them in its
	// own memory, right for one replica. REDIS_PREFIX (default "flexcallback:") starts every key,
	// so one Redis can serve several deployments.
	RedisURL, RedisPrefix string
	// BUSINESS_TIME_ZONE: IANA zone of the contact centre, shown to agents as "system time", and
	// the zone of BUSINESS_HOURS_FILE. Default UTC.
	BusinessTimeZone string
	// BUSINESS_HOURS_FILE: the centre's weekly opening hours and dated closures (JSON, see
	// backend/hours and docs/business-hours.example.json), checked at start. Outside them the wait
	// experience promises a callback for the next opening and create-callback answers nextOpening.
	// Default: none, always open.
	Hours *hours.Schedule
	// DEFAULT_REGION: ISO 3166 region of numbers given without a country code. Default US.
	DefaultRegion string
	// MAX_ATTEMPTS: callback attempts before "retry later" is refused. Default 3.
	MaxAttempts int
	// MERGE_OPEN_CALLBACKS: a caller's new callback or voicemail request joins their open task
	// instead of making another. Default true.
	MergeOpenCallbacks bool
	// WEB_DIR: the static files (web/ with app.wasm). Default "web".
	WebDir string

	// Scheduled callbacks. WAIT_CALLBACK_SLOTS: the times a caller may choose in the wait
	// experience, besides "as soon as possible": a comma-separated list of Go durations ("1h"),
	// times of day ("14:00", today or else tomorrow) and "tomorrow HH:MM", in BUSINESS_TIME_ZONE,
	// moved into business hours (schedule.ParseSlots). Default none: callers are not asked.
	// CALLBACK_HORIZON: how far ahead a callback may be scheduled ("14d", or a Go duration),
	// default 14d. SCHEDULE_POLL: how often each replica looks for due callbacks, default 1s.
	// SCHEDULE_LEASE: how long a replica's claim on a due callback hides it from the others; a
	// replica that dies holding one leaves it to another after this, or after the dead create's
	// own 25 s claim on the request key if that is longer; default 30s (at least the 20 s a
	// creation may take, so a live replica keeps its claim).
	CallbackSlots   []schedule.Spec
	CallbackHorizon time.Duration
	SchedulePoll    time.Duration
	ScheduleLease   time.Duration

	// WAIT_RETAIN_PLACE_IN_QUEUE, WAIT_RETAIN_ROUTING, WAIT_ALLOW_ALTERNATE_NUMBER,
	// WAIT_ALLOW_VOICEMAIL (default true), WAIT_ANNOUNCE_POSITION (default false),
	// WAIT_HOLD_MUSIC_URL (default our own {PUBLIC_BASE_URL}/web/hold-music.mp3),
	// WAIT_LANGUAGE (default en-US; es-MX built in), WAIT_PROMPTS_FILE (JSON overriding prompts),
	// WAIT_MAX_RECORD_ATTEMPTS (2), WAIT_MAX_RECORD_LENGTH (seconds, 120),
	// WAIT_OFFER_CALLBACK_AFTER (seconds or a duration such as 2m, at most 1h; default 0: the `*`
	// menu is offered at once; otherwise only once the caller's estimated wait, from TaskRouter's
	// statistics, exceeds it).
	Wait waitexp.Options

	// LOG_LEVEL (debug, info, warn, error; default info) and LOG_FORMAT (json, text; default json).
	LogLevel  slog.Level
	LogFormat string
}

// loadConfig reads every variable, checks them all, and reports every problem at once.
func loadConfig(getenv func(string) string) (config, []string, error) {
	var problems, notes []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	get := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	boolean := func(name string, def bool) bool {
		v := get(name)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("%s: %q is not true or false", name, v)
		}
		return b
	}
	// duration reads a Go duration such as 90s or 2m, or a whole number of seconds.
	duration := func(name string, def, lo, hi time.Duration) time.Duration {
		v := get(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if n, nerr := strconv.Atoi(v); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
		if err != nil || d < lo || d > hi {
			bad("%s: %q is not seconds or a duration such as 60s, from %s to %s", name, v, lo, hi)
			return def
		}
		return d
	}
	integer := func(name string, def, lo, hi int) int {
		v := get(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			bad("%s: %q is not a whole number from %d to %d", name, v, lo, hi)
		}
		return n
	}

	c := config{
		Addr:                get("ADDR"),
		PublicBaseURL:       strings.TrimRight(get("PUBLIC_BASE_URL"), "/"),
		AccountSid:          get("TWILIO_ACCOUNT_SID", "ACCOUNT_SID"),
		AuthToken:           get("TWILIO_AUTH_TOKEN", "AUTH_TOKEN"),
		APIKey:              get("TWILIO_API_KEY"),
		APISecret:           get("TWILIO_API_SECRET"),
		WorkspaceSid:        get("TWILIO_FLEX_WORKSPACE_SID"),
		CallbackWorkflowSid: get("TWILIO_FLEX_CALLBACK_WORKFLOW_SID"),
		APIBase:             strings.TrimRight(get("TWILIO_API_BASE"), "/"),
		Region:              get("TWILIO_REGION"),
		SandboxAddr:         get("SANDBOX_ADDR"),
		BusinessTimeZone:    get("BUSINESS_TIME_ZONE"),
		DefaultRegion:       strings.ToUpper(get("DEFAULT_REGION")),
		WebDir:              get("WEB_DIR"),
		LogFormat:           strings.ToLower(get("LOG_FORMAT")),
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("ADDR: %q is not host:port", c.Addr)
	}
	if c.SandboxAddr == "" {
		c.SandboxAddr = "127.0.0.1:8081"
	}
	if c.DefaultRegion == "" {
		c.DefaultRegion = "US"
	}
	if c.WebDir == "" {
		c.WebDir = "web"
	}
	if c.BusinessTimeZone == "" {
		c.BusinessTimeZone = "UTC"
	}
	loc, err := time.LoadLocation(c.BusinessTimeZone)
	if err != nil {
		bad("BUSINESS_TIME_ZONE: %q is not an IANA time zone", c.BusinessTimeZone)
	}
	if path := get("BUSINESS_HOURS_FILE"); path != "" && err == nil {
		sched, err := hours.Load(path, loc)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				bad("BUSINESS_HOURS_FILE %s: %s", path, line)
			}
		}
		c.Hours = sched
	}
	c.Sandbox = boolean("SANDBOX", false)
	c.SandboxPublic = boolean("SANDBOX_PUBLIC", false)
	if c.Sandbox && !c.SandboxPublic && !loopback(c.SandboxAddr) {
		bad("SANDBOX_ADDR: %q is not a loopback address; the sandbox's admin API hands out its credentials, so set SANDBOX_PUBLIC=1 to expose it deliberately", c.SandboxAddr)
	}
	noCredentials := c.AccountSid == "" && c.AuthToken == "" && c.APIKey == "" && c.APISecret == ""
	if !c.Sandbox && noCredentials {
		bad("no Twilio credentials: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FLEX_WORKSPACE_SID and PUBLIC_BASE_URL, or SANDBOX=1 to run on the simulated Twilio (no account needed)")
	}
	switch clock := strings.ToLower(get("SANDBOX_CLOCK")); clock {
	case "", "virtual":
	case "real":
		c.SandboxRealClock = true
	default:
		bad("SANDBOX_CLOCK: %q is not virtual or real", clock)
	}

	c.RequestDeadline = duration("REQUEST_DEADLINE", 8*time.Second, time.Second, time.Minute)
	c.Retry = twilio.RetryPolicy{
		Limit:      integer("TWILIO_SERVICE_RETRY_LIMIT", 3, 0, 10), // 0: no retries
		MinBackoff: time.Duration(integer("TWILIO_SERVICE_MIN_BACKOFF", 100, 1, 60_000)) * time.Millisecond,
		MaxBackoff: time.Duration(integer("TWILIO_SERVICE_MAX_BACKOFF", 2000, 1, 60_000)) * time.Millisecond,
		Deadline:   c.RequestDeadline, // no Twilio call outlives a request
	}
	if c.Retry.MaxBackoff < c.Retry.MinBackoff {
		c.Retry.MinBackoff, c.Retry.MaxBackoff = c.Retry.MaxBackoff, c.Retry.MinBackoff
	}
	c.TwilioTimeout = 10 * time.Second
	c.MaxAttempts = integer("MAX_ATTEMPTS", 3, 1, 100)
	c.MergeOpenCallbacks = boolean("MERGE_OPEN_CALLBACKS", true)

	slots, err := schedule.ParseSlots(get("WAIT_CALLBACK_SLOTS"))
	if err != nil {
		bad("WAIT_CALLBACK_SLOTS: %v", err)
	}
	c.CallbackSlots = slots
	c.CallbackHorizon = 14 * 24 * time.Hour
	if v := get("CALLBACK_HORIZON"); v != "" {
		d, err := time.ParseDuration(v)
		if days, ok := strings.CutSuffix(v, "d"); ok {
			n, nerr := strconv.Atoi(days)
			d, err = time.Duration(n)*24*time.Hour, nerr
		}
		if err != nil || d < time.Hour || d > 366*24*time.Hour {
			bad("CALLBACK_HORIZON: %q is not days (14d) or a duration from 1h to 366d", v)
		}
		c.CallbackHorizon = d
	}
	c.SchedulePoll = duration("SCHEDULE_POLL", time.Second, 10*time.Millisecond, time.Minute)
	c.ScheduleLease = duration("SCHEDULE_LEASE", 30*time.Second, time.Second, 10*time.Minute)

	c.AuthTokenSecondary = get("TWILIO_AUTH_TOKEN_SECONDARY")
	c.FlexTokenCacheTTL = duration("FLEX_TOKEN_CACHE_TTL", time.Minute, 0, 10*time.Minute)

	if !c.Sandbox {
		if c.AccountSid == "" {
			bad("TWILIO_ACCOUNT_SID: required (or SANDBOX=1 for the simulated Twilio)")
		}
		if c.AuthToken == "" {
			bad("TWILIO_AUTH_TOKEN: required: it checks the signature of Twilio's webhooks")
		}
		if (c.APIKey == "") != (c.APISecret == "") {
			bad("TWILIO_API_KEY and TWILIO_API_SECRET: set both or neither")
		}
		if c.WorkspaceSid == "" {
			bad("TWILIO_FLEX_WORKSPACE_SID: required")
		}
		if c.CallbackWorkflowSid == "" {
			notes = append(notes, "TWILIO_FLEX_CALLBACK_WORKFLOW_SID is unset: create-callback requests must name a workflowSid")
		}
		if c.PublicBaseURL == "" {
			bad("PUBLIC_BASE_URL: required: Twilio signs webhooks over it")
		}
	}
	if c.Sandbox {
		// The sandbox's world is fixed but for its auth token: its SIDs are known before it starts.
		info := sandbox.World(sandbox.NewAuthToken())
		c.AccountSid, c.AuthToken, c.APIKey, c.APISecret = info.AccountSid, info.AuthToken, "", ""
		c.WorkspaceSid, c.CallbackWorkflowSid = info.WorkspaceSid, info.Workflows["callback"]
	}
	// An empty PUBLIC_BASE_URL (sandbox mode only) is completed by listening.
	if u, err := url.Parse(c.PublicBaseURL); c.PublicBaseURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "") {
		bad("PUBLIC_BASE_URL: %q is not an http(s) base URL", c.PublicBaseURL)
	}
	if c.APIBase != "" {
		if u, err := url.Parse(c.APIBase); err != nil || u.Host == "" {
			bad("TWILIO_API_BASE: %q is not a URL", c.APIBase)
		}
	}

	origins, err := flexcallback.ParseOrigins(get("PANEL_ALLOWED_ORIGINS"))
	if e, ok := flexcallback.AsError(err); ok {
		bad("PANEL_ALLOWED_ORIGINS: %s", e.Message)
	}
	c.AllowedOrigins = origins

	c.RedisURL, c.RedisPrefix = get("REDIS_URL"), get("REDIS_PREFIX")
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || redisstore.ParseURL(c.RedisURL) != nil {
			bad("REDIS_URL: not a redis:// or rediss:// URL (the value is not shown: it may hold a password)")
		}
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "flexcallback:"
	}
	if s := get("MEDIA_TOKEN_SECRET"); s != "" {
		if len(s) < 32 {
			bad("MEDIA_TOKEN_SECRET: needs at least 32 characters")
		}
		c.MediaSecret = []byte(s)
	} else if !c.Sandbox && c.RedisURL == "" {
		notes = append(notes, "MEDIA_TOKEN_SECRET and REDIS_URL are unset: a random key signs voicemail URLs, so they work only on this replica")
	}

	c.Wait = waitexp.Options{
		RetainPlaceInQueue:   boolean("WAIT_RETAIN_PLACE_IN_QUEUE", true),
		RetainRouting:        boolean("WAIT_RETAIN_ROUTING", true),
		AllowAlternateNumber: boolean("WAIT_ALLOW_ALTERNATE_NUMBER", true),
		AllowVoicemail:       boolean("WAIT_ALLOW_VOICEMAIL", true),
		AnnouncePosition:     boolean("WAIT_ANNOUNCE_POSITION", false),
		HoldMusicURL:         get("WAIT_HOLD_MUSIC_URL"),
		Language:             get("WAIT_LANGUAGE"),
		PromptsFile:          get("WAIT_PROMPTS_FILE"),
		MaxRecordAttempts:    integer("WAIT_MAX_RECORD_ATTEMPTS", 2, 1, 10),
		MaxRecordLength:      integer("WAIT_MAX_RECORD_LENGTH", 120, 5, 3600),
		LookupPasses:         5,
		Region:               c.DefaultRegion,
	}
	c.Wait.OfferCallbackAfter = duration("WAIT_OFFER_CALLBACK_AFTER", 0, 0, time.Hour)
	if c.Wait.Language == "" {
		c.Wait.Language = waitexp.DefaultLanguage
	}
	if c.Wait.PromptsFile != "" {
		if _, err := os.Stat(c.Wait.PromptsFile); err != nil {
			bad("WAIT_PROMPTS_FILE: %v", err)
		}
	}

	switch strings.ToLower(get("LOG_LEVEL")) {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		bad("LOG_LEVEL: %q is not debug, info, warn or error", get("LOG_LEVEL"))
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		bad("LOG_FORMAT: %q is not json or text", c.LogFormat)
	}

	if len(problems) > 0 {
		return c, notes, errors.New("configuration:\n  - " + strings.Join(problems, "\n  - "))
	}
	return c, notes, nil
}

// listening completes the values that depend on where the backend and the sandbox listen, known
// only once they do (ADDR and SANDBOX_ADDR may name port 0): an empty PUBLIC_BASE_URL becomes
// http://127.0.0.1:{port}; in sandbox mode Twilio's API base is the sandbox and the demo desk's
// origin may frame the panel; the wait experience's URLs are built on PUBLIC_BASE_URL. runWith
// calls it once, right after listening; nothing changes the configuration after it.
func (c *config) listening(addr, sandboxAddr string) {
	_, port, _ := net.SplitHostPort(addr)
	if c.PublicBaseURL == "" {
		c.PublicBaseURL = "http://127.0.0.1:" + port
	}
	if c.Sandbox {
		c.APIBase = "http://" + sandboxAddr
		c.AllowedOrigins = append(c.AllowedOrigins, "http://localhost:"+port)
	}
	c.Wait.Endpoint = c.PublicBaseURL + api.WaitPath
	switch music := c.Wait.HoldMusicURL; {
	case music == "":
		c.Wait.HoldMusicURL = c.PublicBaseURL + "/web/hold-music.mp3"
	case !strings.HasPrefix(music, "http://") && !strings.HasPrefix(music, "https://"):
		c.Wait.HoldMusicURL = c.PublicBaseURL + "/" + strings.TrimLeft(music, "/")
	}
}

// withDotEnv layers a .env file under the environment: a variable set in the environment wins.
func withDotEnv(getenv func(string) string, path string) (func(string) string, error) {
	if path == "" {
		return getenv, nil
	}
	vals, err := godotenv.Read(path)
	if errors.Is(err, os.ErrNotExist) {
		return getenv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

// loopback reports whether addr (host:port) listens on this machine only. An empty host or a
// wildcard listens on every interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// zone is BUSINESS_TIME_ZONE (checked by loadConfig).
func (c config) zone() *time.Location {
	loc, err := time.LoadLocation(c.BusinessTimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}
