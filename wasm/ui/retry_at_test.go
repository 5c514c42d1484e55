package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRetryPresetsInBusinessZone(t *testing.T) {
	type want struct{ key, at string }
	tests := []struct {
		name, now, zone string
		want            []want
	}{
		{"morning in New York", "2026-11-25T15:00:00Z", "America/New_York", []want{
			{keyRetryInHour, "2026-11-25T16:00:00Z"}, {keyRetryAfternoon, "2026-11-25T19:00:00Z"}, {keyRetryTomorrow, "2026-11-26T14:00:00Z"}}},
		{"afternoon past: not offered", "2026-11-25T18:50:00Z", "America/New_York", []want{
			{keyRetryInHour, "2026-11-25T19:50:00Z"}, {keyRetryTomorrow, "2026-11-26T14:00:00Z"}}},
		{"business day already tomorrow (Bangkok)", "2026-11-25T18:00:00Z", "Asia/Bangkok", []want{
			{keyRetryInHour, "2026-11-25T19:00:00Z"}, {keyRetryAfternoon, "2026-11-26T07:00:00Z"}, {keyRetryTomorrow, "2026-11-27T02:00:00Z"}}},
		{"tomorrow is the spring-forward day", "2026-03-07T20:00:00Z", "America/New_York", []want{
			{keyRetryInHour, "2026-03-07T21:00:00Z"}, {keyRetryTomorrow, "2026-03-08T13:00:00Z"}}},
		{"across the spring-forward night", "2026-03-08T06:30:00Z", "America/New_York", []want{ // 01:30 EST
			{keyRetryInHour, "2026-03-08T07:30:00Z"}, {keyRetryAfternoon, "2026-03-08T18:00:00Z"}, {keyRetryTomorrow, "2026-03-09T13:00:00Z"}}},
		{"tomorrow is the fall-back day", "2026-10-31T20:00:00Z", "America/New_York", []want{
			{keyRetryInHour, "2026-10-31T21:00:00Z"}, {keyRetryTomorrow, "2026-11-01T14:00:00Z"}}},
		{"seconds dropped", "2026-11-25T15:00:42Z", "America/New_York", []want{
			{keyRetryInHour, "2026-11-25T16:00:00Z"}, {keyRetryAfternoon, "2026-11-25T19:00:00Z"}, {keyRetryTomorrow, "2026-11-26T14:00:00Z"}}},
	}
	for _, tt := range tests {
		got := retryPresets(utc(tt.now), tt.zone)
		var gs []want
		for _, p := range got {
			gs = append(gs, want{p.Key, p.At.UTC().Format(time.RFC3339)})
		}
		if len(gs) != len(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, gs, tt.want)
			continue
		}
		for i := range gs {
			if gs[i] != tt.want[i] {
				t.Errorf("%s: %v, want %v", tt.name, gs, tt.want)
				break
			}
		}
	}
}

func TestParseLocalInputInBusinessZone(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-25T14:00": "2026-11-25T19:00:00Z",
		"2026-03-08T09:00": "2026-03-08T13:00:00Z", // EDT
		"2026-11-01T01:30": "2026-11-01T05:30:00Z", // the first 01:30 of the fall-back night (EDT)
		"2026-03-08T02:30": "2026-03-08T06:30:00Z", // skipped by spring-forward: an hour early
	} {
		got, ok := parseLocalInput(in, "America/New_York")
		if !ok || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("parseLocalInput(%q) = %v, %v; want %s", in, got.UTC(), ok, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "2026-11-25 14:00", "2026-11-25T25:00"} {
		if _, ok := parseLocalInput(bad, "America/New_York"); ok {
			t.Errorf("parseLocalInput(%q) accepted", bad)
		}
	}
}

// TestRetryAtChooses: the disclosure offers the presets and a picker bounded by now; a preset
// and a typed time each reach OnChoose as the instant in the business zone.
func TestRetryAtChooses(t *testing.T) {
	var chosen []time.Time
	r := &retryAt{Locale: "es-MX", BusinessZone: "America/New_York", Now: func() time.Time { return utc("2026-11-25T15:00:00Z") },
		OnChoose: func(ctx app.Context, at time.Time) { chosen = append(chosen, at) }}
	disp := app.NewClientTester(r)
	defer disp.Close()
	run := func(fn func(ctx app.Context)) {
		disp.Dispatch(app.Dispatch{Mode: app.Update, Source: r, Function: fn})
		disp.Consume()
		disp.Wait()
		disp.Consume()
	}
	if h := app.HTMLString(r); strings.Contains(h, "retry-preset-1") || !strings.Contains(h, `aria-expanded="false"`) {
		t.Fatalf("closed: %s", h)
	}
	run(func(ctx app.Context) { r.toggle(ctx, app.Event{}) })
	h := app.HTMLString(r)
	// aria-expanded="true" renders bare in HTMLString; the browser test reads it.
	for _, want := range []string{`id="retry-at-choices"`, "Reintentar a las…", "En 1 hora", "Esta tarde", "Mañana por la mañana",
		`data-at="2026-11-26T14:00:00Z"`, `type="datetime-local"`, `min="2026-11-25T10:00"`, "Fecha y hora (America/New_York)", "<legend>"} {
		if !strings.Contains(h, want) {
			t.Errorf("open: no %q in\n%s", want, h)
		}
	}
	run(func(ctx app.Context) { r.choose(ctx, retryPresets(r.Now(), r.BusinessZone)[2].At) })
	run(func(ctx app.Context) { r.open, r.value = true, "2026-11-27T16:30"; r.onSubmit(ctx, app.Event{}) })
	if len(chosen) != 2 || !chosen[0].Equal(utc("2026-11-26T14:00:00Z")) || !chosen[1].Equal(utc("2026-11-27T21:30:00Z")) {
		t.Errorf("chosen %v", chosen)
	}
	r.Disabled = true
	run(func(ctx app.Context) { r.choose(ctx, utc("2026-11-26T14:00:00Z")) })
	if len(chosen) != 2 {
		t.Error("a disabled control chose")
	}
}

