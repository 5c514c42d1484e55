package twilio_test

import (
	"encoding/json"
	"strings"
	"testing"

	"flexcallback"
	"flexcallback/backend/twilio"
)

// setupOperations runs every call of `flexcallback setup` (account, workspaces by name, task
// channel, Flex configuration, Studio flows and their validation) against the sandbox, directly
// or through Prism (TestOperationsThroughPrism).
func setupOperations(t *testing.T, e *env, c *twilio.Client) {
	ctx := ctxT(t)
	acct, err := c.FetchAccount(ctx)
	if err != nil || acct.Sid != e.in.AccountSid || acct.FriendlyName == "" || acct.Status != "active" {
		t.Fatalf("FetchAccount: %+v %v", acct, err)
	}
	ws, err := c.ListWorkspaces(ctx, "Flex Task Assignment")
	if err != nil || len(ws) != 1 || ws[0].Sid != e.in.WorkspaceSid {
		t.Fatalf("ListWorkspaces by name: %+v %v", ws, err)
	}
	if ws, err := c.ListWorkspaces(ctx, "Another"); err != nil || len(ws) != 0 {
		t.Fatalf("ListWorkspaces by another name: %+v %v", ws, err)
	}
	if w, err := c.FetchWorkspace(ctx); err != nil || w.FriendlyName != "Flex Task Assignment" {
		t.Fatalf("FetchWorkspace: %+v %v", w, err)
	}
	if sid, err := c.FetchTaskChannel(ctx, "voice"); err != nil || !strings.HasPrefix(sid, "TC") {
		t.Fatalf("FetchTaskChannel: %q %v", sid, err)
	}

	conf, err := c.FetchFlexConfiguration(ctx)
	if err != nil || len(conf.UIAttributes) != 0 || conf.TargetWorkflowSid != e.in.Workflows["default"] {
		t.Fatalf("FetchFlexConfiguration: %+v %v", conf, err)
	}
	ui := map[string]any{"colorTheme": map[string]any{"baseName": "HexaDarkTheme"}}
	got, err := c.UpdateFlexUIAttributes(ctx, ui)
	if err != nil || got["colorTheme"] == nil {
		t.Fatalf("UpdateFlexUIAttributes: %v %v", got, err)
	}
	if conf, err := c.FetchFlexConfiguration(ctx); err != nil || conf.UIAttributes["colorTheme"] == nil || conf.TargetWorkflowSid == "" {
		t.Fatalf("configuration after the update: %+v %v", conf, err)
	}

	def := json.RawMessage(`{"description":"t","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"states":[
		{"name":"Trigger","type":"trigger","properties":{"offset":{"x":0,"y":0}},"transitions":[{"event":"incomingCall","next":"Hook"}]},
		{"name":"Hook","type":"make-http-request","properties":{"method":"POST","content_type":"application/x-www-form-urlencoded;charset=utf-8","url":"https://example.com/features/callback-and-voicemail/studio/create-callback"},"transitions":[{"event":"success"},{"event":"failed"}]}]}`)
	fl := twilio.Flow{FriendlyName: "ops", Status: "published", Definition: def}
	if err := c.ValidateFlow(ctx, fl); err != nil {
		t.Fatalf("ValidateFlow: %v", err)
	}
	bad := fl
	bad.Definition = json.RawMessage(`{"initial_state":"Nope","states":[]}`)
	err = c.ValidateFlow(ctx, bad)
	if fe := wantKind(t, "an invalid flow", err, flexcallback.ErrInvalid); fe.Status != 400 || fe.Code != 20001 ||
		!strings.Contains(fe.Message, `initial_state "Nope" is not a state (at #/initial_state)`) {
		t.Fatalf("ValidateFlow of an invalid flow: %+v", fe)
	}
	made, err := c.CreateFlow(ctx, fl, "first")
	if err != nil || !strings.HasPrefix(made.Sid, "FW") || made.Revision != 1 {
		t.Fatalf("CreateFlow: %+v %v", made, err)
	}
	list, err := c.ListFlows(ctx)
	if err != nil || len(list) != 1 || list[0].Sid != made.Sid || list[0].Definition != nil {
		t.Fatalf("ListFlows (definitions null, as on Twilio): %+v %v", list, err)
	}
	fetched, err := c.FetchFlow(ctx, made.Sid)
	if err != nil || !jsonEqual(fetched.Definition, def) {
		t.Fatalf("FetchFlow: %s %v", fetched.Definition, err)
	}
	fl.Status = "draft"
	upd, err := c.UpdateFlow(ctx, made.Sid, fl, "second")
	if err != nil || upd.Revision != 2 || upd.Status != "draft" {
		t.Fatalf("UpdateFlow: %+v %v", upd, err)
	}
	if _, err := c.UpdateFlow(ctx, made.Sid, bad, "refused"); err == nil {
		t.Fatal("UpdateFlow with an invalid definition succeeded")
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestSetupOperationsAgainstSandbox(t *testing.T) {
	e := newEnv(t)
	setupOperations(t, e, e.client(e.srv.URL, func(cfg *twilio.Config) { cfg.WorkspaceSid, cfg.AccountOnly = "", true }).WithWorkspace(e.in.WorkspaceSid))
}
