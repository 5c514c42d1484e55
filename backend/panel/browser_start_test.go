package panel

import "testing"

// TestPanelDownloadsWasmOnceEarly: a cold panel requests app.wasm before its scripts have arrived
// (the preload), and app.js's own fetch reuses that response: one download.
func TestPanelDownloadsWasmOnceEarly(t *testing.T) {
	b := newPanelBrowser(t)
	b.navigateHost(b.HostURL)
	b.timeToReady()
	b.attachFrame()
	type entry struct {
		Name       string
		Start, End float64
	}
	entries := evalFrame[[]entry](b, `performance.getEntriesByType("resource").map(e => ({Name: new URL(e.name).pathname, Start: e.startTime, End: e.responseEnd}))`)
	var wasm []entry
	scripts := 0.0
	for _, e := range entries {
		switch e.Name {
		case Prefix + "/web/app.wasm":
			wasm = append(wasm, e)
		case Prefix + "/app.js", Prefix + "/wasm_exec.js":
			scripts = max(scripts, e.End)
		}
	}
	if len(wasm) != 1 {
		t.Fatalf("app.wasm fetched %d times: %+v", len(wasm), entries)
	}
	if scripts == 0 || wasm[0].Start >= scripts {
		t.Errorf("app.wasm requested at %.0f ms, after the scripts arrived (%.0f ms): %+v", wasm[0].Start, scripts, entries)
	}
}
