package twilio

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"flexcallback"
)

const (
	// authWindow is how long a refusal of our credentials keeps /readyz at 503 when no later
	// call to that service succeeds (no traffic reaches it while the replica is out of rotation).
	authWindow = 2 * time.Minute
	// authLogEvery spaces the loud log line: one per service per minute, not one per request.
	authLogEvery = time.Minute
)

// serviceOf names the Twilio product a request goes to ("taskrouter", "iam", "voice"), or ""
// for any other host (a media redirect to storage).
func serviceOf(u *url.URL) string {
	sub, ok := strings.CutSuffix(u.Hostname(), ".twilio.com")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(sub, ".") // regional hosts: taskrouter.sydney.au1.twilio.com
	switch first {
	case "taskrouter", "iam":
		return first
	case "api":
		return "voice"
	}
	return ""
}

// health remembers which Twilio services refused our credentials (401/403) and were not
// answered successfully since: a wrong setting is an outage that /readyz reports, logged loudly
// once a minute and counted.
type health struct {
	mu       sync.Mutex
	now      func() time.Time
	log      *slog.Logger
	obs      Observer               // may be nil
	settings func(string) string    // the settings to check for a service
	failing  map[string]*authFailed // by service
}

type authFailed struct {
	status       int
	last, logged time.Time
	unlogged     int // refusals since the last log line
}

func newHealth(log *slog.Logger, obs Observer, settings func(string) string) *health {
	return &health{now: time.Now, log: log, obs: obs, settings: settings, failing: map[string]*authFailed{}}
}

// record notes one answer of service: 401/403 is a refusal, 2xx/3xx proves the credentials.
func (h *health) record(service string, status int) {
	switch {
	case service == "":
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		h.refused(service, status)
	case status >= 200 && status < 400:
		h.accepted(service)
	}
}

func (h *health) refused(service string, status int) {
	if h.obs != nil {
		h.obs.TwilioAuthFailure(service)
	}
	h.mu.Lock()
	now := h.now()
	f := h.failing[service]
	if f == nil {
		f = &authFailed{}
		h.failing[service] = f
	}
	f.status, f.last = status, now
	f.unlogged++
	loud := f.logged.IsZero() || now.Sub(f.logged) >= authLogEvery
	n := f.unlogged
	if loud {
		f.logged, f.unlogged = now, 0
	}
	h.mu.Unlock()
	if loud {
		h.log.Error("Twilio refuses the backend's credentials: requests that need it fail with 502 upstream_auth and /readyz is 503",
			"service", service, "status", status, "check", h.settings(service), "refusals", n)
	}
}

func (h *health) accepted(service string) {
	h.mu.Lock()
	_, was := h.failing[service]
	delete(h.failing, service)
	h.mu.Unlock()
	if was {
		h.log.Info("Twilio accepts the backend's credentials again", "service", service)
	}
}

// err is an ErrUpstreamAuth error naming the services that refused our credentials within
// authWindow and the settings to check, or nil.
func (h *health) err() error {
	h.mu.Lock()
	var services []string
	for s, f := range h.failing {
		if h.now().Sub(f.last) < authWindow {
			services = append(services, s)
		}
	}
	h.mu.Unlock()
	if len(services) == 0 {
		return nil
	}
	slices.Sort(services)
	var checks []string
	for _, s := range services {
		if c := h.settings(s); !slices.Contains(checks, c) {
			checks = append(checks, c)
		}
	}
	return flexcallback.Errorf(flexcallback.ErrUpstreamAuth, "Twilio refused the backend's credentials (%s): check %s",
		strings.Join(services, ", "), strings.Join(checks, "; "))
}

// healthTransport shows every answer from Twilio to the health tracker. It sits outside the
// TWILIO_API_BASE rewrite, so it sees Twilio's host names.
type healthTransport struct {
	h    *health
	next http.RoundTripper
}

func (t *healthTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		t.h.record(serviceOf(r.URL), resp.StatusCode)
	}
	return resp, err
}

// authSettings names the settings an operator checks when service refuses our credentials.
func (c *Client) authSettings(service string) string {
	s := "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
	if c.user != c.accountSid {
		s = "TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET"
	}
	if service == "taskrouter" {
		s += ", and TWILIO_FLEX_WORKSPACE_SID"
	}
	return s
}

// authMessage is the client-safe message of an ErrUpstreamAuth error from service.
func (c *Client) authMessage(service string) string {
	return fmt.Sprintf("Twilio refused the backend's credentials (%s): check %s", service, c.authSettings(service))
}

// Ready reports whether the backend can work with Twilio: the workspace answers (Ping) and no
// service refused our credentials lately.
func (c *Client) Ready(ctx context.Context) error {
	if err := c.Ping(ctx); err != nil {
		return err
	}
	return c.health.err()
}
