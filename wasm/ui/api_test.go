package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"flexcallback"
)

func TestAPIErrorShapes(t *testing.T) {
	tests := []struct {
		status int
		body   string
		kind   error
		msg    string
	}{
		{400, `{"data":null,"message":"Missing taskSid"}`, flexcallback.ErrInvalid, "Missing taskSid"},
		{401, `{"success":false,"message":"invalid token","code":"unauthorized"}`, flexcallback.ErrUnauthorized, "invalid token"},
		{403, `{"success":false,"message":"not your task","code":"forbidden"}`, flexcallback.ErrForbidden, "not your task"},
		{409, `{"success":false,"message":"max attempts","code":"conflict"}`, flexcallback.ErrConflict, "max attempts"},
		{503, `upstream down`, flexcallback.ErrUnavailable, "Service Unavailable"},
		{200, `{"success":false,"message":"odd"}`, flexcallback.ErrInternal, "odd"},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tt.status)
			w.Write([]byte(tt.body))
		}))
		_, err := apiClient{BaseURL: srv.URL}.requeueCallback(context.Background(), "tok", "WT1", time.Time{})
		srv.Close()
		if !errors.Is(err, tt.kind) {
			t.Errorf("%d: err = %v, want %v", tt.status, err, tt.kind)
		}
		if got := agentMessage(err); got != tt.msg {
			t.Errorf("%d: agent message %q, want %q", tt.status, got, tt.msg)
		}
	}
}

func TestAPIVoicemailURLAndDelete(t *testing.T) {
	be := &fakeBackend{}
	srv := httptest.NewServer(be)
	defer srv.Close()
	c := apiClient{BaseURL: srv.URL + "/"}
	u, exp, err := c.voicemailURL(context.Background(), "tok", "WT1", "RE1")
	if err != nil || u != "https://backend.example/media/RE1?t=x" || exp.IsZero() {
		t.Errorf("voicemailURL = %q, %v, %v", u, exp, err)
	}
	if err := c.deleteVoicemail(context.Background(), "tok", "WT1", "RE1"); err != nil {
		t.Error(err)
	}
	for i, r := range be.requests {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("request %d: %s %v", i, r.Method, r.Header)
		}
	}
}

// TestStatusTextMatchesNetHTTP keeps the wasm build's own reason phrases worded as net/http's,
// which the host build used to show.
func TestStatusTextMatchesNetHTTP(t *testing.T) {
	for status := 100; status < 600; status++ {
		got := statusText(status)
		if got == "HTTP status "+strconv.Itoa(status) {
			continue // not in the table
		}
		if want := http.StatusText(status); got != want {
			t.Errorf("statusText(%d) = %q, net/http says %q", status, got, want)
		}
	}
	if got := statusText(418); got != "HTTP status 418" {
		t.Errorf("statusText(418) = %q", got)
	}
}

func TestAgentMessage(t *testing.T) {
	inner := &flexcallback.Error{Kind: flexcallback.ErrConflict, Message: "max attempts"}
	noMsg := &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Err: errors.New("boom")}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("requeue callback: %w", fmt.Errorf("again: %w", inner)), "max attempts"},
		{fmt.Errorf("delete: %w", noMsg), "delete: " + noMsg.Error()},
		{errors.New("plain"), "plain"},
	} {
		if got := agentMessage(tt.err); got != tt.want {
			t.Errorf("agentMessage(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
