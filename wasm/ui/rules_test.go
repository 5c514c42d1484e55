package ui

import (
	"strings"
	"testing"

	"flexcallback"
)

// Flex's custom_data says max_attempts 1 (its code default, which hides "Retry later"); the backend
// enforces MAX_ATTEMPTS 3. The agent sees the backend's rule: "1 of 3" and a Retry button. And
// when Flex says 5 but the backend 2, the second attempt has no Retry button the backend would
// refuse.
func TestPanelShowsTheBackendsMaxAttempts(t *testing.T) {
	tp := newTestPanel(t, "")
	tp.p.rules = flexcallback.PanelRules{MaxAttempts: 3}
	m := contextMessage("callback", "assigned", nil)
	m["config"] = map[string]any{"allowRequeue": true, "maxAttempts": 1, "outboundEnabled": true}
	tp.receive(flexOrigin, true, m)
	h := tp.html()
	if !strings.Contains(h, "1 of 3") || !strings.Contains(h, `id="retry"`) {
		t.Errorf("flex 1, backend 3: want \"1 of 3\" and Retry later:\n%s", h)
	}

	tp.p.rules = flexcallback.PanelRules{MaxAttempts: 2}
	m = contextMessage("callback", "assigned", map[string]any{"attempts": 1})
	m["config"] = map[string]any{"allowRequeue": true, "maxAttempts": 5, "outboundEnabled": true}
	tp.receive(flexOrigin, true, m)
	h = tp.html()
	if !strings.Contains(h, "2 of 2") || strings.Contains(h, `id="retry"`) {
		t.Errorf("flex 5, backend 2, second attempt: want \"2 of 2\" and no Retry later:\n%s", h)
	}
}
