package twilio

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// maxIdlePerHost is how many idle connections to one Twilio host we keep. Webhooks are served
// about 8 at a time, each making one to three Twilio calls, and the wait experience's lookups
// overlap by tens under load: http.DefaultTransport's 2 idle connections per host made most
// creates dial anew and left thousands of sockets in TIME_WAIT.
const maxIdlePerHost = 64

// sharedTransport is the one connection pool of every Client in the process (REST, IAM, media).
var sharedTransport = sync.OnceValue(newTransport)

// newTransport is http.DefaultTransport tuned for Twilio: HTTP/2 where the host offers it (one
// connection then carries every concurrent call), keep-alive, and an idle pool sized for the
// concurrency we serve.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ForceAttemptHTTP2 = true
	t.MaxIdleConns = 4 * maxIdlePerHost
	t.MaxIdleConnsPerHost = maxIdlePerHost
	t.IdleConnTimeout = 90 * time.Second
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ExpectContinueTimeout = time.Second
	return t
}
