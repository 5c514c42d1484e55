package twilio_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/twilio"
)

func TestStatistics(t *testing.T) {
	e := newEnv(t)
	statisticsOperations(t, e, e.client(e.srv.URL, nil), e.srv.URL)
}

// statisticsOperations drives every statistics operation the sandbox serves, with values that
// follow its tasks and workers: through the client (TaskQueue real-time and cumulative, Workflow
// statistics) and, for the three the client does not use, plain GETs on apiBase.
func statisticsOperations(t *testing.T, e *env, c *twilio.Client, apiBase string) {
	ctx := ctxT(t)
	e.admin("POST", "/_sandbox/reset", nil, nil)
	wfCallback, wfDefault := e.in.Workflows["callback"], e.in.Workflows["default"]
	queue := e.in.TaskQueues["Everyone"]
	for _, wf := range []string{wfCallback, wfCallback, wfDefault} {
		if _, err := c.CreateTask(ctx, flexcallback.NewTask{WorkflowSid: wf, Channel: "voice", Attributes: map[string]any{}}); err != nil {
			t.Fatal(err)
		}
		e.advance("1s")
	}
	// Alice takes the oldest task after 30 s more: 32 s from its creation to its acceptance.
	e.advance("30s")
	e.admin("POST", "/_sandbox/workers/alice/activity", map[string]string{"activity": "available"}, nil)
	var res struct {
		Reservations []struct {
			Sid string `json:"sid"`
		} `json:"reservations"`
	}
	e.admin("GET", "/_sandbox/reservations", nil, &res)
	if len(res.Reservations) != 1 {
		t.Fatalf("%d reservations, want 1", len(res.Reservations))
	}
	e.admin("POST", "/_sandbox/reservations/"+res.Reservations[0].Sid, map[string]string{"status": "accepted"}, nil)

	q, err := c.TaskQueueStatistics(ctx, queue)
	if want := (flexcallback.WaitStatistics{Waiting: 2, Available: 1, Serving: 1, AvgAccept: 33 * time.Second}); err != nil || q != want {
		t.Errorf("TaskQueueStatistics = %+v, %v; want %+v", q, err, want)
	}
	w, err := c.WorkflowStatistics(ctx, wfCallback)
	if want := (flexcallback.WaitStatistics{Waiting: 1, Available: -1, Serving: 1, AvgAccept: 33 * time.Second}); err != nil || w != want {
		t.Errorf("WorkflowStatistics(callback) = %+v, %v; want %+v", w, err, want)
	}
	if w, err = c.WorkflowStatistics(ctx, wfDefault); err != nil || w.Waiting != 1 || w.AvgAccept != 0 {
		t.Errorf("WorkflowStatistics(default) = %+v, %v", w, err)
	}
	if _, err := c.TaskQueueStatistics(ctx, "WQ"+e.in.WorkspaceSid[2:]); err == nil {
		t.Error("statistics of an unknown task queue")
	}

	// The three the client does not read, raw.
	ws := apiBase + "/taskrouter/v1/Workspaces/" + e.in.WorkspaceSid
	get := func(path string) map[string]any {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ws+path, nil)
		req.SetBasicAuth(e.in.AccountSid, e.in.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return v
	}
	all := get("/TaskQueues/" + queue + "/Statistics?Minutes=60")
	rt, _ := all["realtime"].(map[string]any)
	if rt["total_available_workers"] != 1.0 || rt["total_tasks"] != 3.0 {
		t.Errorf("TaskQueue Statistics realtime = %v", rt)
	}
	if v := get("/Workflows/" + wfCallback + "/RealTimeStatistics"); v["total_tasks"] != 2.0 || v["longest_task_waiting_sid"] == nil {
		t.Errorf("Workflow RealTimeStatistics = %v", v)
	}
	if v := get("/Workflows/" + wfCallback + "/CumulativeStatistics?Minutes=15"); v["tasks_entered"] != 2.0 || v["reservations_accepted"] != 1.0 || v["avg_task_acceptance_time"] != 33.0 {
		t.Errorf("Workflow CumulativeStatistics = %v", v)
	}
}
