package flexcallback

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestPanelMessagesWireShape(t *testing.T) {
	tests := []struct {
		msg  Message
		want string
	}{
		{NewReady(), `{"source":"flexcallback-panel","type":"ready","v":1}`},
		{NewAction("a1", ActionWrapupTask, nil), `{"source":"flexcallback-panel","type":"action","v":1,"id":"a1","name":"WrapupTask"}`},
		{NewNotify(LevelError, "boom"), `{"source":"flexcallback-panel","type":"notify","v":1,"level":"error","text":"boom"}`},
		{NewResize(312), `{"source":"flexcallback-panel","type":"resize","v":1,"height":312}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.msg)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("got  %s\nwant %s", b, tt.want)
		}
	}
}

func TestParseShimMessage(t *testing.T) {
	ctx := `{"source":"flexcallback-shim","type":"context","v":1,"token":"tok","locale":"es-MX",
		"task":{"sid":"WR1","taskSid":"WT1","status":"assigned","queueSid":"WQ1","attributes":{"taskType":"callback"}},
		"worker":{"sid":"WK1","offline":true},"config":{"allowRequeue":true,"maxAttempts":3}}`
	m, err := ParseShimMessage([]byte(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if m.Token != "tok" || m.Locale != "es-MX" || m.Task.TaskSid != "WT1" || !m.Worker.Offline || m.Config.MaxAttempts != 3 {
		t.Errorf("decoded %+v", m)
	}
	if got := m.Task.Attributes["taskType"]; got != "callback" {
		t.Errorf("attributes.taskType = %v", got)
	}
	res, err := ParseShimMessage([]byte(`{"source":"flexcallback-shim","type":"actionResult","v":1,"id":"7","ok":false,"error":"no"}`))
	if err != nil || res.ID != "7" || res.OK || res.Error != "no" {
		t.Errorf("actionResult = %+v, %v", res, err)
	}

	bad := []string{
		`not json`,
		`{"source":"flexcallback-panel","type":"context","v":1,"task":{}}`,
		`{"source":"flexcallback-shim","type":"context","v":2,"task":{}}`,
		`{"source":"flexcallback-shim","type":"context","v":1}`,
		`{"source":"flexcallback-shim","type":"task","v":1}`,
		`{"source":"flexcallback-shim","type":"actionResult","v":1}`,
		`{"source":"flexcallback-shim","type":"ready","v":1}`,
	}
	for _, s := range bad {
		if _, err := ParseShimMessage([]byte(s)); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseShimMessage(%s) err = %v, want ErrInvalid", s, err)
		}
	}
}

func TestParseOrigins(t *testing.T) {
	got, err := ParseOrigins("")
	if err != nil || !reflect.DeepEqual(got, []string{DefaultPanelOrigin}) {
		t.Errorf("empty: %v, %v", got, err)
	}
	got, err = ParseOrigins(" https://flex.twilio.com, http://LOCALHOST:8080/ ,")
	if want := []string{"https://flex.twilio.com", "http://localhost:8080"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, s := range []string{"flex.twilio.com", "https://flex.twilio.com/path", "*", "ftp://x"} {
		if _, err := ParseOrigins(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseOrigins(%q) err = %v, want ErrInvalid", s, err)
		}
	}
	if !OriginAllowed(got, "http://localhost:8080") || OriginAllowed(got, "http://localhost:8081") || OriginAllowed(got, "null") {
		t.Error("OriginAllowed wrong")
	}
}
