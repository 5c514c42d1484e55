package main

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"flexcallback/backend/redistest"
)

// Issue 16 §2: every metric the operators' Grafana dashboard (deploy/grafana/flexcallback.json)
// queries is one the backend exports. The app runs with Redis (the store's metrics exist only
// then) and through a scenario that makes every labelled family appear in /metrics: a throttled
// create (retry), a merged request, a lookup miss, a refused credential and a recorded outcome.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	queried := dashboardMetrics(t, "../deploy/grafana/flexcallback.json")
	if len(queried) < 10 {
		t.Fatalf("only %d metrics found in the dashboard: %v", len(queried), queried)
	}
	a := startApp(t, map[string]string{"REDIS_URL": redistest.Start(t).URL(), "TWILIO_SERVICE_RETRY_LIMIT": "1"})
	exerciseMetrics(a)
	exported := exportedMetrics(string(a.do(mustRequest("GET", a.base+"/metrics")).body))
	for _, m := range queried {
		if !exported[m] {
			t.Errorf("the dashboard queries %s, which /metrics does not export", m)
		}
	}
}

// exerciseMetrics drives the app so that each metric family has a sample.
func exerciseMetrics(a *app) {
	a.t.Helper()
	tasksPath := "/taskrouter/v1/Workspaces/" + a.info.WorkspaceSid + "/Tasks"
	a.fault(map[string]any{"method": "POST", "path": tasksPath, "status": 429, "count": 1})
	task := a.createCallback(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}})
	if sid, merged := a.ask(url.Values{"numberToCall": {caller}, "numberToCallFrom": {ourLine}, "flexFlowSid": {"FW2"}}, nil); sid != task || !merged {
		a.t.Fatalf("second request: %s merged %v", sid, merged)
	}
	a.fault(map[string]any{"method": "GET", "path": "^/taskrouter/v1/Workspaces/[^/]+/Tasks$", "status": 500, "count": 2})
	a.enqueue("+14155552699", "")
	a.fault(map[string]any{"path": "/taskrouter/", "status": 401, "count": 1})
	a.studio("POST", "create-callback", url.Values{"numberToCall": {"+14155552698"}, "numberToCallFrom": {ourLine}}, nil)
	a.admin("DELETE", "/_sandbox/faults", nil, nil)
	a.assign("alice", task)
	if r := a.recordOutcome(a.token("alice"), task, callSid(1), "reached"); r.status != 200 {
		a.t.Fatalf("record-outcome: %d %s", r.status, r.body)
	}
}

// exportedMetrics reads the names of the Prometheus text format's samples.
func exportedMetrics(text string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		out[name] = true
	}
	return out
}

// dashboardMetrics returns the metric names of every PromQL expression ("expr") in the dashboard.
func dashboardMetrics(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var names []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if s, ok := e.(string); ok && k == "expr" {
					for _, n := range promQLMetrics(s) {
						if !slices.Contains(names, n) {
							names = append(names, n)
						}
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	return names
}

var (
	promStrings   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promMatchers  = regexp.MustCompile(`\{[^}]*\}`)
	promRanges    = regexp.MustCompile(`\[[^\]]*\]|\boffset\s+-?\w+`)
	promGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promFunctions = regexp.MustCompile(`\b[a-zA-Z_][a-zA-Z0-9_]*\s*\(`)
	promNames     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords  = []string{"bool", "and", "or", "unless", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
)

// promQLMetrics returns the metric names an expression selects: what is left once strings, label
// matchers, ranges, grouping clauses, function calls, keywords and numbers are taken out.
// Grafana's $variables are removed first.
func promQLMetrics(expr string) []string {
	s := regexp.MustCompile(`\$\{?\w+\}?`).ReplaceAllString(expr, "")
	s = promStrings.ReplaceAllString(s, " ")
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRanges.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	s = promFunctions.ReplaceAllString(s, " (")
	var out []string
	for _, n := range promNames.FindAllString(s, -1) {
		if !slices.Contains(promKeywords, strings.ToLower(n)) {
			out = append(out, n)
		}
	}
	return out
}

func TestPromQLMetrics(t *testing.T) {
	got := promQLMetrics(`histogram_quantile(0.9, sum by (le, route) (rate(a_seconds_bucket{status!~"2..", x="by(y)"}[$__rate_interval]))) / on (route) group_left sum(b_total offset 5m) * 60 + max(c)`)
	if want := []string{"a_seconds_bucket", "b_total", "c"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
