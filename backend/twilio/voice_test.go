package twilio

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"flexcallback"
)

const apiPath = "/api/2010-04-01/Accounts/" + testAccount

func TestFetchQueue(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"account_sid": "` + testAccount + `", "average_wait_time": 42, "current_size": 3, "friendly_name": "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "max_size": 100, "sid": "QUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`))
	})
	c, _ := newTestClient(t, wr, nil)
	q, err := c.FetchQueue(context.Background(), "QUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	if err != nil {
		t.Fatal(err)
	}
	if req := wr.only(); req.Method != http.MethodGet || req.Path != apiPath+"/Queues/QUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	want := flexcallback.Queue{Sid: "QUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", FriendlyName: "WWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", CurrentSize: 3, AverageWait: 42 * time.Second}
	if q != want {
		t.Errorf("queue = %+v, want %+v", q, want)
	}
}

func TestFetchQueueFixture(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) { fixture(t, w, 200, "queue_fetch.json") })
	c, _ := newTestClient(t, wr, nil)
	q, err := c.FetchQueue(context.Background(), "QUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	if err != nil || q.FriendlyName != "0.361280134646222" || q.Sid != "QUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
		t.Errorf("queue = %+v, %v", q, err)
	}
}

func TestUpdateCall(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) { fixture(t, w, 200, "call_update.json") })
	c, _ := newTestClient(t, wr, nil)
	err := c.UpdateCall(context.Background(), "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", flexcallback.CallUpdate{
		URL: "https://example.com/features/callback-and-voicemail/studio/wait-experience?mode=record", Method: "POST",
	})
	if err != nil {
		t.Fatal(err)
	}
	req := wr.only()
	if req.Method != http.MethodPost || req.Path != apiPath+"/Calls/CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	if req.Form.Get("Url") != "https://example.com/features/callback-and-voicemail/studio/wait-experience?mode=record" ||
		req.Form.Get("Method") != "POST" || req.Form.Has("Status") {
		t.Errorf("form = %v", req.Form)
	}
}

func TestHangUpCall(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) { fixture(t, w, 200, "call_update.json") })
	c, _ := newTestClient(t, wr, nil)
	if err := c.UpdateCall(context.Background(), "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", flexcallback.CallUpdate{Status: "completed"}); err != nil {
		t.Fatal(err)
	}
	if form := wr.only().Form; !reflect.DeepEqual(form, url.Values{"Status": {"completed"}}) {
		t.Errorf("form = %v", form)
	}
}

func TestFetchRecording(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) { fixture(t, w, 200, "recording_fetch.json") })
	c, _ := newTestClient(t, wr, nil)
	rec, err := c.FetchRecording(context.Background(), testRecording)
	if err != nil {
		t.Fatal(err)
	}
	if req := wr.only(); req.Method != http.MethodGet || req.Path != apiPath+"/Recordings/"+testRecording+".json" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	want := flexcallback.Recording{
		Sid: testRecording, CallSid: "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Duration: 4 * time.Second,
		DateCreated: time.Date(2016, 10, 14, 21, 56, 34, 0, time.UTC), Status: "completed",
	}
	if rec != want {
		t.Errorf("recording = %+v, want %+v", rec, want)
	}
}

func TestDeleteRecordingAndTranscription(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	c, _ := newTestClient(t, wr, nil)
	if err := c.DeleteRecording(context.Background(), testRecording); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTranscription(context.Background(), "TRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	reqs := wr.requests()
	if len(reqs) != 2 || reqs[0].Method != http.MethodDelete || reqs[0].Path != apiPath+"/Recordings/"+testRecording+".json" ||
		reqs[1].Method != http.MethodDelete || reqs[1].Path != apiPath+"/Transcriptions/TRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json" {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestDeleteRecordingGone(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
	})
	c, _ := newTestClient(t, wr, nil)
	e := wantKind(t, c.DeleteRecording(context.Background(), testRecording), flexcallback.ErrNotFound)
	if e.Code != 20404 {
		t.Errorf("code = %d", e.Code)
	}
}

func TestFetchTranscription(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) { fixture(t, w, 200, "transcription_fetch.json") })
	c, _ := newTestClient(t, wr, nil)
	tr, err := c.FetchTranscription(context.Background(), "TRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	if err != nil {
		t.Fatal(err)
	}
	if req := wr.only(); req.Path != apiPath+"/Transcriptions/TRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json" {
		t.Errorf("path = %s", req.Path)
	}
	want := flexcallback.Transcription{Sid: "TRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", RecordingSid: testRecording, Status: "failed", Text: "(blank)"}
	if tr != want {
		t.Errorf("transcription = %+v, want %+v", tr, want)
	}
}

func TestUnauthorizedUpstreamIsUpstreamAuth(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
	})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.FetchRecording(context.Background(), testRecording)
	e := wantKind(t, err, flexcallback.ErrUpstreamAuth)
	if e.Status != 401 || e.Code != 20003 {
		t.Errorf("error = %+v", e)
	}
}
