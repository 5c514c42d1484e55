package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"flexcallback"
)

type ctxKey int

const (
	paramsKey ctxKey = iota
	workerKey
)

// withParams parses the merged parameters once; signature checks and handlers read them from
// the context.
func withParams(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, body, err := readParams(r)
			if err != nil {
				writeError(r.Context(), w, logger, err)
				return
			}
			ctx := context.WithValue(r.Context(), paramsKey, parsed{p, body})
			r = r.WithContext(ctx)
			if body != nil { // handlers of other packages (the wait experience) read the body themselves
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			next.ServeHTTP(w, r)
		})
	}
}

type parsed struct {
	params params
	body   []byte
}

func paramsFrom(ctx context.Context) params {
	p, _ := ctx.Value(paramsKey).(parsed)
	return p.params
}

// SignatureValidator checks X-Twilio-Signature for a URL and the POST form parameters (nil for
// GET and JSON requests, which Twilio signs over the URL alone).
type SignatureValidator func(url string, form url.Values, signature string) bool

// requireTwilioSignature answers 403 unless the request carries Twilio's signature over our
// public URL (Twilio signs what it called, not what reached us through proxies). Runs after
// withParams; refuses before anything changes (fixes S3).
func requireTwilioSignature(publicBase string, valid SignatureValidator, logger *slog.Logger) func(http.Handler) http.Handler {
	publicBase = strings.TrimRight(publicBase, "/")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sig := r.Header.Get("X-Twilio-Signature")
			full := publicBase + r.URL.RequestURI()
			p, _ := r.Context().Value(paramsKey).(parsed)
			ok := false
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			switch {
			case sig == "":
			case r.Method == http.MethodGet || len(p.body) == 0:
				ok = valid(full, nil, sig)
			case mt == "application/json":
				// JSON bodies are signed through a bodySHA256 query parameter.
				sum := sha256.Sum256(p.body)
				ok = r.URL.Query().Get("bodySHA256") == hex.EncodeToString(sum[:]) && valid(full, nil, sig)
			default:
				form, err := url.ParseQuery(string(p.body))
				ok = err == nil && valid(full, form, sig)
			}
			if !ok {
				writeError(r.Context(), w, logger, flexcallback.Errorf(flexcallback.ErrForbidden, "missing or invalid X-Twilio-Signature"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TokenValidateFunc validates a Flex token and returns its worker.
type TokenValidateFunc func(ctx context.Context, token string) (flexcallback.Worker, error)

// requireFlexToken answers 401 unless the request carries a valid Flex token, in the Token
// parameter (reference clients) or as a Bearer token (our panel); the worker reaches the
// handler through the context.
func requireFlexToken(validate TokenValidateFunc, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := paramsFrom(r.Context()).get("Token")
			if auth := r.Header.Get("Authorization"); token == "" && strings.HasPrefix(auth, "Bearer ") {
				token = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
			}
			if token == "" {
				writeError(r.Context(), w, logger, flexcallback.Errorf(flexcallback.ErrUnauthorized, "Unauthorized: Token was not provided"))
				return
			}
			worker, err := validate(r.Context(), token)
			if err != nil {
				writeError(r.Context(), w, logger, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), workerKey, worker)))
		})
	}
}

func workerFrom(ctx context.Context) flexcallback.Worker {
	w, _ := ctx.Value(workerKey).(flexcallback.Worker)
	return w
}

// CachedTokenValidator validates Flex tokens through v and remembers each valid one, by its
// SHA-256, until it expires or for at most ten minutes (fixes S4's IAM call per request).
func CachedTokenValidator(v flexcallback.TokenValidator, store flexcallback.Store, now func() time.Time) TokenValidateFunc {
	const maxTTL = 10 * time.Minute
	return func(ctx context.Context, token string) (flexcallback.Worker, error) {
		sum := sha256.Sum256([]byte(token))
		key := "token:" + hex.EncodeToString(sum[:])
		if s, ok, err := store.Get(ctx, key); err == nil && ok {
			if w, err := decodeWorker(s); err == nil && now().Before(w.ExpiresAt) {
				return w, nil
			}
		}
		w, err := v.ValidateToken(ctx, token)
		if err != nil {
			return flexcallback.Worker{}, err
		}
		ttl := min(w.ExpiresAt.Sub(now()), maxTTL)
		if w.ExpiresAt.IsZero() {
			ttl = maxTTL
			w.ExpiresAt = now().Add(maxTTL)
		}
		if ttl <= 0 {
			return flexcallback.Worker{}, flexcallback.Errorf(flexcallback.ErrUnauthorized, "token expired")
		}
		if s, err := encodeWorker(w); err == nil {
			store.Put(ctx, key, s, ttl)
		}
		return w, nil
	}
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
