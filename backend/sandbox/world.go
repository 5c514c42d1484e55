package sandbox

import (
	"encoding/json"
	"time"
)

// world is the whole mutable state of a sandbox; reset replaces it with a fresh one.
type world struct {
	ids       sidGen
	created   time.Time
	account   string
	authToken string
	workspace string

	workflows  []*workflow
	taskQueue  *taskQueue
	channels   []*taskChannel
	activities []*activity // [0] Offline, [1] Available
	workers    []*worker

	tasks        map[string]*task
	taskList     []*task // creation order
	reservations map[string]*reservation
	resList      []*reservation

	queues     []*queue // one per workflow
	calls      map[string]*call
	callList   []*call
	recordings map[string]*recording
	transcr    map[string]*transcription
	tokens     map[string]*token
	flexConfig map[string]any   // Flex's v1/Configuration
	flows      map[string]*flow // Studio v2 flows by SID (deleted ones removed)
	flowList   []*flow          // creation order
	seq        int              // creation sequence, a tie-breaker for equal timestamps
	idem       int              // idempotency token counter
}

type workflow struct {
	sid, name, friendly string
	created             time.Time
}

type taskQueue struct {
	sid, friendly string
	created       time.Time
}

type taskChannel struct {
	sid, unique, friendly string
	created               time.Time
}

type activity struct {
	sid, friendly string
	available     bool
	created       time.Time
}

type worker struct {
	sid, name, friendly string
	roles               []string
	activity            *activity
	created, updated    time.Time
	statusChanged       time.Time
	attributes          string
}

type task struct {
	sid              string
	seq              int
	attributes       string
	status           string // pending, reserved, assigned, wrapping, completed, canceled
	reason           string
	priority         int
	timeout          int
	workflow         *workflow
	channel          *taskChannel
	created, updated time.Time
	virtualStart     time.Time
	accepted         time.Time // when a worker accepted it: the statistics' time to accept
	version          int
	rejected         map[string]bool // worker SIDs that rejected it
}

type reservation struct {
	sid              string
	task             *task
	worker           *worker
	status           string // pending, accepted, rejected, wrapping, completed, canceled
	created, updated time.Time
}

type queue struct {
	sid      string
	workflow *workflow
	created  time.Time
	waits    []time.Duration // queue times of calls that left, for average_wait_time
}

type recording struct {
	sid, callSid     string
	duration         int
	created          time.Time
	deleted          bool
	transcriptionSid string
}

type transcription struct {
	sid, recordingSid, text, status string
	duration                        int
	created                         time.Time
	deleted                         bool
}

type token struct {
	identity  string
	roles     []string
	workerSid string
	expires   time.Time
}

// newWorld builds the fixed world. authToken is the sandbox's own, random per start, so no two
// installations share the secret that signs their webhooks.
func newWorld(now time.Time, authToken string) *world {
	w := &world{
		created:      now,
		tasks:        map[string]*task{},
		reservations: map[string]*reservation{},
		calls:        map[string]*call{},
		recordings:   map[string]*recording{},
		transcr:      map[string]*transcription{},
		tokens:       map[string]*token{},
		flows:        map[string]*flow{},
	}
	w.account = w.ids.next("AC")
	w.authToken = authToken
	w.workspace = w.ids.next("WS")
	w.activities = []*activity{
		{sid: w.ids.next("WA"), friendly: "Offline", created: now},
		{sid: w.ids.next("WA"), friendly: "Available", available: true, created: now},
	}
	w.workflows = []*workflow{
		{sid: w.ids.next("WW"), name: "callback", friendly: "Template Example Callback", created: now},
		{sid: w.ids.next("WW"), name: "default", friendly: "Assign to Anyone", created: now},
	}
	w.taskQueue = &taskQueue{sid: w.ids.next("WQ"), friendly: "Everyone", created: now}
	w.channels = []*taskChannel{
		{sid: w.ids.next("TC"), unique: "voice", friendly: "Voice", created: now},
		{sid: w.ids.next("TC"), unique: "default", friendly: "Default", created: now},
	}
	for _, p := range []struct {
		name, friendly string
		roles          []string
	}{{"alice", "Alice Agent", []string{"agent"}}, {"sam", "Sam Supervisor", []string{"supervisor"}}} {
		attrs, _ := json.Marshal(map[string]any{
			"roles": p.roles, "contact_uri": "client:" + p.name, "full_name": p.friendly,
			"email": p.name + "@example.com", "routing": map[string]any{"skills": []string{}, "levels": map[string]any{}},
		})
		w.workers = append(w.workers, &worker{
			sid: w.ids.next("WK"), name: p.name, friendly: p.friendly, roles: p.roles,
			activity: w.activities[0], created: now, updated: now, statusChanged: now, attributes: string(attrs),
		})
	}
	for _, wf := range w.workflows {
		w.queues = append(w.queues, &queue{sid: w.ids.next("QU"), workflow: wf, created: now})
	}
	w.flexConfig = newFlexConfig(w)
	return w
}

func (w *world) info() Info {
	in := Info{
		AccountSid: w.account, AuthToken: w.authToken, WorkspaceSid: w.workspace,
		Workflows: map[string]string{}, Queues: map[string]string{},
		TaskQueues:           map[string]string{w.taskQueue.friendly: w.taskQueue.sid},
		Workers:              map[string]WorkerInfo{},
		OfflineActivitySid:   w.activities[0].sid,
		AvailableActivitySid: w.activities[1].sid,
	}
	for _, wf := range w.workflows {
		in.Workflows[wf.name] = wf.sid
	}
	for _, q := range w.queues {
		in.Queues[q.workflow.name] = q.sid
	}
	for _, wk := range w.workers {
		in.Workers[wk.name] = WorkerInfo{Sid: wk.sid, Identity: wk.name, Roles: append([]string(nil), wk.roles...)}
	}
	return in
}

func (w *world) workflowBySid(sid string) *workflow {
	return find(w.workflows, func(wf *workflow) bool { return wf.sid == sid })
}

func (w *world) channelByName(name string) *taskChannel {
	return find(w.channels, func(c *taskChannel) bool { return c.unique == name || c.sid == name })
}

func (w *world) workerBySidOrName(id string) *worker {
	return find(w.workers, func(wk *worker) bool { return wk.sid == id || wk.name == id })
}

func (w *world) activityBySid(sid string) *activity {
	return find(w.activities, func(a *activity) bool { return a.sid == sid })
}

func (w *world) queueForWorkflow(wf *workflow) *queue {
	return find(w.queues, func(q *queue) bool { return q.workflow == wf })
}

func (w *world) queueBySid(sid string) *queue {
	return find(w.queues, func(q *queue) bool { return q.sid == sid })
}

// find returns the first of xs that matches, or nil.
func find[T any](xs []*T, match func(*T) bool) *T {
	for _, x := range xs {
		if match(x) {
			return x
		}
	}
	return nil
}
