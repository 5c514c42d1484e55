package sandbox

import (
	"maps"
	"net/http"
	"strconv"
	"time"
)

// TaskRouter's statistics (TaskQueue and Workflow: RealTimeStatistics, CumulativeStatistics and
// Statistics, which holds both), computed from the sandbox's own tasks, reservations and workers,
// shaped as twilio_taskrouter_v1.json describes them. The one task queue holds every task.

func (s *Sandbox) statisticsRoutes(rest *http.ServeMux) {
	ws := "/taskrouter/v1/Workspaces/{ws}"
	for _, kind := range []string{"TaskQueues", "Workflows"} {
		for _, what := range []string{"RealTimeStatistics", "CumulativeStatistics", "Statistics"} {
			rest.HandleFunc("GET "+ws+"/"+kind+"/{sid}/"+what, s.inWorkspace(s.handleStatistics(kind, what)))
		}
	}
}

// statsScope is what a statistics request covers: every task (the task queue) or one workflow's.
type statsScope struct {
	queue    bool
	workflow *workflow
}

// scopeOf is the scope kind's sid names, nil when there is none.
func (s *Sandbox) scopeOf(kind, sid string) *statsScope {
	if kind == "TaskQueues" {
		if sid != s.w.taskQueue.sid {
			return nil
		}
		return &statsScope{queue: true}
	}
	if wf := s.w.workflowBySid(sid); wf != nil {
		return &statsScope{workflow: wf}
	}
	return nil
}

func (sc statsScope) has(t *task) bool { return sc.queue || t.workflow == sc.workflow }

func (s *Sandbox) handleStatistics(kind, what string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		sc := byPath(w, r, "sid", func(sid string) *statsScope { return s.scopeOf(kind, sid) })
		if sc == nil {
			return
		}
		sid := r.PathValue("sid")
		start, end, ok := s.statsWindow(w, r)
		if !ok {
			return
		}
		owner := "workflow_sid"
		if sc.queue {
			owner = "task_queue_sid"
		}
		base := map[string]any{"account_sid": s.w.account, "workspace_sid": s.w.workspace, owner: sid,
			"url": s.wsURL("/" + kind + "/" + sid + "/" + what)}
		switch what {
		case "RealTimeStatistics":
			maps.Copy(base, s.realtime(*sc))
		case "CumulativeStatistics":
			maps.Copy(base, s.cumulative(*sc, start, end))
		default:
			base["realtime"], base["cumulative"] = s.realtime(*sc), s.cumulative(*sc, start, end)
		}
		writeJSON(w, http.StatusOK, base)
	}
}

// statsWindow reads Minutes, or StartDate and EndDate: Twilio's default is the last 15 minutes.
func (s *Sandbox) statsWindow(w http.ResponseWriter, r *http.Request) (start, end time.Time, ok bool) {
	end, start = s.now, s.now.Add(-15*time.Minute)
	if v := r.FormValue("Minutes"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 {
			badRequest(w, "Minutes must be a positive integer")
			return start, end, false
		}
		start = end.Add(-time.Duration(m) * time.Minute)
	}
	for name, at := range map[string]*time.Time{"StartDate": &start, "EndDate": &end} {
		if v := r.FormValue(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				badRequest(w, name+" must be an RFC 3339 date")
				return start, end, false
			}
			*at = t
		}
	}
	return start, end, true
}

// realtime is the scope's live tasks by status and priority, its longest waiting task and, for the
// task queue, its workers by activity.
func (s *Sandbox) realtime(sc statsScope) map[string]any {
	byStatus := map[string]int{"pending": 0, "reserved": 0, "assigned": 0, "wrapping": 0}
	byPriority := map[string]int{}
	var longest *task
	total := 0
	for _, t := range s.w.taskList {
		if _, live := byStatus[t.status]; !live || !sc.has(t) {
			continue
		}
		byStatus[t.status]++
		byPriority[strconv.Itoa(t.priority)]++
		total++
		if t.status == "pending" && (longest == nil || t.created.Before(longest.created)) {
			longest = t
		}
	}
	var longestSid any
	age := 0
	if longest != nil {
		longestSid, age = longest.sid, int(s.now.Sub(longest.created)/time.Second)
	}
	out := map[string]any{"tasks_by_status": byStatus, "tasks_by_priority": byPriority, "total_tasks": total,
		"longest_task_waiting_age": age, "longest_task_waiting_sid": longestSid}
	if sc.queue {
		available := 0
		acts := []map[string]any{}
		for _, a := range s.w.activities {
			n := 0
			for _, wk := range s.w.workers {
				if wk.activity == a {
					n++
				}
			}
			if a.available {
				available += n
			}
			acts = append(acts, map[string]any{"sid": a.sid, "friendly_name": a.friendly, "workers": n})
		}
		out["activity_statistics"] = acts
		out["total_available_workers"] = available
		out["total_eligible_workers"] = len(s.w.workers)
		out["longest_relative_task_age_in_queue"], out["longest_relative_task_sid_in_queue"] = age, longestSid
	}
	return out
}

// cumulative counts what happened from start to end: tasks entered, reservations by outcome, and
// the average time from a task's creation to its acceptance.
func (s *Sandbox) cumulative(sc statsScope, start, end time.Time) map[string]any {
	in := func(t time.Time) bool { return !t.Before(start) && !t.After(end) }
	n := map[string]int{}
	for _, k := range []string{"tasks_entered", "tasks_canceled", "tasks_completed", "tasks_deleted", "tasks_moved",
		"reservations_created", "reservations_accepted", "reservations_rejected", "reservations_timed_out",
		"reservations_canceled", "reservations_rescinded"} {
		n[k] = 0
	}
	if !sc.queue {
		n["tasks_timed_out_in_workflow"] = 0
	}
	count := func(k string) { n[k]++ }
	var waited time.Duration
	accepted := 0
	for _, t := range s.w.taskList {
		if !sc.has(t) {
			continue
		}
		if in(t.created) {
			count("tasks_entered")
		}
		if (t.status == "canceled" || t.status == "completed") && in(t.updated) {
			count("tasks_" + t.status)
		}
		if !t.accepted.IsZero() && in(t.accepted) {
			waited += t.accepted.Sub(t.created)
			accepted++
		}
	}
	for _, r := range s.w.resList {
		if !sc.has(r.task) || !in(r.created) {
			continue
		}
		count("reservations_created")
		switch r.status {
		case "accepted", "wrapping", "completed":
			count("reservations_accepted")
		case "rejected", "canceled":
			count("reservations_" + r.status)
		}
	}
	avg := 0
	if accepted > 0 {
		avg = int((waited / time.Duration(accepted)) / time.Second)
	}
	out := map[string]any{"start_time": iso(start), "end_time": iso(end), "avg_task_acceptance_time": avg}
	for k, v := range n {
		out[k] = v
	}
	return out
}
