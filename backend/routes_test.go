package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestErrorTableStatuses: a method a route does not take and a range past the recording's end
// are answered by api/error.go's table, like every other error: the status, a JSON body with the
// table's code, a message and success false.
func TestErrorTableStatuses(t *testing.T) {
	a := startApp(t, nil)
	check := func(name string, r response, status int, code string) {
		t.Helper()
		if r.status != status || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %q %s; want %d JSON", name, r.status, r.header.Get("Content-Type"), r.body, status)
		}
		if body := r.json(t); body["code"] != code || body["message"] == "" || body["success"] != false {
			t.Errorf("%s: body %s; want code %q, a message, success false", name, r.body, code)
		}
	}

	for _, req := range []*http.Request{
		mustRequest(http.MethodDelete, a.base+"/features/callback-and-voicemail/studio/create-callback"),
		mustRequest(http.MethodPut, a.base+"/features/callback-and-voicemail/flex/requeue-callback"),
		mustRequest(http.MethodPost, a.base+"/healthz"),
	} {
		check(req.Method+" "+req.URL.Path, a.do(req), http.StatusMethodNotAllowed, "method_not_allowed")
	}

	task, rec := a.voicemailTask()
	a.assign("alice", task)
	r := a.flex("voicemail-url", a.token("alice"), url.Values{"taskSid": {task}, "recordingSid": {rec}})
	if r.status != http.StatusOK {
		t.Fatalf("voicemail-url: %d %s", r.status, r.body)
	}
	mediaURL := r.json(t)["url"].(string)
	size := len(a.do(mustRequest(http.MethodGet, mediaURL)).body)
	req := mustRequest(http.MethodGet, mediaURL)
	req.Header.Set("Range", "bytes="+strconv.Itoa(size)+"-")
	r = a.do(req)
	check("range past the end", r, http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable")
	if cr := r.header.Get("Content-Range"); !strings.HasPrefix(cr, "bytes */") {
		t.Errorf("416 Content-Range %q", cr)
	}
}

// TestFlexRoutesCORS: every Flex route answers a preflight from an allowed origin (the reference
// plugins call them from Flex), and none from another.
func TestFlexRoutesCORS(t *testing.T) {
	const flexOrigin = "https://flex.twilio.com"
	a := startApp(t, map[string]string{"PANEL_ALLOWED_ORIGINS": flexOrigin})
	for _, path := range []string{"requeue-callback", "fetch-voicemail", "voicemail-url", "delete-voicemail"} {
		for origin, want := range map[string]string{flexOrigin: flexOrigin, "https://evil.example": ""} {
			req := mustRequest(http.MethodOptions, a.base+"/features/callback-and-voicemail/flex/"+path)
			req.Header.Set("Origin", origin)
			r := a.do(req)
			if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != want {
				t.Errorf("OPTIONS %s from %s: %d, Allow-Origin %q; want 204, %q", path, origin, r.status,
					r.header.Get("Access-Control-Allow-Origin"), want)
			}
		}
	}
}
