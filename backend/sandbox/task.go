package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const trBase = "https://taskrouter.twilio.com/v1"

// taskJSON is TaskRouter's task resource.
type taskJSON struct {
	AccountSid            string            `json:"account_sid"`
	Age                   int               `json:"age"`
	AssignmentStatus      string            `json:"assignment_status"`
	Attributes            string            `json:"attributes"`
	Addons                string            `json:"addons"`
	DateCreated           string            `json:"date_created"`
	DateUpdated           string            `json:"date_updated"`
	TaskQueueEnteredDate  *string           `json:"task_queue_entered_date"`
	Priority              int               `json:"priority"`
	Reason                *string           `json:"reason"`
	Sid                   string            `json:"sid"`
	TaskQueueSid          string            `json:"task_queue_sid"`
	TaskQueueFriendlyName string            `json:"task_queue_friendly_name"`
	TaskChannelSid        string            `json:"task_channel_sid"`
	TaskChannelUniqueName string            `json:"task_channel_unique_name"`
	Timeout               int               `json:"timeout"`
	WorkflowSid           string            `json:"workflow_sid"`
	WorkflowFriendlyName  string            `json:"workflow_friendly_name"`
	WorkspaceSid          string            `json:"workspace_sid"`
	URL                   string            `json:"url"`
	Links                 map[string]string `json:"links"`
	VirtualStartTime      string            `json:"virtual_start_time"`
	IgnoreCapacity        bool              `json:"ignore_capacity"`
	RoutingTarget         *string           `json:"routing_target"`
}

func (s *Sandbox) taskView(t *task) taskJSON { return taskViewAt(s.w, s.now, t) }

// taskViewAt is the resource of t in w at now; with a copy of t it needs no lock.
func taskViewAt(w *world, now time.Time, t *task) taskJSON {
	u := fmt.Sprintf("%s/Workspaces/%s/Tasks/%s", trBase, w.workspace, t.sid)
	var reason *string
	if t.reason != "" {
		reason = &t.reason
	}
	return taskJSON{
		AccountSid: w.account, Age: int(now.Sub(t.created) / time.Second), AssignmentStatus: t.status,
		Attributes: t.attributes, Addons: "{}", DateCreated: iso(t.created), DateUpdated: iso(t.updated),
		TaskQueueEnteredDate: isoPtr(t.created), Priority: t.priority, Reason: reason, Sid: t.sid,
		TaskQueueSid: w.taskQueue.sid, TaskQueueFriendlyName: w.taskQueue.friendly,
		TaskChannelSid: t.channel.sid, TaskChannelUniqueName: t.channel.unique, Timeout: t.timeout,
		WorkflowSid: t.workflow.sid, WorkflowFriendlyName: t.workflow.friendly, WorkspaceSid: w.workspace,
		URL: u, VirtualStartTime: iso(t.virtualStart),
		Links: map[string]string{
			"task_queue":   fmt.Sprintf("%s/Workspaces/%s/TaskQueues/%s", trBase, w.workspace, w.taskQueue.sid),
			"workflow":     fmt.Sprintf("%s/Workspaces/%s/Workflows/%s", trBase, w.workspace, t.workflow.sid),
			"workspace":    fmt.Sprintf("%s/Workspaces/%s", trBase, w.workspace),
			"reservations": u + "/Reservations",
		},
	}
}

func etag(t *task) string { return strconv.Itoa(t.version) }

// createTask makes a pending task and routes it. Called with s.mu held.
func (s *Sandbox) createTask(wf *workflow, attrs, channel string, priority, timeout int, vst time.Time) (*task, error) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(attrs), &obj); err != nil {
		return nil, fmt.Errorf("attributes is not a JSON object: %w", err)
	}
	ch := s.w.channelByName(channel)
	if ch == nil {
		return nil, fmt.Errorf("Invalid TaskChannel %q: no such TaskChannel in Workspace %s", channel, s.w.workspace)
	}
	s.w.seq++
	t := &task{
		sid: s.w.ids.next("WT"), seq: s.w.seq, attributes: attrs, status: "pending", priority: priority,
		timeout: timeout, workflow: wf, channel: ch, created: s.now, updated: s.now, virtualStart: s.now,
		version: 0, rejected: map[string]bool{},
	}
	if !vst.IsZero() {
		t.virtualStart = vst.UTC()
	}
	s.w.tasks[t.sid] = t
	s.w.taskList = append(s.w.taskList, t)
	s.route()
	return t, nil
}

