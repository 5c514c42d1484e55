package waitexp

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"flexcallback"
)

// cancelOutcome tells apart what the reference reported as one "success" (R4).
type cancelOutcome string

const (
	cancelDone     cancelOutcome = "canceled"
	cancelGone     cancelOutcome = "not-found"       // the task no longer exists
	cancelRefused  cancelOutcome = "not-cancellable" // TaskRouter refused for its state (e.g. just assigned)
	cancelFailed   cancelOutcome = "failed"
	cancelAttempts               = 3
)

// cancelTask cancels the call task with reason and conversations.abandoned = "Follow-Up", which
// keeps it out of Flex Insights' abandoned calls (spec §3.6). The update is guarded by the ETag;
// when someone changed the task meanwhile it is fetched again and the cancel retried. The error
// is nil for cancelDone, cancelGone and cancelRefused: the task no longer waits in all three.
func (t *turn) cancelTask(ctx context.Context, task flexcallback.Task, reason string) (cancelOutcome, error) {
	for attempt := 1; ; attempt++ {
		attrs := maps.Clone(task.Attributes)
		if attrs == nil {
			attrs = map[string]any{}
		}
		conv := map[string]any{}
		if m, ok := attrs["conversations"].(map[string]any); ok {
			conv = maps.Clone(m)
		}
		conv["abandoned"] = "Follow-Up"
		attrs["conversations"] = conv
		_, err := t.tasks.UpdateTask(ctx, task.Sid, flexcallback.TaskUpdate{
			IfMatch:          task.ETag,
			AssignmentStatus: flexcallback.StatusCanceled,
			Reason:           reason,
			Attributes:       attrs,
		})
		switch {
		case err == nil:
			return cancelDone, nil
		case errors.Is(err, flexcallback.ErrNotFound):
			return cancelGone, nil
		case errors.Is(err, flexcallback.ErrConflict):
			return cancelRefused, nil
		case !errors.Is(err, flexcallback.ErrPrecondition) || attempt == cancelAttempts:
			return cancelFailed, fmt.Errorf("cancel task %s: %w", task.Sid, err)
		}
		fresh, err := t.tasks.FetchTask(ctx, task.Sid)
		if errors.Is(err, flexcallback.ErrNotFound) {
			return cancelGone, nil
		}
		if err != nil {
			return cancelFailed, fmt.Errorf("cancel task %s: refetch: %w", task.Sid, err)
		}
		if !waiting(fresh) {
			return cancelRefused, nil
		}
		task = fresh
	}
}
