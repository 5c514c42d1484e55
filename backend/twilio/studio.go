package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/twilio/twilio-go/client"
	studio "github.com/twilio/twilio-go/rest/studio/v2"

	"flexcallback"
)

// Flow is a Studio v2 flow. Definition is nil in lists (Studio lists flows without it).
type Flow struct {
	Sid, FriendlyName, Status string
	Revision                  int
	Definition                json.RawMessage
}

func (c *Client) studio(a *attempt) *studio.ApiService {
	return studio.NewApiService(c.handler(c.restClient(a)))
}

// ListFlows lists the account's Studio flows, without their definitions.
func (c *Client) ListFlows(ctx context.Context) ([]Flow, error) {
	p := (&studio.ListFlowParams{}).SetPageSize(defaultPageSize)
	return listPages(c, ctx, "list flows", "", maxListPages,
		func(a *attempt, token, number string) ([]studio.StudioV2Flow, *string, error) {
			res, err := c.studio(a).PageFlow(p, token, number)
			if err != nil {
				return nil, nil, err
			}
			return res.Flows, res.Meta.NextPageUrl, nil
		}, flowOf)
}

// FetchFlow fetches one flow with its definition.
func (c *Client) FetchFlow(ctx context.Context, sid string) (Flow, error) {
	if err := checkSid("flowSid", sid); err != nil {
		return Flow{}, err
	}
	var f *studio.StudioV2Flow
	err := c.do(ctx, "fetch flow", sid, opIdempotent, func(a *attempt) error {
		var err error
		f, err = c.studio(a).FetchFlow(sid)
		return err
	})
	if err != nil {
		return Flow{}, err
	}
	return flowOf(*f)
}

// ValidateFlow asks Studio whether it would accept the flow (Flows/Validate). A refusal is an
// ErrInvalid error whose message lists Studio's reasons.
func (c *Client) ValidateFlow(ctx context.Context, f Flow) error {
	p := (&studio.UpdateFlowValidateParams{}).SetFriendlyName(f.FriendlyName).SetStatus(f.Status).SetDefinition(f.Definition)
	err := c.do(ctx, "validate flow", "", opIdempotent, func(a *attempt) error {
		_, err := c.studio(a).UpdateFlowValidate(p)
		return err
	})
	return studioRefusal(err)
}

// CreateFlow creates a flow. It is not retried after it may have landed: the caller looks
// for it by name on its next run.
func (c *Client) CreateFlow(ctx context.Context, f Flow, commitMessage string) (Flow, error) {
	p := (&studio.CreateFlowParams{}).SetFriendlyName(f.FriendlyName).SetStatus(f.Status).
		SetDefinition(f.Definition).SetCommitMessage(commitMessage)
	var res *studio.StudioV2Flow
	err := c.do(ctx, "create flow", "", opCreate, func(a *attempt) error {
		var err error
		res, err = c.studio(a).CreateFlow(p)
		return err
	})
	if err != nil {
		return Flow{}, studioRefusal(err)
	}
	return flowOf(*res)
}

// UpdateFlow makes a new revision of flow sid with f's name, status and definition.
func (c *Client) UpdateFlow(ctx context.Context, sid string, f Flow, commitMessage string) (Flow, error) {
	if err := checkSid("flowSid", sid); err != nil {
		return Flow{}, err
	}
	p := (&studio.UpdateFlowParams{}).SetFriendlyName(f.FriendlyName).SetStatus(f.Status).
		SetDefinition(f.Definition).SetCommitMessage(commitMessage)
	var res *studio.StudioV2Flow
	err := c.do(ctx, "update flow", sid, opIdempotent, func(a *attempt) error {
		var err error
		res, err = c.studio(a).UpdateFlow(sid, p)
		return err
	})
	if err != nil {
		return Flow{}, studioRefusal(err)
	}
	return flowOf(*res)
}

// studioRefusal puts Studio's reasons (details.errors: message and property_path) into the
// error's message, since "Invalid Flow Definition" alone says nothing.
func studioRefusal(err error) error {
	te, ok := errors.AsType[*client.TwilioRestError](err)
	e, isOurs := flexcallback.AsError(err)
	if !ok || !isOurs || te.Details == nil {
		return err
	}
	list, _ := te.Details["errors"].([]any)
	var reasons []string
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			reasons = append(reasons, fmt.Sprintf("%v (at %v)", m["message"], m["property_path"]))
		}
	}
	if len(reasons) == 0 {
		return err
	}
	e2 := *e
	e2.Kind = flexcallback.ErrInvalid
	e2.Message = te.Message + ": " + strings.Join(reasons, "; ")
	return &e2
}

func flowOf(f studio.StudioV2Flow) (Flow, error) {
	out := Flow{Sid: deref(f.Sid), FriendlyName: deref(f.FriendlyName), Status: deref(f.Status), Revision: f.Revision}
	if f.Definition != nil && *f.Definition != nil {
		b, err := json.Marshal(*f.Definition)
		if err != nil {
			return Flow{}, err
		}
		out.Definition = b
	}
	return out, nil
}
