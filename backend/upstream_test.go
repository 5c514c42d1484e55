package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"flexcallback/backend/sandbox"
)

// loudAuthLine is the one ERROR line a minute the Twilio client writes while Twilio refuses our
// credentials.
const loudAuthLine = `level=ERROR msg="Twilio refuses the backend's credentials`

var unknownTask = url.Values{"taskSid": {"WT" + strings.Repeat("0", 32)}}

// sum adds up the values of the metric lines that start with prefix.
func (a *app) sum(prefix string) int {
	a.t.Helper()
	total := 0
	for _, l := range strings.Split(a.metric(prefix), "\n") {
		if i := strings.LastIndexByte(l, ' '); i > 0 {
			v, err := strconv.ParseFloat(l[i+1:], 64)
			if err != nil {
				a.t.Fatalf("metric line %q", l)
			}
			total += int(v)
		}
	}
	return total
}

// iamCalls counts the backend's attempts to validate a Flex token, whatever IAM answered.
func (a *app) iamCalls() int {
	return a.sum(`flexcallback_twilio_call_duration_seconds_count{op="validate token"`)
}

func (a *app) get(path string) response {
	a.t.Helper()
	return a.do(mustRequest("GET", a.base+path))
}

// wantUpstreamAuth checks a 502 upstream_auth answer whose message names service and settings,
// and no secret.
func wantUpstreamAuth(t *testing.T, a *app, what string, r response, service string, settings []string, not string) {
	t.Helper()
	if r.status != http.StatusBadGateway || r.json(t)["code"] != "upstream_auth" {
		t.Fatalf("%s: %d %s, want 502 upstream_auth", what, r.status, r.body)
	}
	msg, _ := r.json(t)["message"].(string)
	for _, s := range append(settings, "("+service+")") {
		if !strings.Contains(msg, s) {
			t.Errorf("%s: message %q does not name %s", what, msg, s)
		}
	}
	if (not != "" && strings.Contains(msg, not)) || strings.Contains(string(r.body), a.info.AuthToken) {
		t.Errorf("%s: message %q names %s or a secret", what, msg, not)
	}
}

// wantReady checks /readyz: 200, or 503 upstream_auth whose reason names service.
func wantReady(t *testing.T, a *app, what string, service string) {
	t.Helper()
	r := a.get("/readyz")
	if service == "" {
		if r.status != 200 {
			t.Errorf("%s: readyz %d %s, want 200", what, r.status, r.body)
		}
		return
	}
	reason, _ := r.json(t)["reason"].(string)
	if r.status != 503 || r.json(t)["code"] != "upstream_auth" || !strings.Contains(reason, "("+service+")") ||
		!strings.Contains(reason, "TWILIO_AUTH_TOKEN") {
		t.Errorf("%s: readyz %d %s, want 503 upstream_auth naming %s", what, r.status, r.body, service)
	}
}

// TaskRouter answering 401 or 403 to our credentials is a 502 naming the settings, /readyz 503
// until a call succeeds, one loud line, and a metric.
func TestUpstreamAuthTaskRouter(t *testing.T) {
	a := startApp(t, nil)
	settings := []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FLEX_WORKSPACE_SID"}
	for i, status := range []int{401, 403} {
		what := "taskrouter " + strconv.Itoa(status)
		// A new caller each round: the same parameters within ten minutes answer the first task.
		form := url.Values{"numberToCall": {"+1415555267" + strconv.Itoa(i+2)}, "numberToCallFrom": {ourLine}}
		a.fault(map[string]any{"path": "/taskrouter/", "status": status})
		for range 10 {
			wantUpstreamAuth(t, a, what, a.studio("POST", "create-callback", form, nil), "taskrouter", settings, "")
		}
		wantReady(t, a, what, "taskrouter")
		if n := strings.Count(a.logs.String(), loudAuthLine); n != i+1 {
			t.Errorf("%s: %d loud lines in all, want %d (one per outage per minute)", what, n, i+1)
		}
		a.admin("DELETE", "/_sandbox/faults", nil, nil)
		wantReady(t, a, what+" cleared", "") // the readiness probe's own call succeeds
		if r := a.studio("POST", "create-callback", form, nil); r.status != 200 {
			t.Errorf("%s cleared: create-callback %d %s", what, r.status, r.body)
		}
	}
	if n := a.sum(`flexcallback_twilio_auth_failures_total{service="taskrouter"}`); n < 22 {
		t.Errorf("taskrouter auth failures counted %d, want at least 22", n)
	}
	// The outage is logged loudly once, not per request.
	logs := a.logs.String()
	if n, loud := strings.Count(logs, "level=ERROR"), strings.Count(logs, loudAuthLine); n != loud {
		t.Errorf("%d ERROR lines, %d of them the outage line:\n%s", n, loud, logs)
	}
}

