package sandbox

import "testing"

func TestGatherTimeoutSubmitsPartialDigitsOrFallsThrough(t *testing.T) {
	_, srv, in := newTestSandbox(t)
	ts := newTwimlServer(t, in.AuthToken, func(h hook) string {
		if h.path == "/g" {
			return `<Response><Gather timeout="5" numDigits="3" action="/got"><Say>Enter three digits</Say></Gather><Say>fell through</Say></Response>`
		}
		return `<Response><Say>got ` + h.params["Digits"] + `</Say></Response>`
	})
	var a, b struct {
		CallSid string `json:"callSid"`
	}
	var st callState
	do(t, in, "POST", srv.URL+"/_sandbox/calls", map[string]any{"url": ts.URL + "/g"}, &a)
	do(t, in, "POST", srv.URL+"/_sandbox/calls/"+a.CallSid+"/digits", map[string]string{"digits": "12"}, nil)
	do(t, in, "POST", srv.URL+"/_sandbox/clock", map[string]string{"advance": "4s"}, nil)
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+a.CallSid, nil, &st)
	if st.Status != "in-progress" {
		t.Fatalf("gather ended before its timeout: %q", verbs(st))
	}
	do(t, in, "POST", srv.URL+"/_sandbox/clock", map[string]string{"advance": "1s"}, nil)
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+a.CallSid, nil, &st)
	if st.Status != "completed" || verbs(st) != "Gather Say Keys Digits Say" || st.Timeline[len(st.Timeline)-1].Text != "got 12" {
		t.Fatalf("partial digits: %s %q", st.Status, verbs(st))
	}
	do(t, in, "POST", srv.URL+"/_sandbox/calls", map[string]any{"url": ts.URL + "/g"}, &b)
	do(t, in, "POST", srv.URL+"/_sandbox/clock", map[string]string{"advance": "5s"}, nil)
	do(t, in, "GET", srv.URL+"/_sandbox/calls/"+b.CallSid, nil, &st)
	if st.Status != "completed" || st.Timeline[len(st.Timeline)-1].Text != "fell through" {
		t.Fatalf("no digits: %s %q", st.Status, verbs(st))
	}
}
