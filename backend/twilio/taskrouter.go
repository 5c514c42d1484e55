package twilio

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client/metadata"
	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"flexcallback"
)

const (
	defaultPageSize = 50
	maxListPages    = 20 // 1000 workspaces, workflows or flows: far more than an account has
)

// CreateTask creates a task in the workspace. It is retried only when Twilio certainly did not
// create it; otherwise the error is ErrAmbiguous and the caller looks for its key before trying
// again.
func (c *Client) CreateTask(ctx context.Context, t flexcallback.NewTask) (flexcallback.Task, error) {
	attrs, err := flexcallback.EncodeAttributes(t.Attributes)
	if err != nil {
		return flexcallback.Task{}, flexcallback.Invalid("attributes", "attributes are not JSON")
	}
	// The form twilio-go's CreateTask sends, posted through its request handler (credentials,
	// region, Twilio's error document), and the answer read in one pass: decoding twilio-go's
	// whole task model was a sixth of a create's CPU (issue 12).
	data := url.Values{"Attributes": {attrs}, "Priority": {strconv.Itoa(t.Priority)}}
	if t.WorkflowSid != "" {
		data.Set("WorkflowSid", t.WorkflowSid)
	}
	if t.Channel != "" {
		data.Set("TaskChannel", t.Channel)
	}
	if t.Timeout > 0 {
		data.Set("Timeout", strconv.Itoa(t.Timeout))
	}
	if !t.VirtualStartTime.IsZero() {
		data.Set("VirtualStartTime", t.VirtualStartTime.UTC().Format(time.RFC3339)) // Twilio's examples are UTC
	}
	u := c.tasksURL()
	var task flexcallback.Task
	err = c.do(ctx, "create task", "", opCreate, func(a *attempt) error {
		// A map of its own each time: twilio-go may add headers to it.
		resp, err := c.handler(c.restClient(a)).Post(u, data, map[string]any{"Content-Type": "application/x-www-form-urlencoded"}, "")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := readBody(resp)
		if err != nil {
			return err
		}
		task, err = readTask(body, resp.Header.Get("ETag"))
		return err
	})
	if err != nil {
		return flexcallback.Task{}, unknownTarget(err)
	}
	return task, nil
}

// tasksURL is the workspace's task list, which the two calls that skip twilio-go's models use.
func (c *Client) tasksURL() string {
	return "https://taskrouter.twilio.com/v1/Workspaces/" + c.workspace + "/Tasks"
}

// readBody reads an answer whole, in one allocation when its length is announced.
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= maxAnswer {
		body := make([]byte, n)
		_, err := io.ReadFull(resp.Body, body)
		return body, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
}

// maxAnswer bounds what is read of one answer: a page of fifty tasks with the largest
// attributes TaskRouter takes (100 kB each) is within it.
const maxAnswer = 16 << 20

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
	return bySid(c, ctx, "fetch task", "taskSid", sid, func(a *attempt) (*taskMeta, error) {
		return c.taskrouter(a).FetchTaskWithMetadata(c.workspace, sid)
	}, withETag)
}

// UpdateTask changes a task. With u.IfMatch set, a task changed since that ETag fails at once
// with ErrPrecondition (re-read and decide again: that loop is the caller's). An update that sets
// values is idempotent, so it is retried like a read; a retry of an update that did land fails
// with ErrPrecondition (If-Match) or ErrConflict (a cancel of a cancelled task).
func (c *Client) UpdateTask(ctx context.Context, sid string, u flexcallback.TaskUpdate) (flexcallback.Task, error) {
	p := &taskrouter.UpdateTaskParams{}
	setNonEmpty(u.IfMatch, p.SetIfMatch)
	setNonEmpty(u.AssignmentStatus, p.SetAssignmentStatus)
	setNonEmpty(u.Reason, p.SetReason)
	if u.Attributes != nil {
		attrs, err := flexcallback.EncodeAttributes(u.Attributes)
		if err != nil {
			return flexcallback.Task{}, flexcallback.Invalid("attributes", "attributes are not JSON")
		}
		p.SetAttributes(attrs)
	}
	return bySid(c, ctx, "update task", "taskSid", sid, func(a *attempt) (*taskMeta, error) {
		return c.taskrouter(a).UpdateTaskWithMetadata(c.workspace, sid, p)
	}, withETag)
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
	setNonEmpty(q.Ordering, p.SetOrdering)
	setNonEmpty(q.Evaluate, p.SetEvaluateTaskAttributes)
	p.SetPageSize(cmp.Or(q.PageSize, defaultPageSize))
	return listPages(c, ctx, "list tasks", "", cmp.Or(q.MaxPages, 1),
		func(a *attempt, token, number string) ([]taskrouter.TaskrouterV1Task, *string, error) {
			res, err := c.taskrouter(a).PageTask(c.workspace, p, token, number)
			if err != nil {
				return nil, nil, err
			}
			return res.Tasks, res.Meta.NextPageUrl, nil
		}, func(t taskrouter.TaskrouterV1Task) (flexcallback.Task, error) { return taskOf(t, "") })
}

// ListWorkflows lists the workspace's workflows.
func (c *Client) ListWorkflows(ctx context.Context) ([]flexcallback.Workflow, error) {
	p := (&taskrouter.ListWorkflowParams{}).SetPageSize(defaultPageSize)
	return listPages(c, ctx, "list workflows", "", maxListPages,
		func(a *attempt, token, number string) ([]taskrouter.TaskrouterV1Workflow, *string, error) {
			res, err := c.taskrouter(a).PageWorkflow(c.workspace, p, token, number)
			if err != nil {
				return nil, nil, err
			}
			return res.Workflows, res.Meta.NextPageUrl, nil
		}, func(w taskrouter.TaskrouterV1Workflow) (flexcallback.Workflow, error) {
			return flexcallback.Workflow{Sid: deref(w.Sid), FriendlyName: deref(w.FriendlyName)}, nil
		})
}

// taskMeta is a task as twilio-go answers it with its headers (the ETag).
type taskMeta = metadata.ResourceMetadata[taskrouter.TaskrouterV1Task]

// withETag is taskOf for a fetch, an update or a create: the ETag is in the answer's headers.
func withETag(res *taskMeta) (flexcallback.Task, error) {
	return taskOf(res.Resource, res.GetHeader("ETag"))
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