// IAM refusing our credentials is the same outage; an invalid Flex token stays the client's 401.
func TestUpstreamAuthIAM(t *testing.T) {
	a := startApp(t, nil)
	if r := a.flex("requeue-callback", "forged", unknownTask); r.status != 401 || r.json(t)["code"] != "unauthorized" {
		t.Fatalf("invalid Flex token: %d %s", r.status, r.body)
	}
	wantReady(t, a, "invalid Flex token", "")
	settings := []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"}
	for i, status := range []int{403, 401} {
		what := "iam " + strconv.Itoa(status)
		tok := a.token("alice")
		a.fault(map[string]any{"path": "/iam/", "status": status})
		calls := a.iamCalls()
		for range 10 {
			wantUpstreamAuth(t, a, what, a.flex("requeue-callback", tok, unknownTask), "iam", settings, "WORKSPACE")
		}
		if n := a.iamCalls() - calls; n != 10 {
			t.Errorf("%s: %d IAM calls for 10 requests, want 10 (an outage is not remembered as a rejection)", what, n)
		}
		wantReady(t, a, what, "iam")
		if n := strings.Count(a.logs.String(), loudAuthLine); n != i+1 {
			t.Errorf("%s: %d loud lines in all, want %d", what, n, i+1)
		}
		a.admin("DELETE", "/_sandbox/faults", nil, nil)
		wantReady(t, a, what+" cleared, no IAM call yet", "iam")
		if r := a.flex("requeue-callback", tok, unknownTask); r.status != 404 {
			t.Errorf("%s cleared: %d %s, want 404 for the unknown task", what, r.status, r.body)
		}
		wantReady(t, a, what+" cleared", "")
	}
	if n := a.sum(`flexcallback_twilio_auth_failures_total{service="iam"}`); n != 20 {
		t.Errorf("iam auth failures counted %d, want 20", n)
	}
}

// During a rotation, webhooks signed with the secondary auth token are accepted too.
func TestWebhookSecondaryAuthToken(t *testing.T) {
	const secondary = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
	a := startApp(t, map[string]string{"TWILIO_AUTH_TOKEN_SECONDARY": secondary})
	u := a.base + "/features/callback-and-voicemail/studio/create-callback"
	for i, tc := range []struct {
		token string
		want  int
	}{{a.info.AuthToken, 200}, {secondary, 200}, {"0123456789abcdef0123456789abcdef", 403}} {
		form := url.Values{"numberToCall": {"+1415555267" + strconv.Itoa(i+3)}, "numberToCallFrom": {ourLine}}
		if r := a.do(post(u, form, sandbox.Signature(tc.token, u, form))); r.status != tc.want {
			t.Errorf("signed with token %d: %d %s, want %d", i, r.status, r.body, tc.want)
		}
	}
	if strings.Contains(a.logs.String(), secondary) {
		t.Error("the secondary auth token was logged")
	}
}

// A rejected token costs one IAM call, concurrent validations one, and an accepted token is
// asked about again after FLEX_TOKEN_CACHE_TTL.
func TestFlexTokenValidationCache(t *testing.T) {
	a := startApp(t, map[string]string{"FLEX_TOKEN_CACHE_TTL": "2s"})
	calls := a.iamCalls()
	for range 10 {
		if r := a.flex("requeue-callback", "forged-token", unknownTask); r.status != 401 {
			t.Fatalf("forged token: %d %s", r.status, r.body)
		}
	}
	if n := a.iamCalls() - calls; n != 1 {
		t.Errorf("a rejected token repeated 10 times made %d IAM calls, want 1", n)
	}

	tok := a.token("alice")
	calls = a.iamCalls()
	start := make(chan struct{})
	statuses := make(chan int, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", a.base+"/features/callback-and-voicemail/flex/requeue-callback", strings.NewReader(unknownTask.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+tok)
			<-start
			resp, err := a.hc.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 404 {
			t.Errorf("concurrent request: %d, want 404 (valid token, unknown task)", s)
		}
	}
	if n := a.iamCalls() - calls; n != 1 {
		t.Errorf("20 concurrent validations of a new token made %d IAM calls, want 1", n)
	}
	time.Sleep(2100 * time.Millisecond)
	if r := a.flex("requeue-callback", tok, unknownTask); r.status != 404 {
		t.Errorf("after the TTL: %d %s", r.status, r.body)
	}
	if n := a.iamCalls() - calls; n != 2 {
		t.Errorf("IAM calls after the TTL: %d, want 2 (re-validated once)", n)
	}
}

func TestFlexTokenCacheTTLConfig(t *testing.T) {
	base := map[string]string{"SANDBOX": "1", "TWILIO_AUTH_TOKEN_SECONDARY": "s3cr3t-secondary"}
	for v, want := range map[string]time.Duration{"": time.Minute, "45": 45 * time.Second, "90s": 90 * time.Second, "0": 0, "10m": 10 * time.Minute} {
		e := map[string]string{"FLEX_TOKEN_CACHE_TTL": v}
		for k, x := range base {
			e[k] = x
		}
		c, _, err := loadConfig(env(e))
		if err != nil || c.FlexTokenCacheTTL != want || c.AuthTokenSecondary != "s3cr3t-secondary" {
			t.Errorf("%q: %v %v, want %v", v, c.FlexTokenCacheTTL, err, want)
		}
	}
	for _, v := range []string{"11m", "-1s", "soon", "1.5"} {
		_, _, err := loadConfig(env(map[string]string{"FLEX_TOKEN_CACHE_TTL": v, "TWILIO_AUTH_TOKEN_SECONDARY": "s3cr3t-secondary", "MAX_ATTEMPTS": "x"}))
		if err == nil || !strings.Contains(err.Error(), "FLEX_TOKEN_CACHE_TTL") || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%q: err = %v", v, err)
		}
	}
}
