// Package api is the backend's HTTP surface: the routes, the handlers of the compatible
// /features/callback-and-voicemail endpoints, their middleware (Twilio signature, Flex token,
// body limits, one log line per request) and our JSON shapes.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"flexcallback"
)

// Config is what the routes need from configuration.
type Config struct {
	PublicBaseURL  string   // Twilio signs this URL; media URLs are built on it
	MaxAttempts    int      // a callback is requeued only while attempts + 1 < MaxAttempts
	AllowedOrigins []string // Flex origins allowed to call the flex/* endpoints cross-origin
	// RequestDeadline bounds a Studio or Flex request with all of its Twilio calls (REQUEST_DEADLINE);
	// 0: 8 s. The media stream has none: it lasts as long as the agent listens.
	RequestDeadline time.Duration
	// StoreState names where idempotency keys live ("memory", "redis", "memory (redis
	// unreachable)"); /readyz reports it. nil: not reported.
	StoreState func() string
}

// NewServer returns the backend's handler. waitExperience, panel and extra mounts come from
// their own packages; extra may add routes (the sandbox's demo desk) and may be nil.
func NewServer(
	logger *slog.Logger,
	cfg Config,
	tasks flexcallback.TaskRouter,
	reservations flexcallback.Reservations,
	voice flexcallback.Voice,
	create Creator,
	normalize func(string) (string, error),
	validSignature SignatureValidator,
	validateToken TokenValidateFunc,
	mediaTokens MediaTokens,
	waitExperience http.Handler,
	panel http.Handler,
	static http.Handler,
	metrics http.Handler,
	observe func(route, method string, status int, d time.Duration),
	ready func(context.Context) error,
	extra func(*mux.Router),
) http.Handler {
	r := mux.NewRouter()
	r.Use(logRequests(logger, observe))
	params := withParams(logger)
	within := withDeadline(cfg.RequestDeadline)
	signed := func(h http.Handler) http.Handler {
		return within(params(requireTwilioSignature(cfg.PublicBaseURL, validSignature, logger)(h)))
	}
	flex := func(h http.Handler) http.Handler {
		return within(params(requireFlexToken(validateToken, logger)(h)))
	}
	getOrPost := []string{http.MethodGet, http.MethodPost}

	// Compatible paths first: existing Studio flows and Flex configurations call them.
	studio := r.PathPrefix(basePath + "/studio").Subrouter()
	studio.Handle("/create-callback", signed(handleCreateCallback(logger, create, voice, normalize))).Methods(getOrPost...)
	studio.Handle("/wait-experience", signed(waitExperience)).Methods(getOrPost...)

	fx := r.PathPrefix(basePath + "/flex").Subrouter()
	fx.Use(allowOrigins(cfg.AllowedOrigins))
	fx.Handle("/requeue-callback", flex(handleRequeueCallback(logger, tasks, reservations, create, cfg.MaxAttempts))).Methods(http.MethodPost, http.MethodOptions)
	fx.Handle("/fetch-voicemail", flex(handleFetchVoicemail(logger, tasks, reservations, voice))).Methods(http.MethodPost, http.MethodOptions)
	fx.Handle("/voicemail-url", flex(handleVoicemailURL(logger, tasks, reservations, mediaTokens, cfg.PublicBaseURL))).Methods(http.MethodPost, http.MethodOptions)
	fx.Handle("/delete-voicemail", flex(handleDeleteVoicemail(logger, tasks, reservations, voice))).Methods(http.MethodPost, http.MethodOptions)
	fx.Handle("/voicemail/{RecordingSid}", handleVoicemailMedia(logger, voice, mediaTokens)).Methods(http.MethodGet, http.MethodHead)

	r.Handle("/healthz", handleHealth()).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", handleReady(logger, ready, cfg.StoreState)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/metrics", metrics).Methods(http.MethodGet)

	r.PathPrefix("/panel/").Handler(panel)
	r.PathPrefix("/web/").Handler(http.StripPrefix("/web/", static))
	if extra != nil {
		extra(r)
	}
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeError(req.Context(), w, logger, flexcallback.Errorf(flexcallback.ErrNotFound, "no such path"))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		encode(w, http.StatusMethodNotAllowed, map[string]any{"success": false, "message": "method not allowed", "code": "method_not_allowed"})
	})
	return r
}

// withDeadline gives a request one deadline for all of its Twilio calls: each call's own deadline
// and its retries nest inside it, so three slow calls cannot add up to three deadlines.
func withDeadline(d time.Duration) func(http.Handler) http.Handler {
	if d <= 0 {
		d = 8 * time.Second
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReady answers 200 while Twilio (or the sandbox) answers and accepts our credentials; a
// load balancer takes the replica out of rotation otherwise. The store's state is reported but
// never makes a replica unready: a Redis outage must not take every replica out of rotation.
func handleReady(logger *slog.Logger, ready func(context.Context) error, storeState func() string) http.Handler {
	answer := func(w http.ResponseWriter, status int, body map[string]string) {
		if storeState != nil {
			body["store"] = storeState()
		}
		encode(w, status, body)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		err := ready(ctx)
		if e, ok := flexcallback.AsError(err); ok && errors.Is(err, flexcallback.ErrUpstreamAuth) {
			// Already logged loudly by the Twilio client; the body names the service and settings.
			answer(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "code": "upstream_auth", "reason": e.Message})
			return
		}
		if err != nil {
			logger.WarnContext(ctx, "not ready", "err", err)
			answer(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "Twilio is not reachable"})
			return
		}
		answer(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}
