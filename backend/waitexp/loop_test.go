package waitexp

import (
	"strings"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

func TestLookupRetriedOnLaterPasses(t *testing.T) {
	en := newEnv(t, testOptions())
	// Flex has not created the task yet when the first waitUrl request arrives.
	first := en.do(endpoint)
	loop := first.redirect()
	if q := query(t, loop); q.Has("enqueuedTaskSid") || q.Get("mode") != modeMainWaitLoop {
		t.Fatalf("first redirect = %s, want the loop without enqueuedTaskSid", loop)
	}
	miss := en.do(loop)
	if _, ok := miss.find("Gather"); ok {
		t.Errorf("menu offered before the task is known (B4):\n%s", miss.body)
	}
	if miss.says1("not available") {
		t.Errorf("gave up on the first retry: %v", miss.says())
	}
	en.addCallTask()
	hit := en.do(miss.redirect())
	g := hit.must("Gather")
	if query(t, g.attr("action")).Get("enqueuedTaskSid") != taskSid {
		t.Errorf("task found late not carried: %s", g.attr("action"))
	}
	if q := query(t, hit.redirect()); q.Get("enqueuedTaskSid") != taskSid || q.Has("pass") {
		t.Errorf("loop redirect = %s", hit.redirect())
	}
	lists := en.j.Count("list ")
	en.do(hit.redirect())
	if en.j.Count("list ") != lists {
		t.Error("looked up again although the task is known")
	}
}

func TestLookupBounded(t *testing.T) {
	opts := testOptions()
	opts.LookupPasses = 3
	en := newEnv(t, opts)
	u := en.do(endpoint).redirect()
	unavailable := 0
	for i := 0; i < 8; i++ {
		r := en.do(u)
		if _, ok := r.find("Gather"); ok {
			t.Fatalf("pass %d offers the menu without a task", i)
		}
		if r.says1("not available at this time") {
			unavailable++
		}
		u = r.redirect()
	}
	if n := en.j.Count("list "); n != 1+3 {
		t.Errorf("%d lookups, want 4 (initialize + 3 passes)", n)
	}
	if unavailable != 1 {
		t.Errorf("said unavailable %d times, want once", unavailable)
	}
}

func TestLookupQuery(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	en.do(endpoint)
	want := "list " + wfSid + " [pending reserved] DateCreated:desc 50 page 1"
	if en.j.Index(want) < 0 {
		t.Errorf("journal %v lacks %q (P1)", en.j.Events(), want)
	}
}

func TestUndefinedFromOldDeploy(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	r := en.do(mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", "undefined", "skipGreeting", "true"))
	if query(t, r.must("Gather").attr("action")).Get("enqueuedTaskSid") != taskSid {
		t.Errorf("undefined not replaced by a lookup: %s", r.body)
	}
	sub := en.do(mode(modeSubmitCallback, "CallSid", callSid, "enqueuedTaskSid", "undefined", "to", caller))
	if len(en.creator.created()) != 0 || !sub.says1("unable to complete") {
		t.Errorf("submit with undefined: %v", sub.says())
	}
}

func TestHoldOnlyWithoutQueue(t *testing.T) {
	for name, setup := range map[string]func(en *env){
		"no QueueSid": func(en *env) { en.form.Del("QueueSid") },
		"fetch fails": func(en *env) {
			en.tw.Inject(twiliofake.Fault{Op: "queue", Err: twiliofake.Err(flexcallback.ErrUnavailable)})
		},
		"list fails": func(en *env) {
			en.tw.Inject(twiliofake.Fault{Op: "list", Err: twiliofake.Err(flexcallback.ErrUnavailable)})
		},
		"unknown queue": func(en *env) { en.form.Set("QueueSid", "QU99999999999999999999999999999999") },
	} {
		t.Run(name, func(t *testing.T) {
			en := newEnv(t, testOptions())
			en.addCallTask()
			setup(en)
			u := en.do(endpoint).redirect()
			for i := 0; i < 7; i++ {
				r := en.do(u)
				if _, ok := r.find("Gather"); ok {
					t.Fatalf("menu without a task: %s", r.body)
				}
				r.must("Play")
				u = r.redirect()
			}
		})
	}
}

func TestQueueCached(t *testing.T) {
	en := newEnv(t, testOptions())
	for i := 0; i < 3; i++ {
		en.do(endpoint)
	}
	if n := en.j.Count("queue "); n != 1 {
		t.Errorf("%d queue fetches, want 1 (cached)", n)
	}
	// Stale beats nothing when Twilio fails.
	en.e.queues.ttl = 0
	en.tw.Inject(twiliofake.Fault{Op: "queue", Err: twiliofake.Err(flexcallback.ErrUnavailable)})
	r := en.do(endpoint)
	if query(t, r.redirect()).Get("workflowSid") != wfSid {
		t.Errorf("stale queue not used: %s", r.redirect())
	}
}

func TestInitialChoice(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	u := mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid)
	if r := en.do(u, "Digits", "5"); len(r.verbs()) != 1 || query(t, r.redirect()).Get("skipGreeting") != "true" {
		t.Errorf("other key: %s", r.body)
	}
	r := en.do(u, "Digits", "*")
	if !r.says1("press 2") || query(t, r.must("Gather").attr("action")).Get("mode") != modeCallbackOrVoicemail {
		t.Errorf("star: %s", r.body)
	}
}

func TestVoicemailDisabledNeverMentioned(t *testing.T) {
	opts := testOptions()
	opts.AllowVoicemail = false
	en := newEnv(t, opts)
	en.addCallTask()
	var said []string
	loop := en.do(en.do(endpoint).redirect())
	said = append(said, loop.says()...)
	star := en.do(loop.must("Gather").attr("action"), "Digits", "*")
	said = append(said, star.says()...)
	menu := star.must("Gather").attr("action")
	two := en.do(menu, "Digits", "2")
	if query(t, two.redirect()).Get("mode") != modeMainWaitLoop || en.j.Count("call-update") != 0 {
		t.Errorf("2 with voicemail off: %s", two.body)
	}
	// And when the task is never found.
	en2 := newEnv(t, opts)
	en2.e.opts.LookupPasses = 1
	u := en2.do(endpoint).redirect()
	for i := 0; i < 3; i++ {
		r := en2.do(u)
		said = append(said, r.says()...)
		u = r.redirect()
	}
	for _, s := range said {
		if strings.Contains(strings.ToLower(s), "voicemail") {
			t.Errorf("voicemail mentioned with voicemail off: %q", s)
		}
	}
	if !strings.Contains(strings.Join(said, " "), "request a callback is not available") {
		t.Errorf("no callback-only unavailable prompt in %q", said)
	}
}

func TestPositionAnnouncement(t *testing.T) {
	opts := testOptions()
	opts.AnnouncePosition = true
	en := newEnvStats(t, opts)
	en.tw.PutStatistics(wfSid, flexcallback.WaitStatistics{Waiting: 5, Available: -1, AvgAccept: 45 * time.Second})
	own := en.addCallTask() // created 3 minutes ago, priority 0
	for _, o := range []flexcallback.Task{
		{Sid: "WTolder", Status: flexcallback.StatusPending, DateCreated: own.DateCreated.Add(-time.Minute)},
		{Sid: "WTnewer", Status: flexcallback.StatusPending, DateCreated: own.DateCreated.Add(time.Minute)},
		{Sid: "WTurgent", Status: flexcallback.StatusPending, Priority: 10, DateCreated: own.DateCreated.Add(time.Minute)},
		{Sid: "WTcallback", Status: flexcallback.StatusPending, DateCreated: t0, VirtualStartTime: own.DateCreated.Add(-time.Hour)},
		{Sid: "WTringing", Status: flexcallback.StatusReserved, DateCreated: own.DateCreated.Add(-time.Hour)},
	} {
		o.WorkflowSid = wfSid
		en.tw.Put(o)
	}
	r := en.do(mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid, "skipGreeting", "true"))
	g := r.must("Gather")
	says := r.says()
	if len(says) < 3 || says[0] != "You are number 4 in line." || says[1] != "Your estimated wait time is about 3 minutes." { // 4 × 45 s
		t.Fatalf("announcement = %q", says)
	}
	if len(g.Children) == 0 || g.Children[0].XMLName.Local != "Say" {
		t.Errorf("announcement not inside the Gather: %s", r.body)
	}

	en.tw.PutStatistics(wfSid, flexcallback.WaitStatistics{Waiting: 5, Available: 4})
	en.e.stats.ttl = 0
	r = en.do(mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid, "skipGreeting", "true", "lang", "es"))
	if says := r.says(); says[0] != "Usted es el número 4 en la fila." || !strings.Contains(says[1], "menos de un minuto") {
		t.Errorf("spanish announcement = %q", says)
	}
}

