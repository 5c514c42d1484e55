// Package demo serves the demo desk at /demo/ in sandbox mode: the static desk page (which loads
// the real plugin bundle into an emulation of Flex), a proxy to the sandbox's admin and REST
// APIs, and scenario endpoints that play callers against the backend the way Twilio would:
// Studio calling create-callback (now, or at a chosen time), a caller pressing keys in the queue,
// a caller leaving a voicemail.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"time"

	"flexcallback/backend/sandbox"
)

// Config is what the desk needs to reach the sandbox and the backend.
type Config struct {
	Dir                 string // web/demo: index.html, the desk's modules, the plugin bundle and React copies
	SandboxURL          string // http://127.0.0.1:8081
	AccountSid          string
	AuthToken           string
	CallbackWorkflowSid string
	PublicBaseURL       string // the backend, as Twilio reaches it
	CreateCallbackURL   string // Studio's create-callback webhook, under PublicBaseURL
	WaitURL             string // Send to Flex's waitUrl, under PublicBaseURL
	// AfterHours is the first moment the centre is closed from now on (BUSINESS_HOURS_FILE); nil
	// when it is always open. The "after hours" control moves the sandbox's clock there.
	AfterHours func(now time.Time) (time.Time, bool)
	Logger     *slog.Logger
}

// New returns the handler of every path under /demo/.
func New(cfg Config) (http.Handler, error) {
	su, err := url.Parse(cfg.SandboxURL)
	if err != nil {
		return nil, fmt.Errorf("sandbox URL: %w", err)
	}
	d := &desk{cfg: cfg, hc: &http.Client{Timeout: 30 * time.Second}}
	mux := http.NewServeMux()
	mux.Handle("/demo/sandbox/", http.StripPrefix("/demo/sandbox", httputil.NewSingleHostReverseProxy(su)))
	mux.HandleFunc("GET /demo/config.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"backendUrl": cfg.PublicBaseURL})
	})
	mux.HandleFunc("POST /demo/scenario/{name}", d.handleScenario)
	mux.HandleFunc("/demo/outbound.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>This is the simulated outbound call of the demo desk.</Say><Pause length="600"/></Response>`)
	})
	mux.Handle("/demo/", http.StripPrefix("/demo/", http.FileServer(http.Dir(cfg.Dir))))
	return mux, nil
}

type desk struct {
	cfg Config
	hc  *http.Client
}

// handleScenario starts a scenario and answers at once with the caller's call SID (if any);
// the caller goes on in the background, as a real caller would.
func (d *desk) handleScenario(w http.ResponseWriter, r *http.Request) {
	caller := fmt.Sprintf("+1415555%04d", 2000+rand.IntN(7000))
	var run func(ctx context.Context) error
	switch r.PathValue("name") {
	case "ivr-callback":
		run = func(ctx context.Context) error { return d.ivrCallback(ctx, caller, time.Time{}) }
	case "scheduled-callback":
		run = func(ctx context.Context) error { return d.scheduledCallback(ctx, caller) }
	case "inqueue-callback":
		run = func(ctx context.Context) error { return d.inQueue(ctx, caller, false) }
	case "voicemail":
		run = func(ctx context.Context) error { return d.inQueue(ctx, caller, true) }
	case "after-hours":
		d.afterHours(w, r)
		return
	case "repeat-caller":
		run = func(ctx context.Context) error { return d.repeatCaller(ctx, caller) }
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no such scenario"})
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := run(ctx); err != nil {
			d.cfg.Logger.Error("demo scenario failed", "scenario", r.PathValue("name"), "err", err)
		}
	}()
	writeJSON(w, http.StatusAccepted, map[string]string{"scenario": r.PathValue("name"), "caller": caller})
}

// afterHours moves the sandbox's clock, which business hours follow in sandbox mode, to the next
// moment the centre is closed, and answers that time.
func (d *desk) afterHours(w http.ResponseWriter, r *http.Request) {
	if d.cfg.AfterHours == nil {
		writeJSON(w, http.StatusConflict, map[string]string{"message": "always open: start with BUSINESS_HOURS_FILE=docs/business-hours.example.json to try after hours"})
		return
	}
	var clock struct {
		Now time.Time `json:"now"`
	}
	if err := d.admin(r.Context(), "POST", "/_sandbox/clock", map[string]string{}, &clock); err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"message": err.Error()})
		return
	}
	to, ok := d.cfg.AfterHours(clock.Now)
	if !ok {
		writeJSON(w, http.StatusConflict, map[string]string{"message": "the centre is not closed within a week"})
		return
	}
	if err := d.admin(r.Context(), "POST", "/_sandbox/clock", map[string]string{"to": to.UTC().Format(time.RFC3339)}, &clock); err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"message": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"scenario": "after-hours", "now": to.Format(time.RFC3339)})
}

