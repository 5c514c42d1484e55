package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// outcomes are the metrics of what came of callbacks, and of the requests that never became a task
// of their own (merged) or not yet (scheduled).
type outcomes struct {
	byOutcome    *prometheus.CounterVec
	attempts     prometheus.Histogram
	firstAttempt prometheus.Histogram
	merged       prometheus.Counter
	scheduled    prometheus.Gauge
}

// ScheduledMetric is the gauge of scheduled callbacks waiting for their time; SetScheduled sets it.
const ScheduledMetric = "flexcallback_scheduled_callbacks"

func newOutcomes(reg *prometheus.Registry) outcomes {
	o := outcomes{
		byOutcome: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flexcallback_callback_outcomes_total", Help: "Call backs by the outcome the agent reported (reached, no-answer, busy, left-message, wrong-number).",
		}, []string{"outcome"}),
		attempts: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "flexcallback_callback_attempts", Help: "Attempts of a callback, counted when its last reported attempt ends it.",
			Buckets: []float64{1, 2, 3, 4, 5, 7, 10},
		}),
		firstAttempt: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "flexcallback_callback_first_attempt_seconds", Help: "Time from the caller's request to the callback's first reported attempt.",
			Buckets: []float64{60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800},
		}),
		merged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flexcallback_requests_merged_total", Help: "Callback and voicemail requests appended to the caller's open task instead of a task of their own.",
		}),
		scheduled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: ScheduledMetric, Help: "Scheduled callbacks waiting for their time (0 until the scheduler reports).",
		}),
	}
	reg.MustRegister(o.byOutcome, o.attempts, o.firstAttempt, o.merged, o.scheduled)
	return o
}

// OutcomeRecorded counts a call back by its outcome.
func (o outcomes) OutcomeRecorded(outcome string) { o.byOutcome.WithLabelValues(outcome).Inc() }

// FirstAttempt records the time from a caller's request to the callback's first attempt.
func (o outcomes) FirstAttempt(sinceRequest time.Duration) {
	o.firstAttempt.Observe(sinceRequest.Seconds())
}

// CallbackEnded records the attempts of a callback that ended.
func (o outcomes) CallbackEnded(attempts int) { o.attempts.Observe(float64(attempts)) }

// Merged counts a request merged into its caller's open task.
func (o outcomes) Merged() { o.merged.Inc() }

// SetScheduled sets how many scheduled callbacks wait for their time: the scheduler calls it
// whenever the number changes.
func (o outcomes) SetScheduled(n int) { o.scheduled.Set(float64(n)) }
