package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"flexcallback"
)

func TestCreateTask(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"7"`)
		fixture(t, w, http.StatusCreated, "task_create.json")
	})
	c, _ := newTestClient(t, wr, nil)
	vst := time.Date(2026, 11, 25, 15, 4, 5, 0, time.FixedZone("CET", 3600))
	task, err := c.CreateTask(context.Background(), flexcallback.NewTask{
		WorkflowSid:      "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		Channel:          "voice",
		Priority:         5,
		Timeout:          3600,
		Attributes:       map[string]any{"taskType": "callback", "callBackData": map[string]any{"attempts": 1}},
		VirtualStartTime: vst,
	})
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	req := wr.only()
	if req.Method != http.MethodPost || req.Path != "/taskrouter/v1/Workspaces/"+testWorkspace+"/Tasks" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	if req.User != testAccount || req.Pass != testToken {
		t.Errorf("basic auth = %q:%q", req.User, req.Pass)
	}
	for k, want := range map[string]string{
		"WorkflowSid":      "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"TaskChannel":      "voice",
		"Priority":         "5",
		"Timeout":          "3600",
		"VirtualStartTime": "2026-11-25T14:04:05Z",
	} {
		if got := req.Form.Get(k); got != want {
			t.Errorf("form %s = %q, want %q", k, got, want)
		}
	}
	var attrs map[string]any
	if err := json.Unmarshal([]byte(req.Form.Get("Attributes")), &attrs); err != nil || attrs["taskType"] != "callback" {
		t.Errorf("form Attributes = %q (%v)", req.Form.Get("Attributes"), err)
	}
	if task.Sid != testTask || task.Status != "pending" || task.ETag != `"7"` || task.Channel != "unique" || task.Priority != 1 {
		t.Errorf("task = %+v", task)
	}
}

func TestCreateTaskOmitsUnset(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		fixture(t, w, http.StatusCreated, "task_create.json")
	})
	c, _ := newTestClient(t, wr, nil)
	if _, err := c.CreateTask(context.Background(), flexcallback.NewTask{WorkflowSid: "WW1"}); err != nil {
		t.Fatal(err)
	}
	form := wr.only().Form
	for _, k := range []string{"VirtualStartTime", "Timeout", "TaskChannel"} {
		if form.Has(k) {
			t.Errorf("form has %s = %q, want it unset", k, form.Get(k))
		}
	}
	if form.Get("Attributes") != "{}" {
		t.Errorf("Attributes = %q, want {}", form.Get("Attributes"))
	}
}

func TestFetchTask(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", "12")
		fixture(t, w, http.StatusOK, "task_fetch.json")
	})
	c, _ := newTestClient(t, wr, nil)
	task, err := c.FetchTask(context.Background(), testTask)
	if err != nil {
		t.Fatalf("FetchTask: %v", err)
	}
	req := wr.only()
	if req.Method != http.MethodGet || req.Path != "/taskrouter/v1/Workspaces/"+testWorkspace+"/Tasks/"+testTask {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	want := flexcallback.Task{
		Sid:              testTask,
		WorkspaceSid:     testWorkspace,
		WorkflowSid:      "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		QueueSid:         "WQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		Channel:          "task-channel",
		Status:           "pending",
		Reason:           "Test Reason",
		Timeout:          60,
		Age:              25200,
		Attributes:       map[string]any{"body": "hello"},
		DateCreated:      time.Date(2014, 5, 14, 18, 50, 2, 0, time.UTC),
		DateUpdated:      time.Date(2014, 5, 15, 7, 26, 6, 0, time.UTC),
		VirtualStartTime: time.Date(2014, 5, 14, 18, 50, 2, 0, time.UTC),
		ETag:             "12",
	}
	if !reflect.DeepEqual(task, want) {
		t.Errorf("task =\n%+v\nwant\n%+v", task, want)
	}
}

func TestFetchTaskRejectsPathSid(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.FetchTask(context.Background(), "../Workflows/WW1")
	wantKind(t, err, flexcallback.ErrInvalid)
	if n := len(wr.requests()); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

func TestUpdateTaskIfMatch(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", "13")
		fixture(t, w, http.StatusOK, "task_update.json")
	})
	c, _ := newTestClient(t, wr, nil)
	task, err := c.UpdateTask(context.Background(), testTask, flexcallback.TaskUpdate{
		IfMatch: "12", AssignmentStatus: "canceled", Reason: "callback requested",
		Attributes: map[string]any{"taskType": "callback"},
	})
	if err != nil {
		t.Fatalf("UpdateTask: %v", err)
	}
	req := wr.only()
	if req.Method != http.MethodPost || req.Path != "/taskrouter/v1/Workspaces/"+testWorkspace+"/Tasks/"+testTask {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	if got := req.Header.Get("If-Match"); got != "12" {
		t.Errorf("If-Match = %q, want 12", got)
	}
	if req.Form.Get("AssignmentStatus") != "canceled" || req.Form.Get("Reason") != "callback requested" ||
		req.Form.Get("Attributes") != `{"taskType":"callback"}` {
		t.Errorf("form = %v", req.Form)
	}
	if task.ETag != "13" {
		t.Errorf("ETag = %q, want 13", task.ETag)
	}
}

func TestUpdateTaskPreconditionNotRetried(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusPreconditionFailed, 20412, "ETag mismatch")
	})
	c, rec := newTestClient(t, wr, nil)
	_, err := c.UpdateTask(context.Background(), testTask, flexcallback.TaskUpdate{IfMatch: "1", Attributes: map[string]any{}})
	e := wantKind(t, err, flexcallback.ErrPrecondition)
	if e.Status != 412 {
		t.Errorf("Status = %d", e.Status)
	}
	if n := len(wr.requests()); n != 1 || len(rec.waits) != 0 {
		t.Errorf("%d requests, %d waits; want 1 request, no retry", n, len(rec.waits))
	}
}

func TestUpdateTaskConflict(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusBadRequest, 20001, "Task is already canceled")
	})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.UpdateTask(context.Background(), testTask, flexcallback.TaskUpdate{AssignmentStatus: "canceled"})
	e := wantKind(t, err, flexcallback.ErrConflict)
	if e.Code != 20001 {
		t.Errorf("Code = %d", e.Code)
	}
}

func TestNotFoundKeepsTwilioDetails(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
	})
	c, rec := newTestClient(t, wr, nil)
	_, err := c.FetchTask(context.Background(), testTask)
	e := wantKind(t, err, flexcallback.ErrNotFound)
	if e.Status != 404 || e.Code != 20404 || e.MoreInfo != "https://www.twilio.com/docs/errors/20404" {
		t.Errorf("error = %+v", e)
	}
	var te *client.TwilioRestError
	if !errorsAs(err, &te) || te.Code != 20404 {
		t.Errorf("cause is not twilio-go's TwilioRestError: %v", err)
	}
	if len(wr.requests()) != 1 || len(rec.retries) != 0 {
		t.Errorf("404 was retried")
	}
}

func TestListTasksPaging(t *testing.T) {
	var page1 map[string]any
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			// Page 0 of the fixture, with a next page as Twilio writes it.
			w.Header().Set("Content-Type", "application/json")
			page1["meta"].(map[string]any)["next_page_url"] = "https://taskrouter.twilio.com/v1/Workspaces/" + testWorkspace +
				"/Tasks?AssignmentStatus=pending&AssignmentStatus=reserved&PageSize=2&Page=1&PageToken=PAWT1"
			json.NewEncoder(w).Encode(page1)
			return
		}
		fixture(t, w, http.StatusOK, "tasks_read.json")
	})
	b, err := readTestdata("tasks_read.json")
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &page1)
	c, _ := newTestClient(t, wr, nil)
	tasks, err := c.ListTasks(context.Background(), flexcallback.TaskQuery{
		WorkflowSid:      "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		AssignmentStatus: []string{"pending", "reserved"},
		Ordering:         "DateCreated:desc",
		PageSize:         2,
		MaxPages:         3,
	})
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	reqs := wr.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 (the second page has no next)", len(reqs))
	}
	q := reqs[0].Query
	if reqs[0].Method != http.MethodGet || reqs[0].Path != "/taskrouter/v1/Workspaces/"+testWorkspace+"/Tasks" ||
		!reflect.DeepEqual(q["AssignmentStatus"], []string{"pending", "reserved"}) ||
		q.Get("WorkflowSid") != "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" || q.Get("Ordering") != "DateCreated:desc" || q.Get("PageSize") != "2" {
		t.Errorf("first request = %s %s %v", reqs[0].Method, reqs[0].Path, q)
	}
	if q2 := reqs[1].Query; q2.Get("PageToken") != "PAWT1" || q2.Get("Page") != "1" || q2.Get("Ordering") != "DateCreated:desc" {
		t.Errorf("second request query = %v", q2)
	}
	if len(tasks) != 2 || tasks[0].Sid != testTask || tasks[0].Attributes["body"] != "hello" || tasks[0].ETag != "" {
		t.Errorf("tasks = %+v", tasks)
	}
}

func TestListTasksStopsAtMaxPages(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"meta": {"key": "tasks", "page": 0, "page_size": 50, "next_page_url": "https://taskrouter.twilio.com/v1/Workspaces/WS/Tasks?PageSize=50&Page=1&PageToken=PAx"}, "tasks": []}`))
	})
	c, _ := newTestClient(t, wr, nil)
	if _, err := c.ListTasks(context.Background(), flexcallback.TaskQuery{}); err != nil {
		t.Fatal(err)
	}
	req := wr.only() // MaxPages 0 means one page
	if req.Query.Get("PageSize") != "50" {
		t.Errorf("PageSize = %q, want the default 50", req.Query.Get("PageSize"))
	}
}

func TestListWorkflows(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		fixture(t, w, http.StatusOK, "workflows_read.json")
	})
	c, _ := newTestClient(t, wr, nil)
	wfs, err := c.ListWorkflows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if req := wr.only(); req.Path != "/taskrouter/v1/Workspaces/"+testWorkspace+"/Workflows" {
		t.Errorf("path = %s", req.Path)
	}
	if len(wfs) != 1 || wfs[0].Sid != "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" || wfs[0].FriendlyName == "" {
		t.Errorf("workflows = %+v", wfs)
	}
}

func TestPing(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		fixture(t, w, http.StatusOK, "workspace_fetch.json")
	})
	c, _ := newTestClient(t, wr, nil)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if req := wr.only(); req.Method != http.MethodGet || req.Path != "/taskrouter/v1/Workspaces/"+testWorkspace {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
}
