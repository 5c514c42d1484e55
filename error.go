package flexcallback

import (
	"errors"
	"fmt"
	"time"
)

// Error kinds. Every error that crosses a package boundary wraps one of them, so callers decide with
// errors.Is and the HTTP layer maps them to a status in one table.
var (
	ErrInvalid      = errors.New("invalid input")                    // 400: the request is wrong; nothing changed
	ErrUnauthorized = errors.New("unauthorized")                     // 401: missing or invalid credentials
	ErrForbidden    = errors.New("forbidden")                        // 403: valid credentials, not allowed
	ErrNotFound     = errors.New("not found")                        // 404
	ErrConflict     = errors.New("conflict")                         // 409: the resource is not in a state that allows it
	ErrPrecondition = errors.New("precondition failed")              // 412: an If-Match ETag no longer matches
	ErrUnavailable  = errors.New("upstream unavailable")             // 503: Twilio throttled or failed after retries
	ErrAmbiguous    = errors.New("outcome unknown")                  // a create whose result we could not see (timeout)
	ErrUpstreamAuth = errors.New("upstream refused our credentials") // 502: Twilio answered 401/403 to us: our settings are wrong
	ErrInternal     = errors.New("internal error")                   // 500: a bug or an unexpected upstream answer
	ErrUnsupported  = errors.New("unsupported media")                // 415: a body of a content type we do not read
	ErrMethod       = errors.New("method not allowed")               // 405: the path exists, not for this method
	ErrRange        = errors.New("range not satisfiable")            // 416: a byte range that selects nothing
)

// Error is an error of one of the kinds above, with what a client may be told and, when Twilio
// answered, Twilio's own status, code and documentation link.
type Error struct {
	Kind       error         // one of the Err* kinds
	Message    string        // safe to show to a client
	Field      string        // the parameter at fault, for ErrInvalid
	Status     int           // upstream HTTP status, 0 when there was no answer
	Code       int           // Twilio error code, 0 when none
	MoreInfo   string        // Twilio's documentation link
	RetryAfter time.Duration // upstream Retry-After, when given
	Err        error         // the cause, for logs
}

func (e *Error) Error() string {
	s := e.Message
	if s == "" {
		s = e.Kind.Error()
	}
	if e.Status != 0 {
		s = fmt.Sprintf("%s (status %d, code %d)", s, e.Status, e.Code)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is see both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Invalid returns an ErrInvalid error naming the field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: ErrInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Errorf returns an error of the given kind with a client-safe message.
func Errorf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
