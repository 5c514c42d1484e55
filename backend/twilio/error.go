package twilio

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/twilio/twilio-go/client"

	"flexcallback"
)

// Twilio error codes we act on.
const (
	codeInvalidState = 20001 // the task's state does not allow the change
	codeNotFound     = 20404
)

// restError is Twilio's error document.
type restError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func parseRestError(body []byte) (restError, bool) {
	var e restError
	if err := json.Unmarshal(body, &e); err != nil {
		return restError{}, false
	}
	return e, true
}

// restInfo is Twilio's error document for an attempt: twilio-go's decoding when it made one,
// else our own reading of the buffered body.
func restInfo(s snapshot, err error) restError {
	if te, ok := errors.AsType[*client.TwilioRestError](err); ok {
		return restError{Code: te.Code, Message: te.Message, MoreInfo: te.MoreInfo, Status: te.Status}
	}
	if s.status >= 400 {
		e, _ := parseRestError(s.body)
		return e
	}
	return restError{}
}

// fail translates the last attempt of op into a *flexcallback.Error (wrapped with op), keeping
// Twilio's status, code and documentation link, and the original error as the cause.
func (c *Client) fail(op string, s snapshot, err error, ambiguous bool) error {
	info := restInfo(s, err)
	e := &flexcallback.Error{Status: s.status, Code: info.Code, MoreInfo: info.MoreInfo, Err: err}
	if e.Status == 0 && s.rtErr == nil {
		e.Status = info.Status // twilio-go refused the call itself (e.g. 21222 credentials)
	}
	switch {
	case ambiguous:
		e.Kind, e.Message = flexcallback.ErrAmbiguous, "Twilio may or may not have done it; its answer was lost"
	case s.status == 0 && s.rtErr != nil:
		e.Kind, e.Message = flexcallback.ErrUnavailable, "Twilio did not answer"
	case s.status == 0:
		e.Kind, e.Message = flexcallback.ErrInternal, "the Twilio call could not be made"
	case s.status < 400 && s.readErr != nil:
		e.Kind, e.Message = flexcallback.ErrUnavailable, "Twilio's answer was cut off"
	case s.status < 400:
		e.Kind, e.Message = flexcallback.ErrInternal, "unexpected answer from Twilio"
	default:
		e.Kind, e.Message = kindOf(s.status, info.Code)
		if e.Kind == flexcallback.ErrUpstreamAuth {
			e.Message = c.authMessage(s.service)
			if s.service == "" { // a redirect's host (media storage) refused: not our credentials
				e.Kind, e.Message = flexcallback.ErrInternal, "Twilio's media storage refused the request"
			}
		}
		if e.Kind == flexcallback.ErrUnavailable {
			e.RetryAfter = retryAfter(s.header)
		}
	}
	return fmt.Errorf("%s: %w", op, e)
}

// kindOf maps an error status and Twilio code to our kind and a client-safe message. Twilio's
// own message stays in the cause: it may quote phone numbers.
func kindOf(status, code int) (error, string) {
	switch {
	case status == http.StatusNotFound || code == codeNotFound:
		return flexcallback.ErrNotFound, "not found at Twilio"
	case status == http.StatusPreconditionFailed:
		return flexcallback.ErrPrecondition, "the resource changed at Twilio (ETag mismatch)"
	case status == http.StatusBadRequest && code == codeInvalidState:
		return flexcallback.ErrConflict, "Twilio refused the change for the task's state"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// Twilio refusing our credentials is our configuration's fault, not the client's.
		return flexcallback.ErrUpstreamAuth, "Twilio refused the backend's credentials"
	case status == http.StatusTooManyRequests || status >= 500:
		return flexcallback.ErrUnavailable, "Twilio is unavailable; try again later"
	default:
		return flexcallback.ErrInvalid, "Twilio rejected the request"
	}
}
