package twilio

import (
	"context"
	"encoding/json"
	"fmt"

	api "github.com/twilio/twilio-go/rest/api/v2010"
	flex "github.com/twilio/twilio-go/rest/flex/v1"
	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"flexcallback"
)

// The calls of `flexcallback setup`: the account, the Flex workspace found by name, a task
// channel, and Flex's configuration (flex-api v1/Configuration).

// Account is who the credentials belong to.
type Account struct{ Sid, FriendlyName, Status string }

// Workspace is a TaskRouter workspace.
type Workspace struct{ Sid, FriendlyName string }

// WithWorkspace returns a client bound to another workspace (setup finds it after start).
func (c *Client) WithWorkspace(sid string) *Client {
	c2 := *c
	c2.workspace = sid
	return &c2
}

// Workspace is the SID the client is bound to ("" for an account-only client).
func (c *Client) Workspace() string { return c.workspace }

// FetchAccount fetches the account the credentials belong to. Its auth token is dropped here.
func (c *Client) FetchAccount(ctx context.Context) (Account, error) {
	var a *api.ApiV2010Account
	err := c.do(ctx, "fetch account", "", opIdempotent, func(at *attempt) error {
		var err error
		a, err = c.voice(at).FetchAccount(c.accountSid)
		return err
	})
	if err != nil {
		return Account{}, err
	}
	return Account{Sid: deref(a.Sid), FriendlyName: deref(a.FriendlyName), Status: deref(a.Status)}, nil
}

// ListWorkspaces lists the account's workspaces named friendlyName ("" for all).
func (c *Client) ListWorkspaces(ctx context.Context, friendlyName string) ([]Workspace, error) {
	p := (&taskrouter.ListWorkspaceParams{}).SetPageSize(defaultPageSize)
	if friendlyName != "" {
		p.SetFriendlyName(friendlyName)
	}
	return listPages(c, ctx, "list workspaces", "", maxListPages,
		func(a *attempt, token, number string) ([]taskrouter.TaskrouterV1Workspace, *string, error) {
			res, err := c.taskrouter(a).PageWorkspace(p, token, number)
			if err != nil {
				return nil, nil, err
			}
			return res.Workspaces, res.Meta.NextPageUrl, nil
		}, func(w taskrouter.TaskrouterV1Workspace) (Workspace, error) {
			return Workspace{Sid: deref(w.Sid), FriendlyName: deref(w.FriendlyName)}, nil
		})
}

// FetchWorkspace fetches the bound workspace.
func (c *Client) FetchWorkspace(ctx context.Context) (Workspace, error) {
	if err := checkSid("workspaceSid", c.workspace); err != nil {
		return Workspace{}, err
	}
	var w *taskrouter.TaskrouterV1Workspace
	err := c.do(ctx, "fetch workspace", c.workspace, opIdempotent, func(a *attempt) error {
		var err error
		w, err = c.taskrouter(a).FetchWorkspace(c.workspace)
		return err
	})
	if err != nil {
		return Workspace{}, err
	}
	return Workspace{Sid: deref(w.Sid), FriendlyName: deref(w.FriendlyName)}, nil
}

// FetchTaskChannel fetches a task channel of the bound workspace by unique name and returns
// its SID.
func (c *Client) FetchTaskChannel(ctx context.Context, uniqueName string) (string, error) {
	var ch *taskrouter.TaskrouterV1TaskChannel
	err := c.do(ctx, "fetch task channel", uniqueName, opIdempotent, func(a *attempt) error {
		var err error
		ch, err = c.taskrouter(a).FetchTaskChannel(c.workspace, uniqueName)
		return err
	})
	if err != nil {
		return "", err
	}
	return deref(ch.Sid), nil
}

func (c *Client) flex(a *attempt) *flex.ApiService {
	return flex.NewApiService(c.handler(c.restClient(a)))
}

// FlexConfiguration is what setup reads of Flex's configuration.
type FlexConfiguration struct {
	UIAttributes      map[string]any // ui_attributes (empty when unset)
	TargetWorkflowSid string         // taskrouter_target_workflow_sid: where Flex sends calls
}

// FetchFlexConfiguration fetches Flex's configuration.
func (c *Client) FetchFlexConfiguration(ctx context.Context) (FlexConfiguration, error) {
	var conf *flex.FlexV1Configuration
	err := c.do(ctx, "fetch flex configuration", "", opIdempotent, func(a *attempt) error {
		var err error
		conf, err = c.flex(a).FetchConfiguration(nil)
		return err
	})
	if err != nil {
		return FlexConfiguration{}, err
	}
	ui, err := uiAttributes(conf)
	return FlexConfiguration{UIAttributes: ui, TargetWorkflowSid: deref(conf.TaskrouterTargetWorkflowSid)}, err
}

// UpdateFlexUIAttributes replaces ui_attributes of Flex's configuration. Flex replaces a JSON
// property whole, so ui must be the complete object (fetch, change, send back); every other
// top-level property is left as it is. It returns ui_attributes as Flex stored them.
func (c *Client) UpdateFlexUIAttributes(ctx context.Context, ui map[string]any) (map[string]any, error) {
	body := map[string]any{"account_sid": c.accountSid, "ui_attributes": ui}
	var conf *flex.FlexV1Configuration
	err := c.do(ctx, "update flex configuration", "", opIdempotent, func(a *attempt) error {
		var err error
		conf, err = c.flex(a).UpdateConfiguration((&flex.UpdateConfigurationParams{}).SetBody(body))
		return err
	})
	if err != nil {
		return nil, err
	}
	return uiAttributes(conf)
}

func uiAttributes(conf *flex.FlexV1Configuration) (map[string]any, error) {
	if conf.UiAttributes == nil || *conf.UiAttributes == nil {
		return map[string]any{}, nil
	}
	// ui_attributes is any JSON; Flex keeps an object there. Round-trip it into a map.
	b, err := json.Marshal(*conf.UiAttributes)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, &flexcallback.Error{Kind: flexcallback.ErrInternal,
			Message: "Flex's ui_attributes is not a JSON object", Err: fmt.Errorf("ui_attributes: %w", err)}
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}
