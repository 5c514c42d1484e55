package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback/backend/redistest"
	"flexcallback/backend/sandbox"
)

// lbURL is every replica's PUBLIC_BASE_URL: the load balancer's address, which Twilio signs
// webhooks over and media URLs are built on. The tests send each request straight to a replica.
const lbURL = "http://lb.flexcallback.test"

// cluster is n backends (runWith) sharing one sandbox and one real redis-server: reps[0] runs
// the sandbox; the others reach it as Twilio, through TWILIO_API_BASE and its credentials.
type cluster struct {
	redis *redistest.Server
	reps  []*app
}

func startCluster(t testing.TB, n int, env map[string]string) *cluster {
	t.Helper()
	r := redistest.Start(t)
	common := map[string]string{"REDIS_URL": r.URL(), "PUBLIC_BASE_URL": lbURL, "LOG_LEVEL": "warn", "LOG_FORMAT": "text"}
	for k, v := range env {
		common[k] = v
	}
	first := startApp(t, common)
	c := &cluster{redis: r, reps: []*app{first}}
	for range n - 1 {
		vars := map[string]string{
			"SANDBOX": "", "TWILIO_API_BASE": first.sandbox,
			"TWILIO_ACCOUNT_SID": first.info.AccountSid, "TWILIO_AUTH_TOKEN": first.info.AuthToken,
			"TWILIO_FLEX_WORKSPACE_SID": first.info.WorkspaceSid, "TWILIO_FLEX_CALLBACK_WORKFLOW_SID": first.info.Workflows["callback"],
		}
		for k, v := range common {
			vars[k] = v
		}
		a := startApp(t, vars)
		a.sandbox, a.info = first.sandbox, first.info
		c.reps = append(c.reps, a)
	}
	return c
}

// viaLB sends a signed create-callback to replica a as the load balancer would pass it on.
func (a *app) viaLB(form url.Values, header map[string]string) response {
	a.t.Helper()
	path := "/features/callback-and-voicemail/studio/create-callback"
	req, _ := http.NewRequest(http.MethodPost, a.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sandbox.Signature(a.info.AuthToken, lbURL+path, form))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return a.do(req)
}

// answer is one delivery's outcome: the task SID of a 200, else the status and body.
func answer(r response) string {
	var body struct {
		TaskSid string `json:"taskSid"`
	}
	if json.Unmarshal(r.body, &body) == nil && r.status == 200 && strings.HasPrefix(body.TaskSid, "WT") {
		return body.TaskSid
	}
	return fmt.Sprintf("%d %s", r.status, r.body)
}

// request is one create-callback request of a soak, delivered one or more times.
type request struct {
	form   url.Values
	header map[string]string
	mu     sync.Mutex
	got    []string // answers
}

func (q *request) deliver(a *app) {
	r := answer(a.viaLB(q.form, q.header))
	q.mu.Lock()
	q.got = append(q.got, r)
	q.mu.Unlock()
}

// newRequest is request i: half carry Twilio's idempotency token, half are told apart by their
// content only; each has a caller number of its own.
func newRequest(c *cluster, i int) *request {
	q := &request{form: url.Values{"numberToCall": {fmt.Sprintf("+1415556%04d", i)}, "numberToCallFrom": {ourLine},
		"workflowSid": {c.reps[0].info.Workflows["default"]}, "flexFlowSid": {"FW" + strconv.Itoa(i)}}}
	if i%2 == 0 {
		q.header = map[string]string{"I-Twilio-Idempotency-Token": "replica-soak-" + strconv.Itoa(i)}
	}
	return q
}

// check asserts that every delivery of every request got a 200 naming one task, and that the
// sandbox holds exactly that one task for its caller and nothing else. It returns the number
// of tasks the sandbox holds.
func (c *cluster) check(t *testing.T, reqs []*request) int {
	t.Helper()
	byNumber := map[string][]string{}
	all := c.reps[0].tasks()
	for _, task := range all {
		cb, _ := task.attrs(t)["callBackData"].(map[string]any)
		num, _ := cb["numberToCall"].(string)
		byNumber[num] = append(byNumber[num], task.Sid)
	}
	for i, q := range reqs {
		num := q.form.Get("numberToCall")
		have := byNumber[num]
		delete(byNumber, num)
		for k, a := range q.got {
			if a != q.got[0] || !strings.HasPrefix(a, "WT") {
				t.Errorf("request %d delivery %d: %s; delivery 0: %s", i, k, a, q.got[0])
			}
		}
		if len(have) != 1 || have[0] != q.got[0] {
			t.Errorf("request %d answered %s; the sandbox holds %v for its caller", i, q.got[0], have)
		}
	}
	for num, sids := range byNumber {
		t.Errorf("tasks nobody asked for (%s): %v", num, sids)
	}
	return len(all)
}