func (s *Sandbox) handleCreateTask(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Twilio refuses a create naming a workflow or task channel the workspace lacks with a 400
	// (code 20001) whose message names the parameter.
	wf := s.w.workflowBySid(r.PostFormValue("WorkflowSid"))
	if wf == nil {
		badRequest(w, fmt.Sprintf("Invalid WorkflowSid %q: no such Workflow in Workspace %s", r.PostFormValue("WorkflowSid"), s.w.workspace))
		return
	}
	attrs := r.PostFormValue("Attributes")
	if attrs == "" {
		attrs = "{}"
	}
	channel := r.PostFormValue("TaskChannel")
	if channel == "" {
		channel = "default"
	}
	priority, timeout := 0, 86400
	var err error
	if v := r.PostFormValue("Priority"); v != "" {
		if priority, err = strconv.Atoi(v); err != nil || priority < 0 {
			badRequest(w, "Priority must be a non-negative integer")
			return
		}
	}
	if v := r.PostFormValue("Timeout"); v != "" {
		if timeout, err = strconv.Atoi(v); err != nil || timeout < 1 || timeout > 2592000 {
			badRequest(w, "Timeout must be between 1 and 2592000")
			return
		}
	}
	var vst time.Time
	if v := r.PostFormValue("VirtualStartTime"); v != "" {
		if vst, err = time.Parse(time.RFC3339, v); err != nil {
			badRequest(w, "VirtualStartTime must be an RFC 3339 date")
			return
		}
	}
	t, err := s.createTask(wf, attrs, channel, priority, timeout, vst)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	w.Header().Set("ETag", etag(t))
	writeJSON(w, http.StatusCreated, s.taskView(t))
}

// onTask runs h on the task the path names, holding the sandbox's lock, after answering 404 for
// an unknown task and, with change, 412 for an If-Match that names another ETag.
func (s *Sandbox) onTask(change bool, h func(w http.ResponseWriter, r *http.Request, t *task)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		t := s.w.tasks[r.PathValue("task")]
		m := r.Header.Get("If-Match")
		switch {
		case t == nil:
			notFound(w, "/Workspaces/"+r.PathValue("ws")+"/Tasks/"+r.PathValue("task"))
		case change && m != "" && strings.Trim(m, `"`) != etag(t):
			writeError(w, http.StatusPreconditionFailed, 20001, "ETag mismatch: the task was modified")
		default:
			h(w, r, t)
		}
	}
}

func (s *Sandbox) handleFetchTask(w http.ResponseWriter, r *http.Request, t *task) {
	w.Header().Set("ETag", etag(t))
	writeJSON(w, http.StatusOK, s.taskView(t))
}

