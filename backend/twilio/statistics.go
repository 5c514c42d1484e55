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
	st, err := bySid(c, ctx, "task queue real-time statistics", "taskQueueSid", sid,
		func(a *attempt) (*taskrouter.TaskrouterV1TaskQueueRealTimeStatistics, error) {
			return c.taskrouter(a).FetchTaskQueueRealTimeStatistics(c.workspace, sid, &taskrouter.FetchTaskQueueRealTimeStatisticsParams{})
		},
		func(rt *taskrouter.TaskrouterV1TaskQueueRealTimeStatistics) (flexcallback.WaitStatistics, error) {
			return flexcallback.WaitStatistics{
				Waiting:   count(rt.TasksByStatus, "pending"),
				Available: rt.TotalAvailableWorkers,
				Serving:   count(rt.TasksByStatus, "reserved", "assigned", "wrapping"),
			}, nil
		})
	if err != nil {
		return flexcallback.WaitStatistics{}, err
	}
	st.AvgAccept, err = bySid(c, ctx, "task queue cumulative statistics", "taskQueueSid", sid,
		func(a *attempt) (*taskrouter.TaskrouterV1TaskQueueCumulativeStatistics, error) {
			return c.taskrouter(a).FetchTaskQueueCumulativeStatistics(c.workspace, sid, &taskrouter.FetchTaskQueueCumulativeStatisticsParams{})
		},
		func(cu *taskrouter.TaskrouterV1TaskQueueCumulativeStatistics) (time.Duration, error) {
			return time.Duration(cu.AvgTaskAcceptanceTime) * time.Second, nil
		})
	if err != nil {
		return flexcallback.WaitStatistics{}, err
	}
	return st, nil
}

// WorkflowStatistics reads a workflow's statistics, real-time and cumulative in one read. A
// workflow's statistics do not count workers: Available is -1.
func (c *Client) WorkflowStatistics(ctx context.Context, sid string) (flexcallback.WaitStatistics, error) {
	return bySid(c, ctx, "workflow statistics", "workflowSid", sid,
		func(a *attempt) (*taskrouter.TaskrouterV1WorkflowStatistics, error) {
			return c.taskrouter(a).FetchWorkflowStatistics(c.workspace, sid, &taskrouter.FetchWorkflowStatisticsParams{})
		}, workflowStatistics)
}

// workflowStatistics reads the two fields we need of a workflow's cumulative and realtime
// objects, untyped in twilio-go.
func workflowStatistics(st *taskrouter.TaskrouterV1WorkflowStatistics) (flexcallback.WaitStatistics, error) {
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
