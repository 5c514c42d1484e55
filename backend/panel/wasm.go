package panel

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
)

// wasmLengthHeader carries the uncompressed size of app.wasm, so that go-app's loader computes its
// percentage against the bytes it counts (decoded ones) rather than the compressed Content-Length.
const wasmLengthHeader = "X-Wasm-Length"

// encoded is app.wasm compressed ahead of time, as sent with Content-Encoding enc.
type encoded struct {
	enc  string
	body []byte
}

// encodings are the pre-compressed files of app.wasm we serve, best first: Brotli at quality 11
// (make wasm; about a quarter smaller than gzip), then gzip -9.
var encodings = []struct {
	enc, suffix string
	reader      func(io.Reader) (io.Reader, error)
}{
	{"br", ".br", func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
	{"gzip", ".gz", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
}

// loadEncoded reads the pre-compressed copies of app.wasm that exist beside it. One that does not
// decode to raw (left from an older build) is skipped with a warning: it would run another panel
// under this version's ETag.
func loadEncoded(dir string, raw []byte, logger *slog.Logger) ([]encoded, error) {
	var out []encoded
	for _, e := range encodings {
		name := "app.wasm" + e.suffix
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("panel: read %s: %w", name, err)
		}
		r, err := e.reader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("panel: %s is not %s: %w", name, e.enc, err)
		}
		if dec, err := io.ReadAll(r); err != nil || !bytes.Equal(dec, raw) {
			logger.Warn("panel: pre-compressed wasm does not match app.wasm; not served (run make wasm)", "file", name)
			continue
		}
		out = append(out, encoded{enc: e.enc, body: b})
	}
	return out, nil
}

// serveWasm answers /web/app.wasm with the best pre-compressed copy the browser accepts (go-app
// itself serves it raw), and adds the length header either way.
func serveWasm(next http.Handler, version string, rawLen int, encs []encoded) http.Handler {
	etag := `"` + version + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/web/app.wasm" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set(wasmLengthHeader, strconv.Itoa(rawLen))
		w.Header().Add("Vary", "Accept-Encoding")
		e, ok := pick(r, encs)
		if !ok || r.Header.Get("If-None-Match") == etag || r.Header.Get("Range") != "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/wasm")
		h.Set("Content-Encoding", e.enc)
		h.Set("Content-Length", strconv.Itoa(len(e.body)))
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(e.body)
		}
	})
}

// pick returns the first of encs the request accepts.
func pick(r *http.Request, encs []encoded) (encoded, bool) {
	for _, e := range encs {
		if accepts(r, e.enc) {
			return e, true
		}
	}
	return encoded{}, false
}

// accepts says whether Accept-Encoding lists enc with a non-zero q.
func accepts(r *http.Request, enc string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), enc) {
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
