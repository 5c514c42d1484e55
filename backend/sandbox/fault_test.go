package sandbox

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"
)

func TestFaults(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	tr := taskrouter.NewApiServiceWithClient(twilioClient(t, srv, in))
	params := (&taskrouter.CreateTaskParams{}).SetWorkflowSid(in.Workflows["callback"]).SetAttributes(`{}`)
	countTasks := func() int {
		var out struct {
			Tasks []taskJSON `json:"tasks"`
		}
		do(t, in, "GET", srv.URL+"/_sandbox/tasks", nil, &out)
		return len(out.Tasks)
	}

	// A 503 before the operation, once: nothing is created, then creates work again.
	do(t, in, "POST", srv.URL+"/_sandbox/faults", map[string]any{"method": "POST", "path": "/taskrouter/v1/", "status": 503, "count": 1}, nil)
	_, err := tr.CreateTask(in.WorkspaceSid, params)
	if e := restErr(t, err); e.Status != 503 || e.Code != 20503 {
		t.Fatalf("503 fault: %+v", e)
	}
	if n := countTasks(); n != 0 {
		t.Fatalf("503 fault created %d tasks", n)
	}
	if _, err := tr.CreateTask(in.WorkspaceSid, params); err != nil {
		t.Fatalf("fault count 1 applied twice: %v", err)
	}

	// Retry-After on 429, with a regexp path that leaves other paths alone.
	do(t, in, "POST", srv.URL+"/_sandbox/faults", map[string]any{"path": "^/taskrouter/v1/Workspaces/[^/]+/Workers$", "status": 429}, nil)
	req, _ := http.NewRequest("GET", srv.URL+"/taskrouter/v1/Workspaces/"+in.WorkspaceSid+"/Workers", nil)
	req.SetBasicAuth(in.AccountSid, in.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("429 fault: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if _, err := tr.ListWorkflow(in.WorkspaceSid, nil); err != nil {
		t.Fatalf("regexp fault hit another path: %v", err)
	}
	if code := do(t, in, "DELETE", srv.URL+"/_sandbox/faults", nil, nil); code != 204 {
		t.Fatalf("clear: %d", code)
	}

	// "after": the task is created, but the client sees a 500, then a dropped connection.
	do(t, in, "POST", srv.URL+"/_sandbox/faults", map[string]any{"method": "POST", "path": "/taskrouter/v1/", "status": 500, "after": true, "count": 1}, nil)
	_, err = tr.CreateTask(in.WorkspaceSid, params)
	if e := restErr(t, err); e.Status != 500 {
		t.Fatalf("after fault: %+v", e)
	}
	do(t, in, "POST", srv.URL+"/_sandbox/faults", map[string]any{"method": "POST", "path": "/taskrouter/v1/", "after": true, "count": 1}, nil)
	_, err = tr.CreateTask(in.WorkspaceSid, params)
	var rest *client.TwilioRestError
	if err == nil || errors.As(err, &rest) {
		t.Fatalf("dropped connection gave %v", err)
	}
	if n := countTasks(); n != 3 {
		t.Fatalf("after faults: %d tasks, want 3", n)
	}
	// "empty": the status alone, without Twilio's error document.
	do(t, in, "POST", srv.URL+"/_sandbox/faults", map[string]any{"method": "POST", "path": "/taskrouter/v1/", "status": 503, "after": true, "empty": true, "count": 1}, nil)
	form := strings.NewReader("WorkflowSid=" + in.Workflows["callback"] + "&Attributes=%7B%7D")
	req, _ = http.NewRequest("POST", srv.URL+"/taskrouter/v1/Workspaces/"+in.WorkspaceSid+"/Tasks", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(in.AccountSid, in.AuthToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || len(body) != 0 || countTasks() != 4 {
		t.Fatalf("empty after fault: %d %q, %d tasks; want 503, no body, 4 tasks", resp.StatusCode, body, countTasks())
	}

	// Latency only.
	do(t, in, "POST", srv.URL+"/_sandbox/faults", map[string]any{"path": "/taskrouter/", "latencyMs": 150, "count": 1}, nil)
	start := time.Now()
	if _, err := tr.ListWorkflow(in.WorkspaceSid, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("latency fault took %v", d)
	}
	if code := do(t, in, "POST", srv.URL+"/_sandbox/faults", map[string]any{"path": "^(", "status": 500}, nil); code != 400 {
		t.Fatalf("bad regexp accepted: %d", code)
	}
}

func TestTokenValidation(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	var tok struct {
		Token string `json:"token"`
	}
	do(t, in, "POST", srv.URL+"/_sandbox/tokens", map[string]any{"identity": "alice", "roles": []string{"agent"}, "workerSid": in.Workers["alice"].Sid, "ttl": 60}, &tok)
	validate := func(token string) map[string]any {
		var out map[string]any
		if code := do(t, in, "POST", srv.URL+"/iam/v1/Accounts/"+in.AccountSid+"/Tokens/validate", map[string]string{"token": token}, &out); code != 200 {
			t.Fatalf("validate: %d", code)
		}
		return out
	}
	got := validate(tok.Token)
	if got["valid"] != true || got["identity"] != "alice" || got["worker_sid"] != in.Workers["alice"].Sid || !strings.Contains(got["expiration"].(string), "T") {
		t.Fatalf("valid token: %v", got)
	}
	if roles, _ := got["roles"].([]any); len(roles) != 1 || roles[0] != "agent" {
		t.Fatalf("roles %v", got["roles"])
	}
	if got := validate("forged." + tok.Token); got["valid"] != false {
		t.Fatalf("forged token: %v", got)
	}
	do(t, in, "POST", srv.URL+"/_sandbox/clock", map[string]string{"advance": "61s"}, nil)
	if got := validate(tok.Token); got["valid"] != false {
		t.Fatalf("expired token: %v", got)
	}
}
