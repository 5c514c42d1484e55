// Package twilio is the backend's only door to Twilio: the TaskRouter, Voice, recording-media and
// IAM calls the backend makes, each with a deadline and the retry policy of retry.go, and the
// validation of webhook signatures. It is the only package that calls Twilio (backend/waitexp
// imports twilio-go for its TwiML builder only), and it translates
// twilio-go's errors into the root package's error kinds at the boundary.
//
// Every twilio-go call runs through a per-attempt http.Client whose transport puts our context on
// the request (twilio-go's SendRequest builds requests with context.Background) and records what
// happened on the wire: the status, Retry-After, the error body, and whether the request was sent
// at all, which decides if a create may be retried.
package twilio

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"flexcallback"
)

// Config configures a Client. Nothing has a default here: backend/config.go decides Retry and
// Timeout, main hands over the Logger.
type Config struct {
	AccountSid string // TWILIO_ACCOUNT_SID; required
	AuthToken  string // TWILIO_AUTH_TOKEN; required unless APIKey and APISecret are set
	APIKey     string // TWILIO_API_KEY: with APISecret, used for REST, IAM and media instead of AuthToken
	APISecret  string // TWILIO_API_SECRET

	WorkspaceSid string // TWILIO_FLEX_WORKSPACE_SID; required unless AccountOnly
	// AccountOnly allows an empty WorkspaceSid: `flexcallback setup` finds the workspace first
	// and binds to it with WithWorkspace.
	AccountOnly bool

	// APIBase (TWILIO_API_BASE) sends a request for https://{sub}.twilio.com/{path} to
	// {APIBase}/{sub}/{path}: the sandbox, Prism, or any Twilio-compatible server. "" = Twilio.
	APIBase string
	// Region (TWILIO_REGION) makes twilio-go use regional hosts ({product}.{region}.twilio.com).
	// Applied only when APIBase is "". IAM is always called on its global host.
	Region string

	Retry   RetryPolicy
	Timeout time.Duration // per attempt, until the whole answer is read (media: until headers); required

	Logger     *slog.Logger // required
	Observer   Observer     // may be nil
	HTTPClient *http.Client // optional base client (tests): its Transport is used, wrapped; default: one shared pool (pool.go)
}

// RetryPolicy bounds how Twilio calls are retried (see retry.go for what is retried).
type RetryPolicy struct {
	Limit      int           // retries after the first try (TWILIO_SERVICE_RETRY_LIMIT); 0: none
	MinBackoff time.Duration // TWILIO_SERVICE_MIN_BACKOFF; above 0
	MaxBackoff time.Duration // TWILIO_SERVICE_MAX_BACKOFF: the cap; at least MinBackoff
	Deadline   time.Duration // overall per operation, retries and waits included (REQUEST_DEADLINE)
}

// Observer is told about every attempt and retry, for metrics.
type Observer interface {
	TwilioCall(op string, status int, d time.Duration) // one per attempt; status 0 = no response
	TwilioRetry(op string, status int)
	TwilioAuthFailure(service string) // a 401/403: Twilio refused our credentials
}

// Client calls Twilio. It implements flexcallback.TaskRouter, flexcallback.Voice and
// flexcallback.TokenValidator, and is safe for concurrent use.
type Client struct {
	accountSid string
	user, pass string // Basic auth: account SID + auth token, or API key + secret
	workspace  string
	region     string
	retry      RetryPolicy
	timeout    time.Duration
	log        *slog.Logger
	obs        Observer
	base       http.RoundTripper // the base transport, with the APIBase rewrite when set
	health     *health           // which services refused our credentials lately

	// Injectable for tests: sleep waits d or until ctx is done; jitter returns a value in [0, n).
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(n int64) int64
}

var (
	_ flexcallback.TaskRouter     = (*Client)(nil)
	_ flexcallback.Voice          = (*Client)(nil)
	_ flexcallback.TokenValidator = (*Client)(nil)
)

