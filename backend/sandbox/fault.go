package sandbox

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"
)

// fault is an injected failure on matching REST requests (POST /_sandbox/faults).
type fault struct {
	Method    string  `json:"method"`    // empty: any method
	Path      string  `json:"path"`      // a path prefix, or a Go regexp when it starts with "^"
	Status    int     `json:"status"`    // 0 with latencyMs: slow only
	Rate      float64 `json:"rate"`      // 0..1, default 1
	LatencyMs int     `json:"latencyMs"` // wall-clock delay before answering
	Count     int     `json:"count"`     // times it applies; 0 = unlimited
	After     bool    `json:"after"`     // perform the operation, then answer Status (0: drop the connection)
	Empty     bool    `json:"empty"`     // answer Status with no body, not Twilio's error document
	re        *regexp.Regexp
	used      int
}

func (f *fault) matches(r *http.Request) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.re != nil {
		return f.re.MatchString(r.URL.Path)
	}
	return strings.HasPrefix(r.URL.Path, f.Path)
}

// pickFault finds the first matching fault that fires on this request and counts it.
func (s *Sandbox) pickFault(r *http.Request) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !f.matches(r) || s.rng.Float64() >= f.Rate {
			continue
		}
		f.used++
		if f.Count > 0 && f.used >= f.Count {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		cp := *f
		return &cp
	}
	return nil
}

// withFaults applies injected faults to REST requests.
func (s *Sandbox) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.pickFault(r)
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		if f.LatencyMs > 0 {
			select {
			case <-time.After(time.Duration(f.LatencyMs) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		if f.After {
			next.ServeHTTP(httptest.NewRecorder(), r)
			if f.Status == 0 {
				dropConnection(w)
				return
			}
		}
		if f.Status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if f.Empty {
			w.WriteHeader(f.Status)
			return
		}
		writeError(w, f.Status, faultCode(f.Status), "Injected fault: "+http.StatusText(f.Status))
	})
}

func faultCode(status int) int {
	switch status {
	case http.StatusTooManyRequests:
		return 20429
	case http.StatusServiceUnavailable:
		return 20503
	case http.StatusNotFound:
		return 20404
	case http.StatusUnauthorized:
		return 20003
	}
	return 20500
}

// dropConnection closes the client connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
