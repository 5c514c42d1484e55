package waitexp

import (
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

const (
	baseURL  = "https://cb.example.com"
	endpoint = baseURL + "/features/callback-and-voicemail/studio/wait-experience"
	callSid  = "CA00000000000000000000000000000001"
	taskSid  = "WT00000000000000000000000000000001"
	wfSid    = "WW00000000000000000000000000000001"
	queueSid = "QU00000000000000000000000000000001"
	caller   = "+14155552671"
	called   = "+14155550100"
)

// env is one Experience with its fakes, plus a Twilio stand-in good enough to follow the TwiML.
type env struct {
	t       *testing.T
	e       *Experience
	j       *twiliofake.Journal
	tw      *twiliofake.Twilio // TaskRouter and Voice
	creator *fakeCreator
	form    url.Values // what Twilio sends with every request of this call
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	return newEnvOn(t, opts, newTwilio())
}

// newEnvStats is newEnv with TaskRouter's statistics read from the fake (PutStatistics).
func newEnvStats(t *testing.T, opts Options) *env {
	t.Helper()
	tw := newTwilio()
	opts.Statistics = tw
	return newEnvOn(t, opts, tw)
}

func newEnvOn(t *testing.T, opts Options, tw *twiliofake.Twilio) *env {
	t.Helper()
	en := &env{
		t:       t,
		j:       tw.Journal,
		tw:      tw,
		creator: newFakeCreator(tw.Journal),
		form: url.Values{
			"CallSid": {callSid}, "QueueSid": {queueSid}, "Caller": {caller}, "From": {caller},
			"Called": {called}, "To": {called},
		},
	}
	e, err := New(opts, en.tw, en.tw, en.creator, testLogger(t), func() time.Time { return t0 })
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	en.e = e
	return en
}

// newTwilio is the shared Twilio fake with the call's queue, refusing creates: the wait
// experience must create through the Creator.
func newTwilio() *twiliofake.Twilio {
	tw := twiliofake.New(nil)
	tw.PutQueue(flexcallback.Queue{Sid: queueSid, FriendlyName: wfSid})
	tw.Inject(twiliofake.Fault{Op: "create", Err: fmt.Errorf("waitexp must create through the Creator: %w", flexcallback.ErrInternal)})
	return tw
}

// testOptions are the reference's options (spec §3.2) with our defaults, as config.go sets them.
func testOptions() Options {
	return Options{
		RetainPlaceInQueue:   true,
		RetainRouting:        true,
		AllowAlternateNumber: true,
		AllowVoicemail:       true,
		Endpoint:             endpoint,
		HoldMusicURL:         baseURL + "/web/hold-music.mp3",
		Language:             DefaultLanguage,
		MaxRecordAttempts:    2,
		MaxRecordLength:      120,
		LookupPasses:         5,
		Region:               "US",
	}
}

// addCallTask puts the call's task in the fake TaskRouter, as Flex's Enqueue would.
func (en *env) addCallTask() flexcallback.Task {
	task := flexcallback.Task{
		Sid: taskSid, WorkflowSid: wfSid, Status: flexcallback.StatusPending, Channel: "voice",
		Priority: 0, Timeout: 3600, DateCreated: t0.Add(-3 * time.Minute),
		Attributes: map[string]any{
			"call_sid": callSid, "caller": caller, "called": called, "type": "inbound", "name": caller,
			"conversations": map[string]any{"hang_up_by": "Customer", "communication_channel": "voice"},
		},
	}
	en.tw.Put(task)
	return en.tw.Task(taskSid)
}

// do sends one request, as Twilio does: the query of rawURL, the call's parameters (plus extra)
// as a POST form.
func (en *env) do(rawURL string, extra ...string) reply {
	en.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		en.t.Fatalf("bad url %q: %v", rawURL, err)
	}
	form := url.Values{}
	for k, v := range en.form {
		form[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	// As backend/api merges them: the query, then the body over it.
	values := u.Query()
	for k, v := range form {
		values[k] = v
	}
	body := en.e.Answer(en.t.Context(), values.Get("mode"), values)
	r := reply{t: en.t, body: body}
	if r.body != "" {
		if err := xml.Unmarshal([]byte(body), &r.doc); err != nil {
			en.t.Fatalf("%s: bad TwiML: %v\n%s", rawURL, err, body)
		}
		checkTwiML(en.t, r.doc)
	}
	return r
}

// mode returns the endpoint URL for mode with query pairs.
func mode(m string, kv ...string) string {
	q := url.Values{"mode": {m}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return endpoint + "?" + q.Encode()
}

type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// text is the node's text with its children's, as a caller would hear it.
func (n node) text() string {
	s := n.Text
	for _, c := range n.Children {
		s += c.text()
	}
	return strings.TrimSpace(s)
}

type reply struct {
	t      *testing.T
	status int
	body   string
	doc    node
}

// verbs lists the top-level verbs' names.
func (r reply) verbs() []string {
	var out []string
	for _, c := range r.doc.Children {
		out = append(out, c.XMLName.Local)
	}
	return out
}

// says is every Say, nested ones included, in order.
func (r reply) says() []string {
	var out []string
	var walk func(n node)
	walk = func(n node) {
		if n.XMLName.Local == "Say" {
			out = append(out, n.text())
			return
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r.doc)
	return out
}

func (r reply) find(verb string) (node, bool) {
	var found node
	ok := false
	var walk func(n node)
	walk = func(n node) {
		if ok {
			return
		}
		if n.XMLName.Local == verb {
			found, ok = n, true
			return
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r.doc)
	return found, ok
}

func (r reply) must(verb string) node {
	r.t.Helper()
	n, ok := r.find(verb)
	if !ok {
		r.t.Fatalf("no <%s> in\n%s", verb, r.body)
	}
	return n
}

// redirect is the final Redirect's URL.
func (r reply) redirect() string {
	r.t.Helper()
	c := r.doc.Children
	if len(c) == 0 || c[len(c)-1].XMLName.Local != "Redirect" {
		r.t.Fatalf("document does not end with a Redirect:\n%s", r.body)
	}
	return c[len(c)-1].text()
}

func (r reply) says1(sub string) bool {
	for _, s := range r.says() {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// checkTwiML holds for every document: absolute URLs under our base, no "undefined", and every
// Gather followed by a Redirect that carries the state (B5).
func checkTwiML(t *testing.T, doc node) {
	t.Helper()
	for i, c := range doc.Children {
		for _, u := range urlsOf(c) {
			if !strings.HasPrefix(u, endpoint+"?mode=") && !strings.HasPrefix(u, baseURL+"/web/") {
				t.Errorf("URL %q is not absolute under %s", u, baseURL)
			}
			if strings.Contains(u, "undefined") {
				t.Errorf("URL %q carries undefined (B4)", u)
			}
			if _, err := url.Parse(u); err != nil {
				t.Errorf("URL %q: %v", u, err)
			}
		}
		if c.XMLName.Local == "Gather" {
			if i+1 >= len(doc.Children) || doc.Children[i+1].XMLName.Local != "Redirect" {
				t.Errorf("Gather not followed by a Redirect (B5)")
				continue
			}
			q := query(t, doc.Children[i+1].text())
			if q.Get("CallSid") == "" || q.Get("enqueuedTaskSid") != query(t, c.attr("action")).Get("enqueuedTaskSid") {
				t.Errorf("Redirect after Gather lost the state: %s", doc.Children[i+1].text())
			}
		}
	}
}

func urlsOf(n node) []string {
	var out []string
	for _, a := range n.Attrs {
		switch a.Name.Local {
		case "action", "transcribeCallback", "recordingStatusCallback":
			out = append(out, a.Value)
		}
	}
	switch n.XMLName.Local {
	case "Redirect", "Play":
		out = append(out, n.text())
	}
	for _, c := range n.Children {
		out = append(out, urlsOf(c)...)
	}
	return out
}

func query(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("bad URL %q: %v", raw, err)
	}
	return u.Query()
}

// testLogger sends logs to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
