package sandbox

import (
	"net/http/httptest"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"
)

func TestOutboundCallAndHangupByREST(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	voice := api.NewApiServiceWithClient(twilioClient(t, srv, in))
	c, err := voice.CreateCall((&api.CreateCallParams{}).SetTo("+15551230000").SetFrom("+15559870000").
		SetTwiml(`<Response><Say>Connecting you</Say><Pause length="600"/></Response>`))
	if err != nil {
		t.Fatal(err)
	}
	var st callState
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+*c.Sid, nil, &st)
	if st.Status != "in-progress" || verbs(st) != "Say Pause" {
		t.Fatalf("outbound call: %s %q", st.Status, verbs(st))
	}
	if _, err := voice.UpdateCall(*c.Sid, (&api.UpdateCallParams{}).SetStatus("completed")); err != nil {
		t.Fatal(err)
	}
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+*c.Sid, nil, &st)
	got, err := voice.FetchCall(*c.Sid, nil)
	if err != nil || st.Status != "completed" || *got.Status != "completed" || *got.Direction != "outbound-api" {
		t.Fatalf("after Status=completed: %s %+v %v", st.Status, got, err)
	}
	_, err = voice.UpdateCall(*c.Sid, (&api.UpdateCallParams{}).SetUrl("https://example.com/x"))
	if e := restErr(t, err); e.Code != 21220 {
		t.Fatalf("redirect of an ended call: %+v", e)
	}
}

func TestRealClockLetsTimeRun(t *testing.T) {
	s := New(Config{Logger: testLogger(t), RealClock: true})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	in := s.Info()
	voice := api.NewApiServiceWithClient(twilioClient(t, srv, in))
	c, err := voice.CreateCall((&api.CreateCallParams{}).SetTo("+1555").SetFrom("+1666").
		SetTwiml(`<Response><Pause length="1"/><Say>done</Say></Response>`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(5 * time.Second)
	for {
		var st callState
		do(t, in, "GET", srv.URL+"/_sandbox/calls/"+*c.Sid, nil, &st)
		if st.Status == "completed" {
			if verbs(st) != "Pause Say" || time.Since(start) < 900*time.Millisecond {
				t.Fatalf("timeline %q after %v", verbs(st), time.Since(start))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("call still %s after 5 s of real time", st.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
