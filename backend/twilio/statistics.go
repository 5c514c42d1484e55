package twilio

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"flexcallback"
)

// TaskQueueStatistics reads a task queue's real-time statistics (tasks waiting, workers
// available) and cumulative ones (average time to accept), two retried reads.
func (c *Client) TaskQueueStatistics(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	if err := checkSid("taskQueueSid", sid); err != nil {
		return flexcallback.WaitStatistics{}, err
	}
	var rt *taskrouter.TaskrouterV1TaskQueueRealTimeStatistics
	err := c.do(ctx, "task queue real-time statistics", sid, opIdempotent, func(a *attempt) error {
		var err error
		rt, err = c.taskrouter(a).FetchTaskQueueRealTimeStatistics(c.workspace, sid, &taskrouter.FetchTaskQueueRealTimeStatisticsParams{})
		return err
	})
	if err != nil {
		return flexcallback.WaitStatistics{}, err
	}
	var cu *taskrouter.TaskrouterV1TaskQueueCumulativeStatistics
	err = c.do(ctx, "task queue cumulative statistics", sid, opIdempotent, func(a *attempt) error {
		var err error
		cu, err = c.taskrouter(a).FetchTaskQueueCumulativeStatistics(c.workspace, sid, &taskrouter.FetchTaskQueueCumulativeStatisticsParams{})
		return err
	})
	if err != nil {
		return flexcallback.WaitStatistics{}, err
	}
	return flexcallback.WaitStatistics{
		Waiting:   count(rt.TasksByStatus, "pending"),
		Available: rt.TotalAvailableWorkers,
		Serving:   count(rt.TasksByStatus, "reserved", "assigned", "wrapping"),
		AvgAccept: time.Duration(cu.AvgTaskAcceptanceTime) * time.Second,
	}, nil
}

// WorkflowStatistics reads a workflow's statistics, real-time and cumulative in one read. A
// workflow's statistics do not count workers: Available is -1.
func (c *Client) WorkflowStatistics(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	if err := checkSid("workflowSid", sid); err != nil {
		return flexcallback.WaitStatistics{}, err
	}
	var st *taskrouter.TaskrouterV1WorkflowStatistics
	err := c.do(ctx, "workflow statistics", sid, opIdempotent, func(a *attempt) error {
		var err error
		st, err = c.taskrouter(a).FetchWorkflowStatistics(c.workspace, sid, &taskrouter.FetchWorkflowStatisticsParams{})
		return err
	})
	if err != nil {
		return flexcallback.WaitStatistics{}, err
	}
	// cumulative and realtime are untyped objects in twilio-go: read the two fields we need.
	var realtime struct {
		TasksByStatus any `json:"tasks_by_status"`
	}
	var cumulative struct {
		AvgTaskAcceptanceTime float64 `json:"avg_task_acceptance_time"`
	}
	reread(st.Realtime, &realtime)
	reread(st.Cumulative, &cumulative)
	return flexcallback.WaitStatistics{
		Waiting:   count(&realtime.TasksByStatus, "pending"),
		Serving:   count(&realtime.TasksByStatus, "reserved", "assigned", "wrapping"),
		Available: -1,
		AvgAccept: time.Duration(cumulative.AvgTaskAcceptanceTime * float64(time.Second)),
	}, nil
}

// reread decodes an untyped JSON object of twilio-go's into v; a missing one leaves v zero.
func reread(src *interface{}, v any) {
	if src == nil {
		return
	}
	b, err := json.Marshal(*src)
	if err == nil {
		_ = json.Unmarshal(b, v)
	}
}

// count adds up tasks_by_status for the statuses; each is a number or a numeric string
// ({"pending": "3"} in Twilio's own example).
func count(byStatus *interface{}, statuses ...string) int {
	if byStatus == nil {
		return 0
	}
	m, _ := (*byStatus).(map[string]any)
	n := 0
	for _, st := range statuses {
		switch v := m[st].(type) {
		case float64:
			n += int(v)
		case string:
			x, _ := strconv.Atoi(v)
			n += x
		}
	}
	return n
}
