package panel

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
)

// go-app's page forbids zooming, which fails WCAG 1.4.4 (axe: meta-viewport); it is hard-coded, so
// the page is patched on the way out.
var (
	viewportGoApp = []byte(`width=device-width, initial-scale=1, maximum-scale=1, user-scalable=0, viewport-fit=cover`)
	viewportOurs  = []byte(`width=device-width, initial-scale=1, viewport-fit=cover`)
)

// go-app's app.js asks for app.wasm only once its deferred scripts run, after the page is parsed:
// ~200 ms into a cold start on loopback, and after three more round trips on an agent's network.
// A preload in the head starts the download with the page's first bytes; app.js's fetch then gets
// the preloaded response (same URL, mode and credentials).
var (
	headStart   = []byte(`<meta charset="UTF-8">`)
	wasmPreload = []byte(`<meta charset="UTF-8">` + "\n" + `<link rel="preload" href="` + webDir{}.AppWASM() + `" as="fetch" type="application/wasm" crossorigin="anonymous">`)
)

// fixPage rewrites the HTML pages go-app renders; every other response passes untouched.
func fixPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/web/") || strings.Contains(r.URL.Path, ".") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &pageRecorder{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		ct := rec.header.Get("Content-Type")
		if ct == "" && len(body) > 0 {
			ct = http.DetectContentType(body) // what the real writer would have said
		}
		if strings.HasPrefix(ct, "text/html") {
			body = bytes.Replace(body, viewportGoApp, viewportOurs, 1)
			body = bytes.Replace(body, headStart, wasmPreload, 1)
			rec.header.Set("Content-Type", "text/html; charset=utf-8")
			rec.header.Set("Content-Length", strconv.Itoa(len(body)))
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		w.Write(body)
	})
}

// pageRecorder holds a page response until it can be patched.
type pageRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header         { return p.header }
func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *pageRecorder) WriteHeader(status int)      { p.status = status }
