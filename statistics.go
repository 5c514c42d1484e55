package flexcallback

import (
	"context"
	"time"
)

// WaitStatistics is what TaskRouter's statistics say about the wait in a task queue or workflow.
type WaitStatistics struct {
	Waiting   int           // tasks pending (real-time)
	Available int           // workers available in the task queue (real-time); -1: unknown (a workflow's)
	Serving   int           // tasks reserved, assigned or wrapping: available workers busy with them (real-time)
	AvgAccept time.Duration // average time from a task's creation to its acceptance (cumulative); 0: none yet
}

// Statistics reads TaskRouter's statistics; backend/twilio implements it.
type Statistics interface {
	TaskQueueStatistics(ctx context.Context, taskQueueSid string) (WaitStatistics, error)
	WorkflowStatistics(ctx context.Context, workflowSid string) (WaitStatistics, error)
}