// TestReplicasSoak: three replicas sharing one Redis take 1,000 create-callback deliveries: 600
// requests each sent to one replica, 30% of them (180) redelivered to another replica in any
// order, and 11 bursts of 20 identical deliveries spread over the three at once (220). Zero
// duplicates: every answer names its request's one task.
func TestReplicasSoak(t *testing.T) {
	c := startCluster(t, 3, nil)
	const distinct, bursts, burst = 600, 11, 20
	reqs := make([]*request, distinct+bursts)
	var jobs []func()
	for i := range distinct {
		q := newRequest(c, i)
		reqs[i] = q
		jobs = append(jobs, func() { q.deliver(c.reps[i%3]) })
		if i%10 < 3 {
			jobs = append(jobs, func() { q.deliver(c.reps[(i+1)%3]) })
		}
	}
	for b := range bursts {
		q := newRequest(c, distinct+b)
		reqs[distinct+b] = q
		jobs = append(jobs, func() {
			var wg sync.WaitGroup
			for j := range burst {
				wg.Go(func() { q.deliver(c.reps[j%3]) })
			}
			wg.Wait()
		})
	}
	rng := rand.New(rand.NewPCG(13, 13))
	rng.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })

	start := time.Now()
	work := make(chan func())
	var wg sync.WaitGroup
	for range 24 {
		wg.Go(func() {
			for job := range work {
				job()
			}
		})
	}
	for _, job := range jobs {
		work <- job
	}
	close(work)
	wg.Wait()
	took := time.Since(start)

	deliveries := 0
	for _, q := range reqs {
		deliveries += len(q.got)
	}
	if deliveries != 1000 {
		t.Fatalf("%d deliveries, want 1000", deliveries)
	}
	tasks := c.check(t, reqs)
	replays := 0
	for _, a := range c.reps {
		replays += a.metricSum("flexcallback_idempotent_replays_total")
	}
	t.Logf("%d deliveries of %d requests over 3 replicas in %v: %d tasks in the sandbox, %d answers were replays",
		deliveries, len(reqs), took.Round(time.Millisecond), tasks, replays)
}

// metricSum adds up the values of every series of a counter.
func (a *app) metricSum(name string) int {
	a.t.Helper()
	total := 0
	for _, l := range strings.Split(a.metric(name), "\n") {
		if f := strings.Fields(l); len(f) == 2 && (f[0] == name || strings.HasPrefix(f[0], name+"{")) {
			v, _ := strconv.ParseFloat(f[1], 64)
			total += int(v)
		}
	}
	return total
}

// TestReplicasRequeueOnce: "retry later" on one task reaches two replicas at once (slow creates
// widen the overlap): one new task, and both answers name it.
func TestReplicasRequeueOnce(t *testing.T) {
	c := startCluster(t, 3, nil)
	a := c.reps[0]
	sid := answer(a.viaLB(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}}, nil))
	a.assign("alice", sid)
	alice := a.token("alice")
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "latencyMs": 300})
	got := make([]string, 2)
	var wg sync.WaitGroup
	for i, rep := range c.reps[1:] {
		wg.Go(func() {
			r := rep.flex("requeue-callback", alice, url.Values{"taskSid": {sid}})
			got[i] = answer(r)
		})
	}
	wg.Wait()
	if got[0] != got[1] || !strings.HasPrefix(got[0], "WT") {
		t.Errorf("answers %v, want one task twice", got)
	}
	if ts := a.tasks(); len(ts) != 2 {
		t.Errorf("%d tasks (%v); want the original and one requeued (none made and canceled)", len(ts), sids(ts))
	}
}

// TestReplicasVoicemailOnce: the same voicemail delivered to two replicas at once makes one task.
func TestReplicasVoicemailOnce(t *testing.T) {
	c := startCluster(t, 3, nil)
	a := c.reps[0]
	rec := a.recording()
	a.fault(map[string]any{"method": "POST", "path": soakTasksPath, "latencyMs": 300})
	form := url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "RecordingSid": {rec}, "RecordingStatus": {"completed"}, "RecordingDuration": {"5"}}
	got := make([]string, 2)
	var wg sync.WaitGroup
	for i, rep := range c.reps[1:] {
		wg.Go(func() { got[i] = answer(rep.viaLB(form, nil)) })
	}
	wg.Wait()
	if got[0] != got[1] || !strings.HasPrefix(got[0], "WT") {
		t.Errorf("answers %v, want one task twice", got)
	}
	if ts := a.tasks(); len(ts) != 1 {
		t.Errorf("%d voicemail tasks (%v), want 1", len(ts), sids(ts))
	}
}

