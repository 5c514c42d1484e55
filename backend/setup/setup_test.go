package setup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"flexcallback/backend/sandbox"
	"flexcallback/backend/setup"
	"flexcallback/backend/twilio"
)

const publicBase = "https://callbacks.example.com/cb"

// env is a sandbox on loopback and a setup configuration for it, with nothing configured but
// the credentials and PUBLIC_BASE_URL.
type env struct {
	t    *testing.T
	url  string
	info sandbox.Info
	cfg  setup.Config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sb := sandbox.New(sandbox.Config{})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	in := sb.Info()
	return &env{t: t, url: srv.URL, info: in, cfg: setup.Config{
		Twilio: twilio.Config{AccountSid: in.AccountSid, AuthToken: in.AuthToken, APIBase: srv.URL,
			Retry:   twilio.RetryPolicy{Limit: 1, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Deadline: 5 * time.Second},
			Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)},
		PublicBaseURL: publicBase, MaxAttempts: 3,
	}}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// run runs setup with args and returns its output and error.
func (e *env) run(args ...string) (string, error) {
	var out bytes.Buffer
	err := setup.Main(ctxT(e.t), args, e.cfg, &out, io.Discard)
	e.t.Logf("setup %s:\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

// rest calls the sandbox's REST API with its credentials; body is a form or, for the Flex
// configuration, JSON.
func (e *env) rest(method, path, contentType, body string, out any) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	req.SetBasicAuth(e.info.AccountSid, e.info.AuthToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func (e *env) flows() []map[string]any {
	var page struct {
		Flows []map[string]any `json:"flows"`
	}
	e.rest("GET", "/studio/v2/Flows", "", "", &page)
	return page.Flows
}

func (e *env) uiAttributes() map[string]any {
	var conf map[string]any
	e.rest("GET", "/flex-api/v1/Configuration", "", "", &conf)
	ui, _ := conf["ui_attributes"].(map[string]any)
	return ui
}

func feature(ui map[string]any) map[string]any {
	m := ui
	for _, k := range []string{"custom_data", "features", "callback_and_voicemail"} {
		m, _ = m[k].(map[string]any)
	}
	return m
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func TestPlanWithNothingConfigured(t *testing.T) {
	e := newEnv(t)
	out, err := e.run()
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "plan only", `"Flexcallback Sandbox"`, e.info.WorkspaceSid+` "Flex Task Assignment" (by name)`,
		e.info.Workflows["callback"]+` "Template Example Callback" (name contains "Callback")`,
		"would set allow_requeue, auto_select_task, backend_url, enabled, max_attempts (other keys kept)",
		"would create \"flexcallback: IVR offers a callback\" (validated)", "4 change(s) planned")
	if n := len(e.flows()); n != 0 {
		t.Errorf("a plan created %d flows", n)
	}
	if f := feature(e.uiAttributes()); f != nil {
		t.Errorf("a plan changed Flex's configuration: %v", f)
	}
}

func TestApplyTwiceChangesNothingTheSecondTime(t *testing.T) {
	e := newEnv(t)
	out, err := e.run("--apply")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "did set allow_requeue, auto_select_task, backend_url, enabled, max_attempts", "created FW", "4 change(s) made")
	f := feature(e.uiAttributes())
	if f["enabled"] != true || f["backend_url"] != publicBase || f["allow_requeue"] != true || f["max_attempts"] != float64(3) {
		t.Errorf("feature settings: %v", f)
	}
	flows := e.flows()
	if len(flows) != 3 {
		t.Fatalf("%d flows, want 3", len(flows))
	}
	var full map[string]any
	e.rest("GET", "/studio/v2/Flows/"+flows[2]["sid"].(string), "", "", &full)
	def, _ := json.Marshal(full["definition"])
	for _, want := range []string{publicBase + "/features/callback-and-voicemail/studio/wait-experience?mode=initialize", e.info.Workflows["default"]} {
		if !strings.Contains(string(def), want) {
			t.Errorf("Send to Flex flow lacks %s: %s", want, def)
		}
	}

	out, err = e.run("--apply")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "Nothing changed: the account was already set up.")
	if strings.Contains(out, "created") || strings.Contains(out, "did set") || strings.Count(out, "unchanged") != 4 {
		t.Errorf("second apply changed something")
	}
	for _, fl := range e.flows() {
		if fl["revision"] != float64(1) {
			t.Errorf("flow %s at revision %v after a second apply", fl["friendly_name"], fl["revision"])
		}
	}

	// A flow changed by hand is put back as a new revision.
	sid := flows[0]["sid"].(string)
	e.rest("POST", "/studio/v2/Flows/"+sid, "application/x-www-form-urlencoded", "Status=draft", nil)
	out, err = e.run("--apply")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, sid+" revision 2, differs from the template", "updated to revision 3", "1 change(s) made")
}

