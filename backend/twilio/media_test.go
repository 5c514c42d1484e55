package twilio

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"flexcallback"
)

func TestRecordingMediaStreams(t *testing.T) {
	release := make(chan struct{})
	var finished atomic.Bool
	first := bytes.Repeat([]byte("ID3"), 1000)
	rest := bytes.Repeat([]byte{0xff}, 1<<20)
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Header().Set("Accept-Ranges", "bytes")
		w.Header().Set("Content-Range", "bytes 0-"+itoa(len(first)+len(rest)-1)+"/9999999")
		w.Header().Set("Content-Length", itoa(len(first)+len(rest)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(first)
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		time.Sleep(300 * time.Millisecond) // longer than the per-attempt Timeout: must not cut the body
		w.Write(rest)
		finished.Store(true)
	})
	c, _ := newTestClient(t, wr, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
	m, err := c.RecordingMedia(context.Background(), testRecording, "bytes=0-")
	if err != nil {
		t.Fatalf("RecordingMedia: %v", err)
	}
	defer m.Body.Close()
	got := make([]byte, len(first))
	if _, err := io.ReadFull(m.Body, got); err != nil {
		t.Fatalf("reading the first bytes: %v", err)
	}
	if finished.Load() {
		t.Fatal("the server had finished before the first bytes were read: the body was buffered")
	}
	close(release)
	all, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatalf("reading the rest: %v", err)
	}
	if !bytes.Equal(got, first) || !bytes.Equal(all, rest) {
		t.Errorf("body differs: %d+%d bytes", len(got), len(all))
	}
	req := wr.only()
	if req.Method != http.MethodGet || req.Path != apiPath+"/Recordings/"+testRecording+".mp3" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	if req.Header.Get("Range") != "bytes=0-" || req.User != testAccount || req.Pass != testToken {
		t.Errorf("Range %q, auth %q:%q", req.Header.Get("Range"), req.User, req.Pass)
	}
	if m.Status != 206 || m.ContentType != "audio/mpeg" || m.AcceptRanges != "bytes" ||
		m.ContentLength != int64(len(first)+len(rest)) || !strings.HasPrefix(m.ContentRange, "bytes 0-") {
		t.Errorf("media = %+v", m)
	}
}

func TestRecordingMediaErrors(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
	})
	c, _ := newTestClient(t, wr, nil)
	_, err := c.RecordingMedia(context.Background(), testRecording, "")
	e := wantKind(t, err, flexcallback.ErrNotFound)
	if e.Code != 20404 || len(wr.requests()) != 2 {
		t.Errorf("error %+v after %d requests; want 20404 after a retried 503", e, len(wr.requests()))
	}
	if h := wr.requests()[0].Header.Get("Range"); h != "" {
		t.Errorf("Range = %q, want none", h)
	}
}

func TestRecordingMediaRejectsBadSid(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {})
	c, _ := newTestClient(t, wr, nil)
	for _, sid := range []string{"", "RE123", "REzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/../x"} {
		_, err := c.RecordingMedia(context.Background(), sid, "")
		wantKind(t, err, flexcallback.ErrInvalid)
	}
	if len(wr.requests()) != 0 {
		t.Errorf("a bad SID reached Twilio")
	}
}

func TestRecordingMediaHeaderDeadline(t *testing.T) {
	wr := newWire(t, func(n int, w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	})
	c, _ := newTestClient(t, wr, func(cfg *Config) {
		cfg.Timeout = 100 * time.Millisecond
		cfg.Retry.Limit = 0
	})
	start := time.Now()
	_, err := c.RecordingMedia(context.Background(), testRecording, "")
	wantKind(t, err, flexcallback.ErrUnavailable)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about the 100ms timeout", d)
	}
}
