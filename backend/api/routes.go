// Package api is the backend's HTTP edge for the Studio and Flex endpoints of
// /features/callback-and-voicemail: it reads each request once (body over query, one size limit),
// authenticates it (Twilio signature, Flex token, media token), calls a thin handler and writes its
// answer, or its error through the one error table. main mounts everything else on the router.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"flexcallback"
)

// Prefix is where the reference's endpoints live; existing Studio flows and Flex configurations
// call these paths.
const Prefix = "/features/callback-and-voicemail"

// Paths of our own endpoints that others hand out as URLs (Studio's webhooks, the wait experience's
// redirects, the demo's scenarios).
const (
	CreateCallbackPath = Prefix + "/studio/create-callback"
	WaitPath           = Prefix + "/studio/wait-experience"
)

// Config is what the routes need from configuration.
type Config struct {
	PublicBaseURL  string   // Twilio signs this URL; media URLs are built on it
	MaxAttempts    int      // a callback is requeued only while attempts + 1 < MaxAttempts
	AllowedOrigins []string // Flex origins allowed to call the flex/* endpoints cross-origin
	// RequestDeadline bounds a Studio or Flex request with all of its Twilio calls (REQUEST_DEADLINE).
	// The media stream has none: it lasts as long as the agent listens.
	RequestDeadline time.Duration
	// StoreState names where idempotency keys live ("memory", "redis", "memory (redis
	// unreachable)"); /readyz reports it. nil: not reported.
	StoreState func() string
	// ScheduledInMemory is how many scheduled callbacks only this replica's memory holds (a
	// restart loses them); /readyz reports it. -1 (Redis) or nil: not reported.
	ScheduledInMemory func() int
}

// Twilio is the one adapter the handlers call (backend/twilio): TaskRouter, reservations, voice,
// and whether it is reachable with our credentials (/readyz).
type Twilio interface {
	flexcallback.TaskRouter
	flexcallback.Reservations
	flexcallback.Voice
	Ready(ctx context.Context) error
}

// WaitExperience answers one wait-experience request (backend/waitexp): the mode and the merged
// parameters in, a TwiML document out ("": an empty 200, as the reference answers callbacks).
type WaitExperience interface {
	Answer(ctx context.Context, mode string, p url.Values) string
}

// Deps is what NewServer wires together.
type Deps struct {
	Logger         *slog.Logger
	Config         Config
	Twilio         Twilio
	Creator        flexcallback.Creator
	Scheduler      flexcallback.Scheduler // callbacks at a chosen time (backend/schedule)
	Wait           WaitExperience
	Normalize      func(string) (string, error) // a phone number to E.164 (backend/phone)
	ValidSignature SignatureValidator
	ValidateToken  TokenValidateFunc
	MediaTokens    MediaTokens
	// Observe, if set, is told every request's route, method, status and duration (a metric).
	Observe func(route, method string, status int, d time.Duration)

	// Outcomes, if set, counts recorded call outcomes (a metric); Now is the time an outcome is
	// recorded at (nil: the wall clock).
	Outcomes OutcomeObserver
	Now      func() time.Time
	// NextOpening, if set, says whether the centre is closed now (BUSINESS_HOURS_FILE) and when it
	// opens again (zero: not within a year); create-callback answers it as nextOpening.
	NextOpening func() (at time.Time, closed bool)
}

// server is one NewServer's dependencies; its methods are the handlers.
type server struct{ Deps }

// NewServer returns the router with the Studio and Flex routes, /healthz and /readyz, one log
// line per request for every route (also those main mounts on it), and the error table's answer
// for unknown paths and methods.
func NewServer(d Deps) *mux.Router {
	s := &server{d}
	r := mux.NewRouter()
	r.Use(logRequests(d.Logger, d.Observe))
	getOrPost := []string{http.MethodGet, http.MethodPost}
	flexMethods := []string{http.MethodPost, http.MethodOptions}
	signed, flex, deadline := s.signed, s.flexToken, d.Config.RequestDeadline

	r.Handle(CreateCallbackPath, s.endpoint(signed, deadline, s.createCallback)).Methods(getOrPost...)
	r.Handle(WaitPath, s.endpoint(signed, deadline, s.waitExperience)).Methods(getOrPost...)

	// The Flex routes sit on r itself, each behind the CORS check: in a gorilla/mux subrouter, a
	// method mismatch on one route is forgotten at the next one sharing its prefix (a 404, not 405).
	cors := allowOrigins(d.Config.AllowedOrigins)
	fx := func(path string, h http.Handler, methods ...string) {
		r.Handle(Prefix+"/flex"+path, cors(h)).Methods(methods...)
	}
	fx("/requeue-callback", s.endpoint(flex, deadline, s.requeueCallback), flexMethods...)
	fx("/scheduled-callbacks", s.endpoint(flex, deadline, s.scheduledCallbacks), http.MethodGet, http.MethodPost, http.MethodOptions)
	fx("/fetch-voicemail", s.endpoint(flex, deadline, s.fetchVoicemail), flexMethods...)
	fx("/voicemail-url", s.endpoint(flex, deadline, s.voicemailURL), flexMethods...)
	fx("/delete-voicemail", s.endpoint(flex, deadline, s.deleteVoicemail()), flexMethods...)
	fx("/record-outcome", s.endpoint(flex, deadline, s.recordOutcome), flexMethods...)
	fx("/voicemail/{RecordingSid}", s.endpoint(s.mediaToken, 0, s.voicemailMedia), http.MethodGet, http.MethodHead)

	r.Handle("/healthz", s.endpoint(nil, 0, health)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", http.HandlerFunc(s.ready)).Methods(http.MethodGet, http.MethodHead)

	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		WriteError(req.Context(), w, d.Logger, flexcallback.Errorf(flexcallback.ErrNotFound, "no such path"))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		WriteError(req.Context(), w, d.Logger, flexcallback.Errorf(flexcallback.ErrMethod, "method not allowed"))
	})
	return r
}

func health(context.Context, *Request) (Response, error) {
	return Response{JSON: map[string]string{"status": "ok"}}, nil
}

// ready answers 200 while Twilio (or the sandbox) answers and accepts our credentials; a load
// balancer takes the replica out of rotation otherwise. Its 503 is a probe's status document
// ({"status":"unavailable"}), not an error of the table: probes and dashboards read "status".
// The store's state is reported but never makes a replica unready: a Redis outage must not take
// every replica out of rotation.
func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	answer := func(status int, body map[string]string) {
		if s.Config.StoreState != nil {
			body["store"] = s.Config.StoreState()
		}
		if s.Config.ScheduledInMemory != nil {
			if n := s.Config.ScheduledInMemory(); n >= 0 {
				body["scheduledInMemoryOnly"] = strconv.Itoa(n) // lost if this replica restarts
			}
		}
		encode(w, status, body)
	}
	err := s.Twilio.Ready(ctx)
	if e, ok := flexcallback.AsError(err); ok && errors.Is(err, flexcallback.ErrUpstreamAuth) {
		// Already logged loudly by the Twilio client; the body names the service and settings.
		answer(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "code": "upstream_auth", "reason": e.Message})
		return
	}
	if err != nil {
		s.Logger.WarnContext(ctx, "not ready", "err", err)
		answer(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "Twilio is not reachable"})
		return
	}
	answer(http.StatusOK, map[string]string{"status": "ready"})
}
