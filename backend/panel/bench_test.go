package panel

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkPanel measures the panel as agents get it, in headless Chromium:
//
//	go test -run '^$' -bench Panel ./backend/panel/
//
// wasm: app.wasm's size raw and gzipped; first_render_cold: iframe inserted → panel mounted and
// "ready" posted, in a fresh browser profile (nothing cached); first_render_warm: the same again in
// the same browser (HTTP cache revalidated by ETag, compiled wasm cached); task_rerender: a "task"
// message sent by the host → the panel showing the new attempt (includes a DevTools round trip).
func BenchmarkPanel(b *testing.B) {
	b.Run("wasm", func(b *testing.B) {
		dir, _ := filepath.Abs(filepath.Join("..", "..", "web"))
		raw, err := os.Stat(filepath.Join(dir, "app.wasm"))
		if err != nil {
			needOrSkip(b, "no app.wasm: %v", err)
		}
		gz, err := os.Stat(filepath.Join(dir, "app.wasm.gz"))
		if err != nil {
			needOrSkip(b, "no app.wasm.gz: %v", err)
		}
		for i := 0; i < b.N; i++ {
		}
		b.ReportMetric(float64(raw.Size()), "wasm-bytes")
		b.ReportMetric(float64(gz.Size()), "wasm-gzip-bytes")
	})

	b.Run("first_render_cold", func(b *testing.B) {
		var total float64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			pb := newPanelBrowser(b)
			pb.navigateHost(pb.HostURL)
			b.StartTimer()
			total += pb.timeToReady()
		}
		b.ReportMetric(total/float64(b.N), "ms-to-render")
	})

	b.Run("first_render_warm", func(b *testing.B) {
		pb := newPanelBrowser(b)
		pb.navigateHost(pb.HostURL)
		pb.timeToReady() // fills the caches
		b.ResetTimer()
		var total float64
		for i := 0; i < b.N; i++ {
			total += pb.timeToReady()
		}
		b.ReportMetric(total/float64(b.N), "ms-to-render")
	})

	b.Run("task_rerender", func(b *testing.B) {
		pb := newPanelBrowser(b)
		pb.openPanel(shimContext("callback", "assigned", "en-US", nil, nil))
		pb.waitFrame(`document.getElementById("attempts") !== null`)
		b.ResetTimer()
		var total time.Duration
		for i := 0; i < b.N; i++ {
			attempts := (i + 1) % 2
			cb := map[string]any{"numberToCall": "+15550001111", "attempts": attempts, "utcDateTimeReceived": "2026-11-25T14:00:00.000Z"}
			start := time.Now()
			pb.sendFromHost(map[string]any{"source": "flexcallback-shim", "type": "task", "v": 1, "task": shimTask("callback", "assigned", cb)})
			pb.waitFrame(`document.getElementById("attempts").textContent === "` + strconv.Itoa(attempts+1) + ` of 3"`)
			total += time.Since(start)
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-rerender")
	})
}

// timeToReady frames the panel anew and returns the milliseconds from insertion to its "ready".
func (b *panelBrowser) timeToReady() float64 {
	b.t.Helper()
	b.evalHost(`window.received = []; true`)
	b.insertPanel(360)
	b.waitHost(`window.marks.ready !== undefined`)
	return evalHost[float64](b, `window.marks.ready - window.marks.inserted`)
}
