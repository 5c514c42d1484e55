package sandbox

import (
	"net/url"
	"time"
)

// call is one live or ended phone call played by the sandbox.
type call struct {
	sid, from, to, direction string
	status                   string // queued, in-progress, completed
	created, started, ended  time.Time
	timeline                 []entry
	taskSid                  string // the task its last Enqueue created

	wait *waitSpec // non-nil while blocked at a verb
	wake *wakeup   // set by whoever unblocks it

	// Interrupts, set by REST/admin and consumed by the call's goroutine.
	hangup   bool
	redirect *target
	bridge   bool

	q         *inQueue
	queueTime time.Duration
	speech    *string
	last      *delivery // the last webhook, for redeliver
	hops      int       // documents fetched since the call last waited (loop guard)
}

// entry is one step of a call's timeline.
type entry struct {
	At    string            `json:"at"`
	Verb  string            `json:"verb"`
	Text  string            `json:"text,omitempty"`
	URL   string            `json:"url,omitempty"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

type waitSpec struct {
	deadline time.Time // zero: no deadline
	digits   bool      // digits wake it (Gather, Record)
}

type wakeKind int

const (
	wakeTimeout wakeKind = iota
	wakeDigits
	wakeInterrupt
)

type wakeup struct {
	kind   wakeKind
	digits string
}

type inQueue struct {
	q       *queue
	task    *task
	entered time.Time
}

// target is the next document to run: fetched from url, or inline TwiML.
type target struct {
	url, method string
	params      url.Values
	twiml       string
}

func (s *Sandbox) note(c *call, verb, text, u string, attrs map[string]string) int {
	c.timeline = append(c.timeline, entry{At: iso(s.now), Verb: verb, Text: text, URL: u, Attrs: attrs})
	return len(c.timeline) - 1
}

// newCall registers a call and starts playing it from first. Called with s.mu held.
func (s *Sandbox) newCall(from, to, direction string, first target) *call {
	c := &call{sid: s.w.ids.next("CA"), from: from, to: to, direction: direction, status: "queued", created: s.now}
	s.w.calls[c.sid] = c
	s.w.callList = append(s.w.callList, c)
	s.busy++
	s.calls.Add(1)
	go s.runCall(c, first)
	return c
}

// block parks the call at a verb until a clock advance, digits or an interrupt wakes it. A pending
// interrupt returns at once. Called on the call's goroutine with s.mu held.
func (s *Sandbox) block(c *call, spec waitSpec) wakeup {
	if c.hangup || c.redirect != nil || (c.bridge && c.q != nil) {
		return wakeup{kind: wakeInterrupt}
	}
	c.hops = 0
	c.wait = &spec
	s.busy--
	s.cond.Broadcast()
	for c.wake == nil {
		s.cond.Wait()
	}
	w := *c.wake
	c.wake, c.wait = nil, nil
	return w
}

// wakeCall unblocks a waiting call; the waker counts it busy again so settle waits for it.
func (s *Sandbox) wakeCall(c *call, w wakeup) bool {
	if c.wait == nil || c.wake != nil {
		return false
	}
	c.wake = &w
	s.busy++
	s.cond.Broadcast()
	return true
}

func (s *Sandbox) hangupCall(c *call) {
	if c.status == "completed" {
		return
	}
	c.hangup = true
	s.wakeCall(c, wakeup{kind: wakeInterrupt})
}

func (s *Sandbox) redirectCall(c *call, t target) {
	c.redirect = &t
	s.wakeCall(c, wakeup{kind: wakeInterrupt})
}

// bridgeCallOf connects the call waiting in queue for t to its agent (reservation accepted).
func (s *Sandbox) bridgeCallOf(t *task) {
	for _, c := range s.w.callList {
		if c.q != nil && c.q.task == t {
			c.bridge = true
			s.wakeCall(c, wakeup{kind: wakeInterrupt})
		}
	}
}

// feedDigits gives digits to a call waiting at a Gather or Record; otherwise they are lost, as
// keys pressed during Play, Say or Pause outside a Gather are.
func (s *Sandbox) feedDigits(c *call, digits string) bool {
	if c.wait == nil || !c.wait.digits {
		return false
	}
	return s.wakeCall(c, wakeup{kind: wakeDigits, digits: digits})
}

// settle waits until every call is blocked at a verb or ended. Called with s.mu held.
func (s *Sandbox) settle() {
	for s.busy > 0 {
		s.cond.Wait()
	}
}

// settleCall waits until c is blocked at a verb or ended, whatever the other calls do. Called
// with s.mu held.
func (s *Sandbox) settleCall(c *call) {
	for c.status != "completed" && (c.wait == nil || c.wake != nil) {
		s.cond.Wait()
	}
}

// runUntil moves virtual time to target, waking calls at their deadlines in order and letting
// them settle at each step, so the outcome does not depend on goroutine timing.
func (s *Sandbox) runUntil(target time.Time) {
	s.settle()
	for {
		var next time.Time
		for _, c := range s.w.callList {
			if c.wait == nil || c.wake != nil || c.wait.deadline.IsZero() || c.wait.deadline.After(target) {
				continue
			}
			if next.IsZero() || c.wait.deadline.Before(next) {
				next = c.wait.deadline
			}
		}
		if next.IsZero() {
			break
		}
		if next.After(s.now) {
			s.now = next
		}
		for _, c := range s.w.callList {
			if c.wait != nil && c.wake == nil && !c.wait.deadline.IsZero() && !c.wait.deadline.After(s.now) {
				s.wakeCall(c, wakeup{kind: wakeTimeout})
			}
		}
		s.settle()
	}
	if target.After(s.now) {
		s.now = target
	}
}

// tick follows the wall clock in real-clock mode.
func (s *Sandbox) tick() {
	defer s.ticks.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			s.runUntil(now.UTC().Add(s.offset).Truncate(time.Millisecond))
			s.mu.Unlock()
		}
	}
}

// advance moves the clock by d (both modes) and returns once every call settled.
func (s *Sandbox) advance(d time.Duration) {
	if s.realClock {
		s.offset += d
		s.runUntil(time.Now().UTC().Add(s.offset))
		return
	}
	s.runUntil(s.now.Add(d))
}

// endCall marks the call completed. Called on the call's goroutine with s.mu held.
func (s *Sandbox) endCall(c *call) {
	if c.q != nil {
		s.leaveQueue(c, "hangup")
	}
	c.status, c.ended = "completed", s.now
	s.busy--
	s.cond.Broadcast()
}

// leaveQueue takes the call out of its queue; TaskRouter cancels its task if nobody took it yet.
func (s *Sandbox) leaveQueue(c *call, result string) {
	iq := c.q
	c.q, c.bridge = nil, false
	wait := s.now.Sub(iq.entered)
	c.queueTime += wait
	iq.q.waits = append(iq.q.waits, wait)
	if t := iq.task; t.status == "pending" || t.status == "reserved" {
		s.endReservations(t, "canceled")
		t.status, t.reason, t.updated = "canceled", "Task canceled: call "+result, s.now
		t.version++
		s.route()
	}
}

func (s *Sandbox) callView(c *call) map[string]any {
	tl := c.timeline
	if tl == nil {
		tl = []entry{}
	}
	return map[string]any{"sid": c.sid, "status": c.status, "from": c.from, "to": c.to,
		"direction": c.direction, "taskSid": c.taskSid, "timeline": tl}
}
