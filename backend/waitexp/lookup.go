package waitexp

import (
	"context"
	"fmt"
	"time"

	"flexcallback"
)

// queueTTL is how long a fetched voice queue is trusted. Its workflow never changes; its average
// wait does, and one fetch a minute per queue is nothing (B10, P1).
const queueTTL = time.Minute

// maxQueues bounds the cache; a contact centre has a handful of queues.
const maxQueues = 1024

// queueCache maps voice queue SIDs to the queue, whose friendly name is the workflow SID.
type queueCache = refreshCache[string, flexcallback.Queue]

func newQueueCache(ttl time.Duration) *queueCache {
	return newRefreshCache[string, flexcallback.Queue](ttl, maxQueues)
}

// queue returns the voice queue: from the cache, which fetches once for all concurrent callers and
// ahead of expiry. When the fetch fails a stale entry is still better than nothing.
func (e *Experience) queue(ctx context.Context, sid string) (flexcallback.Queue, error) {
	q, ok, err := e.queues.get(ctx, sid, e.now(), e.voice.FetchQueue)
	if !ok {
		return flexcallback.Queue{}, fmt.Errorf("fetch queue %s: %w", sid, err)
	}
	if err != nil {
		e.logger.WarnContext(ctx, "queue fetch failed, using cached queue", "queue_sid", sid, "err", err)
	}
	return q, nil
}

// workflow returns the call's workflow SID: carried in the URL, or the friendly name of the
// voice queue Flex enqueued the call in. Empty when neither is known (B10: hold only).
func (t *turn) workflow(ctx context.Context) string {
	if t.s.workflowSid != "" {
		return t.s.workflowSid
	}
	qs := t.p.get("QueueSid")
	if qs == "" {
		t.log.WarnContext(ctx, "no QueueSid: hold music only")
		return ""
	}
	q, err := t.queue(ctx, qs)
	if err != nil {
		t.log.ErrorContext(ctx, "queue fetch failed: hold music only", "queue_sid", qs, "err", err)
		return ""
	}
	return q.FriendlyName
}

// waitingQuery is how the lookup reads a workflow's waiting tasks (P1): pending and reserved,
// newest first, 50 a page.
func waitingQuery(workflowSid string) flexcallback.TaskQuery {
	return flexcallback.TaskQuery{
		WorkflowSid:      workflowSid,
		AssignmentStatus: []string{flexcallback.StatusPending, flexcallback.StatusReserved},
		Ordering:         "DateCreated:desc",
		PageSize:         lookupPageSize,
	}
}

// waitingTasks lists the workflow's waiting tasks for the position and wait estimate: the first
// lookupMaxPages pages, all of them, as the position counts the older tasks too.
func (e *Experience) waitingTasks(ctx context.Context, workflowSid string) ([]flexcallback.TaskRef, error) {
	var refs []flexcallback.TaskRef
	next := ""
	for range lookupMaxPages {
		page, err := e.tasks.ListTaskPage(ctx, waitingQuery(workflowSid), next)
		if err != nil {
			return nil, fmt.Errorf("list tasks of workflow %s: %w", workflowSid, err)
		}
		refs, next = append(refs, page.Refs...), page.Next
		if next == "" {
			break
		}
	}
	return refs, nil
}

// position is 1 + the number of pending tasks that TaskRouter routes before own: higher priority
// first, then the older (virtual) start. ok is false when own is not in the list or no longer
// waits (reserved: an agent is being offered the call).
func position(ts []flexcallback.TaskRef, ownSid string) (n int, ok bool) {
	own, ok := refBySid(ts, ownSid)
	if !ok || own.Status != flexcallback.StatusPending {
		return 0, false
	}
	n = 1
	for _, t := range ts {
		if t.Sid == own.Sid || t.Status != flexcallback.StatusPending {
			continue
		}
		if t.Priority > own.Priority || (t.Priority == own.Priority && startOf(t).Before(startOf(own))) {
			n++
		}
	}
	return n, true
}

// refBySid returns the ref of the task sid.
func refBySid(ts []flexcallback.TaskRef, sid string) (flexcallback.TaskRef, bool) {
	for _, t := range ts {
		if t.Sid == sid {
			return t, true
		}
	}
	return flexcallback.TaskRef{}, false
}

func startOf(t flexcallback.TaskRef) time.Time {
	if !t.VirtualStartTime.IsZero() {
		return t.VirtualStartTime
	}
	return t.DateCreated
}