func TestTwoCallbackWorkflowsAreAnError(t *testing.T) {
	e := newEnv(t)
	var added struct {
		Sid string `json:"sid"`
	}
	req, _ := http.NewRequest("POST", e.url+"/_sandbox/workflows", strings.NewReader(`{"friendlyName":"Callback overflow"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&added)
	resp.Body.Close()
	out, err := e.run("--apply")
	if !errors.Is(err, setup.ErrProblems) {
		t.Fatalf("err %v, want ErrProblems", err)
	}
	mustContain(t, out, e.info.Workflows["callback"]+` "Template Example Callback"`, added.Sid+` "Callback overflow"`,
		"set TWILIO_FLEX_CALLBACK_WORKFLOW_SID to one")
	if len(e.flows()) != 0 || feature(e.uiAttributes()) != nil {
		t.Error("setup changed the account despite the problem")
	}
	// Naming one settles it.
	e.cfg.CallbackWorkflowSid = added.Sid
	if _, err := e.run("--apply"); err != nil {
		t.Fatal(err)
	}
}

func TestOtherConfigurationKeysAreKept(t *testing.T) {
	e := newEnv(t)
	other := `{"account_sid":"` + e.info.AccountSid + `","call_recording_enabled":true,"ui_attributes":{"colorTheme":{"baseName":"HexaDarkTheme"},
		"custom_data":{"crm_url":"https://crm.example.com","features":{"dialpad":{"enabled":true},
		"callback_and_voicemail":{"enabled":false,"auto_select_task":false,"backend_url":"https://old.example.com"}}}}}`
	if code := e.rest("POST", "/flex-api/v1/Configuration", "application/json", other, nil); code != 200 {
		t.Fatalf("seed the configuration: %d", code)
	}
	out, err := e.run("--apply")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, `"backend_url":"https://old.example.com"`, "did set allow_requeue, backend_url, enabled, max_attempts")
	var conf map[string]any
	e.rest("GET", "/flex-api/v1/Configuration", "", "", &conf)
	ui := conf["ui_attributes"].(map[string]any)
	got, _ := json.Marshal(ui)
	want := `{"colorTheme":{"baseName":"HexaDarkTheme"},"custom_data":{"crm_url":"https://crm.example.com","features":{"callback_and_voicemail":{"allow_requeue":true,"auto_select_task":false,"backend_url":"` + publicBase + `","enabled":true,"max_attempts":3},"dialpad":{"enabled":true}}}}`
	if string(got) != want {
		t.Errorf("ui_attributes\n got %s\nwant %s", got, want)
	}
	if conf["call_recording_enabled"] != true {
		t.Error("call_recording_enabled was dropped")
	}
}

func TestCheckNamesAFlowWithAnotherHostOrHTTP(t *testing.T) {
	e := newEnv(t)
	if _, err := e.run("--apply"); err != nil {
		t.Fatal(err)
	}
	out, err := e.run("--check")
	if err != nil {
		t.Fatalf("check after apply: %v", err)
	}
	mustContain(t, out, "check: all 4 webhook URL(s)", "queues: Twilio's queues carry no webhook URL")

	def := `{"initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","properties":{},"transitions":[{"event":"incomingCall","next":"Hook"}]},
		{"name":"Hook","type":"make-http-request","properties":{"method":"POST","content_type":"application/json","url":"http://callbacks.example.com/cb/features/callback-and-voicemail/studio/create-callback"},"transitions":[{"event":"success","next":"Flex"}]},
		{"name":"Flex","type":"send-to-flex","properties":{"workflow":"WW1","channel":"TC1","waitUrl":"https://old-host.example.com/cb/features/callback-and-voicemail/studio/wait-experience?mode=main-wait-loop"},"transitions":[]}]}`
	form := "FriendlyName=Hand+made&Status=published&Definition=" + urlEscape(def)
	var made map[string]any
	if code := e.rest("POST", "/studio/v2/Flows", "application/x-www-form-urlencoded", form, &made); code != 201 {
		t.Fatalf("create the hand-made flow: %d %v", code, made)
	}
	out, err = e.run("--check")
	if !errors.Is(err, setup.ErrProblems) {
		t.Fatalf("err %v, want ErrProblems", err)
	}
	mustContain(t, out,
		`Studio flow "Hand made" (`+made["sid"].(string)+`), widget "Hook", url: http://callbacks.example.com/cb/features/callback-and-voicemail/studio/create-callback has scheme http, not https: change it to `+publicBase+"/features/callback-and-voicemail/studio/create-callback",
		`widget "Flex", waitUrl: https://old-host.example.com/cb/features/callback-and-voicemail/studio/wait-experience?mode=main-wait-loop has host old-host.example.com, not callbacks.example.com, mode="main-wait-loop", not mode=initialize (Send to Flex's waitUrl starts the wait experience): change it to `+publicBase+"/features/callback-and-voicemail/studio/wait-experience?mode=initialize")
	if n := strings.Count(out, "Hand made"); n != 2 {
		t.Errorf("%d lines name the flow, want 2", n)
	}
}