// TestPanelRetryAtSendsCallbackAt: the chosen time goes to flex/requeue-callback as callbackAt
// (RFC 3339), then Flex wraps the task up and the status names the time.
func TestPanelRetryAtSendsCallbackAt(t *testing.T) {
	be := &fakeBackend{}
	srv := httptest.NewServer(be)
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", map[string]any{"attempts": 1}))
	if h := tp.html(); !strings.Contains(h, `id="retry-at"`) || !strings.Contains(h, "Retry At…") {
		t.Fatalf("no Retry at… control:\n%s", h)
	}
	at := utc("2026-11-26T14:00:00Z")
	tp.do(func(ctx app.Context) { tp.p.retry(ctx, at) })
	if len(be.forms) != 1 || be.forms[0]["taskSid"] != "WT1" || be.forms[0]["callbackAt"] != "2026-11-26T14:00:00Z" {
		t.Fatalf("backend got %v", be.forms)
	}
	s := tp.lastSent()
	if s.msg.Name != flexcallback.ActionWrapupTask {
		t.Fatalf("after the scheduled requeue sent %+v", s.msg)
	}
	tp.receive(flexOrigin, true, map[string]any{"source": "flexcallback-shim", "type": "actionResult", "v": 1, "id": s.msg.ID, "ok": true})
	if h := tp.html(); !strings.Contains(h, "Callback scheduled for "+formatDateTime("en-US", at, "")+" as attempt 3.") {
		t.Errorf("status after wrap-up:\n%s", h)
	}
}

// TestPanelRetryAtRefusalIsOneToast: the backend's 400 (outside hours) is shown with its own
// message on the status line and in one Flex notification, and the buttons come back.
func TestPanelRetryAtRefusalIsOneToast(t *testing.T) {
	const msg = "callbackAt 2026-11-26T03:00:00Z is outside business hours; the next opening is 2026-11-26T09:00:00-05:00"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"success":false,"message":"` + msg + `","code":"invalid"}`))
	}))
	defer srv.Close()
	tp := newTestPanel(t, srv.URL)
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", nil))
	tp.do(func(ctx app.Context) { tp.p.retry(ctx, utc("2026-11-26T03:00:00Z")) })
	want := "The callback could not be rescheduled: " + msg
	notes := tp.sentOfType(flexcallback.MsgNotify)
	if len(notes) != 1 || notes[0].msg.Text != want {
		t.Errorf("notifications %+v, want one saying %q", notes, want)
	}
	if h := tp.html(); !strings.Contains(h, want) || countDisabled(h) > 0 || len(tp.sentOfType("action")) != 0 {
		t.Errorf("refusal not shown, buttons not back or wrap-up sent:\n%s", h)
	}
}

// TestPanelShowsScheduledFor: callBackData.scheduledFor in the agent's zone and the business's.
func TestPanelShowsScheduledFor(t *testing.T) {
	tp := newTestPanel(t, "")
	if strings.Contains(tp.html(), "scheduled-for") {
		t.Fatal("scheduled time shown without a task")
	}
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", map[string]any{"scheduledFor": "2026-11-26T14:00:00Z"}))
	h := tp.html()
	at := utc("2026-11-26T14:00:00Z")
	for _, want := range []string{"Scheduled for", `datetime="2026-11-26T14:00:00Z"`, formatDateTime("en-US", at, ""), "System time: 2026-11-26 09:00:00 EST"} {
		if !strings.Contains(h, want) {
			t.Errorf("no %q in\n%s", want, h)
		}
	}
	tp.receive(flexOrigin, true, contextMessage("callback", "assigned", nil))
	if strings.Contains(tp.html(), `id="scheduled-for"`) {
		t.Error("scheduled time shown for a task without one")
	}
}
