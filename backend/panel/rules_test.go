package panel

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"flexcallback"
)

// The backend's rules reach the panel in app.js, and changing one (MAX_ATTEMPTS) changes the
// version, so a browser holding the old app.js gets the new one rather than a 304.
func TestRulesAreInThePageAndVersionIt(t *testing.T) {
	dir, _, _ := testWebDir(t, true)
	serve := func(maxAttempts int) *httptest.Server {
		h, err := NewHandler(Config{WebDir: dir, AllowedOrigins: []string{flexcallback.DefaultPanelOrigin}, MaxAttempts: maxAttempts, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv
	}
	old, cur := serve(3), serve(5)
	resp, _ := get(t, old.URL+"/panel/app.js", nil)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatalf("app.js has no ETag: %v", resp.Header)
	}
	resp, body := get(t, cur.URL+"/panel/app.js", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"MAX_ATTEMPTS":"5"`) {
		t.Errorf("after MAX_ATTEMPTS changed: status %d, app.js env:\n%.400s", resp.StatusCode, body)
	}
}
