package twilio

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/twilio/twilio-go/client/metadata"
	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"flexcallback"
)

const (
	defaultPageSize  = 50
	maxWorkflowPages = 20 // 1000 workflows: far more than a Flex workspace has
)

// CreateTask creates a task in the workspace. It is retried only when Twilio certainly did not
// create it; otherwise the error is ErrAmbiguous and the caller looks for its key before trying
// again.
func (c *Client) CreateTask(ctx context.Context, t flexcallback.NewTask) (flexcallback.Task, error) {
	attrs, err := flexcallback.EncodeAttributes(t.Attributes)
	if err != nil {
		return flexcallback.Task{}, flexcallback.Invalid("attributes", "attributes are not JSON")
	}
	p := (&taskrouter.CreateTaskParams{}).SetAttributes(attrs).SetPriority(t.Priority)
	if t.WorkflowSid != "" {
		p.SetWorkflowSid(t.WorkflowSid)
	}
	if t.Channel != "" {
		p.SetTaskChannel(t.Channel)
	}
	if t.Timeout > 0 {
		p.SetTimeout(t.Timeout)
	}
	if !t.VirtualStartTime.IsZero() {
		// twilio-go formats in the value's zone; Twilio's own examples are UTC.
		p.SetVirtualStartTime(t.VirtualStartTime.UTC())
	}
	var res *metadata.ResourceMetadata[taskrouter.TaskrouterV1Task]
	err = c.do(ctx, "create task", "", opCreate, func(a *attempt) error {
		var err error
		res, err = c.taskrouter(a).CreateTaskWithMetadata(c.workspace, p)
		return err
	})
	if err != nil {
		return flexcallback.Task{}, unknownTarget(err)
	}
	return taskOf(res.Resource, res.GetHeader("ETag"))
}

// unknownTarget names the parameter at fault when Twilio refuses a create for a workflow or task
// channel the workspace does not have (a 400, code 20001, or a 404, whose message names
// WorkflowSid or TaskChannel), instead of blaming the task's state. Twilio's status and code stay.
func unknownTarget(err error) error {
	e, ok := flexcallback.AsError(err)
	if !ok || (e.Status != http.StatusBadRequest && e.Status != http.StatusNotFound) {
		return err
	}
	msg := strings.ToLower(restInfo(snapshot{}, err).Message)
	field, what := "", ""
	switch {
	case strings.Contains(msg, "workflow"):
		field, what = "workflowSid", "workflowSid is not a workflow of the Flex workspace"
	case strings.Contains(msg, "channel"):
		field, what = "taskChannel", "taskChannel is not a task channel of the Flex workspace"
	default:
		return err
	}
	return &flexcallback.Error{Kind: flexcallback.ErrInvalid, Field: field, Message: what,
		Status: e.Status, Code: e.Code, MoreInfo: e.MoreInfo, Err: err}
}

// FetchTask returns the task with its ETag.
func (c *Client) FetchTask(ctx context.Context, sid string) (flexcallback.Task, error) {
	if err := checkSid("taskSid", sid); err != nil {
		return flexcallback.Task{}, err
	}
	var res *metadata.ResourceMetadata[taskrouter.TaskrouterV1Task]
	err := c.do(ctx, "fetch task", sid, opIdempotent, func(a *attempt) error {
		var err error
		res, err = c.taskrouter(a).FetchTaskWithMetadata(c.workspace, sid)
		return err
	})
	if err != nil {
		return flexcallback.Task{}, err
	}
	return taskOf(res.Resource, res.GetHeader("ETag"))
}

// UpdateTask changes a task. With u.IfMatch set, a task changed since that ETag fails at once
// with ErrPrecondition (re-read and decide again: that loop is the caller's). An update that sets
// values is idempotent, so it is retried like a read; a retry of an update that did land fails
// with ErrPrecondition (If-Match) or ErrConflict (a cancel of a cancelled task).
func (c *Client) UpdateTask(ctx context.Context, sid string, u flexcallback.TaskUpdate) (flexcallback.Task, error) {
	if err := checkSid("taskSid", sid); err != nil {
		return flexcallback.Task{}, err
	}
	p := &taskrouter.UpdateTaskParams{}
	if u.IfMatch != "" {
		p.SetIfMatch(u.IfMatch)
	}
	if u.AssignmentStatus != "" {
		p.SetAssignmentStatus(u.AssignmentStatus)
	}
	if u.Reason != "" {
		p.SetReason(u.Reason)
	}
	if u.Attributes != nil {
		attrs, err := flexcallback.EncodeAttributes(u.Attributes)
		if err != nil {
			return flexcallback.Task{}, flexcallback.Invalid("attributes", "attributes are not JSON")
		}
		p.SetAttributes(attrs)
	}
	var res *metadata.ResourceMetadata[taskrouter.TaskrouterV1Task]
	err := c.do(ctx, "update task", sid, opIdempotent, func(a *attempt) error {
		var err error
		res, err = c.taskrouter(a).UpdateTaskWithMetadata(c.workspace, sid, p)
		return err
	})
	if err != nil {
		return flexcallback.Task{}, err
	}
	return taskOf(res.Resource, res.GetHeader("ETag"))
}

