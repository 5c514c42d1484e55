package twilio

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"flexcallback"
)

// readTaskPage reads a task list answer: each task's SID, queue, status, priority, dates and
// attributes.call_sid, and the next page's URL. Every other field and attribute is skipped
// unbuilt (issue 12: building whole tasks was most of a lookup's CPU).
func readTaskPage(body []byte) (refs []flexcallback.TaskRef, nextURL string, err error) {
	s := &jsonScan{b: body}
	err = s.object(func(key []byte) error {
		switch string(key) {
		case "tasks":
			return s.array(func() error {
				var r flexcallback.TaskRef
				if err := s.object(func(key []byte) error { return readTaskField(s, key, &r) }); err != nil {
					return err
				}
				refs = append(refs, r)
				return nil
			})
		case "meta":
			return s.object(func(key []byte) error {
				if string(key) != "next_page_url" {
					return s.skip()
				}
				var err error
				nextURL, err = s.str()
				return err
			})
		}
		return s.skip()
	})
	return refs, nextURL, err
}

// readTask reads one task as TaskRouter answers a create: every field a Task has, its
// attributes decoded whole.
func readTask(body []byte, etag string) (flexcallback.Task, error) {
	t := flexcallback.Task{ETag: etag}
	var attrs string
	s := &jsonScan{b: body}
	err := s.object(func(key []byte) error {
		var err error
		var v string
		switch string(key) {
		case "sid":
			t.Sid, err = s.str()
		case "workspace_sid":
			t.WorkspaceSid, err = s.str()
		case "workflow_sid":
			t.WorkflowSid, err = s.str()
		case "task_queue_sid":
			t.QueueSid, err = s.str()
		case "task_channel_unique_name":
			t.Channel, err = s.str()
		case "assignment_status":
			t.Status, err = s.str()
		case "reason":
			t.Reason, err = s.str()
		case "priority":
			t.Priority, err = s.int()
		case "timeout":
			t.Timeout, err = s.int()
		case "age":
			t.Age, err = s.int()
		case "attributes":
			attrs, err = s.str()
		case "date_created":
			v, err = s.str()
			t.DateCreated = parseTime(v)
		case "date_updated":
			v, err = s.str()
			t.DateUpdated = parseTime(v)
		case "virtual_start_time":
			v, err = s.str()
			t.VirtualStartTime = parseTime(v)
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil {
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrInternal,
			Message: "Twilio's task could not be read", Err: err}
	}
	if t.Attributes, err = flexcallback.DecodeAttributes(attrs); err != nil {
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrInternal,
			Message: "Twilio returned task attributes that are not JSON", Err: fmt.Errorf("task %s: %w", t.Sid, err)}
	}
	return t, nil
}

func readTaskField(s *jsonScan, key []byte, r *flexcallback.TaskRef) error {
	var err error
	var v string
	switch string(key) {
	case "sid":
		r.Sid, err = s.str()
	case "task_queue_sid":
		r.QueueSid, err = s.str()
	case "assignment_status":
		r.Status, err = s.str()
	case "priority":
		r.Priority, err = s.int()
	case "date_created":
		v, err = s.str()
		r.DateCreated = parseTime(v)
	case "virtual_start_time":
		v, err = s.str()
		r.VirtualStartTime = parseTime(v)
	case "attributes":
		if v, err = s.str(); err == nil {
			r.CallSid = callSidOf(v)
		}
	default:
		err = s.skip()
	}
	return err
}

// callSidOf reads attributes.call_sid; "" when the attributes are not an object or it is not a
// string.
func callSidOf(attrs string) string {
	s := &jsonScan{b: []byte(attrs)}
	sid := ""
	err := s.object(func(key []byte) error {
		if string(key) != "call_sid" || s.peek() != '"' {
			return s.skip()
		}
		var err error
		sid, err = s.str()
		return err
	})
	if err != nil {
		return ""
	}
	return sid
}

// ListTaskPage returns one page of the workspace's tasks as refs: one retried request. next is "" for the first page, else the TaskPage.Next before it.
func (c *Client) ListTaskPage(ctx context.Context, q flexcallback.TaskQuery, next string) (flexcallback.TaskPage, error) {
	data, err := taskListQuery(q, next)
	if err != nil {
		return flexcallback.TaskPage{}, err
	}
	u := c.tasksURL()
	var body []byte
	err = c.do(ctx, "list tasks", "", opIdempotent, func(a *attempt) error {
		resp, err := c.handler(c.restClient(a)).Get(u, data, nil, "")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err = readBody(resp)
		return err
	})
	if err != nil {
		return flexcallback.TaskPage{}, err
	}
	refs, nextURL, err := readTaskPage(body)
	if err != nil {
		return flexcallback.TaskPage{}, &flexcallback.Error{Kind: flexcallback.ErrInternal,
			Message: "Twilio's task list could not be read", Err: err}
	}
	page := flexcallback.TaskPage{Refs: refs}
	if token, pg, ok := nextPage(&nextURL); ok {
		page.Next = url.Values{"PageToken": {token}, "Page": {pg}}.Encode()
	}
	return page, nil
}

// taskListQuery is q as TaskRouter's list parameters, with the page next names.
func taskListQuery(q flexcallback.TaskQuery, next string) (url.Values, error) {
	data := url.Values{}
	if next != "" {
		n, err := url.ParseQuery(next)
		if err != nil {
			return nil, flexcallback.Invalid("next", "not a page of a task list")
		}
		for _, k := range []string{"PageToken", "Page"} {
			if v := n.Get(k); v != "" {
				data.Set(k, v)
			}
		}
	}
	if q.WorkflowSid != "" {
		if err := checkSid("workflowSid", q.WorkflowSid); err != nil {
			return nil, err
		}
		data.Set("WorkflowSid", q.WorkflowSid)
	}
	for _, s := range q.AssignmentStatus {
		data.Add("AssignmentStatus", s)
	}
	if q.Ordering != "" {
		data.Set("Ordering", q.Ordering)
	}
	if q.Evaluate != "" {
		data.Set("EvaluateTaskAttributes", q.Evaluate)
	}
	data.Set("PageSize", strconv.Itoa(cmp.Or(q.PageSize, defaultPageSize)))
	return data, nil
}

// parseTime reads TaskRouter's RFC 3339 dates; zero when absent.
func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