// ivrCallback is Studio's "Run Function" widget after the caller chose a callback in the IVR,
// for as soon as possible, or for at (callbackAt) when it is not zero.
func (d *desk) ivrCallback(ctx context.Context, caller string, at time.Time) error {
	form := url.Values{
		"numberToCall": {caller}, "numberToCallFrom": {"+14155550100"},
		"flexFlowSid": {"FW00000000000000000000000000000001"},
	}
	if !at.IsZero() {
		form.Set("callbackAt", at.UTC().Format(time.RFC3339))
	}
	u := d.cfg.CreateCallbackURL
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sandbox.Signature(d.cfg.AuthToken, u, form))
	resp, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("create-callback: %s: %s", resp.Status, body)
	}
	return nil
}

// inQueue is a caller sent to Flex (Studio's Send to Flex with our wait experience as hold
// music) who presses * and asks for a callback, or leaves a voicemail.
func (d *desk) inQueue(ctx context.Context, caller string, voicemail bool) error {
	callSid, err := d.enqueue(ctx, caller)
	if err != nil {
		return err
	}
	if voicemail { // what the caller will say once recording
		if err := d.admin(ctx, "POST", "/_sandbox/calls/"+callSid+"/speech",
			map[string]string{"text": "Hi, this is about my order from last week. Please call me back this afternoon."}, nil); err != nil {
			return err
		}
	}
	steps := []string{"*", "1", "1"} // star, callback, this number
	if voicemail {
		steps = []string{"*", "2"}
	}
	if err := d.press(ctx, callSid, steps...); err != nil || !voicemail {
		return err
	}
	if err := d.waitFor(ctx, callSid, "Record"); err != nil {
		return err
	}
	time.Sleep(4 * time.Second) // the caller speaks
	return d.admin(ctx, "POST", "/_sandbox/calls/"+callSid+"/digits", map[string]string{"digits": "*"}, nil)
}

// scheduledCallback is a caller who chose, in the IVR, to be called back in an hour of the
// sandbox's clock: no task until the clock gets there (the desk's "+1 h" moves it).
func (d *desk) scheduledCallback(ctx context.Context, caller string) error {
	var clock struct {
		Now time.Time `json:"now"`
	}
	if err := d.admin(ctx, "POST", "/_sandbox/clock", map[string]string{"advance": "0s"}, &clock); err != nil {
		return err
	}
	return d.ivrCallback(ctx, caller, clock.Now.Add(time.Hour).Truncate(time.Minute)) // due after one "+1 h"
}

// repeatCaller asks for a callback in the IVR, then calls again and presses * in the queue: the
// request joins the open callback task and the caller hears it is already arranged
// (MERGE_OPEN_CALLBACKS).
func (d *desk) repeatCaller(ctx context.Context, caller string) error {
	if err := d.ivrCallback(ctx, caller, time.Time{}); err != nil {
		return err
	}
	callSid, err := d.enqueue(ctx, caller)
	if err != nil {
		return err
	}
	return d.press(ctx, callSid, "*")
}

// enqueue sends a caller to Flex with our wait experience as hold music; it returns the call SID.
func (d *desk) enqueue(ctx context.Context, caller string) (string, error) {
	var call struct {
		CallSid string `json:"callSid"`
	}
	attrs := fmt.Sprintf(`{"type":"inbound","name":%q,"conversations":{"hang_up_by":"Customer"}}`, caller)
	err := d.admin(ctx, "POST", "/_sandbox/calls", map[string]any{
		"from": caller, "to": "+14155550100",
		"enqueue": map[string]any{"workflowSid": d.cfg.CallbackWorkflowSid, "waitUrl": d.cfg.WaitURL, "attributes": attrs},
	}, &call)
	return call.CallSid, err
}

// press has the caller press each group of keys once the call gathers.
func (d *desk) press(ctx context.Context, callSid string, steps ...string) error {
	for _, digits := range steps {
		if err := d.waitFor(ctx, callSid, "Gather"); err != nil {
			return err
		}
		if err := d.admin(ctx, "POST", "/_sandbox/calls/"+callSid+"/digits", map[string]string{"digits": digits}, nil); err != nil {
			return err
		}
	}
	return nil
}

// waitFor polls the call until it waits at verb: the verb came after the caller's last keys.
func (d *desk) waitFor(ctx context.Context, callSid, verb string) error {
	for {
		var c struct {
			Status   string `json:"status"`
			Timeline []struct {
				Verb string `json:"verb"`
			} `json:"timeline"`
		}
		if err := d.admin(ctx, "GET", "/_sandbox/calls/"+callSid, nil, &c); err != nil {
			return err
		}
		for i := len(c.Timeline) - 1; i >= 0 && c.Timeline[i].Verb != "Keys"; i-- {
			if c.Timeline[i].Verb == verb {
				return nil
			}
		}
		if slices.Contains([]string{"completed", "canceled", "failed"}, c.Status) {
			return fmt.Errorf("call %s ended (%s) before %s", callSid, c.Status, verb)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("call %s never reached %s: %w", callSid, verb, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (d *desk) admin(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.cfg.SandboxURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("sandbox %s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