func TestTemplateStudioRefusesChangesNothing(t *testing.T) {
	e := newEnv(t)
	broken := `{"initial_state":"Trigger","states":[{"name":"Trigger","type":"trigger","properties":{},
		"transitions":[{"event":"incomingCall","next":"Nowhere"}]}]}`
	good, _ := os.ReadFile(filepath.Join("templates", "voicemail.json"))
	flex, _ := os.ReadFile(filepath.Join("templates", "send-to-flex.json"))
	e.cfg.Templates = fstest.MapFS{
		"ivr-callback.json": {Data: []byte(broken)}, "voicemail.json": {Data: good}, "send-to-flex.json": {Data: flex},
	}
	out, err := e.run("--apply")
	if !errors.Is(err, setup.ErrProblems) {
		t.Fatalf("err %v, want ErrProblems", err)
	}
	mustContain(t, out, `Studio refuses the template: Invalid Flow Definition: widget Trigger: transition incomingCall goes to "Nowhere", which is not a state (at #/states/0/transitions/0/next)`,
		"none made: fix the problems above first")
	if len(e.flows()) != 0 || feature(e.uiAttributes()) != nil {
		t.Error("setup changed the account although Studio refused a template")
	}
}

func TestWriteEnvKeepsOtherLines(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("# credentials\nTWILIO_ACCOUNT_SID=ACx\nTWILIO_FLEX_WORKSPACE_SID=WSold\nPUBLIC_BASE_URL=https://x\n"), 0o600)
	if _, err := e.run("--write-env", path); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# credentials\nTWILIO_ACCOUNT_SID=ACx\nTWILIO_FLEX_WORKSPACE_SID=" + e.info.WorkspaceSid + "\nPUBLIC_BASE_URL=https://x\nTWILIO_FLEX_CALLBACK_WORKFLOW_SID=" + e.info.Workflows["callback"] + "\n"
	if string(got) != want {
		t.Errorf(".env\n got %q\nwant %q", got, want)
	}
	out, _ := e.run("--write-env", path)
	mustContain(t, out, "SIDs already there")
}

func TestStudioPrint(t *testing.T) {
	e := newEnv(t)
	out, err := e.run("studio", "--print", "voicemail")
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal([]byte(out), &def); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	mustContain(t, out, publicBase+"/features/callback-and-voicemail/studio/create-callback?numberToCall={{trigger.call.From}}", e.info.Workflows["callback"])
	if _, err := e.run("studio", "--print", "nope"); err == nil || !strings.Contains(err.Error(), "ivr-callback, voicemail, send-to-flex") {
		t.Errorf("unknown name: %v", err)
	}
}

func urlEscape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", "=", "%3D", "?", "%3F", "#", "%23", " ", "+", "\n", "%0A", "\t", "%09")
	return r.Replace(s)
}