func (s *Sandbox) handleDeleteTask(w http.ResponseWriter, r *http.Request, t *task) {
	s.endReservations(t, "canceled")
	delete(s.w.tasks, t.sid)
	s.w.taskList = slices.DeleteFunc(s.w.taskList, func(x *task) bool { return x == t })
	s.route()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) handleUpdateTask(w http.ResponseWriter, r *http.Request, t *task) {
	if v, ok := r.PostForm["Attributes"]; ok {
		var obj map[string]any
		if err := json.Unmarshal([]byte(v[0]), &obj); err != nil {
			badRequest(w, "Attributes is not a JSON object")
			return
		}
	}
	if v := r.PostFormValue("Priority"); v != "" {
		if p, err := strconv.Atoi(v); err != nil || p < 0 {
			badRequest(w, "Priority must be a non-negative integer")
			return
		}
	}
	var vst time.Time
	if v := r.PostFormValue("VirtualStartTime"); v != "" {
		var err error
		if vst, err = time.Parse(time.RFC3339, v); err != nil {
			badRequest(w, "VirtualStartTime must be an RFC 3339 date")
			return
		}
	}
	if st := r.PostFormValue("AssignmentStatus"); st != "" {
		if err := s.moveTask(t, st, r.PostFormValue("Reason")); err != nil {
			badRequest(w, err.Error())
			return
		}
	} else if reason := r.PostFormValue("Reason"); reason != "" {
		t.reason = reason
	}
	if v, ok := r.PostForm["Attributes"]; ok {
		t.attributes = v[0]
	}
	if v := r.PostFormValue("Priority"); v != "" {
		t.priority, _ = strconv.Atoi(v)
	}
	if !vst.IsZero() {
		t.virtualStart = vst.UTC()
	}
	t.updated = s.now
	t.version++
	s.route()
	w.Header().Set("ETag", etag(t))
	writeJSON(w, http.StatusOK, s.taskView(t))
}

// moveTask applies an AssignmentStatus change the way TaskRouter allows it.
func (s *Sandbox) moveTask(t *task, to, reason string) error {
	switch to {
	case "canceled":
		if t.status != "pending" && t.status != "reserved" {
			return fmt.Errorf("Cannot cancel task %s because it is not pending or reserved", t.sid)
		}
		s.endReservations(t, "canceled")
	case "wrapping":
		if t.status != "assigned" {
			return fmt.Errorf("Cannot wrap up task %s because it is not assigned", t.sid)
		}
		s.moveAcceptedReservation(t, "wrapping")
	case "completed":
		if t.status != "assigned" && t.status != "wrapping" {
			return fmt.Errorf("Cannot complete task %s because it is not assigned or wrapping", t.sid)
		}
		s.moveAcceptedReservation(t, "completed")
	default:
		return fmt.Errorf("AssignmentStatus %q is not allowed", to)
	}
	t.status = to
	if reason != "" {
		t.reason = reason
	}
	return nil
}

func (s *Sandbox) handleListTasks(w http.ResponseWriter, r *http.Request) {
	filters := url.Values{}
	var statuses []string
	for _, v := range r.Form["AssignmentStatus"] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				statuses = append(statuses, part)
			}
		}
	}
	if len(r.Form["AssignmentStatus"]) > 0 {
		filters["AssignmentStatus"] = r.Form["AssignmentStatus"]
	}
	keep := []string{"WorkflowSid", "WorkflowName", "TaskQueueSid", "TaskQueueName", "TaskChannel", "EvaluateTaskAttributes", "Ordering"}
	for _, k := range keep {
		if v := r.FormValue(k); v != "" {
			filters.Set(k, v)
		}
	}
	var match func(map[string]any) bool
	if expr := r.FormValue("EvaluateTaskAttributes"); expr != "" {
		if !s.limiter.allow(time.Now()) {
			writeError(w, http.StatusTooManyRequests, 20429, "Too many requests: EvaluateTaskAttributes is limited to 3 requests per second")
			return
		}
		var err error
		if match, err = parseExpr(expr); err != nil {
			badRequest(w, "EvaluateTaskAttributes: "+err.Error())
			return
		}
	}
	body, err := s.listTasks(r, statuses, filters, match)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body) // outside the mutex: a slow reader holds up no one
}

// listTasks filters and sorts the tasks under the mutex, then builds the page from copies
// without it.
func (s *Sandbox) listTasks(r *http.Request, statuses []string, filters url.Values, match func(map[string]any) bool) (map[string]any, error) {
	s.mu.Lock()
	list, byCreation, err := s.matchTasks(r, statuses, match)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	for i, t := range list {
		cp := *t
		list[i] = &cp
	}
	w, now := s.w, s.now
	s.mu.Unlock()
	view := func(t *task) taskJSON { return taskViewAt(w, now, t) }
	var cursor func(*task) string
	if byCreation {
		cursor = func(t *task) string { return "PA" + strconv.Itoa(t.seq) }
	}
	return pageOf(r, "tasks", fmt.Sprintf("%s/Workspaces/%s/Tasks", trBase, w.workspace), filters, list, view, cursor), nil
}

