package panel

import (
	"net/http"
	"strconv"
	"strings"
)

// wasmLengthHeader carries the uncompressed size of app.wasm, so that go-app's loader computes its
// percentage against the bytes it counts (decoded ones) rather than the gzipped Content-Length.
const wasmLengthHeader = "X-Wasm-Length"

// serveWasm answers /web/app.wasm with the pre-gzipped file when the browser accepts gzip (about a
// quarter of the bytes; go-app itself serves it raw), and adds the length header either way.
func serveWasm(next http.Handler, version string, rawLen int, gz []byte) http.Handler {
	etag := `"` + version + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/web/app.wasm" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set(wasmLengthHeader, strconv.Itoa(rawLen))
		w.Header().Add("Vary", "Accept-Encoding")
		if gz == nil || !acceptsGzip(r) || r.Header.Get("If-None-Match") == etag || r.Header.Get("Range") != "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/wasm")
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(gz)))
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(gz)
		}
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !found {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}
