package setup

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// The feature's settings in Flex's configuration, read by the plugin:
// ui_attributes.custom_data.features.callback_and_voicemail.
var featurePath = []string{"custom_data", "features", "callback_and_voicemail"}

// flexConfiguration plans (or applies) our keys in ui_attributes. Flex replaces ui_attributes
// whole on update, so the whole object is sent back with only our keys changed.
func flexConfiguration(ctx context.Context, cfg Config, f *found, p *plan) {
	const item = "Flex configuration"
	conf, err := f.client.FetchFlexConfiguration(ctx)
	if err != nil {
		p.fail(item, "unreadable", short(err))
		return
	}
	f.flexWorkflowSid = conf.TargetWorkflowSid
	next, changed, err := mergeFeature(conf.UIAttributes, cfg.PublicBaseURL, cfg.MaxAttempts)
	if err != nil {
		p.fail(item, "ui_attributes", err.Error())
		return
	}
	where := "ui_attributes." + strings.Join(featurePath, ".")
	if len(changed) == 0 {
		p.add(item, where+" set", "unchanged")
		return
	}
	what := "set " + strings.Join(changed, ", ") + " (other keys kept)"
	p.propose(item, where+": "+describeFeature(conf.UIAttributes), what, func(ctx context.Context) (string, error) {
		if _, err := f.client.UpdateFlexUIAttributes(ctx, next); err != nil {
			return "", err
		}
		return "did " + what, nil
	})
}

// mergeFeature returns a copy of ui with the feature enabled at baseURL and the enforced
// requeue rules (and auto_select_task on when unset), and the names of the keys that changed.
// Nothing else is touched.
func mergeFeature(ui map[string]any, baseURL string, maxAttempts int) (map[string]any, []string, error) {
	b, err := json.Marshal(ui)
	if err != nil {
		return nil, nil, err
	}
	var next map[string]any
	if err := json.Unmarshal(b, &next); err != nil || next == nil {
		next = map[string]any{}
	}
	m := next
	for i, k := range featurePath {
		switch v := m[k].(type) {
		case map[string]any:
			m = v
		case nil:
			nm := map[string]any{}
			m[k], m = nm, nm
		default:
			return nil, nil, fmt.Errorf("ui_attributes.%s is a %T, not an object: fix it in Flex's configuration by hand", strings.Join(featurePath[:i+1], "."), v)
		}
	}
	want := map[string]any{
		"enabled":       true,
		"backend_url":   baseURL,
		"allow_requeue": true,
		"max_attempts":  float64(maxAttempts), // JSON numbers decode as float64
	}
	var changed []string
	for k, v := range want {
		if !reflect.DeepEqual(m[k], v) {
			m[k] = v
			changed = append(changed, k)
		}
	}
	// auto_select_task is a default, not a rule: set when absent, an operator's choice kept.
	if _, ok := m["auto_select_task"]; !ok {
		m["auto_select_task"] = true
		changed = append(changed, "auto_select_task")
	}
	slices.Sort(changed)
	return next, changed, nil
}

// describeFeature says what the feature's settings are now, in a few words.
func describeFeature(ui map[string]any) string {
	m := ui
	for _, k := range featurePath {
		next, ok := m[k].(map[string]any)
		if !ok {
			return "not set"
		}
		m = next
	}
	b, _ := json.Marshal(m)
	return string(b)
}