func TestNoAnnouncementByDefault(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	r := en.do(mode(modeMainWaitLoop, "CallSid", callSid, "enqueuedTaskSid", taskSid, "skipGreeting", "true"))
	if r.says1("in line") || en.j.Count("list ") != 0 {
		t.Errorf("announced without the option: %v", r.says())
	}
}

func TestSpanishCarriedThroughEveryURL(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	r := en.do(endpoint + "?lang=es")
	for i := 0; i < 4; i++ {
		var next string
		switch i {
		case 0, 1:
			next = r.redirect()
		case 2:
			next = r.must("Gather").attr("action")
		}
		if next == "" {
			break
		}
		if query(t, next).Get("lang") != "es" {
			t.Fatalf("lang lost in %s", next)
		}
		if i == 2 {
			r = en.do(next, "Digits", "*")
		} else {
			r = en.do(next)
		}
		for _, s := range r.doc.Children {
			if s.XMLName.Local == "Say" && (s.attr("language") != "es-MX" || s.attr("voice") != "Polly.Mia") {
				t.Errorf("Say = %s", r.body)
			}
		}
	}
	if !r.says1("Para dejar un mensaje de voz, presione 2") {
		t.Errorf("menu not in Spanish: %v", r.says())
	}
	if q := query(t, r.must("Gather").attr("action")); q.Get("lang") != "es" {
		t.Errorf("menu action lost lang: %v", q)
	}
}

