package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"flexcallback"
)

// apiPrefix is where the backend's compatible paths live (DESIGN §3).
const apiPrefix = "/features/callback-and-voicemail/"

// apiClient calls the backend's flex/* endpoints with the agent's Flex token in the Authorization
// header, never in a URL. Errors are *flexcallback.Error whose Message is the backend's, fit to
// show to the agent.
type apiClient struct {
	BaseURL string // scheme://host of the backend, the panel's own origin
}

// voicemailURL returns a short-lived URL the <audio> element can play.
func (c apiClient) voicemailURL(ctx context.Context, token, taskSid, recordingSid string) (string, time.Time, error) {
	var out struct {
		URL       string    `json:"url"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	err := c.post(ctx, "flex/voicemail-url", token, url.Values{"taskSid": {taskSid}, "recordingSid": {recordingSid}}, &out)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("voicemail url: %w", err)
	}
	if out.URL == "" {
		return "", time.Time{}, fmt.Errorf("voicemail url: %w", flexcallback.Errorf(flexcallback.ErrInternal, "no url in the answer"))
	}
	return out.URL, out.ExpiresAt, nil
}

// requeueCallback asks for the next attempt of a callback: now when at is zero (it returns the new
// task's SID), else kept for at (callbackAt, RFC 3339; it returns "", the task comes then).
func (c apiClient) requeueCallback(ctx context.Context, token, taskSid string, at time.Time) (string, error) {
	var out struct {
		TaskSid string `json:"taskSid"`
	}
	form := url.Values{"taskSid": {taskSid}}
	if !at.IsZero() {
		form.Set("callbackAt", at.Format(time.RFC3339))
	}
	if err := c.post(ctx, "flex/requeue-callback", token, form, &out); err != nil {
		return "", fmt.Errorf("requeue callback: %w", err)
	}
	return out.TaskSid, nil
}

// deleteVoicemail deletes the recording and transcript of a voicemail task.
func (c apiClient) deleteVoicemail(ctx context.Context, token, taskSid, recordingSid string) error {
	err := c.post(ctx, "flex/delete-voicemail", token, url.Values{"taskSid": {taskSid}, "recordingSid": {recordingSid}}, nil)
	if err != nil {
		return fmt.Errorf("delete voicemail: %w", err)
	}
	return nil
}

// post sends form to path and decodes a success body into out (if not nil). The request itself
// goes through send: the browser's fetch in the wasm build (api_wasm.go), so the panel does not
// link net/http's client with its TLS and HTTP/2 stacks, and net/http on the host (api_other.go).
func (c apiClient) post(ctx context.Context, path, token string, form url.Values, out any) error {
	status, body, err := send(ctx, strings.TrimSuffix(c.BaseURL, "/")+apiPrefix+path, token, form.Encode())
	if err != nil {
		return err
	}
	if len(body) > maxAnswer {
		body = body[:maxAnswer] // as a LimitReader would: the JSON then fails to decode
	}
	var env struct {
		Success *bool  `json:"success"`
		Message string `json:"message"`
		Code    string `json:"code"`
	}
	_ = json.Unmarshal(body, &env) // a body that is not JSON is judged by status alone
	if status/100 != 2 || (env.Success != nil && !*env.Success) {
		msg := env.Message
		if msg == "" {
			msg = statusText(status)
		}
		return &flexcallback.Error{Kind: kindOfStatus(status), Message: msg, Status: status}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return &flexcallback.Error{Kind: flexcallback.ErrInternal, Message: "unreadable answer", Err: err}
		}
	}
	return nil
}

// maxAnswer bounds the body the panel reads; the backend's answers are a few hundred bytes.
const maxAnswer = 1 << 20

// formType is the Content-Type of every request body: the backend reads forms (DESIGN §3).
const formType = "application/x-www-form-urlencoded"

// errUnreachable and errCutOff are the errors send returns when there is no whole answer.
func errUnreachable(err error) error {
	return &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Message: "the server cannot be reached", Err: err}
}

func errCutOff(err error) error {
	return &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Message: "the answer was cut off", Err: err}
}

// kindOfStatus maps the backend's status codes back to error kinds (the reverse of api/error.go).
// Plain numbers rather than net/http's names, which the wasm build does not import.
func kindOfStatus(status int) error {
	switch status {
	case 400:
		return flexcallback.ErrInvalid
	case 401:
		return flexcallback.ErrUnauthorized
	case 403:
		return flexcallback.ErrForbidden
	case 404:
		return flexcallback.ErrNotFound
	case 409:
		return flexcallback.ErrConflict
	case 412:
		return flexcallback.ErrPrecondition
	case 429, 503, 502, 504:
		return flexcallback.ErrUnavailable
	}
	return flexcallback.ErrInternal
}

// agentMessage is what the status line says about err: the backend's own message when it gave one.
// It walks the chain by hand, as flexcallback.AsError would for the chains api.go builds (one %w
// each), because errors.As links reflection code into the wasm.
func agentMessage(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if fe, ok := e.(*flexcallback.Error); ok {
			if fe.Message != "" {
				return fe.Message
			}
			break
		}
	}
	return err.Error()
}

// statusText is the reason phrase shown when an error answer carries no message of its own. It
// holds the statuses the backend and its proxies send, with net/http's wording (a host test checks
// them against http.StatusText); fetch's own statusText is empty over HTTP/2.
func statusText(status int) string {
	switch status {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 409:
		return "Conflict"
	case 412:
		return "Precondition Failed"
	case 413:
		return "Request Entity Too Large"
	case 415:
		return "Unsupported Media Type"
	case 422:
		return "Unprocessable Entity"
	case 429:
		return "Too Many Requests"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	}
	return "HTTP status " + strconv.Itoa(status)
}
