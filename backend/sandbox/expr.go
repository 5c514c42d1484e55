package sandbox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clauseRE matches one comparison of TaskRouter's expression language: attr == "value",
// attr != 'value' or attr == 42. Only these, joined by AND, are supported.
var clauseRE = regexp.MustCompile(`^\s*([A-Za-z_][\w.]*)\s*(==|!=)\s*("([^"]*)"|'([^']*)'|-?\d+(\.\d+)?|true|false)\s*$`)

var andRE = regexp.MustCompile(`(?i)\s+and\s+|\s*&&\s*`)

// parseExpr compiles a simple EvaluateTaskAttributes expression into a predicate on attributes.
func parseExpr(expr string) (func(map[string]any) bool, error) {
	var preds []func(map[string]any) bool
	for _, clause := range andRE.Split(expr, -1) {
		m := clauseRE.FindStringSubmatch(clause)
		if m == nil {
			return nil, fmt.Errorf("unsupported expression %q", clause)
		}
		path, neg := strings.Split(m[1], "."), m[2] == "!="
		want := m[3]
		if strings.HasPrefix(want, `"`) {
			want = m[4]
		} else if strings.HasPrefix(want, "'") {
			want = m[5]
		}
		preds = append(preds, func(attrs map[string]any) bool {
			v, ok := lookup(attrs, path)
			eq := ok && fmt.Sprint(v) == want
			if f, isNum := v.(float64); ok && isNum {
				w, err := strconv.ParseFloat(want, 64)
				eq = err == nil && f == w
			}
			return eq != neg
		})
	}
	return func(attrs map[string]any) bool {
		for _, p := range preds {
			if !p(attrs) {
				return false
			}
		}
		return true
	}, nil
}

func lookup(obj map[string]any, path []string) (any, bool) {
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// limiter allows 3 requests in any 1 s window of wall time, like Twilio's limit on
// EvaluateTaskAttributes list requests.
type limiter struct {
	mu   sync.Mutex
	hits []time.Time
}

func (l *limiter) allow(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.hits[:0]
	for _, h := range l.hits {
		if now.Sub(h) < time.Second {
			kept = append(kept, h)
		}
	}
	l.hits = kept
	if len(l.hits) >= 3 {
		return false
	}
	l.hits = append(l.hits, now)
	return true
}
