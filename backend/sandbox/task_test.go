package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"
)

func restErr(t *testing.T, err error) *client.TwilioRestError {
	t.Helper()
	var e *client.TwilioRestError
	if !errors.As(err, &e) {
		t.Fatalf("want a TwilioRestError, got %v", err)
	}
	return e
}

func TestTaskLifecycleWithTwilioGo(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	tr := taskrouter.NewApiServiceWithClient(twilioClient(t, srv, in))
	vst := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	task, err := tr.CreateTask(in.WorkspaceSid, (&taskrouter.CreateTaskParams{}).
		SetWorkflowSid(in.Workflows["callback"]).SetTaskChannel("voice").SetPriority(5).
		SetAttributes(`{"taskType":"callback","call_sid":"CA1"}`).SetVirtualStartTime(vst))
	if err != nil {
		t.Fatal(err)
	}
	if len(*task.Sid) != 34 || *task.AssignmentStatus != "pending" || *task.Attributes != `{"taskType":"callback","call_sid":"CA1"}` ||
		!task.VirtualStartTime.Equal(vst) || *task.TaskChannelUniqueName != "voice" || *task.WorkflowSid != in.Workflows["callback"] ||
		*task.TaskQueueSid != in.TaskQueues["Everyone"] || task.Priority != 5 {
		t.Fatalf("created task %+v", task)
	}

	got, err := tr.FetchTaskWithMetadata(in.WorkspaceSid, *task.Sid)
	if err != nil {
		t.Fatal(err)
	}
	tag := got.GetHeaders().Get("ETag")
	if tag == "" {
		t.Fatal("no ETag on fetch")
	}

	// A stale ETag is refused with 412, a fresh one accepted.
	if _, err := tr.UpdateTask(in.WorkspaceSid, *task.Sid, (&taskrouter.UpdateTaskParams{}).
		SetIfMatch(tag).SetAttributes(`{"taskType":"callback","n":1}`)); err != nil {
		t.Fatal(err)
	}
	_, err = tr.UpdateTask(in.WorkspaceSid, *task.Sid, (&taskrouter.UpdateTaskParams{}).
		SetIfMatch(tag).SetAttributes(`{"lost":true}`))
	if e := restErr(t, err); e.Status != 412 {
		t.Fatalf("stale If-Match: %+v", e)
	}

	canceled, err := tr.UpdateTask(in.WorkspaceSid, *task.Sid, (&taskrouter.UpdateTaskParams{}).
		SetAssignmentStatus("canceled").SetReason("Opted to request a callback"))
	if err != nil {
		t.Fatal(err)
	}
	if *canceled.AssignmentStatus != "canceled" || *canceled.Reason != "Opted to request a callback" || *canceled.Attributes != `{"taskType":"callback","n":1}` {
		t.Fatalf("canceled task %+v", canceled)
	}
	// Canceling again is refused as TaskRouter does: 400, code 20001.
	_, err = tr.UpdateTask(in.WorkspaceSid, *task.Sid, (&taskrouter.UpdateTaskParams{}).SetAssignmentStatus("canceled"))
	if e := restErr(t, err); e.Status != 400 || e.Code != 20001 {
		t.Fatalf("second cancel: %+v", e)
	}
	_, err = tr.FetchTask(in.WorkspaceSid, "WT00000000000000000000000000000000")
	if e := restErr(t, err); e.Code != 20404 || e.Status != 404 {
		t.Fatalf("missing task: %+v", e)
	}
}

