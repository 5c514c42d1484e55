package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"golang.org/x/sync/singleflight"

	"flexcallback"
)

// SignatureValidator checks X-Twilio-Signature for a URL and the POST form parameters (nil for
// GET and JSON requests, which Twilio signs over the URL alone).
type SignatureValidator func(url string, form url.Values, signature string) bool

// signed refuses (403) a request without Twilio's signature over our public URL (Twilio signs what
// it called, not what reached us through proxies), before anything changes (fixes S3).
func (s *server) signed(ctx context.Context, r *Request) error {
	sig := r.Header.Get("X-Twilio-Signature")
	full := strings.TrimRight(s.Config.PublicBaseURL, "/") + r.URL.RequestURI()
	ok := false
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case sig == "":
	case r.Method == http.MethodGet || len(r.Body) == 0:
		ok = s.ValidSignature(full, nil, sig)
	case mt == "application/json":
		// JSON bodies are signed through a bodySHA256 query parameter.
		sum := sha256.Sum256(r.Body)
		ok = r.URL.Query().Get("bodySHA256") == hex.EncodeToString(sum[:]) && s.ValidSignature(full, nil, sig)
	default:
		ok = r.Form != nil && s.ValidSignature(full, r.Form, sig)
	}
	if !ok {
		return flexcallback.Errorf(flexcallback.ErrForbidden, "missing or invalid X-Twilio-Signature")
	}
	return nil
}

// TokenValidateFunc validates a Flex token and returns its worker.
type TokenValidateFunc func(ctx context.Context, token string) (flexcallback.Worker, error)

// flexToken refuses (401) a request without a valid Flex token, in the Token parameter
// (reference clients) or as a Bearer token (our panel), and names its worker.
func (s *server) flexToken(ctx context.Context, r *Request) error {
	token := r.Params.get("Token")
	if auth := r.Header.Get("Authorization"); token == "" && strings.HasPrefix(auth, "Bearer ") {
		token = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	}
	if token == "" {
		return flexcallback.Errorf(flexcallback.ErrUnauthorized, "Unauthorized: Token was not provided")
	}
	w, err := s.ValidateToken(ctx, token)
	r.Worker = w
	return err
}

// rejectTTL is how long a token IAM rejected stays rejected without asking again: a rejected
// token never turns valid, and this bounds the memory an attacker's junk tokens take.
const rejectTTL = 10 * time.Minute

// rejectedPrefix marks a remembered rejection in the store (accepted tokens hold worker JSON).
const rejectedPrefix = "rejected:"

// CachedTokenValidator validates Flex tokens through v, remembering answers by the token's
// SHA-256 (never the token): an accepted token for at most acceptTTL and never past its expiry,
// so a revoked token stops working within acceptTTL (0: ask IAM every time); a token IAM
// rejected (ErrUnauthorized) for rejectTTL, so repeating it costs no IAM call. Other failures (an
// outage, Twilio refusing our own credentials) are never remembered. Concurrent validations of
// one token make one IAM call.
func CachedTokenValidator(v flexcallback.TokenValidator, store flexcallback.Store, acceptTTL time.Duration, now func() time.Time) TokenValidateFunc {
	var flights singleflight.Group
	return func(ctx context.Context, token string) (flexcallback.Worker, error) {
		sum := sha256.Sum256([]byte(token))
		key := "token:" + hex.EncodeToString(sum[:])
		if w, hit, err := cachedToken(ctx, store, key, now()); hit {
			return w, err
		}
		ch := flights.DoChan(key, func() (any, error) {
			// Detached from the first caller, whom the others wait on; the Twilio client's own
			// deadline bounds the call.
			ctx := context.WithoutCancel(ctx)
			if w, hit, err := cachedToken(ctx, store, key, now()); hit { // a flight just ended
				return w, err
			}
			return validateToken(ctx, v, store, key, token, acceptTTL, now)
		})
		select {
		case <-ctx.Done():
			return flexcallback.Worker{}, ctx.Err()
		case r := <-ch:
			if r.Err != nil {
				return flexcallback.Worker{}, r.Err
			}
			return r.Val.(flexcallback.Worker), nil
		}
	}
}

