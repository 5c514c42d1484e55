package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/phone"
	"flexcallback/backend/twiliofake"
)

// fuzzCreator stands in for backend/callback: it builds the task exactly as the real service
// does (so a parsed request that cannot become a task shows up as an error) and remembers the
// last request it was given.
type fuzzCreator struct {
	mu   sync.Mutex
	last *flexcallback.Request
}

const (
	fuzzWorkflow  = "WW0123456789abcdef0123456789abcdef"
	fuzzRecording = "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

func (c *fuzzCreator) build(r flexcallback.Request) (string, error) {
	c.mu.Lock()
	c.last = &r
	c.mu.Unlock()
	if _, err := flexcallback.BuildTask(r, fuzzWorkflow, "America/New_York", time.Now()); err != nil {
		return "", err
	}
	return "WT0123456789abcdef0123456789abcdef", nil
}

func (c *fuzzCreator) Create(ctx context.Context, r flexcallback.Request) (string, bool, error) {
	sid, err := c.build(r)
	return sid, false, err
}

func (c *fuzzCreator) Voicemail(ctx context.Context, r flexcallback.Request) (string, error) {
	return c.build(r)
}

func (c *fuzzCreator) Ask(ctx context.Context, r flexcallback.Request) (flexcallback.Asked, error) {
	sid, err := c.build(r)
	return flexcallback.Asked{Sid: sid}, err
}

// FuzzParseCreateCallback drives studio/create-callback's parameter parsing through the real
// handler (read once, then createCallback) with a fake Creator. The inputs are a query
// string, a body and whether the body is JSON. It must never panic; every input it refuses must
// be a 4xx JSON body with "code" and "message"; every input it accepts must have reached the
// Creator as a request whose numbers are E.164 or sip:/client: addresses and whose typed fields
// are in range.
//
// make test runs it briefly: go test -run '^$' -fuzz FuzzParseCreateCallback -fuzztime 5s ./backend/api
func FuzzParseCreateCallback(f *testing.F) {
	// Parameter sets Studio flows and the reference's clients really send (spec §1.1, api_test.go).
	for _, seed := range []struct {
		query, body string
		json        bool
	}{
		{"", "numberToCall=%28415%29+555-2671&numberToCallFrom=%2B14155550100&flexFlowSid=FW1&attempts=1&isDeleted=false&priority=7&timeout=600", false},
		{"numberToCall=%2B14155552671&numberToCallFrom=%2B14155550100&RecordingSid=" + fuzzRecording +
			"&TranscriptionText=please+call&TranscriptionSid=TR1", "", false},
		{"", `{"numberToCall":"+14155552671","numberToCallFrom":"+14155550100","attempts":2,"isDeleted":true,"priority":0}`, true},
		{"", `{"numberToCall":"sip:alice@example.com","numberToCallFrom":"client:agent","utcDateTimeReceived":"2025-05-02T21:22:21.123Z"}`, true},
		{"numberToCall=4155552671", "numberToCallFrom=%2B14155550100&workflowSid=WW" + strings.Repeat("0", 32) + "&taskChannel=voice&conversation_id=WT1", false},
		{"", "numberToCall=12*34&numberToCallFrom=%2B14155550100", false},
		{"", "numberToCall=%2B14155552671&numberToCallFrom=%2B14155550100&attempts=two", false},
		{"", "numberToCall=%2B14155552671&numberToCallFrom=%2B14155550100&timeout=0&priority=-1", false},
		{"", "numberToCall=%2B14155552671&numberToCallFrom=%2B14155550100&recordingSid=RE..%2F..%2FCalls", false},
		{"", "numberToCall=%2B14155552671&numberToCallFrom=%2B14155550100&utcDateTimeReceived=yesterday", false},
		{"", "numberToCall=%2B4420%207946%200958&numberToCallFrom=0044%2020%207946%200958&timeout=2592000", false},
		{"", `{"numberToCall":["+14155552671"],"numberToCallFrom":{"a":1},"attempts":1e400}`, true},
		{"", "%zz=1&numberToCall", false},
		{"", `{"numberToCall":`, true},
		{"", "", false},
	} {
		f.Add(seed.query, seed.body, seed.json)
	}

	logger := slog.New(slog.DiscardHandler)
	normalize := func(s string) (string, error) { return phone.Normalize(s, "US") }
	creator := &fuzzCreator{}
	tw := twiliofake.New(nil) // holds the seeds' recording, a good 3 s one
	tw.PutRecording(flexcallback.Recording{Sid: fuzzRecording, Status: "completed", Duration: 3 * time.Second})
	s := &server{Deps{Logger: logger, Twilio: tw, Creator: creator, Normalize: normalize}}
	h := s.endpoint(nil, 0, s.createCallback)
	const path = CreateCallbackPath

	f.Fuzz(func(t *testing.T, query, body string, isJSON bool) {
		// The query goes in as received, unvalidated: a server hands handlers whatever the
		// client sent after the "?".
		req, err := http.NewRequest(http.MethodPost, "http://example.com"+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = query
		if isJSON {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		creator.mu.Lock()
		creator.last = nil
		creator.mu.Unlock()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		resp := rec.Result()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("status %d, body is not JSON: %q", resp.StatusCode, raw)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		if resp.StatusCode != http.StatusOK {
			code, _ := out["code"].(string)
			msg, _ := out["message"].(string)
			if resp.StatusCode < 400 || resp.StatusCode > 499 || code == "" || msg == "" {
				t.Fatalf("refused with %d %s; want a 4xx with code and message", resp.StatusCode, raw)
			}
			return
		}
		if out["success"] != true {
			t.Fatalf("200 with body %s", raw)
		}
		if out["taskSid"] == nil { // a failed or empty recording: no task, so nothing reached the Creator
			return
		}
		creator.mu.Lock()
		got := creator.last
		creator.mu.Unlock()
		if got == nil {
			t.Fatal("200 without reaching the Creator")
		}
		checkAccepted(t, *got)
	})
}

// checkAccepted asserts what parseCreateCallback promises about a request it let through.
func checkAccepted(t *testing.T, r flexcallback.Request) {
	t.Helper()
	for name, n := range map[string]string{"numberToCall": r.NumberToCall, "numberToCallFrom": r.NumberToCallFrom} {
		if phone.IsAddress(n) {
			continue
		}
		if !strings.HasPrefix(n, "+") || strings.Trim(n[1:], "0123456789") != "" || len(n) < 3 || len(n) > 16 {
			t.Errorf("%s = %q, not E.164", name, n)
		}
	}
	if r.Timeout != nil && (*r.Timeout < 1 || *r.Timeout > 2592000) {
		t.Errorf("timeout %d out of range", *r.Timeout)
	}
	if r.Priority != nil && *r.Priority < 0 {
		t.Errorf("priority %d out of range", *r.Priority)
	}
	if r.Attempts != nil && (*r.Attempts < 0 || *r.Attempts > 1000) {
		t.Errorf("attempts %d out of range", *r.Attempts)
	}
	if r.RecordingSid != "" && !recordingSidRe.MatchString(r.RecordingSid) {
		t.Errorf("recordingSid %q accepted", r.RecordingSid)
	}
	if r.WorkflowSid != "" && !workflowSidRe.MatchString(r.WorkflowSid) {
		t.Errorf("workflowSid %q accepted", r.WorkflowSid)
	}
	if r.TaskChannel != "" && !channelRe.MatchString(r.TaskChannel) {
		t.Errorf("taskChannel %q accepted", r.TaskChannel)
	}
}
