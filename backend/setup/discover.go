package setup

import (
	"context"
	"fmt"
	"strings"

	"flexcallback"
	"flexcallback/backend/twilio"
)

// flexWorkspaceName is the name Flex gives its TaskRouter workspace.
const flexWorkspaceName = "Flex Task Assignment"

// found is what discovery found in the account.
type found struct {
	client              *twilio.Client // bound to the workspace
	workspaceSid        string
	callbackWorkflowSid string
	voiceChannelSid     string
	flexWorkflowSid     string // Flex's target workflow, for Send to Flex (read with the configuration)
}

// discover checks the credentials and finds the workspace, the callback workflow and the voice
// task channel. A problem stops discovery (nil found) after it is put in the table.
func discover(ctx context.Context, cfg Config, p *plan) (*found, error) {
	tc := cfg.Twilio
	tc.AccountOnly, tc.WorkspaceSid = true, ""
	c, err := twilio.New(tc)
	if err != nil {
		return nil, err
	}
	acct, err := c.FetchAccount(ctx)
	if err != nil {
		p.fail("credentials", "account "+tc.AccountSid, "Twilio refused them: "+short(err))
		return nil, nil
	}
	p.add("credentials", fmt.Sprintf("valid: account %s %q (%s)", acct.Sid, acct.FriendlyName, acct.Status), "ok")

	f := &found{}
	if f.workspaceSid, err = findWorkspace(ctx, c, cfg.WorkspaceSid, p); err != nil || f.workspaceSid == "" {
		return nil, err
	}
	f.client = c.WithWorkspace(f.workspaceSid)
	if f.callbackWorkflowSid, err = findWorkflow(ctx, f.client, cfg.CallbackWorkflowSid, p); err != nil || f.callbackWorkflowSid == "" {
		return nil, err
	}
	sid, err := f.client.FetchTaskChannel(ctx, "voice")
	if err != nil {
		p.fail("voice task channel", "none", "the workspace has no task channel \"voice\": "+short(err))
		return nil, nil
	}
	f.voiceChannelSid = sid
	p.add("voice task channel", sid, "ok")
	return f, nil
}

func findWorkspace(ctx context.Context, c *twilio.Client, configured string, p *plan) (string, error) {
	if configured != "" {
		ws, err := c.WithWorkspace(configured).FetchWorkspace(ctx)
		if err != nil {
			p.fail("workspace", "TWILIO_FLEX_WORKSPACE_SID="+configured, "not a workspace of this account: "+short(err))
			return "", nil
		}
		p.add("workspace", fmt.Sprintf("%s %q (TWILIO_FLEX_WORKSPACE_SID)", ws.Sid, ws.FriendlyName), "ok")
		return ws.Sid, nil
	}
	list, err := c.ListWorkspaces(ctx, flexWorkspaceName)
	if err != nil {
		return "", err
	}
	switch len(list) {
	case 0:
		p.fail("workspace", "none", fmt.Sprintf("no workspace named %q: is Flex enabled on this account? Set TWILIO_FLEX_WORKSPACE_SID", flexWorkspaceName))
		return "", nil
	case 1:
		p.add("workspace", fmt.Sprintf("%s %q (by name)", list[0].Sid, list[0].FriendlyName), "ok")
		return list[0].Sid, nil
	}
	var sids []string
	for _, w := range list {
		sids = append(sids, w.Sid)
	}
	p.fail("workspace", strings.Join(sids, ", "), fmt.Sprintf("several workspaces are named %q: set TWILIO_FLEX_WORKSPACE_SID to one", flexWorkspaceName))
	return "", nil
}

// findWorkflow uses the configured SID, or the reference's rule: the one workflow whose
// friendly name contains "Callback".
func findWorkflow(ctx context.Context, c *twilio.Client, configured string, p *plan) (string, error) {
	list, err := c.ListWorkflows(ctx)
	if err != nil {
		return "", err
	}
	if configured != "" {
		for _, w := range list {
			if w.Sid == configured {
				p.add("callback workflow", fmt.Sprintf("%s %q (TWILIO_FLEX_CALLBACK_WORKFLOW_SID)", w.Sid, w.FriendlyName), "ok")
				return w.Sid, nil
			}
		}
		p.fail("callback workflow", "TWILIO_FLEX_CALLBACK_WORKFLOW_SID="+configured, "not a workflow of the workspace")
		return "", nil
	}
	var matches []flexcallback.Workflow
	for _, w := range list {
		if strings.Contains(w.FriendlyName, "Callback") {
			matches = append(matches, w)
		}
	}
	switch len(matches) {
	case 0:
		p.fail("callback workflow", "none", `no workflow's name contains "Callback": create one in TaskRouter, or set TWILIO_FLEX_CALLBACK_WORKFLOW_SID`)
		return "", nil
	case 1:
		p.add("callback workflow", fmt.Sprintf("%s %q (name contains \"Callback\")", matches[0].Sid, matches[0].FriendlyName), "ok")
		return matches[0].Sid, nil
	}
	var names []string
	for _, w := range matches {
		names = append(names, fmt.Sprintf("%s %q", w.Sid, w.FriendlyName))
	}
	p.fail("callback workflow", fmt.Sprintf("%d matches", len(matches)),
		`several workflows' names contain "Callback" (`+strings.Join(names, ", ")+`): set TWILIO_FLEX_CALLBACK_WORKFLOW_SID to one`)
	return "", nil
}

// short is an error's message without its cause chain's repetitions.
func short(err error) string {
	if e, ok := flexcallback.AsError(err); ok && e.Message != "" {
		return e.Message
	}
	return err.Error()
}
