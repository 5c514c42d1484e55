package api

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"flexcallback"
)

// codes maps each error kind to its HTTP status and the stable word clients read in "code".
var codes = []struct {
	kind   error
	status int
	code   string
}{
	{flexcallback.ErrInvalid, http.StatusBadRequest, "invalid"},
	{flexcallback.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{flexcallback.ErrForbidden, http.StatusForbidden, "forbidden"},
	{flexcallback.ErrNotFound, http.StatusNotFound, "not_found"},
	{flexcallback.ErrConflict, http.StatusConflict, "conflict"},
	{flexcallback.ErrPrecondition, http.StatusConflict, "conflict"},
	{flexcallback.ErrUnsupported, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{flexcallback.ErrMethod, http.StatusMethodNotAllowed, "method_not_allowed"},
	{flexcallback.ErrRange, http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable"},
	{flexcallback.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{flexcallback.ErrAmbiguous, http.StatusServiceUnavailable, "unavailable"},
	{flexcallback.ErrUpstreamAuth, http.StatusBadGateway, "upstream_auth"},
}

// WriteError answers err with its status and a body that says what is wrong and nothing
// internal; every error answer of the backend goes through it. 400s keep the reference's {"data":null,"message"} shape, others
// {"success":false,"message"}. Each 5xx is logged once, with the whole chain, except
// upstream_auth: the Twilio client logs that outage loudly once a minute, not per request.
func WriteError(ctx context.Context, w http.ResponseWriter, logger *slog.Logger, err error) {
	status, code := http.StatusInternalServerError, "internal"
	for _, c := range codes {
		if errors.Is(err, c.kind) {
			status, code = c.status, c.code
			break
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		status, code = http.StatusServiceUnavailable, "unavailable"
	}
	message := http.StatusText(status)
	body := map[string]any{"code": code}
	upstream := false
	if e, ok := flexcallback.AsError(err); ok && e.Status == http.StatusBadRequest {
		// Twilio refused the request (code 20001 means a bad parameter or a task state that does
		// not allow it): keep its status (fixes B3).
		status, code, upstream = http.StatusBadRequest, "refused", true
		body["code"] = code
	}
	if e, ok := flexcallback.AsError(err); ok {
		if e.Message != "" && (status < 500 || code == "upstream_auth") { // it names settings, never secrets
			message = e.Message
		}
		if e.Field != "" {
			body["field"] = e.Field
		}
		if e.Status != 0 { // Twilio answered: keep its status and code (fixes B3)
			body["status"], body["twilioErrorCode"] = e.Status, e.Code
			if e.MoreInfo != "" {
				body["twilioDocPage"] = e.MoreInfo
			}
		}
		if status == http.StatusServiceUnavailable {
			retry := e.RetryAfter
			if retry <= 0 {
				retry = time.Second
			}
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		}
	} else if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusServiceUnavailable {
		message = "Twilio is unavailable; try again shortly"
	}
	body["message"] = message
	if status == http.StatusBadRequest && !upstream {
		body["data"] = nil
	} else {
		body["success"] = false
	}
	switch {
	case code == "upstream_auth":
		logger.WarnContext(ctx, "request failed: Twilio refused our credentials", "status", status, "err", err)
	case status >= 500:
		logger.ErrorContext(ctx, "request failed", "status", status, "err", err)
	default:
		logger.DebugContext(ctx, "request refused", "status", status, "err", err)
	}
	encode(w, status, body)
}
