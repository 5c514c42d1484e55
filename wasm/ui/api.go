package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	BaseURL string       // scheme://host of the backend, the panel's own origin
	HTTP    *http.Client // nil: http.DefaultClient
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

// requeueCallback asks for the next attempt of a callback and returns the new task's SID.
func (c apiClient) requeueCallback(ctx context.Context, token, taskSid string) (string, error) {
	var out struct {
		TaskSid string `json:"taskSid"`
	}
	if err := c.post(ctx, "flex/requeue-callback", token, url.Values{"taskSid": {taskSid}}, &out); err != nil {
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

// post sends form to path and decodes a success body into out (if not nil).
func (c apiClient) post(ctx context.Context, path, token string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.BaseURL, "/")+apiPrefix+path, strings.NewReader(form.Encode()))
	if err != nil {
		return &flexcallback.Error{Kind: flexcallback.ErrInternal, Message: "bad request", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Message: "the server cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Message: "the answer was cut off", Err: err}
	}
	var env struct {
		Success *bool  `json:"success"`
		Message string `json:"message"`
		Code    string `json:"code"`
	}
	_ = json.Unmarshal(body, &env) // a body that is not JSON is judged by status alone
	if resp.StatusCode/100 != 2 || (env.Success != nil && !*env.Success) {
		msg := env.Message
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return &flexcallback.Error{Kind: kindOfStatus(resp.StatusCode), Message: msg, Status: resp.StatusCode}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return &flexcallback.Error{Kind: flexcallback.ErrInternal, Message: "unreadable answer", Err: err}
		}
	}
	return nil
}

// kindOfStatus maps the backend's status codes back to error kinds (the reverse of api/error.go).
func kindOfStatus(status int) error {
	switch status {
	case http.StatusBadRequest:
		return flexcallback.ErrInvalid
	case http.StatusUnauthorized:
		return flexcallback.ErrUnauthorized
	case http.StatusForbidden:
		return flexcallback.ErrForbidden
	case http.StatusNotFound:
		return flexcallback.ErrNotFound
	case http.StatusConflict:
		return flexcallback.ErrConflict
	case http.StatusPreconditionFailed:
		return flexcallback.ErrPrecondition
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return flexcallback.ErrUnavailable
	}
	return flexcallback.ErrInternal
}

// agentMessage is what the status line says about err: the backend's own message when it gave one.
func agentMessage(err error) string {
	if e, ok := flexcallback.AsError(err); ok && e.Message != "" {
		return e.Message
	}
	return err.Error()
}
