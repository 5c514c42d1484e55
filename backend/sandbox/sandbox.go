package sandbox

import (
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Config configures a Sandbox.
type Config struct {
	// Logger receives the sandbox's logs; nil discards them.
	Logger *slog.Logger
	// RealClock lets virtual time follow the wall clock (SANDBOX_CLOCK=real); by default time only
	// moves on POST /_sandbox/clock.
	RealClock bool
	// HTTPClient sends webhooks to the backend; nil: a client with a 10 s timeout.
	HTTPClient *http.Client
	// AuthToken is the account's auth token (it signs webhooks); "": a random one.
	AuthToken string
}

// Info is what GET /_sandbox/ returns: the fixed world of the sandbox.
type Info struct {
	AccountSid           string                `json:"accountSid"`
	AuthToken            string                `json:"authToken"`
	WorkspaceSid         string                `json:"workspaceSid"`
	Workflows            map[string]string     `json:"workflows"`  // "callback", "default" → WW…
	Queues               map[string]string     `json:"queues"`     // workflow name → QU…
	TaskQueues           map[string]string     `json:"taskQueues"` // name → WQ…
	Workers              map[string]WorkerInfo `json:"workers"`    // name → worker
	OfflineActivitySid   string                `json:"offlineActivitySid"`
	AvailableActivitySid string                `json:"availableActivitySid"`
}

// WorkerInfo describes one sandbox worker.
type WorkerInfo struct {
	Sid      string   `json:"sid"`
	Identity string   `json:"identity"`
	Roles    []string `json:"roles"`
}

// Sandbox is a running Twilio stand-in. All of its state sits behind one mutex; calls play in
// goroutines that hold it except while they wait for HTTP.
type Sandbox struct {
	log       *slog.Logger
	realClock bool
	hc        *http.Client

	mu   sync.Mutex
	cond *sync.Cond // broadcast whenever a call blocks, wakes or ends
	busy int        // calls running (not blocked at a verb and not ended)
	w    *world
	now  time.Time // virtual time
	// offset is added to the wall clock in real-clock mode (clock advances still work there).
	offset time.Duration
	start  time.Time
	faults []*fault
	rng    *rand.Rand
	closed bool

	limiter limiter // EvaluateTaskAttributes: 3 per second, wall clock

	calls sync.WaitGroup
	stop  chan struct{}
	ticks sync.WaitGroup
}

// New builds a sandbox with its fixed world. In real-clock mode a ticker moves time on; Close stops it.
func New(cfg Config) *Sandbox {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		// Keep connections to the backend open: with the default two idle connections per host,
		// hundreds of calls at once each dial a new one (BenchmarkWaitLoad).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 256
		hc = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	now := time.Now().UTC()
	if !cfg.RealClock {
		now = now.Truncate(time.Second) // virtual time starts on a whole second, for readable tests
	}
	s := &Sandbox{
		log:       log, // its component is named by whoever hands it over
		realClock: cfg.RealClock,
		hc:        hc,
		now:       now,
		start:     now,
		rng:       rand.New(rand.NewPCG(1, 2)),
		stop:      make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	token := cfg.AuthToken
	if token == "" {
		token = NewAuthToken()
	}
	s.w = newWorld(now, token)
	if s.realClock {
		s.ticks.Add(1)
		go s.tick()
	}
	return s
}

// NewAuthToken returns a random auth token for a sandbox.
func NewAuthToken() string {
	secret := make([]byte, 16)
	_, _ = crand.Read(secret) // never fails (crypto/rand's contract since Go 1.24)
	return hex.EncodeToString(secret)
}

// World is the fixed world of every sandbox made with authToken: its SIDs are the same in every
// sandbox, so configuration can name them before the sandbox starts.
func World(authToken string) Info {
	return newWorld(time.Time{}, authToken).info()
}

// Info returns the fixed world: credentials and SIDs.
func (s *Sandbox) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.info()
}

// Now is the sandbox's time: virtual unless Config.RealClock. In sandbox mode the backend keeps
// it, so a test that moves the clock (POST /_sandbox/clock) moves business hours and the schedule.
func (s *Sandbox) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.realClock {
		return time.Now().UTC().Add(s.offset)
	}
	return s.now
}

// Close hangs up every call, stops the real clock and waits for call goroutines to end.
func (s *Sandbox) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	for _, c := range s.w.calls {
		s.hangupCall(c)
	}
	s.mu.Unlock()
	s.ticks.Wait()
	s.calls.Wait()
}

// reset empties the state but keeps the same SIDs and credentials. Called with s.mu held.
func (s *Sandbox) reset() {
	for _, c := range s.w.calls {
		s.hangupCall(c)
	}
	s.settle()
	s.faults = nil
	s.w = newWorld(s.now, s.w.authToken)
}

// sidGen makes deterministic SIDs: prefix + 32 lowercase hex derived from a counter, so a fresh
// world always gets the same SIDs in the same order.
type sidGen struct{ n int }

func (g *sidGen) next(prefix string) string {
	g.n++
	sum := sha256.Sum256(fmt.Appendf(nil, "flexcallback-sandbox/%s/%d", prefix, g.n))
	return prefix + hex.EncodeToString(sum[:16])
}
