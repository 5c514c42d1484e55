package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"flexcallback"
)

func TestValidateTokenValid(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			twilioError(w, http.StatusTooManyRequests, 20429, "Too many requests")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"valid": true, "code": 0, "message": null, "expiration": "2026-11-25T15:00:00.000Z", "realm_user_id": "US1",
			"identity": "agent_42", "roles": ["agent", "supervisor"], "worker_sid": "WKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`))
	})
	c, _ := newTestClient(t, wr, nil)
	wk, err := c.ValidateToken(context.Background(), "eyJhbGciOiJIUzI1NiJ9.tok.sig")
	if err != nil {
		t.Fatalf("ValidateToken: %v", err)
	}
	want := flexcallback.Worker{Sid: "WKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Identity: "agent_42", Roles: []string{"agent", "supervisor"},
		ExpiresAt: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)}
	if !reflect.DeepEqual(wk, want) {
		t.Errorf("worker = %+v, want %+v", wk, want)
	}
	reqs := wr.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (429 retried)", len(reqs))
	}
	req := reqs[1]
	if req.Method != http.MethodPost || req.Path != "/iam/v1/Accounts/"+testAccount+"/Tokens/validate" ||
		req.Header.Get("Content-Type") != "application/json" || req.User != testAccount || req.Pass != testToken {
		t.Errorf("request = %s %s %q auth %q", req.Method, req.Path, req.Header.Get("Content-Type"), req.User)
	}
	var body map[string]string
	if err := json.Unmarshal(req.Body, &body); err != nil || !reflect.DeepEqual(body, map[string]string{"token": "eyJhbGciOiJIUzI1NiJ9.tok.sig"}) {
		t.Errorf("body = %s (%v)", req.Body, err)
	}
}

func TestValidateTokenInvalid(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"valid": false, "code": 20101, "message": "Invalid Access Token", "expiration": null}`))
	})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.ValidateToken(context.Background(), "expired")
	e := wantKind(t, err, flexcallback.ErrUnauthorized)
	if e.Message != "Invalid Access Token" {
		t.Errorf("message = %q", e.Message)
	}
	if len(wr.requests()) != 1 {
		t.Errorf("an invalid token was retried")
	}
}

func TestValidateTokenEmpty(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.ValidateToken(context.Background(), "")
	wantKind(t, err, flexcallback.ErrUnauthorized)
	if len(wr.requests()) != 0 {
		t.Errorf("an empty token was sent")
	}
}