// TestReplicasShareMediaKeyAndTokenCache: with no MEDIA_TOKEN_SECRET, a voicemail URL signed by
// one replica streams from another; a Flex token one replica validated, accepted or rejected, is
// not sent to IAM again by another.
func TestReplicasShareMediaKeyAndTokenCache(t *testing.T) {
	c := startCluster(t, 3, nil)
	a, b, d := c.reps[0], c.reps[1], c.reps[2]
	rec := a.recording()
	task := answer(a.viaLB(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "recordingSid": {rec}}, nil))
	a.assign("alice", task)
	alice := a.token("alice")

	r := b.flex("voicemail-url", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}})
	if r.status != 200 {
		t.Fatalf("voicemail-url on replica 2: %d %s", r.status, r.body)
	}
	mediaURL := strings.Replace(r.json(t)["url"].(string), lbURL, d.base, 1)
	if m := d.do(mustRequest("GET", mediaURL)); m.status != 200 || m.header.Get("Content-Type") != "audio/mpeg" || len(m.body) < 1000 {
		t.Errorf("replica 3 streaming replica 2's URL: %d %v, %d bytes", m.status, m.header, len(m.body))
	}

	if r := b.flex("voicemail-url", "forged", url.Values{"taskSid": {task}, "recordingSid": {rec}}); r.status != 401 {
		t.Errorf("forged token on replica 2: %d", r.status)
	}
	if r := d.flex("voicemail-url", alice, url.Values{"taskSid": {task}, "recordingSid": {rec}}); r.status != 200 {
		t.Errorf("replica 3 with the token replica 2 accepted: %d %s", r.status, r.body)
	}
	if r := d.flex("voicemail-url", "forged", url.Values{"taskSid": {task}, "recordingSid": {rec}}); r.status != 401 {
		t.Errorf("replica 3 with the token replica 2 rejected: %d", r.status)
	}
	if b.twilioCalls("validate token", "") != 2 || d.twilioCalls("validate token", "") != 0 {
		t.Errorf("IAM validations: replica 2 %d (want 2), replica 3 %d (want 0: the cache is shared)",
			b.twilioCalls("validate token", ""), d.twilioCalls("validate token", ""))
	}
}

// TestReplicasRedisKilled: Redis is killed (SIGKILL) in the middle of a soak over three replicas
// and started again, empty, 2 s later. No request fails; each replica counts the operations it
// served from memory and logs one WARN; each returns to Redis by itself; afterwards every request
// redelivered to another replica gets the task it got first (the replicas wrote back what they
// knew), so the replicas agree again.
func TestReplicasRedisKilled(t *testing.T) {
	c := startCluster(t, 3, nil)
	var reqs []*request
	var mu sync.Mutex
	var stop atomic.Bool
	var wg sync.WaitGroup
	var next atomic.Int64
	during := 0
	for w := range 6 {
		wg.Go(func() {
			for !stop.Load() {
				i := int(next.Add(1)) - 1
				q := newRequest(c, i)
				q.deliver(c.reps[i%3])
				mu.Lock()
				reqs = append(reqs, q)
				mu.Unlock()
				time.Sleep(time.Duration(20+w) * time.Millisecond)
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	killed := time.Now()
	before := int(next.Load())
	c.redis.Kill()
	time.Sleep(2 * time.Second)
	c.redis.Restart()
	restarted := time.Now()
	// Each replica returns to Redis within its probe's second.
	back := make([]time.Duration, len(c.reps))
	for i, a := range c.reps {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if strings.Contains(string(a.do(mustRequest("GET", a.base+"/readyz")).body), `"store":"redis"`) {
				back[i] = time.Since(killed)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if back[i] == 0 {
			t.Errorf("replica %d did not return to Redis", i+1)
		}
	}
	during = int(next.Load()) - before
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	served := make([]int, len(c.reps))
	for i, a := range c.reps {
		served[i] = a.metricSum("flexcallback_store_degraded_total")
		if served[i] == 0 {
			t.Errorf("replica %d counted no operation served from memory", i+1)
		}
		if n := strings.Count(a.logs.String(), "Redis is unreachable"); n != 1 {
			t.Errorf("replica %d logged %d WARNs of the outage, want 1 (one a minute)", i+1, n)
		}
	}
	// Replicas agree again: each request redelivered to another replica gets its task.
	work := make(chan *request)
	for range 12 {
		wg.Go(func() {
			for q := range work {
				i, _ := strconv.Atoi(strings.TrimPrefix(q.form.Get("flexFlowSid"), "FW"))
				q.deliver(c.reps[(i+1)%3])
			}
		})
	}
	for _, q := range reqs {
		work <- q
	}
	close(work)
	wg.Wait()
	tasks := c.check(t, reqs)
	if t.Failed() {
		for i, a := range c.reps {
			for _, l := range strings.Split(a.logs.String(), "\n") {
				if strings.Contains(l, "level=ERROR") || strings.Contains(l, "status=503") {
					t.Logf("replica %d: %s", i+1, l)
				}
			}
		}
	}
	t.Logf("%d requests (%d sent while Redis was down or coming back), each redelivered to another replica after: %d tasks in the sandbox; "+
		"Redis down for %v; replicas back on Redis %v after the kill (%v after the restart); operations served from memory per replica %v",
		len(reqs), during, tasks, restarted.Sub(killed).Round(time.Millisecond), roundAll(back), roundAll(sub(back, restarted.Sub(killed))), served)
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

func sub(ds []time.Duration, d time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, x := range ds {
		out[i] = x - d
	}
	return out
}
