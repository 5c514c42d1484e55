package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// This file serves the fixed parts of the workspace (workspace, workflows, task queues, task
// channels, activities), workers and reservations.

func (s *Sandbox) wsURL(rest string) string {
	return fmt.Sprintf("%s/Workspaces/%s%s", trBase, s.w.workspace, rest)
}

func (s *Sandbox) workspaceView() map[string]any {
	w := s.w
	return map[string]any{
		"account_sid": w.account, "date_created": iso(w.created), "date_updated": iso(w.created),
		"default_activity_name": "Offline", "default_activity_sid": w.activities[0].sid,
		"event_callback_url": nil, "events_filter": nil, "friendly_name": "Flex Task Assignment",
		"multi_task_enabled": true, "sid": w.workspace, "timeout_activity_name": "Offline",
		"timeout_activity_sid": w.activities[0].sid, "prioritize_queue_order": "FIFO", "url": s.wsURL(""),
		"links": map[string]string{"tasks": s.wsURL("/Tasks"), "workers": s.wsURL("/Workers"),
			"workflows": s.wsURL("/Workflows"), "task_queues": s.wsURL("/TaskQueues"),
			"activities": s.wsURL("/Activities"), "task_channels": s.wsURL("/TaskChannels")},
	}
}

func (s *Sandbox) workflowView(wf *workflow) map[string]any {
	conf, _ := json.Marshal(map[string]any{"task_routing": map[string]any{
		"filters":        []any{},
		"default_filter": map[string]any{"queue": s.w.taskQueue.sid},
	}})
	return map[string]any{
		"account_sid": s.w.account, "assignment_callback_url": nil, "configuration": string(conf),
		"date_created": iso(wf.created), "date_updated": iso(wf.created), "document_content_type": "application/json",
		"fallback_assignment_callback_url": nil, "friendly_name": wf.friendly, "sid": wf.sid,
		"task_reservation_timeout": 120, "workspace_sid": s.w.workspace, "url": s.wsURL("/Workflows/" + wf.sid),
		"links": map[string]string{"statistics": s.wsURL("/Workflows/" + wf.sid + "/Statistics")},
	}
}

func (s *Sandbox) taskQueueView() map[string]any {
	q := s.w.taskQueue
	return map[string]any{
		"account_sid": s.w.account, "assignment_activity_sid": nil, "assignment_activity_name": nil,
		"date_created": iso(q.created), "date_updated": iso(q.created), "friendly_name": q.friendly,
		"max_reserved_workers": 1, "reservation_activity_sid": nil, "reservation_activity_name": nil,
		"sid": q.sid, "target_workers": "1==1", "task_order": "FIFO", "url": s.wsURL("/TaskQueues/" + q.sid),
		"workspace_sid": s.w.workspace, "links": map[string]string{},
	}
}

func (s *Sandbox) channelView(c *taskChannel) map[string]any {
	return map[string]any{
		"account_sid": s.w.account, "date_created": iso(c.created), "date_updated": iso(c.created),
		"friendly_name": c.friendly, "sid": c.sid, "unique_name": c.unique, "workspace_sid": s.w.workspace,
		"channel_optimized_routing": nil, "url": s.wsURL("/TaskChannels/" + c.sid), "links": map[string]string{},
	}
}

func (s *Sandbox) activityView(a *activity) map[string]any {
	return map[string]any{
		"account_sid": s.w.account, "available": a.available, "date_created": iso(a.created),
		"date_updated": iso(a.created), "friendly_name": a.friendly, "sid": a.sid,
		"workspace_sid": s.w.workspace, "url": s.wsURL("/Activities/" + a.sid), "links": map[string]string{},
	}
}

func (s *Sandbox) workerView(wk *worker) map[string]any {
	return map[string]any{
		"account_sid": s.w.account, "activity_name": wk.activity.friendly, "activity_sid": wk.activity.sid,
		"attributes": wk.attributes, "available": wk.activity.available, "date_created": iso(wk.created),
		"date_status_changed": iso(wk.statusChanged), "date_updated": iso(wk.updated),
		"friendly_name": wk.name, "sid": wk.sid, "workspace_sid": s.w.workspace,
		"url":   s.wsURL("/Workers/" + wk.sid),
		"links": map[string]string{"reservations": s.wsURL("/Workers/" + wk.sid + "/Reservations")},
	}
}

func (s *Sandbox) reservationView(r *reservation, perWorker bool) map[string]any {
	u := s.wsURL("/Tasks/" + r.task.sid + "/Reservations/" + r.sid)
	if perWorker {
		u = s.wsURL("/Workers/" + r.worker.sid + "/Reservations/" + r.sid)
	}
	return map[string]any{
		"account_sid": s.w.account, "date_created": iso(r.created), "date_updated": iso(r.updated),
		"reservation_status": r.status, "sid": r.sid, "task_sid": r.task.sid, "worker_name": r.worker.name,
		"worker_sid": r.worker.sid, "workspace_sid": s.w.workspace, "url": u,
		"links": map[string]string{"task": s.wsURL("/Tasks/" + r.task.sid), "worker": s.wsURL("/Workers/" + r.worker.sid)},
	}
}

