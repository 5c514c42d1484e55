package twilio

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"time"

	"flexcallback"
)

// taskListPage is the part of a task list answer ListTaskPage reads. Everything else, and every
// attribute but call_sid, is skipped by the decoder without being built: a page costs a scan, not
// fifty maps (issue 12: decoding whole pages was most of a lookup's CPU).
type taskListPage struct {
	Tasks []struct {
		Sid              string `json:"sid"`
		AssignmentStatus string `json:"assignment_status"`
		Attributes       string `json:"attributes"`
		Priority         int    `json:"priority"`
		DateCreated      string `json:"date_created"`
		VirtualStartTime string `json:"virtual_start_time"`
	} `json:"tasks"`
	Meta struct {
		NextPageURL string `json:"next_page_url"`
	} `json:"meta"`
}

// callSidOf reads attributes.call_sid; "" when the attributes are not an object or it is not a
// string.
func callSidOf(attrs string) string {
	var a struct {
		CallSid string `json:"call_sid"`
	}
	if json.Unmarshal([]byte(attrs), &a) != nil {
		return ""
	}
	return a.CallSid
}

// ListTaskPage returns one page of the workspace's tasks as refs: one retried request, the answer
// decoded as it streams in. next is "" for the first page, else the TaskPage.Next before it.
func (c *Client) ListTaskPage(ctx context.Context, q flexcallback.TaskQuery, next string) (flexcallback.TaskPage, error) {
	data, err := taskListQuery(q, next)
	if err != nil {
		return flexcallback.TaskPage{}, err
	}
	u := "https://taskrouter.twilio.com/v1/Workspaces/" + c.workspace + "/Tasks"
	var res taskListPage
	err = c.do(ctx, "list tasks", "", opIdempotent, func(a *attempt) error {
		resp, err := c.handler(c.restClient(a)).Get(u, data, nil, "")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		res = taskListPage{}
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body) // to the end, so the connection is reused
		return err
	})
	if err != nil {
		return flexcallback.TaskPage{}, err
	}
	page := flexcallback.TaskPage{Refs: make([]flexcallback.TaskRef, len(res.Tasks))}
	for i, t := range res.Tasks {
		page.Refs[i] = flexcallback.TaskRef{
			Sid: t.Sid, CallSid: callSidOf(t.Attributes), Status: t.AssignmentStatus, Priority: t.Priority,
			DateCreated: parseTime(t.DateCreated), VirtualStartTime: parseTime(t.VirtualStartTime),
		}
	}
	if token, pg, ok := nextPage(&res.Meta.NextPageURL); ok {
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
