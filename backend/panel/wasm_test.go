package panel

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/andybalholm/brotli"
)

func writeBrotli(t *testing.T, path string, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, brotli.BestCompression)
	w.Write(raw)
	w.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWasmIsServedBrotli: app.wasm.br to browsers that accept br, gzip to those that accept only
// gzip, raw to the rest, all under the one version ETag.
func TestWasmIsServedBrotli(t *testing.T) {
	dir, raw, gz := testWebDir(t, true)
	br := writeBrotli(t, filepath.Join(dir, "app.wasm.br"), raw)
	srv := newTestServer(t, dir)
	var etag string
	for _, tc := range []struct {
		accept, enc string
		want        []byte
	}{
		{"gzip, deflate, br, zstd", "br", br},
		{"br", "br", br},
		{"gzip, br;q=0", "gzip", gz},
		{"gzip", "gzip", gz},
		{"identity", "", raw},
	} {
		resp, body := get(t, srv.URL+"/panel/web/app.wasm", map[string]string{"Accept-Encoding": tc.accept})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != tc.enc || !bytes.Equal(body, tc.want) {
			t.Errorf("Accept-Encoding %q: %d, encoding %q, %d bytes; want %q, %d bytes",
				tc.accept, resp.StatusCode, resp.Header.Get("Content-Encoding"), len(body), tc.enc, len(tc.want))
		}
		if etag == "" {
			etag = resp.Header.Get("ETag")
		}
		if resp.Header.Get("ETag") != etag || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: ETag %q (want %q), Vary %q", tc.accept, resp.Header.Get("ETag"), etag, resp.Header.Get("Vary"))
		}
	}
	if resp, _ := get(t, srv.URL+"/panel/web/app.wasm", map[string]string{"If-None-Match": etag, "Accept-Encoding": "br"}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d", resp.StatusCode)
	}
}

// TestStaleBrotliIsNotServed: an app.wasm.br left from another build would run another panel under
// this version's ETag; gzip is served instead.
func TestStaleBrotliIsNotServed(t *testing.T) {
	dir, _, gz := testWebDir(t, true)
	writeBrotli(t, filepath.Join(dir, "app.wasm.br"), []byte("\x00asm an older build"))
	srv := newTestServer(t, dir)
	resp, body := get(t, srv.URL+"/panel/web/app.wasm", map[string]string{"Accept-Encoding": "gzip, br"})
	if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, gz) {
		t.Errorf("encoding %q, %d bytes; want the gzip copy", resp.Header.Get("Content-Encoding"), len(body))
	}
}

// TestPagePreloadsWasm: the page asks for app.wasm in its head, as a fetch app.js can reuse.
func TestPagePreloadsWasm(t *testing.T) {
	dir, _, _ := testWebDir(t, true)
	srv := newTestServer(t, dir)
	_, page := get(t, srv.URL+"/panel/", nil)
	head, _, _ := bytes.Cut(page, []byte("</head>"))
	if !bytes.Contains(head, []byte(`<link rel="preload" href="/panel/web/app.wasm" as="fetch" type="application/wasm" crossorigin="anonymous">`)) {
		t.Errorf("no app.wasm preload in the head:\n%s", head)
	}
}