// cachedToken is the remembered answer for key, if any.
func cachedToken(ctx context.Context, store flexcallback.Store, key string, now time.Time) (w flexcallback.Worker, hit bool, err error) {
	s, ok, err := store.Get(ctx, key)
	if err != nil || !ok {
		return flexcallback.Worker{}, false, nil
	}
	if msg, rejected := strings.CutPrefix(s, rejectedPrefix); rejected {
		return flexcallback.Worker{}, true, flexcallback.Errorf(flexcallback.ErrUnauthorized, "%s", msg)
	}
	if w, ok := decodeAccepted(s, now); ok {
		return w, true, nil
	}
	return flexcallback.Worker{}, false, nil
}

// validateToken asks IAM and remembers its answer.
func validateToken(ctx context.Context, v flexcallback.TokenValidator, store flexcallback.Store, key, token string,
	acceptTTL time.Duration, now func() time.Time) (flexcallback.Worker, error) {
	w, err := v.ValidateToken(ctx, token)
	if err == nil && !w.ExpiresAt.IsZero() && !now().Before(w.ExpiresAt) {
		err = flexcallback.Errorf(flexcallback.ErrUnauthorized, "token expired")
	}
	if errors.Is(err, flexcallback.ErrUnauthorized) {
		msg := "the Flex token is not valid"
		if e, ok := flexcallback.AsError(err); ok && e.Message != "" {
			msg = e.Message
		}
		store.Put(ctx, key, rejectedPrefix+msg, rejectTTL)
		return flexcallback.Worker{}, err
	}
	if err != nil {
		return flexcallback.Worker{}, err
	}
	until := now().Add(acceptTTL)
	if !w.ExpiresAt.IsZero() && w.ExpiresAt.Before(until) {
		until = w.ExpiresAt
	}
	if ttl := until.Sub(now()); ttl > 0 {
		if s, err := encodeAccepted(w, until); err == nil {
			store.Put(ctx, key, s, ttl)
		}
	}
	return w, nil
}

// logRequests writes one line per request (route template, never the query, which may carry a
// media token) and feeds the request metric; the level follows the status class.
func logRequests(logger *slog.Logger, observe func(route, method string, status int, d time.Duration)) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			route := "unmatched"
			if cr := mux.CurrentRoute(r); cr != nil {
				if t, err := cr.GetPathTemplate(); err == nil {
					route = t
				}
			}
			d := time.Since(start)
			if observe != nil {
				observe(route, r.Method, rec.status, d)
			}
			level := slog.LevelInfo
			switch {
			case rec.status == http.StatusBadGateway || (route == "/readyz" && rec.status == http.StatusServiceUnavailable):
				// upstream_auth (the only 502) and a probe finding us not ready: their cause is
				// logged where it is known, the outage loudly once a minute, not per request.
				level = slog.LevelWarn
			case rec.status >= 500:
				level = slog.LevelError
			case rec.status >= 400:
				level = slog.LevelWarn
			case strings.HasPrefix(route, "/panel/") || route == "/healthz" || route == "/readyz" || route == "/metrics":
				level = slog.LevelDebug
			}
			logger.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", rec.status,
				"duration", d.Round(time.Microsecond), "bytes", rec.bytes)
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flushes while streaming).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// allowOrigins answers CORS for the Flex endpoints: reference plugins call them from the Flex
// origin with the token in a form body; our panel is same-origin and needs none of it.
func allowOrigins(origins []string) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o := r.Header.Get("Origin"); o != "" && slices.Contains(origins, o) {
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", o)
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				h.Add("Vary", "Origin")
			}
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
