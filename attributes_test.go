package flexcallback

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

var now = time.Date(2025, 5, 2, 21, 22, 21, 123e6, time.UTC)

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	m, err := DecodeAttributes(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBuildTaskStudioCallback(t *testing.T) { // spec §2.3 example A
	nt, err := BuildTask(Request{NumberToCall: "+14155552671", NumberToCallFrom: "+14155550100", FlexFlowSid: "FW1"}, "WW1", "America/Chicago", now)
	if err != nil {
		t.Fatal(err)
	}
	want := mustJSON(t, `{
	  "from": "+14155552671", "name": "+14155552671", "flow_execution_sid": "FW1", "taskType": "callback",
	  "callBackData": {"numberToCall": "+14155552671", "numberToCallFrom": "+14155550100",
	    "mainTimeZone": "America/Chicago", "utcDateTimeReceived": "2025-05-02T21:22:21.123Z", "isDeleted": false, "attempts": 0},
	  "direction": "inbound", "conversations": {}}`)
	if got := roundTrip(t, nt.Attributes); !reflect.DeepEqual(got, want) {
		t.Errorf("attributes:\n got %v\nwant %v", got, want)
	}
	if nt.WorkflowSid != "WW1" || nt.Channel != "voice" || nt.Timeout != 86400 || nt.Priority != 0 || !nt.VirtualStartTime.IsZero() {
		t.Errorf("scalars = %+v", nt)
	}
}

func TestBuildTaskInQueueVoicemailKeepsRouting(t *testing.T) { // example B
	created := time.Date(2025, 5, 2, 21, 0, 0, 0, time.UTC)
	call := &Task{Sid: "WTcall", WorkflowSid: "WWcall", Channel: "voice", Priority: 5, Timeout: 3600, DateCreated: created,
		Attributes: mustJSON(t, `{"type":"inbound","caller":"+14155552671","called":"+14155550100","to":"+14155550100",
		  "from":"+14155552671","name":"+14155552671","call_sid":"CA1","conference":{"sid":"CF1"},
		  "conversations":{"hang_up_by":"Customer","abandoned":"Follow-Up"},"skill":"billing"}`)}
	nt, err := BuildTask(Request{NumberToCall: "+14155552671", NumberToCallFrom: "+14155550100", RecordingSid: "RE1",
		RecordingURL: "https://api.twilio.com/RE1", TranscriptSid: "TR1", TranscriptText: "call me",
		Original: call, VirtualStartTime: created, Key: "voicemail:RE1"}, "WWdefault", "UTC", now)
	if err != nil {
		t.Fatal(err)
	}
	a := nt.Attributes
	for _, gone := range []string{"call_sid", "conference", "reservation_attributes"} {
		if _, ok := a[gone]; ok {
			t.Errorf("%s copied", gone)
		}
	}
	conv := a["conversations"].(map[string]any)
	if !reflect.DeepEqual(conv, map[string]any{"conversation_id": "WTcall"}) {
		t.Errorf("conversations = %v", conv)
	}
	d := ReadCallbackData(a)
	if d.RecordingSid != "RE1" || d.TranscriptText != "call me" || d.Attempts != 0 || d.RequestKey != "voicemail:RE1" {
		t.Errorf("callBackData = %+v", d)
	}
	if TaskKind(a) != KindVoicemail || a["skill"] != "billing" || a["direction"] != "inbound" {
		t.Errorf("attributes = %v", a)
	}
	if nt.WorkflowSid != "WWcall" || nt.Priority != 5 || nt.Timeout != 3600 || !nt.VirtualStartTime.Equal(created) {
		t.Errorf("scalars = %+v", nt)
	}
}

func TestBuildTaskRequeueCountsAttempts(t *testing.T) { // example C, and B7's "2" + 1 = "21"
	for _, attempts := range []string{`1`, `"1"`} {
		orig := &Task{Sid: "WTold", WorkflowSid: "WW1", Channel: "voice",
			Attributes: mustJSON(t, `{"taskType":"callback","callBackData":{"numberToCall":"+14155552671","attempts":`+attempts+`,
			  "utcDateTimeReceived":"2025-05-01T10:00:00.000Z","requestKey":"old"}}`)}
		nt, err := BuildTask(Request{Original: orig, Key: "requeue:WTold:1"}, "WW9", "UTC", now)
		if err != nil {
			t.Fatal(err)
		}
		d := ReadCallbackData(nt.Attributes)
		if d.Attempts != 2 || d.NumberToCall != "+14155552671" || d.Received.Format(time.RFC3339) != "2025-05-01T10:00:00Z" || d.RequestKey != "requeue:WTold:1" {
			t.Errorf("attempts %s: callBackData = %+v", attempts, d)
		}
		if c := nt.Attributes["conversations"].(map[string]any); c["conversation_id"] != "WTold" {
			t.Errorf("conversation_id = %v", c["conversation_id"])
		}
		if nt.Attributes["callBackData"].(map[string]any)["attempts"] != 2 {
			t.Errorf("attempts stored as %T, want int", nt.Attributes["callBackData"].(map[string]any)["attempts"])
		}
	}
}

func TestBuildTaskNeedsWorkflow(t *testing.T) {
	_, err := BuildTask(Request{NumberToCall: "+14155552671"}, "", "UTC", now)
	if e, ok := AsError(err); !ok || !errors.Is(err, ErrInvalid) || e.Field != "workflowSid" {
		t.Errorf("err = %v, want ErrInvalid on workflowSid", err)
	}
}

func TestReadCallbackDataToleratesStrings(t *testing.T) {
	d := ReadCallbackData(mustJSON(t, `{"callBackData":{"attempts":"2","isDeleted":"false","utcDateTimeReceived":"nonsense"}}`))
	if d.Attempts != 2 || d.IsDeleted || !d.Received.IsZero() {
		t.Errorf("%+v", d)
	}
}

func roundTrip(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, string(b))
}

// A scheduled request's task carries scheduledFor and queues from it; a copy made now of a
// scheduled task keeps the caller's place (its own virtual start) and drops the old time.
func TestBuildTaskScheduledFor(t *testing.T) {
	at := time.Date(2025, 5, 3, 14, 0, 0, 0, time.UTC)
	created := time.Date(2025, 5, 2, 21, 0, 0, 0, time.UTC)
	call := &Task{Sid: "WTcall", WorkflowSid: "WW1", DateCreated: created, Attributes: map[string]any{}}
	nt, err := BuildTask(Request{NumberToCall: "+14155552671", Original: call, VirtualStartTime: created, ScheduledFor: at}, "WW1", "UTC", now)
	if err != nil {
		t.Fatal(err)
	}
	if d := ReadCallbackData(nt.Attributes); !d.ScheduledFor.Equal(at) || !nt.VirtualStartTime.Equal(at) {
		t.Errorf("scheduledFor %v, virtual start %v; want both %v", d.ScheduledFor, nt.VirtualStartTime, at)
	}
	again, err := BuildTask(Request{Original: &Task{Sid: "WTs", Attributes: nt.Attributes}, VirtualStartTime: created}, "WW1", "UTC", now)
	if err != nil {
		t.Fatal(err)
	}
	if d := ReadCallbackData(again.Attributes); !d.ScheduledFor.IsZero() || !again.VirtualStartTime.Equal(created) {
		t.Errorf("a copy made now: scheduledFor %v, virtual start %v", d.ScheduledFor, again.VirtualStartTime)
	}
}
