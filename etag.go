package flexcallback

import (
	"context"
	"errors"
	"fmt"
)

// etagTries bounds how often a guarded update is tried against concurrent writers.
const etagTries = 5

// UpdateGuarded changes a task without losing anyone else's change: it fetches the task, asks
// change for the update (change returns false when there is nothing to do), and sends it with
// the task's ETag in If-Match; when another writer got there first (ErrPrecondition) it starts
// again, a bounded number of times.
func UpdateGuarded(ctx context.Context, tasks TaskRouter, sid string, change func(Task) (TaskUpdate, bool)) error {
	for attempt := 1; ; attempt++ {
		t, err := tasks.FetchTask(ctx, sid)
		if err != nil {
			return fmt.Errorf("fetch task %s: %w", sid, err)
		}
		u, ok := change(t)
		if !ok {
			return nil
		}
		u.IfMatch = t.ETag
		_, err = tasks.UpdateTask(ctx, sid, u)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrPrecondition) || attempt == etagTries {
			return fmt.Errorf("update task %s: %w", sid, err)
		}
	}
}

// CallbackDataOf returns attributes.callBackData as a map to edit in place, creating it.
func CallbackDataOf(attrs map[string]any) map[string]any {
	cb, _ := attrs["callBackData"].(map[string]any)
	if cb == nil {
		cb = map[string]any{}
		attrs["callBackData"] = cb
	}
	return cb
}
