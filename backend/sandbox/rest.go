package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// twilioError is Twilio's REST error body.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, twilioError{Code: code, Message: msg,
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", what))
}

// byPath returns what find finds for the path's value of key, or nil after answering 404.
func byPath[T any](w http.ResponseWriter, r *http.Request, key string, find func(string) *T) *T {
	if v := find(r.PathValue(key)); v != nil {
		return v
	}
	notFound(w, r.URL.Path)
	return nil
}

func badRequest(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, 20001, msg)
}

// iso is TaskRouter's date format; rfc2822 is API 2010's.
func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func rfc2822(t time.Time) string { return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700") }

func isoPtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := iso(t)
	return &v
}

func rfc2822Ptr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := rfc2822(t)
	return &v
}

// pageBounds reads the page number and size a list request asks for.
func pageBounds(r *http.Request) (pg, size int) {
	size = 50
	if v, err := strconv.Atoi(r.FormValue("PageSize")); err == nil && v > 0 {
		size = min(v, 1000)
	}
	if v, err := strconv.Atoi(r.FormValue("Page")); err == nil && v > 0 {
		pg = v
	}
	return pg, size
}

// afterCursor reads a cursor PageToken ("PA" and an item's sequence number).
func afterCursor(r *http.Request) (int, bool) {
	v, ok := strings.CutPrefix(r.FormValue("PageToken"), "PA")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// page answers a list request with Twilio's meta paging. base is the public URL of the list
// (https://taskrouter.twilio.com/v1/...), and filters are the query parameters to keep on page links.
func page[T any](w http.ResponseWriter, r *http.Request, key, base string, filters url.Values, items []T) {
	writeJSON(w, http.StatusOK, pageOf(r, key, base, filters, items, func(v T) T { return v }, nil))
}

// pageOf is the body of page for items that view turns into their resources, only for the page
// answered: a long task list must not cost a resource per task on every request, and the caller
// may encode the body after releasing the sandbox's mutex (BenchmarkWaitLoad lists hundreds of
// waiting tasks hundreds of times a second).
//
// With cursor, the next page's PageToken names the last item answered, as Twilio's tokens do:
// items made meanwhile at the head of the list shift no page. A request carrying such a token
// gives items from just after it (afterCursor).
func pageOf[T, V any](r *http.Request, key, base string, filters url.Values, items []T, view func(T) V, cursor func(T) string) map[string]any {
	pg, size := pageBounds(r)
	link := func(p int, token string) string {
		q := url.Values{}
		for k, vs := range filters {
			q[k] = vs
		}
		q.Set("PageSize", strconv.Itoa(size))
		q.Set("Page", strconv.Itoa(p))
		if token != "" {
			q.Set("PageToken", token)
		} else if p > 0 {
			q.Set("PageToken", fmt.Sprintf("PT%d", p*size))
		}
		return base + "?" + q.Encode()
	}
	from := min(pg*size, len(items))
	if _, ok := afterCursor(r); ok && cursor != nil {
		from = 0
	}
	to := min(from+size, len(items))
	var next, prev *string
	if to < len(items) {
		token := ""
		if cursor != nil {
			token = cursor(items[to-1])
		}
		v := link(pg+1, token)
		next = &v
	}
	if pg > 0 {
		v := link(pg-1, "")
		prev = &v
	}
	views := make([]V, 0, to-from)
	for _, it := range items[from:to] {
		views = append(views, view(it))
	}
	body := map[string]any{
		key: views,
		"meta": map[string]any{
			"page": pg, "page_size": size, "first_page_url": link(0, ""), "previous_page_url": prev,
			"next_page_url": next, "url": link(pg, r.FormValue("PageToken")), "key": key,
		},
	}
	return body
}

// requireAuth checks Basic auth with the account SID and auth token, as Twilio does on REST paths.
func (s *Sandbox) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		good := s.authorized(r)
		s.mu.Unlock()
		if !good {
			w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
			writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorized checks Basic auth against the account. Called with s.mu held.
func (s *Sandbox) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && user == s.w.account && pass == s.w.authToken
}