// matchTasks returns the tasks a list request selects, in its order, and whether that is creation
// order (then a cursor PageToken is honoured). Called with s.mu held.
func (s *Sandbox) matchTasks(r *http.Request, statuses []string, match func(map[string]any) bool) ([]*task, bool, error) {
	// taskList is in creation order (date_created never decreases), so a list by creation date
	// needs no sort and can stop one past the page asked for: the wait experience's newest-first
	// lookups then cost a page, not every task ever made.
	ordering := strings.ReplaceAll(r.FormValue("Ordering"), " ", "")
	byCreation, newestFirst, limit := false, false, -1
	all := s.w.taskList
	switch ordering {
	case "", "DateCreated", "DateCreated:asc", "DateCreated:desc":
		byCreation, newestFirst = true, ordering == "DateCreated:desc"
		pg, size := pageBounds(r)
		limit = (pg+1)*size + 1
		if cur, ok := afterCursor(r); ok {
			// The page after the task with sequence number cur, gone or not.
			i, _ := slices.BinarySearchFunc(all, cur, func(t *task, seq int) int { return cmp.Compare(t.seq, seq) })
			if newestFirst {
				all = all[:i]
			} else {
				for i < len(all) && all[i].seq == cur {
					i++
				}
				all = all[i:]
			}
			limit = size + 1
		}
	}
	var list []*task
	n := len(all)
	for k := range n {
		if len(list) == limit {
			break
		}
		t := all[k]
		if newestFirst {
			t = all[n-1-k]
		}
		if len(statuses) > 0 && !slices.Contains(statuses, t.status) {
			continue
		}
		if v := r.FormValue("WorkflowSid"); v != "" && t.workflow.sid != v {
			continue
		}
		if v := r.FormValue("WorkflowName"); v != "" && t.workflow.friendly != v {
			continue
		}
		if v := r.FormValue("TaskQueueSid"); v != "" && s.w.taskQueue.sid != v {
			continue
		}
		if v := r.FormValue("TaskQueueName"); v != "" && s.w.taskQueue.friendly != v {
			continue
		}
		if v := r.FormValue("TaskChannel"); v != "" && t.channel.unique != v && t.channel.sid != v {
			continue
		}
		if match != nil {
			var obj map[string]any
			if json.Unmarshal([]byte(t.attributes), &obj) != nil || !match(obj) {
				continue
			}
		}
		list = append(list, t)
	}
	if !byCreation {
		if err := sortTasks(list, r.FormValue("Ordering")); err != nil {
			return nil, false, err
		}
	}
	return list, byCreation, nil
}

// sortTasks orders by "DateCreated:asc|desc" or "Priority:asc|desc" (comma-separated, TaskRouter's
// syntax); the default is creation order.
func sortTasks(list []*task, ordering string) error {
	type key struct {
		field string
		desc  bool
	}
	var keys []key
	for part := range strings.SplitSeq(ordering, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		field, dir, _ := strings.Cut(part, ":")
		if field != "DateCreated" && field != "Priority" {
			return fmt.Errorf("Ordering by %q is not supported", field)
		}
		if dir != "" && dir != "asc" && dir != "desc" {
			return fmt.Errorf("Ordering direction %q is invalid", dir)
		}
		keys = append(keys, key{field, dir == "desc"})
	}
	slices.SortStableFunc(list, func(a, b *task) int {
		for _, k := range keys {
			c := 0
			if k.field == "Priority" {
				c = a.priority - b.priority
			} else {
				c = a.created.Compare(b.created)
				if c == 0 {
					c = a.seq - b.seq
				}
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return a.seq - b.seq
	})
	return nil
}