// New returns a Client for cfg, or an ErrInvalid error naming what is missing or wrong.
func New(cfg Config) (*Client, error) {
	var problems []string
	if cfg.AccountSid == "" {
		problems = append(problems, "account SID is required")
	}
	if cfg.WorkspaceSid == "" && !cfg.AccountOnly {
		problems = append(problems, "workspace SID is required")
	}
	user, pass := cfg.AccountSid, cfg.AuthToken
	if cfg.APIKey != "" || cfg.APISecret != "" {
		if cfg.APIKey == "" || cfg.APISecret == "" {
			problems = append(problems, "API key and API secret go together")
		}
		user, pass = cfg.APIKey, cfg.APISecret
	} else if cfg.AuthToken == "" {
		problems = append(problems, "auth token (or API key and secret) is required")
	}
	for _, s := range []string{cfg.AccountSid, cfg.WorkspaceSid, user, pass} {
		// twilio-go refuses non-alphanumeric credentials at every call; say so once, here.
		if !alnum(s) {
			problems = append(problems, "SIDs and credentials must be alphanumeric")
			break
		}
	}
	var base http.RoundTripper = sharedTransport()
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	region := cfg.Region
	if cfg.APIBase != "" {
		u, err := url.Parse(cfg.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("API base %q is not an http(s) URL", cfg.APIBase))
		} else {
			base = &rewriteTransport{base: u, next: base}
		}
		region = ""
	}
	if r := cfg.Retry; r.Limit < 0 || r.MinBackoff <= 0 || r.MaxBackoff < r.MinBackoff || r.Deadline <= 0 {
		// The configuration decides the policy (backend/config.go); a zero value is a wiring mistake.
		problems = append(problems, fmt.Sprintf("retry policy %+v needs Limit >= 0, 0 < MinBackoff <= MaxBackoff and a Deadline", r))
	}
	if cfg.Timeout <= 0 || cfg.Logger == nil {
		problems = append(problems, "a per-attempt timeout and a logger are required")
	}
	if len(problems) > 0 {
		return nil, flexcallback.Errorf(flexcallback.ErrInvalid, "twilio config: %s", strings.Join(problems, "; "))
	}

	c := &Client{
		accountSid: cfg.AccountSid,
		user:       user,
		pass:       pass,
		workspace:  cfg.WorkspaceSid,
		region:     region,
		retry:      cfg.Retry,
		timeout:    cfg.Timeout,
		log:        cfg.Logger, // its component is named by whoever hands it over
		obs:        cfg.Observer,
		base:       base,
		sleep:      sleepCtx,
		jitter:     rand.Int64N,
	}
	c.health = newHealth(c.log, cfg.Observer, c.authSettings)
	c.base = &healthTransport{h: c.health, next: base}
	return c, nil
}

// restClient is the twilio-go client for one attempt: its transport carries a's context and
// records the exchange in a. It keeps twilio-go's no-redirect policy and per-request timeout.
func (c *Client) restClient(a *attempt) *client.Client {
	tc := &client.Client{
		Credentials: client.NewCredentials(c.user, c.pass),
		HTTPClient: &http.Client{
			Transport: &attemptTransport{a: a, next: c.base},
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
			Timeout: c.timeout,
		},
	}
	tc.SetAccountSid(c.accountSid)
	return tc
}

// handler wraps tc with our region; twilio-go would otherwise read TWILIO_EDGE and TWILIO_REGION
// from the environment behind our back.
func (c *Client) handler(tc *client.Client) *client.RequestHandler {
	h := client.NewRequestHandler(tc)
	h.Edge, h.Region = "", c.region
	return h
}

func (c *Client) taskrouter(a *attempt) *taskrouter.ApiService {
	return taskrouter.NewApiService(c.handler(c.restClient(a)))
}

func (c *Client) voice(a *attempt) *api.ApiService {
	return api.NewApiService(c.handler(c.restClient(a)))
}

// Ping fetches the workspace: a cheap readiness probe that proves the host, the credentials and
// the workspace SID.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, "fetch workspace", "", opIdempotent, func(a *attempt) error {
		_, err := c.taskrouter(a).FetchWorkspace(c.workspace)
		return err
	})
}

// checkSid refuses SIDs that are not plain letters and digits: twilio-go pastes them into URL
// paths unescaped, so "../" in one would reach another resource.
func checkSid(field, sid string) error {
	if sid == "" || len(sid) > 64 || !alnum(sid) {
		return flexcallback.Invalid(field, "%s is not a valid SID", field)
	}
	return nil
}

func alnum(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
