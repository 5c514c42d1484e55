package sandbox

import (
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ctl says how a document or verb ended and what the call does next.
type ctl int

const (
	ctlContinue ctl = iota // go on with the next verb
	ctlDone                // the document ran out of verbs
	ctlGoto                // fetch next (Redirect, Gather/Record action)
	ctlExec                // run doc (a Record action already fetched)
	ctlLeave               // <Leave> inside a waitUrl document
	ctlEnd                 // <Hangup>, or an application error
	ctlHangup              // the caller hung up (or Status=completed)
	ctlRedirect            // REST update with a new Url
	ctlBridge              // an agent accepted the call's task
)

type result struct {
	ctl  ctl
	next target
	doc  *doc
}

const (
	playSeconds    = 30
	maxHops        = 100 // documents in a row without any waiting before the call is ended
	defaultSpeech  = "Hello, this is a sandbox caller. Please call me back when you can. Thank you."
	recordingsBase = "https://api.twilio.com/2010-04-01/Accounts/"
)

// runCall plays a call from its first document to its end, on its own goroutine.
func (s *Sandbox) runCall(c *call, first target) {
	defer s.calls.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	c.status, c.started = "in-progress", s.now
	res := result{ctl: ctlGoto, next: first}
	for {
		switch res.ctl {
		case ctlGoto:
			d, pr := s.fetch(c, res.next, false)
			if pr != nil {
				res = *pr
				continue
			}
			res = s.execDoc(c, d, false)
		case ctlExec:
			res = s.execDoc(c, res.doc, false)
		case ctlRedirect:
			t := *c.redirect
			c.redirect = nil
			res = result{ctl: ctlGoto, next: t}
		default:
			if res.ctl == ctlHangup {
				s.note(c, "Hangup", "", "", map[string]string{"by": "caller"})
			}
			s.endCall(c)
			return
		}
	}
}

// pending turns a set interrupt into a result; nil if none.
func (s *Sandbox) pending(c *call, inQueue bool) *result {
	switch {
	case c.hangup:
		return &result{ctl: ctlHangup}
	case c.redirect != nil:
		return &result{ctl: ctlRedirect}
	case inQueue && c.bridge:
		return &result{ctl: ctlBridge}
	}
	return nil
}

// fetch requests a TwiML document. In a queue, a failed waitUrl request leaves the caller holding
// (an empty document); elsewhere it ends the call as Twilio's "application error" does.
func (s *Sandbox) fetch(c *call, t target, inQueue bool) (*doc, *result) {
	if p := s.pending(c, inQueue); p != nil {
		return nil, p
	}
	c.hops++
	if c.hops > maxHops {
		s.note(c, "Error", "too many documents without a pause", t.url, nil)
		return nil, &result{ctl: ctlEnd}
	}
	if t.twiml != "" {
		d, err := parseTwiML([]byte(t.twiml), "")
		if err != nil {
			s.note(c, "Error", err.Error(), "", nil)
			return nil, &result{ctl: ctlEnd}
		}
		return d, nil
	}
	params := s.callParams(c)
	if inQueue && c.q != nil {
		for k, v := range s.queueParams(c) {
			params[k] = v
		}
	}
	for k, v := range t.params {
		params[k] = v
	}
	status, body, err := s.deliver(c, t.method, t.url, params)
	if p := s.pending(c, inQueue); p != nil {
		return nil, p
	}
	fail := func(msg string) (*doc, *result) {
		s.note(c, "Error", msg, t.url, nil)
		if inQueue {
			return &doc{url: t.url}, nil
		}
		return nil, &result{ctl: ctlEnd}
	}
	if err != nil {
		return fail(err.Error())
	}
	if status < 200 || status > 299 {
		return fail("HTTP " + strconv.Itoa(status))
	}
	d, err := parseTwiML(body, t.url)
	if err != nil {
		return fail(err.Error())
	}
	return d, nil
}

// deliver sends a signed webhook for the call and notes it in the timeline.
func (s *Sandbox) deliver(c *call, method, u string, params url.Values) (int, []byte, error) {
	d, err := s.newDelivery(c, method, u, params)
	if err != nil {
		s.note(c, "Error", err.Error(), u, nil)
		return 0, nil, err
	}
	c.last = d
	i := s.note(c, "Request", "", d.url, map[string]string{"method": d.method})
	status, body, err := s.send(d)
	c.timeline[i].Attrs["status"] = strconv.Itoa(status)
	return status, body, err
}

func (s *Sandbox) execDoc(c *call, d *doc, inQueue bool) result {
	for _, v := range d.verbs {
		if r := s.execVerb(c, d, v, inQueue); r.ctl != ctlContinue {
			return r
		}
	}
	return result{ctl: ctlDone}
}

func (s *Sandbox) interrupted(c *call, inQueue bool) result {
	if p := s.pending(c, inQueue); p != nil {
		return *p
	}
	return result{ctl: ctlHangup} // woken without a reason: only Close does that
}

func (s *Sandbox) execVerb(c *call, d *doc, v node, inQueue bool) result {
	if p := s.pending(c, inQueue); p != nil {
		return *p
	}
	text := strings.TrimSpace(v.Text)
	switch v.XMLName.Local {
	case "Say":
		s.note(c, "Say", text, "", v.attrMap())
	case "Play":
		s.note(c, "Play", "", d.resolve(text), v.attrMap())
		if w := s.block(c, waitSpec{deadline: s.playEnd(v)}); w.kind == wakeInterrupt {
			return s.interrupted(c, inQueue)
		}
	case "Pause":
		s.note(c, "Pause", "", "", v.attrMap())
		if w := s.block(c, waitSpec{deadline: s.now.Add(time.Duration(v.num("length", 1)) * time.Second)}); w.kind == wakeInterrupt {
			return s.interrupted(c, inQueue)
		}
	case "Gather":
		return s.gather(c, d, v, inQueue)
	case "Redirect":
		u := d.resolve(text)
		s.note(c, "Redirect", "", u, v.attrMap())
		return result{ctl: ctlGoto, next: target{url: u, method: v.str("method", "POST")}}
	case "Enqueue":
		if inQueue {
			s.note(c, "Error", "Enqueue is not allowed in a waitUrl document", "", nil)
			return result{ctl: ctlContinue}
		}
		return s.enqueue(c, d, v)
	case "Leave":
		s.note(c, "Leave", "", "", nil)
		if inQueue {
			return result{ctl: ctlLeave}
		}
	case "Record":
		if inQueue {
			s.note(c, "Error", "Record is not allowed in a waitUrl document", "", nil)
			return result{ctl: ctlContinue}
		}
		return s.record(c, d, v)
	case "Hangup", "Reject":
		s.note(c, v.XMLName.Local, "", "", nil)
		return result{ctl: ctlEnd}
	default:
		s.note(c, "Error", "verb not supported by the sandbox: "+v.XMLName.Local, "", nil)
	}
	return result{ctl: ctlContinue}
}

// playEnd is when a Play finishes: 30 s per loop; loop="0" plays until interrupted.
func (s *Sandbox) playEnd(v node) time.Time {
	loop := v.num("loop", 1)
	if loop <= 0 {
		return time.Time{}
	}
	return s.now.Add(time.Duration(loop*playSeconds) * time.Second)
}

func (s *Sandbox) gather(c *call, d *doc, v node, inQueue bool) result {
	numDigits := v.num("numDigits", 0)
	finish := v.str("finishOnKey", "#")
	timeout := time.Duration(v.num("timeout", 5)) * time.Second
	action := d.resolve(v.str("action", d.url))
	s.note(c, "Gather", "", action, v.attrMap())
	digits, done, finishedOn := "", false, ""
	feed := func(keys string) {
		for _, k := range keys {
			if strings.ContainsRune(finish, k) {
				done, finishedOn = true, string(k)
				return
			}
			digits += string(k)
			if numDigits > 0 && len(digits) >= numDigits {
				done = true
				return
			}
		}
	}
	// Nested prompts play until the first key; Say takes no time.
	for _, n := range v.Nodes {
		if digits != "" || done {
			break
		}
		var until time.Time
		switch n.XMLName.Local {
		case "Say":
			s.note(c, "Say", strings.TrimSpace(n.Text), "", n.attrMap())
			continue
		case "Play":
			s.note(c, "Play", "", d.resolve(strings.TrimSpace(n.Text)), n.attrMap())
			until = s.playEnd(n)
		case "Pause":
			s.note(c, "Pause", "", "", n.attrMap())
			until = s.now.Add(time.Duration(n.num("length", 1)) * time.Second)
		default:
			continue
		}
		w := s.block(c, waitSpec{deadline: until, digits: true})
		switch w.kind {
		case wakeInterrupt:
			return s.interrupted(c, inQueue)
		case wakeDigits:
			feed(w.digits)
		}
	}
	for !done {
		w := s.block(c, waitSpec{deadline: s.now.Add(timeout), digits: true})
		if w.kind == wakeInterrupt {
			return s.interrupted(c, inQueue)
		}
		if w.kind == wakeTimeout {
			break
		}
		feed(w.digits)
	}
	if digits == "" && !v.flag("actionOnEmptyResult", false) {
		return result{ctl: ctlContinue}
	}
	s.note(c, "Digits", digits, "", nil)
	params := url.Values{"Digits": {digits}}
	if finishedOn != "" {
		params.Set("FinishedOnKey", finishedOn)
	}
	return result{ctl: ctlGoto, next: target{url: action, method: v.str("method", "POST"), params: params}}
}

// enqueue puts the call into a workflow's queue and plays waitUrl documents until the call leaves.
func (s *Sandbox) enqueue(c *call, d *doc, v node) result {
	wf := s.w.workflowBySid(v.str("workflowSid", ""))
	if wf == nil {
		s.note(c, "Error", "Enqueue: unknown workflowSid", "", v.attrMap())
		return result{ctl: ctlContinue}
	}
	attrs := map[string]any{}
	priority, timeout := 0, 86400
	for _, n := range v.Nodes {
		if n.XMLName.Local == "Task" {
			if err := json.Unmarshal([]byte(strings.TrimSpace(n.Text)), &attrs); err != nil {
				s.note(c, "Error", "Enqueue: Task is not a JSON object", "", nil)
				return result{ctl: ctlContinue}
			}
			priority, timeout = n.num("priority", 0), n.num("timeout", 86400)
		}
	}
	// Like Flex's Send to Flex, the task carries the call's identity.
	for k, val := range map[string]string{"call_sid": c.sid, "from": c.from, "to": c.to, "caller": c.from,
		"called": c.to, "direction": c.direction, "account_sid": s.w.account} {
		if _, ok := attrs[k]; !ok {
			attrs[k] = val
		}
	}
	body, _ := json.Marshal(attrs)
	t, err := s.createTask(wf, string(body), "voice", priority, timeout, time.Time{})
	if err != nil {
		s.note(c, "Error", "Enqueue: "+err.Error(), "", nil)
		return result{ctl: ctlContinue}
	}
	c.taskSid = t.sid
	c.q = &inQueue{q: s.w.queueForWorkflow(wf), task: t, entered: s.now}
	s.note(c, "Enqueue", "", "", map[string]string{"workflowSid": wf.sid, "taskSid": t.sid, "queueSid": c.q.q.sid})
	waitURL := d.resolve(v.str("waitUrl", ""))
	waitT := target{url: waitURL, method: v.str("waitUrlMethod", "POST")}
	next := waitT
	var r result
	for {
		if waitURL == "" { // Twilio's own hold music, until something happens
			s.block(c, waitSpec{})
			r = s.interrupted(c, true)
			break
		}
		start := s.now
		wd, pr := s.fetch(c, next, true)
		if pr != nil {
			r = *pr
		} else {
			r = s.execDoc(c, wd, true)
		}
		if r.ctl == ctlGoto {
			next = r.next
			continue
		}
		if r.ctl != ctlDone {
			break
		}
		next = waitT
		if s.now.Equal(start) { // a document that took no time: hold 1 s before asking again
			if w := s.block(c, waitSpec{deadline: s.now.Add(time.Second)}); w.kind == wakeInterrupt {
				r = s.interrupted(c, true)
				break
			}
		}
	}
	qsid := c.q.q.sid
	outcome := map[ctl]string{ctlLeave: "leave", ctlBridge: "bridged", ctlRedirect: "redirected"}[r.ctl]
	if outcome == "" {
		outcome = "hangup"
	}
	s.leaveQueue(c, outcome)
	switch r.ctl {
	case ctlLeave:
		if action := d.resolve(v.str("action", "")); action != "" {
			return result{ctl: ctlGoto, next: target{url: action, method: v.str("method", "POST"), params: url.Values{
				"QueueResult": {"leave"}, "QueueSid": {qsid}, "QueueTime": {strconv.Itoa(int(c.queueTime.Seconds()))},
			}}}
		}
		return result{ctl: ctlContinue}
	case ctlBridge:
		s.note(c, "Bridged", "", "", map[string]string{"taskSid": c.taskSid})
		s.block(c, waitSpec{})
		return s.interrupted(c, false)
	}
	return r
}

// record plays the caller speaking into a <Record>, then makes its recording, action,
// status callback and transcription, in that order.
func (s *Sandbox) record(c *call, d *doc, v node) result {
	action := d.resolve(v.str("action", d.url))
	timeout := v.num("timeout", 5)
	maxLength := v.num("maxLength", 3600)
	finish := v.str("finishOnKey", "1234567890*#")
	transcribeCB := d.resolve(v.str("transcribeCallback", ""))
	transcribe := v.flag("transcribe", false) || transcribeCB != ""
	speech := defaultSpeech
	if c.speech != nil {
		speech = *c.speech
	}
	speak := time.Duration(math.Ceil(float64(len(strings.Fields(speech)))/2)) * time.Second
	i := s.note(c, "Record", "", action, v.attrMap())
	start := s.now
	end := start.Add(time.Duration(maxLength) * time.Second)
	if timeout > 0 {
		end = minTime(end, start.Add(speak+time.Duration(timeout)*time.Second))
	}
	pressed := ""
	for pressed == "" {
		w := s.block(c, waitSpec{deadline: end, digits: true})
		if w.kind != wakeDigits {
			break
		}
		for _, k := range w.digits {
			if strings.ContainsRune(finish, k) {
				pressed = string(k)
				break
			}
		}
	}
	if c.hangup {
		pressed = "hangup"
	}
	dur := min(s.now.Sub(start), speak, time.Duration(maxLength)*time.Second)
	secs := int(dur / time.Second)
	rec := &recording{sid: s.w.ids.next("RE"), callSid: c.sid, duration: secs, created: start}
	s.w.recordings[rec.sid] = rec
	recURL := recordingsBase + s.w.account + "/Recordings/" + rec.sid
	if c.timeline[i].Attrs == nil {
		c.timeline[i].Attrs = map[string]string{}
	}
	c.timeline[i].Attrs["recordingSid"] = rec.sid
	c.timeline[i].Attrs["recordingDuration"] = strconv.Itoa(secs)

	var next result
	if c.redirect != nil && !c.hangup {
		next = result{ctl: ctlRedirect} // a REST redirect ends the recording without its action
	} else {
		params := url.Values{"RecordingSid": {rec.sid}, "RecordingUrl": {recURL}, "RecordingDuration": {strconv.Itoa(secs)}}
		if pressed != "" {
			params.Set("Digits", pressed)
		}
		if c.hangup { // Twilio still requests the action, and ignores its TwiML
			_, _, _ = s.deliver(c, v.str("method", "POST"), action, mergeParams(s.callParams(c), params))
			next = result{ctl: ctlHangup}
		} else if ad, pr := s.fetch(c, target{url: action, method: v.str("method", "POST"), params: params}, false); pr != nil {
			next = *pr
		} else {
			next = result{ctl: ctlExec, doc: ad}
		}
	}
	if cb := d.resolve(v.str("recordingStatusCallback", "")); cb != "" {
		_, _, _ = s.deliver(c, v.str("recordingStatusCallbackMethod", "POST"), cb, url.Values{
			"AccountSid": {s.w.account}, "CallSid": {c.sid}, "RecordingSid": {rec.sid}, "RecordingUrl": {recURL},
			"RecordingStatus": {"completed"}, "RecordingDuration": {strconv.Itoa(secs)}, "RecordingChannels": {"1"},
			"RecordingSource": {"RecordVerb"}, "RecordingStartTime": {rfc2822(start)},
		})
	}
	if transcribe {
		tr := &transcription{sid: s.w.ids.next("TR"), recordingSid: rec.sid, text: speech, status: "completed",
			duration: secs, created: s.now}
		if secs < 2 || secs > 120 { // Twilio transcribes only recordings of 2 to 120 seconds (warning 13617)
			tr.text, tr.status = "", "failed"
		}
		s.w.transcr[tr.sid] = tr
		rec.transcriptionSid = tr.sid
		if transcribeCB != "" {
			_, _, _ = s.deliver(c, "POST", transcribeCB, url.Values{
				"AccountSid": {s.w.account}, "ApiVersion": {"2010-04-01"}, "CallSid": {c.sid},
				"From": {c.from}, "To": {c.to}, "Caller": {c.from}, "Called": {c.to},
				"TranscriptionSid": {tr.sid}, "TranscriptionText": {tr.text}, "TranscriptionStatus": {tr.status},
				"TranscriptionType": {"fast"}, "TranscriptionUrl": {recordingsBase + s.w.account + "/Transcriptions/" + tr.sid},
				"RecordingSid": {rec.sid}, "RecordingUrl": {recURL},
			})
		}
	}
	if next.ctl == ctlExec && c.hangup {
		next = result{ctl: ctlHangup}
	}
	return next
}

func mergeParams(a, b url.Values) url.Values {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
