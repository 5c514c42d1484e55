package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"flexcallback/backend/redistest"
	"flexcallback/backend/sandbox"
)

// replicaProc is a backend in a process of its own, so it can be killed (SIGKILL) mid-work.
type replicaProc struct {
	name string
	cmd  *exec.Cmd
	base string
	mu   sync.Mutex
	logs bytes.Buffer
}

func (p *replicaProc) logged(s string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Contains(p.logs.String(), s)
}

var listeningRe = regexp.MustCompile(`msg=listening addr=(\S+)`)

func startReplicaProc(t *testing.T, bin, name string, env []string) *replicaProc {
	t.Helper()
	p := &replicaProc{name: name, cmd: exec.Command(bin, "-env-file=")}
	p.cmd.Env = env
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listeningRe.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start:\n%s", name, p.logs.String())
	}
	return p
}

// Three replicas (processes) share one Redis and one Twilio (the sandbox, on its real clock). A
// callback is scheduled for three seconds ahead; the replica that claims it is killed (SIGKILL)
// while its create hangs at Twilio. After the lease, another replica makes the task: one task,
// within the lease of its time.
func TestScheduledReplicaKilledHoldingLease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the backend and waits out a 25 s lease")
	}
	bin := filepath.Join(t.TempDir(), "backend")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	r := redistest.Start(t)
	sb := sandbox.New(sandbox.Config{RealClock: true})
	t.Cleanup(sb.Close)
	tw := httptest.NewServer(sb.Handler())
	t.Cleanup(tw.Close)
	info := sb.Info()
	// The killed create's own claim on the request key (backend/callback: 20 s of work + 5 s of
	// clock slack) outlives a shorter lease, so 25 s is the shortest lease that bounds the delay.
	const lease = 25 * time.Second
	env := []string{"ADDR=127.0.0.1:0", "PUBLIC_BASE_URL=" + lbURL, "REDIS_URL=" + r.URL(), "TWILIO_API_BASE=" + tw.URL,
		"TWILIO_ACCOUNT_SID=" + info.AccountSid, "TWILIO_AUTH_TOKEN=" + info.AuthToken, "TWILIO_FLEX_WORKSPACE_SID=" + info.WorkspaceSid,
		"TWILIO_FLEX_CALLBACK_WORKFLOW_SID=" + info.Workflows["callback"], "WEB_DIR=" + webDir(t), "LOG_FORMAT=text",
		"SCHEDULE_POLL=50ms", "SCHEDULE_LEASE=" + lease.String(), "PATH=" + os.Getenv("PATH")}
	var reps []*replicaProc
	for i := range 3 {
		reps = append(reps, startReplicaProc(t, bin, fmt.Sprintf("replica-%d", i), env))
	}

	// The first create at Twilio hangs 8 s: whoever claims the request is killed inside it.
	fault, _ := json.Marshal(map[string]any{"method": "POST", "path": soakTasksPath, "latencyMs": 8000, "count": 1})
	if resp, err := http.Post(tw.URL+"/_sandbox/faults", "application/json", bytes.NewReader(fault)); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("fault: %v %v", resp, err)
	}
	at := time.Now().Add(3 * time.Second).Truncate(time.Second)
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "callbackAt": {at.UTC().Format(time.RFC3339)}}
	path := "/features/callback-and-voicemail/studio/create-callback"
	req, _ := http.NewRequest(http.MethodPost, reps[1].base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sandbox.Signature(info.AuthToken, lbURL+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"scheduled":true`) {
		t.Fatalf("schedule: %d %s", resp.StatusCode, body)
	}
	t.Logf("%s  request scheduled for %s through %s", time.Now().Format("15:04:05.000"), at.Format("15:04:05"), reps[1].name)

	var victim *replicaProc
	for deadline := time.Now().Add(10 * time.Second); victim == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, p := range reps {
			if p.logged("scheduled callback claimed") {
				victim = p
			}
		}
	}
	if victim == nil {
		t.Fatal("no replica claimed the request")
	}
	time.Sleep(300 * time.Millisecond) // inside its create, which Twilio holds
	victim.cmd.Process.Kill()
	t.Logf("%s  %s claimed it and was killed (SIGKILL) inside its create", time.Now().Format("15:04:05.000"), victim.name)

	tasks := func() []map[string]any {
		var out struct {
			Tasks []map[string]any `json:"tasks"`
		}
		resp, err := http.Get(tw.URL + "/_sandbox/tasks")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&out)
		return out.Tasks
	}
	var made time.Time
	for deadline := at.Add(lease + 10*time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if len(tasks()) > 0 {
			made = time.Now()
			break
		}
	}
	if made.IsZero() {
		t.Fatal("no task after the lease")
	}
	time.Sleep(time.Second)
	all := tasks()
	maker := ""
	for _, p := range reps {
		if p != victim && p.logged("scheduled callback created") {
			maker = p.name
		}
	}
	t.Logf("%s  task %v made by %s, %s after its time", made.Format("15:04:05.000"), all[0]["sid"], maker, made.Sub(at).Round(10*time.Millisecond))
	if len(all) != 1 {
		t.Fatalf("%d tasks; want 1", len(all))
	}
	if late := made.Sub(at); late < lease-time.Second || late > lease+3*time.Second {
		t.Errorf("made %s after its time; want within the lease (%s) and a few polls", late, lease)
	}
}
