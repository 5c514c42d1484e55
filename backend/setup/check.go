package setup

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"flexcallback/backend/twilio"
)

// marker is in every URL of ours that Twilio calls.
const marker = "/features/callback-and-voicemail/"

// studioEndpoints are the endpoints Studio may call, after marker.
var studioEndpoints = map[string]bool{"studio/create-callback": true, "studio/wait-experience": true}

// CheckResult is what the check found.
type CheckResult struct {
	Checked  int      // webhook URLs pointing at this backend
	Problems []string // one line each: what to change where
}

// QueueNote says why queues are not checked.
const QueueNote = "queues: Twilio's queues carry no webhook URL (the wait URL is Send to Flex's waitUrl, checked in the Studio flows)"

// Check reads every Studio flow and Flex's configuration and compares each URL that points at
// this backend with PUBLIC_BASE_URL: scheme, host, port and path, exactly what Twilio's
// signature covers, and the wait URL's mode.
func Check(ctx context.Context, cfg Config) (CheckResult, error) {
	base, err := url.Parse(cfg.PublicBaseURL)
	if err != nil || base.Host == "" {
		return CheckResult{}, fmt.Errorf("PUBLIC_BASE_URL %q is not a URL", cfg.PublicBaseURL)
	}
	tc := cfg.Twilio
	tc.AccountOnly, tc.WorkspaceSid = true, ""
	c, err := twilio.New(tc)
	if err != nil {
		return CheckResult{}, err
	}
	flows, err := c.ListFlows(ctx)
	if err != nil {
		return CheckResult{}, fmt.Errorf("list Studio flows: %w", err)
	}
	var res CheckResult
	for _, fl := range flows {
		full, err := c.FetchFlow(ctx, fl.Sid)
		if err != nil {
			return CheckResult{}, fmt.Errorf("fetch Studio flow %s: %w", fl.Sid, err)
		}
		checkFlow(full, base, &res)
	}
	if conf, err := c.FetchFlexConfiguration(ctx); err == nil {
		m := conf.UIAttributes
		for _, k := range featurePath {
			m, _ = m[k].(map[string]any)
		}
		if u, ok := m["backend_url"].(string); ok && strings.TrimRight(u, "/") != strings.TrimRight(cfg.PublicBaseURL, "/") {
			res.Problems = append(res.Problems, fmt.Sprintf("Flex configuration ui_attributes.%s.backend_url is %s: set it to %s (setup --apply does)",
				strings.Join(featurePath, "."), u, cfg.PublicBaseURL))
		}
	} else {
		return CheckResult{}, fmt.Errorf("fetch Flex configuration: %w", err)
	}
	if res.Checked == 0 {
		res.Problems = append(res.Problems, "no Studio flow calls this backend: run setup --apply, or import a flow printed by setup studio --print NAME")
	}
	return res, nil
}

// checkFlow checks every string property of every widget of one flow.
func checkFlow(fl twilio.Flow, base *url.URL, res *CheckResult) {
	var def struct {
		States []struct {
			Name       string         `json:"name"`
			Properties map[string]any `json:"properties"`
		} `json:"states"`
	}
	if json.Unmarshal(fl.Definition, &def) != nil {
		return
	}
	for _, st := range def.States {
		props := map[string]string{}
		collect("", st.Properties, props)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !strings.Contains(props[k], marker) {
				continue
			}
			res.Checked++
			where := fmt.Sprintf("Studio flow %q (%s), widget %q, %s", fl.FriendlyName, fl.Sid, st.Name, k)
			if pr := checkURL(props[k], base, k); pr != "" {
				res.Problems = append(res.Problems, where+": "+pr)
			}
		}
	}
}

// collect flattens string values under m into out, keyed by their path (parameters[0].value).
func collect(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case string:
		out[prefix] = x
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			collect(p, e, out)
		}
	case []any:
		for i, e := range x {
			collect(fmt.Sprintf("%s[%d]", prefix, i), e, out)
		}
	}
}

// checkURL compares one URL with PUBLIC_BASE_URL and says what to change, or "".
// The query is split off by hand: it may hold Studio's {{liquid}}.
func checkURL(raw string, base *url.URL, property string) string {
	head, query, _ := strings.Cut(raw, "?")
	u, err := url.Parse(head)
	if err != nil {
		return fmt.Sprintf("%s is not a URL", raw)
	}
	endpoint := head[strings.Index(head, marker)+len(marker):]
	want := strings.TrimRight(base.String(), "/") + marker + endpoint
	if query != "" {
		want += "?" + query
	}
	var diffs []string
	if u.Scheme != base.Scheme {
		diffs = append(diffs, fmt.Sprintf("scheme %s, not %s", u.Scheme, base.Scheme))
	}
	if u.Host != base.Host {
		diffs = append(diffs, fmt.Sprintf("host %s, not %s", u.Host, base.Host))
	}
	if wantPath := strings.TrimRight(base.Path, "/") + marker + endpoint; u.Path != wantPath {
		diffs = append(diffs, fmt.Sprintf("path %s, not %s", u.Path, wantPath))
	}
	if !studioEndpoints[endpoint] {
		return fmt.Sprintf("%s calls %s, which is not a Studio endpoint of this backend (studio/create-callback or studio/wait-experience)", raw, endpoint)
	}
	if endpoint == "studio/wait-experience" && property == "waitUrl" {
		q, _ := url.ParseQuery(query)
		if m := q.Get("mode"); m != "initialize" {
			diffs = append(diffs, fmt.Sprintf("mode=%q, not mode=initialize (Send to Flex's waitUrl starts the wait experience)", m))
			q.Set("mode", "initialize")
			want = strings.TrimRight(base.String(), "/") + marker + endpoint + "?" + q.Encode()
		}
	}
	if len(diffs) > 0 {
		return fmt.Sprintf("%s has %s: change it to %s", raw, strings.Join(diffs, ", "), want)
	}
	return ""
}
