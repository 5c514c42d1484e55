package setup

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"strings"

	"flexcallback/backend/twilio"
)

//go:embed templates/*.json
var embedded embed.FS

// flowTemplate is one Studio flow we make: its short name (the template's file name), and the
// friendly name it is created and found by.
type flowTemplate struct{ name, friendly string }

var flowTemplates = []flowTemplate{
	{"ivr-callback", "flexcallback: IVR offers a callback"},
	{"voicemail", "flexcallback: voicemail"},
	{"send-to-flex", "flexcallback: Send to Flex with callback wait experience"},
}

func templateNames() []string {
	var out []string
	for _, t := range flowTemplates {
		out = append(out, t.name)
	}
	return out
}

// render fills a template's placeholders with the account's SIDs and PUBLIC_BASE_URL, each
// escaped as JSON string content.
func render(cfg Config, f *found, name string) (json.RawMessage, error) {
	fsys := cfg.Templates
	if fsys == nil {
		fsys, _ = fs.Sub(embedded, "templates")
	}
	raw, err := fs.ReadFile(fsys, name+".json")
	if err != nil {
		return nil, fmt.Errorf("studio template %s: %w", name, err)
	}
	flexWorkflow := f.flexWorkflowSid
	if flexWorkflow == "" {
		flexWorkflow = f.callbackWorkflowSid
	}
	esc := func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }
	out := strings.NewReplacer(
		"${PUBLIC_BASE_URL}", esc(cfg.PublicBaseURL),
		"${CALLBACK_WORKFLOW_SID}", esc(f.callbackWorkflowSid),
		"${FLEX_WORKFLOW_SID}", esc(flexWorkflow),
		"${VOICE_CHANNEL_SID}", esc(f.voiceChannelSid),
	).Replace(string(raw))
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(out)); err != nil {
		return nil, fmt.Errorf("studio template %s is not JSON: %w", name, err)
	}
	return buf.Bytes(), nil
}

// studioFlows plans each flow from its template, found by friendly name: created when absent,
// updated when it differs. Every template is validated by Studio first, so one it refuses is a
// problem and nothing is changed.
func studioFlows(ctx context.Context, cfg Config, f *found, p *plan) error {
	existing, err := f.client.ListFlows(ctx)
	if err != nil {
		p.fail("Studio flows", "unreadable", short(err))
		return nil
	}
	for _, t := range flowTemplates {
		item := "Studio flow " + t.name
		def, err := render(cfg, f, t.name)
		if err != nil {
			return err
		}
		want := twilio.Flow{FriendlyName: t.friendly, Status: "published", Definition: def}
		var matches []twilio.Flow
		for _, fl := range existing {
			if fl.FriendlyName == t.friendly {
				matches = append(matches, fl)
			}
		}
		if len(matches) > 1 {
			p.fail(item, fmt.Sprintf("%d flows named %q", len(matches), t.friendly), "delete all but one in Studio")
			continue
		}
		if err := f.client.ValidateFlow(ctx, want); err != nil {
			p.fail(item, fmt.Sprintf("%q", t.friendly), "Studio refuses the template: "+short(err))
			continue
		}
		if len(matches) == 0 {
			p.propose(item, "absent", fmt.Sprintf("create %q (validated)", t.friendly), func(ctx context.Context) (string, error) {
				made, err := f.client.CreateFlow(ctx, want, "flexcallback setup")
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("created %s revision %d", made.Sid, made.Revision), nil
			})
			continue
		}
		cur, err := f.client.FetchFlow(ctx, matches[0].Sid)
		if err != nil {
			p.fail(item, matches[0].Sid, short(err))
			continue
		}
		if sameFlow(cur, want) {
			p.add(item, fmt.Sprintf("%s revision %d", cur.Sid, cur.Revision), "unchanged")
			continue
		}
		p.propose(item, fmt.Sprintf("%s revision %d, differs from the template", cur.Sid, cur.Revision),
			fmt.Sprintf("update to revision %d (validated)", cur.Revision+1), func(ctx context.Context) (string, error) {
				made, err := f.client.UpdateFlow(ctx, cur.Sid, want, "flexcallback setup")
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("updated to revision %d", made.Revision), nil
			})
	}
	return nil
}

// sameFlow compares status and definitions as JSON values (key order and spacing aside).
func sameFlow(cur, want twilio.Flow) bool {
	var a, b any
	if cur.Status != want.Status || json.Unmarshal(cur.Definition, &a) != nil || json.Unmarshal(want.Definition, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// PrintFlow prints one template filled in for the account, for people who import flows by hand.
func PrintFlow(ctx context.Context, cfg Config, name string, w io.Writer) error {
	known := false
	for _, t := range flowTemplates {
		known = known || t.name == name
	}
	if !known {
		return fmt.Errorf("no Studio flow template %q; the templates are %s", name, strings.Join(templateNames(), ", "))
	}
	p := &plan{}
	f, err := discover(ctx, cfg, p)
	if err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("%w: %s", ErrProblems, strings.Join(p.problems, "; "))
	}
	if conf, err := f.client.FetchFlexConfiguration(ctx); err == nil {
		f.flexWorkflowSid = conf.TargetWorkflowSid
	}
	def, err := render(cfg, f, name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, def, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = buf.WriteTo(w)
	return err
}
