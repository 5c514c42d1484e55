package twilio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
)

// rewriteTransport sends a request for https://{sub}.twilio.com/{path} to {base}/{sub}/{path}
// (TWILIO_API_BASE). Other hosts pass unchanged. twilio-go's Basic auth header travels as set.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	host := r.URL.Hostname()
	sub, ok := strings.CutSuffix(host, ".twilio.com")
	if !ok || sub == "" {
		return t.next.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	u := *r.URL
	u.Scheme, u.Host = t.base.Scheme, t.base.Host
	prefix := strings.TrimSuffix(t.base.Path, "/") + "/" + sub
	u.Path = prefix + r.URL.Path
	if r.URL.RawPath != "" {
		u.RawPath = prefix + r.URL.RawPath
	}
	r2.URL, r2.Host = &u, ""
	return t.next.RoundTrip(r2)
}

// maxErrorBody bounds how much of an error answer we keep.
const maxErrorBody = 64 << 10

// attempt is one try of one operation: the context the request runs under, and what the wire
// showed. The transport fills it in; retry.go reads it through snap.
type attempt struct {
	ctx    context.Context
	cancel context.CancelFunc
	// headersDone, set for streamed operations, stops the header deadline; false means it
	// already fired and the context is cancelled.
	headersDone func() bool

	mu sync.Mutex
	s  snapshot
}

// snapshot is what one attempt showed on the wire.
type snapshot struct {
	sent    bool        // request headers were written: Twilio may have acted on it
	service string      // the Twilio product asked (serviceOf), "" for another host
	status  int         // last HTTP status seen, 0 = none
	header  http.Header // headers of that response
	body    []byte      // the error body (status >= 400), buffered so twilio-go can decode it too
	rtErr   error       // the transport failed (no response)
	readErr error       // the body failed while being read
}

func (a *attempt) snap() snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.s
}

// lost records that a response arrived too late to use: it counts as no answer after sending.
func (a *attempt) lost(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.s = snapshot{sent: true, rtErr: err}
}

// attemptTransport puts the attempt's context on each request (twilio-go builds them with
// context.Background), notes whether the request went out, and records the answer.
type attemptTransport struct {
	a    *attempt
	next http.RoundTripper
}

func (t *attemptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	a := t.a
	trace := &httptrace.ClientTrace{
		WroteHeaders: func() {
			a.mu.Lock()
			a.s.sent = true
			a.mu.Unlock()
		},
	}
	a.mu.Lock()
	a.s.service = serviceOf(r.URL)
	a.mu.Unlock()
	r = r.WithContext(httptrace.WithClientTrace(a.ctx, trace))
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		a.mu.Lock()
		a.s.rtErr = err
		a.mu.Unlock()
		return nil, err
	}
	a.mu.Lock()
	a.s.status, a.s.header = resp.StatusCode, resp.Header
	a.mu.Unlock()
	if resp.StatusCode >= 400 {
		// Read the error answer whole: twilio-go decodes it and never closes the body, and we
		// need it to tell a Twilio rejection from a proxy's page.
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		a.mu.Lock()
		a.s.body = b
		if rerr != nil && a.s.readErr == nil {
			a.s.readErr = rerr
		}
		a.mu.Unlock()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp, nil
	}
	resp.Body = &recordBody{ReadCloser: resp.Body, a: a}
	return resp, nil
}

// recordBody notes a failure while a success body is read: the answer came (so a create
// happened) but was lost on the way. Close drains what twilio-go's JSON decoder left (a
// trailing newline, a chunked answer's end) so the connection goes back to the pool.
type recordBody struct {
	io.ReadCloser
	a *attempt
}

func (b *recordBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		b.a.mu.Lock()
		if b.a.s.readErr == nil {
			b.a.s.readErr = err
		}
		b.a.mu.Unlock()
	}
	return n, err
}

// maxDrain bounds what Close reads to keep the connection; a longer remainder closes it instead.
const maxDrain = 4 << 10

func (b *recordBody) Close() error {
	io.CopyN(io.Discard, b.ReadCloser, maxDrain)
	return b.ReadCloser.Close()
}