func TestEveryMode(t *testing.T) {
	en := newEnv(t, testOptions())
	for _, tc := range []struct {
		mode  string
		empty bool
	}{
		{"", false}, {modeInitialize, false}, {modeMainWaitLoop, false}, {modeInitialChoice, false},
		{modeCallbackOrVoicemail, false}, {modeCallbackChoice, false}, {modeOtherNumberOption, false},
		{modeOtherNumberConfirm, false}, {modeSubmitCallback, false}, {modeRecordVoicemail, false},
		{modeVoicemailRecorded, false}, {modeSubmitVoicemail, true}, {modeRecordingStatus, true},
		{"no-such-mode", false},
	} {
		en.tw.Put(flexcallback.Task{Sid: taskSid, WorkflowSid: wfSid, Status: flexcallback.StatusPending,
			DateCreated: t0, Attributes: map[string]any{"call_sid": callSid}})
		u := endpoint + "?CallSid=" + callSid + "&enqueuedTaskSid=" + taskSid
		if tc.mode != "" {
			u = mode(tc.mode, "CallSid", callSid, "enqueuedTaskSid", taskSid, "to", caller)
		}
		r := en.do(u, "Digits", "1", "RecordingSid", "RE00000000000000000000000000000001")
		if (r.body == "") != tc.empty {
			t.Errorf("mode %q: body %q, want empty %v", tc.mode, r.body, tc.empty)
		}
		if !tc.empty && len(r.verbs()) == 0 {
			t.Errorf("mode %q: empty document", tc.mode)
		}
	}
	r := en.do(mode("no-such-mode", "CallSid", callSid))
	if !r.says1("unable to complete") || query(t, r.redirect()).Get("mode") != modeMainWaitLoop {
		t.Errorf("unknown mode: %s", r.body)
	}
}

func TestGetRequestsWork(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	// Twilio calls the Record action with GET: every parameter is in the query.
	en.form = nil
	r := en.do(mode(modeInitialChoice, "CallSid", callSid, "enqueuedTaskSid", taskSid, "Digits", "*", "Caller", caller))
	if _, ok := r.find("Gather"); !ok {
		t.Errorf("GET parameters not read: %s", r.body)
	}
}