// fixedLists serves the list endpoints of the fixed world under one handler per collection.
func (s *Sandbox) handleList(collection string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var items []map[string]any
		key := collection
		switch collection {
		case "workflows":
			for _, wf := range s.w.workflows {
				if fn := r.FormValue("FriendlyName"); fn == "" || fn == wf.friendly {
					items = append(items, s.workflowView(wf))
				}
			}
		case "task_queues":
			items = append(items, s.taskQueueView())
		case "channels":
			for _, c := range s.w.channels {
				items = append(items, s.channelView(c))
			}
		case "activities":
			for _, a := range s.w.activities {
				items = append(items, s.activityView(a))
			}
		case "workers":
			for _, wk := range s.w.workers {
				if a := r.FormValue("ActivitySid"); a == "" || a == wk.activity.sid {
					items = append(items, s.workerView(wk))
				}
			}
		case "workspaces":
			if fn := r.FormValue("FriendlyName"); fn == "" || fn == "Flex Task Assignment" {
				items = append(items, s.workspaceView())
			}
		}
		base := s.wsURL("/" + map[string]string{"workflows": "Workflows", "task_queues": "TaskQueues",
			"channels": "TaskChannels", "activities": "Activities", "workers": "Workers"}[collection])
		if collection == "workspaces" {
			base = trBase + "/Workspaces"
		}
		page(w, r, key, base, url.Values{}, items)
	}
}

// handleFetch serves a single fixed resource by SID (or unique name for task channels).
func (s *Sandbox) handleFetch(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		id := r.PathValue("sid")
		var v map[string]any
		switch kind {
		case "workspace":
			v = s.workspaceView()
		case "workflow":
			if wf := s.w.workflowBySid(id); wf != nil {
				v = s.workflowView(wf)
			}
		case "task_queue":
			if id == s.w.taskQueue.sid {
				v = s.taskQueueView()
			}
		case "channel":
			if c := s.w.channelByName(id); c != nil {
				v = s.channelView(c)
			}
		case "activity":
			if a := s.w.activityBySid(id); a != nil {
				v = s.activityView(a)
			}
		case "worker":
			if wk := s.w.workerBySidOrName(id); wk != nil && wk.sid == id {
				v = s.workerView(wk)
			}
		}
		if v == nil {
			notFound(w, r.URL.Path)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Sandbox) handleUpdateWorker(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wk := s.w.workerBySidOrName(r.PathValue("sid"))
	if wk == nil || wk.sid != r.PathValue("sid") {
		notFound(w, r.URL.Path)
		return
	}
	if v := r.PostFormValue("ActivitySid"); v != "" {
		a := s.w.activityBySid(v)
		if a == nil {
			badRequest(w, "ActivitySid not found")
			return
		}
		s.setActivity(wk, a)
	}
	if v, ok := r.PostForm["Attributes"]; ok {
		var obj map[string]any
		if json.Unmarshal([]byte(v[0]), &obj) != nil {
			badRequest(w, "Attributes is not a JSON object")
			return
		}
		wk.attributes = v[0]
	}
	wk.updated = s.now
	s.route()
	writeJSON(w, http.StatusOK, s.workerView(wk))
}

func (s *Sandbox) setActivity(wk *worker, a *activity) {
	if wk.activity != a {
		wk.activity, wk.statusChanged = a, s.now
	}
	wk.updated = s.now
	s.route()
}

// handleReservations lists reservations of a task ("task") or a worker ("worker").
func (s *Sandbox) handleReservations(owner string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		id := r.PathValue("owner")
		if (owner == "task" && s.w.tasks[id] == nil) || (owner == "worker" && s.w.workerBySidOrName(id) == nil) {
			notFound(w, r.URL.Path)
			return
		}
		var items []map[string]any
		for _, res := range s.w.resList {
			if (owner == "task" && res.task.sid == id) || (owner == "worker" && res.worker.sid == id) {
				if st := r.FormValue("ReservationStatus"); st == "" || st == res.status {
					items = append(items, s.reservationView(res, owner == "worker"))
				}
			}
		}
		base := s.wsURL("/Tasks/" + id + "/Reservations")
		if owner == "worker" {
			base = s.wsURL("/Workers/" + id + "/Reservations")
		}
		page(w, r, "reservations", base, url.Values{}, items)
	}
}

// handleReservation fetches (GET) or updates (POST ReservationStatus) one reservation.
func (s *Sandbox) handleReservation(owner string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		res := s.w.reservations[r.PathValue("sid")]
		id := r.PathValue("owner")
		if res == nil || (owner == "task" && res.task.sid != id) || (owner == "worker" && res.worker.sid != id) {
			notFound(w, r.URL.Path)
			return
		}
		if r.Method == http.MethodPost {
			if st := r.PostFormValue("ReservationStatus"); st != "" {
				if err := s.moveReservation(res, st); err != nil {
					badRequest(w, err.Error())
					return
				}
			}
		}
		writeJSON(w, http.StatusOK, s.reservationView(res, owner == "worker"))
	}
}