// ListTasks lists tasks of the workspace, one retried request per page, at most q.MaxPages
// pages (default 1) of q.PageSize (default 50).
func (c *Client) ListTasks(ctx context.Context, q flexcallback.TaskQuery) ([]flexcallback.Task, error) {
	p := &taskrouter.ListTaskParams{}
	if q.WorkflowSid != "" {
		if err := checkSid("workflowSid", q.WorkflowSid); err != nil {
			return nil, err
		}
		p.SetWorkflowSid(q.WorkflowSid)
	}
	if len(q.AssignmentStatus) > 0 {
		p.SetAssignmentStatus(q.AssignmentStatus)
	}
	if q.Ordering != "" {
		p.SetOrdering(q.Ordering)
	}
	if q.Evaluate != "" {
		p.SetEvaluateTaskAttributes(q.Evaluate)
	}
	p.SetPageSize(cmp.Or(q.PageSize, defaultPageSize))
	maxPages := cmp.Or(q.MaxPages, 1)

	var tasks []flexcallback.Task
	token, page := "", ""
	for n := 0; n < maxPages; n++ {
		var res *taskrouter.ListTaskResponse
		err := c.do(ctx, "list tasks", "", opIdempotent, func(a *attempt) error {
			var err error
			res, err = c.taskrouter(a).PageTask(c.workspace, p, token, page)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, tt := range res.Tasks {
			t, err := taskOf(tt, "")
			if err != nil {
				return nil, err
			}
			tasks = append(tasks, t)
		}
		var ok bool
		if token, page, ok = nextPage(res.Meta.NextPageUrl); !ok {
			break
		}
	}
	return tasks, nil
}

// ListWorkflows lists the workspace's workflows.
func (c *Client) ListWorkflows(ctx context.Context) ([]flexcallback.Workflow, error) {
	p := (&taskrouter.ListWorkflowParams{}).SetPageSize(defaultPageSize)
	var out []flexcallback.Workflow
	token, page := "", ""
	for n := 0; n < maxWorkflowPages; n++ {
		var res *taskrouter.ListWorkflowResponse
		err := c.do(ctx, "list workflows", "", opIdempotent, func(a *attempt) error {
			var err error
			res, err = c.taskrouter(a).PageWorkflow(c.workspace, p, token, page)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, w := range res.Workflows {
			out = append(out, flexcallback.Workflow{Sid: deref(w.Sid), FriendlyName: deref(w.FriendlyName)})
		}
		var ok bool
		if token, page, ok = nextPage(res.Meta.NextPageUrl); !ok {
			break
		}
	}
	return out, nil
}

// nextPage reads PageToken and Page from Twilio's next_page_url, so each page is its own
// retried request through twilio-go's Page call.
func nextPage(next *string) (token, page string, ok bool) {
	if next == nil || *next == "" {
		return "", "", false
	}
	u, err := url.Parse(*next)
	if err != nil {
		return "", "", false
	}
	q := u.Query()
	token, page = q.Get("PageToken"), q.Get("Page")
	return token, page, token != "" || page != ""
}

func taskOf(t taskrouter.TaskrouterV1Task, etag string) (flexcallback.Task, error) {
	attrs, err := flexcallback.DecodeAttributes(deref(t.Attributes))
	if err != nil {
		return flexcallback.Task{}, &flexcallback.Error{Kind: flexcallback.ErrInternal,
			Message: "Twilio returned task attributes that are not JSON", Err: fmt.Errorf("task %s: %w", deref(t.Sid), err)}
	}
	return flexcallback.Task{
		Sid:              deref(t.Sid),
		WorkspaceSid:     deref(t.WorkspaceSid),
		WorkflowSid:      deref(t.WorkflowSid),
		QueueSid:         deref(t.TaskQueueSid),
		Channel:          deref(t.TaskChannelUniqueName),
		Status:           deref(t.AssignmentStatus),
		Reason:           deref(t.Reason),
		Priority:         t.Priority,
		Timeout:          t.Timeout,
		Age:              t.Age,
		Attributes:       attrs,
		DateCreated:      deref(t.DateCreated),
		DateUpdated:      deref(t.DateUpdated),
		VirtualStartTime: deref(t.VirtualStartTime),
		ETag:             etag,
	}, nil
}
