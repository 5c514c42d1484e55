package api

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/mux"

	"flexcallback"
)

// Request is what a handler sees of an HTTP request: read once, before any check.
type Request struct {
	Params params      // query and body merged, the body winning (the reference's rule)
	Body   []byte      // the raw body, for the signature of a JSON request
	Form   url.Values  // the form the body holds (nil for JSON or none), for the signature
	Method string      // GET, POST, HEAD
	URL    *url.URL    // as received (Twilio signs PUBLIC_BASE_URL + its RequestURI)
	Header http.Header // the request's headers
	Vars   map[string]string
	Worker flexcallback.Worker // the Flex token's worker, set by flexToken
}

// Response is a handler's answer: JSON, a document of another type, or a stream.
type Response struct {
	Status int         // 0: 200
	Header http.Header // set on the answer, also on an error's (a 416's Content-Range)
	JSON   any         // a JSON body; or
	Type   string      // the Content-Type of Body or Stream
	Body   []byte      // a body of Type (none with Body and Stream nil)
	Stream io.ReadCloser
}

// handler is a thin handler: a parsed request in, an answer or an error of the root kinds out.
type handler func(ctx context.Context, r *Request) (Response, error)

// check authenticates a request before its handler runs; it may fill r.Worker.
type check func(ctx context.Context, r *Request) error

// endpoint turns a handler into HTTP: it reads the request once, bounds it by deadline (0: none,
// for the media stream), runs auth (nil: none) and the handler, and writes the answer, or the
// error through the one error table.
func (s *server) endpoint(auth check, deadline time.Duration, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		ctx := hr.Context()
		if deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, deadline)
			defer cancel()
		}
		resp, err := s.run(ctx, hr, auth, h)
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		if err != nil {
			WriteError(ctx, w, s.Logger, err)
			return
		}
		s.write(ctx, w, hr.Method, resp)
	})
}

func (s *server) run(ctx context.Context, hr *http.Request, auth check, h handler) (Response, error) {
	r, err := readRequest(hr)
	if err != nil {
		return Response{}, err
	}
	if auth != nil {
		if err := auth(ctx, r); err != nil {
			return Response{}, err
		}
	}
	return h(ctx, r)
}

// write sends a handler's answer; a stream is copied until it ends or the client goes away.
func (s *server) write(ctx context.Context, w http.ResponseWriter, method string, resp Response) {
	status := cmp.Or(resp.Status, http.StatusOK)
	if resp.JSON != nil {
		encode(w, status, resp.JSON)
		return
	}
	if resp.Type != "" {
		w.Header().Set("Content-Type", resp.Type)
	}
	w.WriteHeader(status)
	if resp.Stream != nil {
		defer resp.Stream.Close()
		if method == http.MethodHead {
			return
		}
		if _, err := io.Copy(w, resp.Stream); err != nil {
			s.Logger.DebugContext(ctx, "stream ended early", "err", err)
		}
		return
	}
	w.Write(resp.Body)
}

// readRequest reads the parameters and the body once, at most maxBody bytes.
func readRequest(hr *http.Request) (*Request, error) {
	p, body, form, err := readParams(hr)
	if err != nil {
		return nil, err
	}
	return &Request{Params: p, Body: body, Form: form, Method: hr.Method, URL: hr.URL, Header: hr.Header, Vars: mux.Vars(hr)}, nil
}

func ok(v any) (Response, error) { return Response{JSON: v}, nil }
