package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
)

// testLogger sends the sandbox's logs to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newTestSandbox serves a fresh sandbox on an httptest server.
func newTestSandbox(t *testing.T) (*Sandbox, *httptest.Server, Info) {
	t.Helper()
	s := New(Config{Logger: testLogger(t)})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv, s.Info()
}

// rewrite sends https://{sub}.twilio.com/{path} to {base}/{sub}/{path}, as the backend does.
type rewrite struct{ base *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	sub, _, _ := strings.Cut(r.URL.Host, ".")
	r.URL.Path = "/" + sub + r.URL.Path
	r.URL.RawPath = ""
	r.URL.Scheme, r.URL.Host, r.Host = rw.base.Scheme, rw.base.Host, rw.base.Host
	return http.DefaultTransport.RoundTrip(r)
}

// twilioClient is a twilio-go client pointed at the sandbox.
func twilioClient(t *testing.T, srv *httptest.Server, in Info) *client.Client {
	t.Helper()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{Credentials: client.NewCredentials(in.AccountSid, in.AuthToken),
		HTTPClient: &http.Client{Transport: rewrite{base}, Timeout: 10 * time.Second}}
	c.SetAccountSid(in.AccountSid)
	return c
}

// do sends a JSON request (admin API) or a form (REST, with auth) and decodes the JSON answer.
func do(t *testing.T, in Info, method, u string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if !strings.Contains(u, "/_sandbox/") {
		req.SetBasicAuth(in.AccountSid, in.AuthToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, u, raw, err)
		}
	}
	return resp.StatusCode
}

func TestInfoIsFixedAcrossResetAndInstances(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	var got Info
	if code := do(t, in, "GET", srv.URL+"/_sandbox/", nil, &got); code != 200 {
		t.Fatalf("GET /_sandbox/ = %d", code)
	}
	if got.AccountSid != in.AccountSid || len(got.AccountSid) != 34 || !strings.HasPrefix(got.AccountSid, "AC") {
		t.Fatalf("account SID %q", got.AccountSid)
	}
	if got.Workflows["callback"] == "" || got.Queues["callback"] == "" || got.Workers["alice"].Sid == "" || got.OfflineActivitySid == "" {
		t.Fatalf("info incomplete: %+v", got)
	}
	var after Info
	do(t, in, "POST", srv.URL+"/_sandbox/reset", nil, &after)
	if after.Workflows["callback"] != in.Workflows["callback"] || after.Workers["sam"].Sid != in.Workers["sam"].Sid {
		t.Fatalf("reset changed SIDs: %+v vs %+v", after, in)
	}
	other := New(Config{})
	defer other.Close()
	if other.Info().WorkspaceSid != in.WorkspaceSid {
		t.Fatal("SIDs differ between sandboxes")
	}
}

func TestRESTNeedsBasicAuth(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	resp, err := http.Get(srv.URL + "/taskrouter/v1/Workspaces/" + in.WorkspaceSid + "/Tasks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e twilioError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 || e.Code != 20003 || e.Status != 401 || e.MoreInfo != "https://www.twilio.com/docs/errors/20003" {
		t.Fatalf("got %d %+v", resp.StatusCode, e)
	}
}

// TestAuthTokenRandomPerStart: the sandbox's auth token is made at start, differs between two
// sandboxes and survives a reset (clients keep signing with it).
func TestAuthTokenRandomPerStart(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	defer a.Close()
	defer b.Close()
	ta, tb := a.Info().AuthToken, b.Info().AuthToken
	if len(ta) != 32 || ta == tb {
		t.Fatalf("auth tokens %q and %q", ta, tb)
	}
	a.mu.Lock()
	a.reset()
	a.mu.Unlock()
	if a.Info().AuthToken != ta {
		t.Errorf("reset changed the auth token")
	}
}
