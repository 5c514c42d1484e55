// Package metrics owns the Prometheus registry: requests by route and status, Twilio calls and
// retries by operation and status, refusals of our credentials by service, tasks created by kind, idempotent replays, task lookup
// misses, the shared store's outages, and what came of callbacks (outcomes, attempts, time to the first attempt, requests
// merged, callbacks scheduled). The other packages see only small observer interfaces that *Metrics satisfies.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors. Its methods are safe for concurrent use.
type Metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.HistogramVec
	twilioCalls   *prometheus.HistogramVec
	twilioRetries *prometheus.CounterVec
	authFailures  *prometheus.CounterVec
	tasksCreated  *prometheus.CounterVec
	replays       prometheus.Counter
	lookupMisses  prometheus.Counter
	outcomes      // what came of callbacks (outcomes.go)
}

// New returns Metrics on a registry of its own, with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "flexcallback_http_request_duration_seconds", Help: "HTTP requests by route template, method and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		twilioCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "flexcallback_twilio_call_duration_seconds", Help: "Twilio API attempts by operation and HTTP status (0: no response).",
			Buckets: prometheus.DefBuckets,
		}, []string{"op", "status"}),
		twilioRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flexcallback_twilio_retries_total", Help: "Twilio API retries by operation and the status that caused them.",
		}, []string{"op", "status"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flexcallback_twilio_auth_failures_total", Help: "Twilio answers of 401/403 to the backend's own credentials, by service (taskrouter, iam, voice).",
		}, []string{"service"}),
		tasksCreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flexcallback_tasks_created_total", Help: "Callback and voicemail tasks created, by kind.",
		}, []string{"kind"}),
		replays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flexcallback_idempotent_replays_total", Help: "Requests answered with a task created earlier for the same key.",
		}),
		lookupMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flexcallback_task_lookup_misses_total", Help: "Wait-experience passes that did not find the caller's task.",
		}),
	}
	m.reg.MustRegister(m.requests, m.twilioCalls, m.twilioRetries, m.authFailures, m.tasksCreated, m.replays, m.lookupMisses,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.outcomes = newOutcomes(m.reg)
	return m
}

// Handler serves the Prometheus text format.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

// Request records one HTTP request.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// TwilioCall records one attempt of a Twilio operation.
func (m *Metrics) TwilioCall(op string, status int, d time.Duration) {
	m.twilioCalls.WithLabelValues(op, strconv.Itoa(status)).Observe(d.Seconds())
}

// TwilioRetry records a retry of a Twilio operation.
func (m *Metrics) TwilioRetry(op string, status int) {
	m.twilioRetries.WithLabelValues(op, strconv.Itoa(status)).Inc()
}

// TwilioAuthFailure records a 401/403 from a Twilio service to our own credentials.
func (m *Metrics) TwilioAuthFailure(service string) { m.authFailures.WithLabelValues(service).Inc() }

// TaskCreated records a new task of kind.
func (m *Metrics) TaskCreated(kind string) { m.tasksCreated.WithLabelValues(kind).Inc() }

// Replayed records an idempotent replay.
func (m *Metrics) Replayed() { m.replays.Inc() }

// LookupMiss records a wait-experience pass that did not find the caller's task.
func (m *Metrics) LookupMiss() { m.lookupMisses.Inc() }

// WatchStore exports the shared store's outages: operations served from this replica's memory
// while Redis was unreachable (a counter), and whether it is so now (a gauge).
func (m *Metrics) WatchStore(servedFromMemory func() uint64, degraded func() bool) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "flexcallback_store_degraded_total", Help: "Store operations served from this replica's memory because Redis was unreachable.",
		}, func() float64 { return float64(servedFromMemory()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flexcallback_store_degraded", Help: "1 while Redis is unreachable and the store is this replica's memory.",
		}, func() float64 { return map[bool]float64{true: 1}[degraded()] }),
	)
}