func TestListTasksPagesFiltersAndOrders(t *testing.T) {
	s, srv, in := newTestSandbox(t)
	tr := taskrouter.NewApiServiceWithClient(twilioClient(t, srv, in))
	var sids []string
	for i := range 7 {
		wf := in.Workflows["callback"]
		if i == 6 {
			wf = in.Workflows["default"]
		}
		task, err := tr.CreateTask(in.WorkspaceSid, (&taskrouter.CreateTaskParams{}).SetWorkflowSid(wf).
			SetAttributes(fmt.Sprintf(`{"call_sid":"CA%d"}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		sids = append(sids, *task.Sid)
		s.mu.Lock()
		s.advance(time.Second) // distinct date_created
		s.mu.Unlock()
	}
	if _, err := tr.UpdateTask(in.WorkspaceSid, sids[0], (&taskrouter.UpdateTaskParams{}).SetAssignmentStatus("canceled")); err != nil {
		t.Fatal(err)
	}
	// Page size 2 makes twilio-go follow next_page_url across three pages.
	list, err := tr.ListTask(in.WorkspaceSid, (&taskrouter.ListTaskParams{}).
		SetAssignmentStatus([]string{"pending", "reserved"}).SetWorkflowSid(in.Workflows["callback"]).
		SetOrdering("DateCreated:desc").SetPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range list {
		got = append(got, *task.Sid)
	}
	want := []string{sids[5], sids[4], sids[3], sids[2], sids[1]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listed %v, want %v", got, want)
	}

	// The page's links are Twilio's absolute URLs.
	var pg struct {
		Meta struct {
			NextPageURL *string `json:"next_page_url"`
			Key         string  `json:"key"`
			PageSize    int     `json:"page_size"`
		} `json:"meta"`
	}
	do(t, in, "GET", srv.URL+"/taskrouter/v1/Workspaces/"+in.WorkspaceSid+"/Tasks?PageSize=3", nil, &pg)
	if pg.Meta.NextPageURL == nil || pg.Meta.Key != "tasks" || pg.Meta.PageSize != 3 {
		t.Fatalf("meta %+v", pg.Meta)
	}
	if u, _ := url.Parse(*pg.Meta.NextPageURL); u.Host != "taskrouter.twilio.com" || u.Query().Get("Page") != "1" {
		t.Fatalf("next_page_url %s", *pg.Meta.NextPageURL)
	}
}

func TestEvaluateTaskAttributesIsRateLimited(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	tr := taskrouter.NewApiServiceWithClient(twilioClient(t, srv, in))
	for _, cs := range []string{"CAa", "CAb"} {
		if _, err := tr.CreateTask(in.WorkspaceSid, (&taskrouter.CreateTaskParams{}).
			SetWorkflowSid(in.Workflows["callback"]).SetAttributes(`{"call_sid":"`+cs+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	params := (&taskrouter.ListTaskParams{}).SetEvaluateTaskAttributes(`call_sid == "CAb"`)
	for i := range 3 {
		list, err := tr.ListTask(in.WorkspaceSid, params)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if len(list) != 1 || *list[0].Attributes != `{"call_sid":"CAb"}` {
			t.Fatalf("matched %d tasks", len(list))
		}
	}
	_, err := tr.ListTask(in.WorkspaceSid, params)
	if e := restErr(t, err); e.Status != 429 || e.Code != 20429 {
		t.Fatalf("4th request in a second: %+v", e)
	}
}

func TestRouterReservesAndReservationsMoveTheTask(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	tr := taskrouter.NewApiServiceWithClient(twilioClient(t, srv, in))
	create := func(prio int, vst time.Time) string {
		task, err := tr.CreateTask(in.WorkspaceSid, (&taskrouter.CreateTaskParams{}).SetWorkflowSid(in.Workflows["callback"]).
			SetTaskChannel("voice").SetPriority(prio).SetVirtualStartTime(vst))
		if err != nil {
			t.Fatal(err)
		}
		return *task.Sid
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	late := create(0, base.Add(time.Hour))
	early := create(0, base)
	urgent := create(9, base.Add(2*time.Hour))
	alice := in.Workers["alice"].Sid
	// Workers start offline: nothing is reserved.
	if task, _ := tr.FetchTask(in.WorkspaceSid, urgent); *task.AssignmentStatus != "pending" {
		t.Fatalf("reserved with nobody available: %s", *task.AssignmentStatus)
	}
	if code := do(t, in, "POST", srv.URL+"/_sandbox/workers/alice/activity", map[string]string{"activity": "available"}, nil); code != 200 {
		t.Fatalf("activity: %d", code)
	}
	res, err := tr.ListWorkerReservation(in.WorkspaceSid, alice, nil)
	if err != nil || len(res) != 1 || *res[0].TaskSid != urgent || *res[0].ReservationStatus != "pending" {
		t.Fatalf("alice's reservations %v %v", res, err)
	}
	accept := func(task, wr string) {
		if _, err := tr.UpdateTaskReservation(in.WorkspaceSid, task, wr, (&taskrouter.UpdateTaskReservationParams{}).SetReservationStatus("accepted")); err != nil {
			t.Fatal(err)
		}
	}
	accept(urgent, *res[0].Sid)
	if task, _ := tr.FetchTask(in.WorkspaceSid, urgent); *task.AssignmentStatus != "assigned" {
		t.Fatalf("accepted task is %s", *task.AssignmentStatus)
	}
	if _, err := tr.UpdateTask(in.WorkspaceSid, urgent, (&taskrouter.UpdateTaskParams{}).SetAssignmentStatus("wrapping")); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.UpdateTask(in.WorkspaceSid, urgent, (&taskrouter.UpdateTaskParams{}).SetAssignmentStatus("completed").SetReason("done")); err != nil {
		t.Fatal(err)
	}
	// Capacity is free again: the earliest virtual start time comes next.
	res, err = tr.ListWorkerReservation(in.WorkspaceSid, alice, (&taskrouter.ListWorkerReservationParams{}).SetReservationStatus("pending"))
	if err != nil || len(res) != 1 || *res[0].TaskSid != early {
		t.Fatalf("next reservation %v %v (late=%s)", res, err, late)
	}
	if _, err := tr.UpdateTask(in.WorkspaceSid, early, (&taskrouter.UpdateTaskParams{}).SetAssignmentStatus("canceled")); err != nil {
		t.Fatalf("cancel a reserved task: %v", err)
	}
	tres, _ := tr.ListTaskReservation(in.WorkspaceSid, early, nil)
	if len(tres) != 1 || *tres[0].ReservationStatus != "canceled" {
		t.Fatalf("reservation of canceled task: %v", tres)
	}
	if task, _ := tr.FetchTask(in.WorkspaceSid, late); *task.AssignmentStatus != "reserved" {
		t.Fatalf("late task is %s", *task.AssignmentStatus)
	}
}

// Twilio's PageToken continues after the last task answered: tasks made between two pages of a
// newest-first list push nothing from one page onto the next (the wait experience pages while
// callers arrive).
func TestTaskPagesFollowTheirToken(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	tasksURL := srv.URL + "/taskrouter/v1/Workspaces/" + in.WorkspaceSid + "/Tasks"
	create := func(i int) string {
		var task struct{ Sid string }
		form := url.Values{"WorkflowSid": {in.Workflows["callback"]}, "Attributes": {fmt.Sprintf(`{"call_sid":"CA%d"}`, i)}}
		if code := do(t, in, "POST", tasksURL, form, &task); code != http.StatusCreated {
			t.Fatalf("create: %d", code)
		}
		return task.Sid
	}
	var sids []string
	for i := range 5 {
		sids = append(sids, create(i))
	}
	type page struct {
		Tasks []struct{ Sid string }
		Meta  struct {
			NextPageURL *string `json:"next_page_url"`
		}
	}
	var first, second page
	do(t, in, "GET", tasksURL+"?Ordering=DateCreated:desc&PageSize=2", nil, &first)
	create(5) // a newer task, at the head of the list
	create(6)
	u, _ := url.Parse(*first.Meta.NextPageURL)
	do(t, in, "GET", tasksURL+"?"+u.RawQuery, nil, &second)
	got := []string{first.Tasks[0].Sid, first.Tasks[1].Sid, second.Tasks[0].Sid, second.Tasks[1].Sid}
	if want := []string{sids[4], sids[3], sids[2], sids[1]}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
}
