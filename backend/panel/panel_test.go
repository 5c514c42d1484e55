package panel

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"flexcallback"
)

// testWebDir is a web folder with a stand-in app.wasm (the handler only hashes and serves it) and
// the real panel.css and icon.svg.
func testWebDir(t *testing.T, withGzip bool) (dir string, raw, gz []byte) {
	t.Helper()
	dir = t.TempDir()
	raw = bytes.Repeat([]byte("\x00asm fake wasm "), 1000)
	if err := os.WriteFile(filepath.Join(dir, "app.wasm"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if withGzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(raw)
		zw.Close()
		gz = b.Bytes()
		os.WriteFile(filepath.Join(dir, "app.wasm.gz"), gz, 0o644)
	}
	for _, name := range []string{"panel.css", "icon.svg"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "web", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	return dir, raw, gz
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newTestServer(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	h, err := NewHandler(Config{WebDir: dir, AllowedOrigins: []string{"https://flex.twilio.com", "http://localhost:1234"},
		BusinessTimeZone: "America/New_York", MaxAttempts: 4, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix+"/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A Transport of our own, so Go does not add Accept-Encoding and unzip behind our back.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestNewHandlerNeedsWasm(t *testing.T) {
	_, err := NewHandler(Config{WebDir: t.TempDir(), AllowedOrigins: []string{flexcallback.DefaultPanelOrigin}, Logger: testLogger(t)})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want a missing-file error", err)
	}
}

// TestNewHandlerAppliesNoDefaults: the origins and the logger come from the backend's
// configuration; without them NewHandler refuses rather than guessing.
func TestNewHandlerAppliesNoDefaults(t *testing.T) {
	dir, _, _ := testWebDir(t, false)
	for name, cfg := range map[string]Config{
		"no origins": {WebDir: dir, Logger: testLogger(t)},
		"no logger":  {WebDir: dir, AllowedOrigins: []string{flexcallback.DefaultPanelOrigin}},
	} {
		if _, err := NewHandler(cfg); !errors.Is(err, flexcallback.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

var externalURL = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+(?::\d+)?`)

func TestPageHeadersAndNothingExternal(t *testing.T) {
	dir, _, _ := testWebDir(t, true)
	srv := newTestServer(t, dir)
	resp, body := get(t, srv.URL+"/panel/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got, want := resp.Header.Get("Content-Security-Policy"), "frame-ancestors https://flex.twilio.com http://localhost:1234"; got != want {
		t.Errorf("CSP = %q, want %q", got, want)
	}
	if resp.Header.Get("X-Frame-Options") != "" {
		t.Error("X-Frame-Options would block Flex")
	}
	page := string(body)
	for _, want := range []string{`/panel/web/panel.css`, `/panel/web/icon.svg`, `/panel/app.js`, `content="width=device-width, initial-scale=1, viewport-fit=cover"` /* go-app orders attributes at random */} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "user-scalable=0") {
		t.Error("page still forbids zoom")
	}
	if strings.Contains(page, "tok") && strings.Contains(strings.ToLower(page), "token=") {
		t.Error("a token in the page")
	}
	// Nothing the page, its scripts, manifest or worker name may leave this server.
	self := strings.TrimPrefix(srv.URL, "http:")
	for _, path := range []string{"/panel/", "/panel/app.js", "/panel/manifest.webmanifest", "/panel/app-worker.js", "/panel/web/panel.css"} {
		_, b := get(t, srv.URL+path, nil)
		for _, u := range externalURL.FindAllString(string(b), -1) {
			u = strings.TrimPrefix(strings.TrimPrefix(u, "http:"), "https:")
			switch u {
			case self, "//flex.twilio.com", "//localhost:1234": // this server, and the allowed origins in app.js's env
			case "//www.w3.org": // the SVG namespace: an identifier, never fetched
			default:
				t.Errorf("%s names an external URL %s", path, u)
			}
		}
	}
}

func TestWasmIsServedGzippedAndVersioned(t *testing.T) {
	dir, raw, gz := testWebDir(t, true)
	srv := newTestServer(t, dir)

	resp, body := get(t, srv.URL+"/panel/web/app.wasm", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, gz) {
		t.Fatalf("gzip: encoding %q, %d bytes, want the %d of app.wasm.gz", resp.Header.Get("Content-Encoding"), len(body), len(gz))
	}
	if resp.Header.Get("Content-Type") != "application/wasm" || resp.Header.Get(wasmLengthHeader) != strconv.Itoa(len(raw)) {
		t.Errorf("headers %v", resp.Header)
	}
	etag := resp.Header.Get("ETag")
	if len(etag) < 10 {
		t.Fatalf("ETag %q", etag)
	}

	resp, body = get(t, srv.URL+"/panel/web/app.wasm", map[string]string{"Accept-Encoding": "gzip;q=0"})
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, raw) {
		t.Errorf("no gzip: encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
	if resp, _ := get(t, srv.URL+"/panel/web/app.wasm", map[string]string{"If-None-Match": etag, "Accept-Encoding": "gzip"}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d", resp.StatusCode)
	}

	// A rebuilt wasm gets another version, so browsers holding the old one download it again.
	os.WriteFile(filepath.Join(dir, "app.wasm"), append(raw, 1), 0o644)
	srv2 := newTestServer(t, dir)
	if resp, _ := get(t, srv2.URL+"/panel/web/app.wasm", map[string]string{"If-None-Match": etag}); resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("rebuilt wasm: status %d etag %s", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func TestWasmWithoutGzipFile(t *testing.T) {
	dir, raw, _ := testWebDir(t, false)
	srv := newTestServer(t, dir)
	resp, body := get(t, srv.URL+"/panel/web/app.wasm", map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != 200 || !bytes.Equal(body, raw) || resp.Header.Get(wasmLengthHeader) != strconv.Itoa(len(raw)) {
		t.Errorf("status %d, %d bytes, headers %v", resp.StatusCode, len(body), resp.Header)
	}
}

func TestServiceWorkerUnregistersItself(t *testing.T) {
	dir, _, _ := testWebDir(t, true)
	srv := newTestServer(t, dir)
	_, body := get(t, srv.URL+"/panel/app-worker.js", nil)
	js := string(body)
	if !strings.Contains(js, "registration.unregister()") || strings.Contains(js, "addEventListener(\"fetch\"") {
		t.Errorf("worker:\n%s", js)
	}
	if resp, _ := get(t, srv.URL+"/panel/web/", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("directory listing: status %d", resp.StatusCode)
	}
	_, manifest := get(t, srv.URL+"/panel/manifest.webmanifest", nil)
	if !strings.Contains(string(manifest), `"scope": "/panel/"`) {
		t.Errorf("manifest: %s", manifest)
	}
	_, appJS := get(t, srv.URL+"/panel/app.js", nil)
	if !strings.Contains(string(appJS), `"PANEL_ALLOWED_ORIGINS":"https://flex.twilio.com,http://localhost:1234"`) ||
		!strings.Contains(string(appJS), `"BUSINESS_TIME_ZONE":"America/New_York"`) ||
		!strings.Contains(string(appJS), `"MAX_ATTEMPTS":"4"`) {
		t.Errorf("app.js env missing:\n%.600s", appJS)
	}
}

func TestNoServerSideFetchOnForgedHost(t *testing.T) {
	hits := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Write([]byte("secret"))
	}))
	defer other.Close()
	dir, _, _ := testWebDir(t, true)
	srv := newTestServer(t, dir)
	for _, path := range []string{"/panel/robots.txt", "/panel/sitemap.xml", "/panel/ads.txt"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Host = strings.TrimPrefix(other.URL, "http://")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
	}
	if hits != 0 {
		t.Errorf("the panel fetched the forged host %d times", hits)
	}
}
