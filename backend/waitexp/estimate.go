package waitexp

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"flexcallback"
)

// perCaller is what each caller ahead is taken to cost when TaskRouter knows no average time to
// accept (no task accepted lately) or its statistics cannot be read.
const perCaller = time.Minute

// estimate is a caller's expected wait.
type estimate struct {
	position  int
	wait      time.Duration
	fromStats bool // TaskRouter's statistics were read; false: the position alone
}

// estimateWait estimates the wait of the call's task from its position among the workflow's
// waiting tasks and TaskRouter's statistics for its task queue (else its workflow): no wait when
// enough workers are free (available and serving no task) for everyone up to the caller, else
// each caller ahead still to be served (the caller included) costs the recent average time to
// accept (perCaller when none). Without statistics the position alone decides, at perCaller
// each. ok is false when the position is unknown: the task is reserved (an agent is being offered
// the call) or the list failed.
func (t *turn) estimateWait(ctx context.Context, s state) (estimate, bool) {
	list, err := t.waitingTasks(ctx, s.workflowSid)
	if err != nil {
		t.log.WarnContext(ctx, "estimate: list failed", "err", err)
		return estimate{}, false
	}
	n, ok := position(list, s.taskSid)
	if !ok {
		return estimate{}, false
	}
	e := estimate{position: n, wait: time.Duration(n) * perCaller}
	if t.stats == nil {
		return e, true
	}
	scope := s.workflowSid
	if own, _ := refBySid(list, s.taskSid); own.QueueSid != "" {
		scope = own.QueueSid
	}
	st, err := t.statistics(ctx, scope)
	if err != nil {
		t.log.WarnContext(ctx, "statistics failed: estimating from the position alone", "scope", scope, "err", err)
		return e, true
	}
	each := perCaller
	if st.AvgAccept > 0 {
		each = st.AvgAccept
	}
	// Flex workers stay available while they handle a task: only those not serving one are free.
	ahead := n - max(st.Available-st.Serving, 0)
	e.wait, e.fromStats = time.Duration(max(ahead, 0))*each, true
	return e, true
}

// statsCache keeps TaskRouter's statistics per task queue or workflow, so callers waiting in the
// same queue share one read (see refreshCache).
type statsCache = refreshCache[string, flexcallback.WaitStatistics]

// statsTTL: statistics move slowly compared with a 30-second pass of hold music; the cache
// refreshes them ahead of expiry, after 15 s.
const statsTTL = 20 * time.Second

// statistics reads a task queue's (WQ…) or a workflow's (WW…) statistics through the cache; a
// stale entry is served when a read fails.
func (e *Experience) statistics(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	st, ok, err := e.stats.get(ctx, sid, e.now(), func(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
		if strings.HasPrefix(sid, "WQ") {
			return e.opts.Statistics.TaskQueueStatistics(ctx, sid)
		}
		return e.opts.Statistics.WorkflowStatistics(ctx, sid)
	})
	if !ok {
		return st, err
	}
	if err != nil {
		e.logger.WarnContext(ctx, "statistics read failed, using cached", "scope", sid, "err", err)
	}
	return st, nil
}

// openPrompts is what a caller hears each pass in business hours: the position and estimated
// wait (WAIT_ANNOUNCE_POSITION), then the menu, offered once the estimate exceeds
// WAIT_OFFER_CALLBACK_AFTER. Without an estimate the menu is offered, as always.
func (t *turn) openPrompts(ctx context.Context, s state, o offer) (verbs []verb, menu bool) {
	menu = o.any()
	if !t.opts.AnnouncePosition && (t.opts.OfferCallbackAfter <= 0 || !menu) {
		return t.menuPrompt(o, menu), menu
	}
	if s.workflowSid == "" {
		s.workflowSid = t.workflow(ctx)
	}
	if s.workflowSid == "" {
		return t.menuPrompt(o, menu), menu
	}
	e, ok := t.estimateWait(ctx, s)
	if ok && t.opts.AnnouncePosition {
		verbs = t.announce(e)
	}
	if ok && t.opts.OfferCallbackAfter > 0 && e.wait <= t.opts.OfferCallbackAfter {
		t.log.DebugContext(ctx, "short wait: no callback offer", "position", e.position, "estimate", e.wait, "from_stats", e.fromStats)
		menu = false
	}
	return append(verbs, t.menuPrompt(o, menu)...), menu
}

func (t *turn) menuPrompt(o offer, menu bool) []verb {
	if !menu {
		return nil
	}
	return []verb{t.v.say(repeatingKey(o))}
}

// announce says the caller's position and, from TaskRouter's statistics, the estimated wait.
func (t *turn) announce(e estimate) []verb {
	verbs := []verb{t.v.say(keyPositionInQueue, "{position}", strconv.Itoa(e.position))}
	switch {
	case !e.fromStats:
		return verbs
	case e.wait < time.Minute:
		return append(verbs, t.v.say(keyWaitEstimateUnderOneMinute))
	}
	minutes := int(math.Round(e.wait.Minutes()))
	if minutes == 1 {
		return append(verbs, t.v.say(keyWaitEstimateOneMinute))
	}
	return append(verbs, t.v.say(keyWaitEstimate, "{minutes}", strconv.Itoa(minutes)))
}
