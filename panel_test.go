package flexcallback

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func callbackTask(status string, attempts any) PanelTask {
	return PanelTask{
		Sid: "WR1", TaskSid: "WT1", Status: status, QueueSid: "WQ1",
		Attributes: map[string]any{
			"taskType": "callback",
			"name":     "+15550001111",
			"callBackData": map[string]any{
				"numberToCall": "+15550001111", "numberToCallFrom": "+15559990000",
				"attempts": attempts, "isDeleted": false,
			},
			"conversations": map[string]any{"conversation_id": "WTorig", "abandoned": "Follow-Up"},
		},
	}
}

func TestPanelViewButtons(t *testing.T) {
	cfg := PanelConfig{AllowRequeue: true, MaxAttempts: 3}
	tests := []struct {
		name                   string
		status                 string
		offline, busy          bool
		attempts               any
		cfg                    PanelConfig
		call, showRetry, retry bool
		thisAttempt            int
	}{
		{"assigned", StatusAssigned, false, false, 0, cfg, true, true, true, 1},
		{"reserved", StatusReserved, false, false, 0, cfg, false, true, false, 1},
		{"wrapping", StatusWrapping, false, false, 0, cfg, false, true, false, 1},
		{"offline", StatusAssigned, true, false, 0, cfg, false, true, true, 1},
		{"busy", StatusAssigned, false, true, 0, cfg, false, true, false, 1},
		{"second attempt", StatusAssigned, false, false, 1, cfg, true, true, true, 2},
		{"last attempt", StatusAssigned, false, false, 2, cfg, true, false, false, 3},
		{"attempts as string", StatusAssigned, false, false, "2", cfg, true, false, false, 3},
		{"requeue off", StatusAssigned, false, false, 0, PanelConfig{MaxAttempts: 3}, true, false, false, 1},
		{"code default max 1", StatusAssigned, false, false, 0, PanelConfig{AllowRequeue: true}, true, false, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewPanelView(callbackTask(tt.status, tt.attempts), PanelWorker{Offline: tt.offline}, tt.cfg, tt.busy)
			got := []any{v.CallEnabled, v.ShowRetry, v.RetryEnabled, v.ThisAttempt}
			want := []any{tt.call, tt.showRetry, tt.retry, tt.thisAttempt}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("call, showRetry, retry, thisAttempt = %v, want %v", got, want)
			}
			if v.ShowAttempts != tt.cfg.AllowRequeue {
				t.Errorf("ShowAttempts = %v, want %v", v.ShowAttempts, tt.cfg.AllowRequeue)
			}
			if v.ShowRecording || v.ShowDelete {
				t.Errorf("callback without recording shows recording=%v delete=%v", v.ShowRecording, v.ShowDelete)
			}
		})
	}
}

func TestPanelViewVoicemail(t *testing.T) {
	task := callbackTask(StatusAssigned, 0)
	task.Attributes["taskType"] = "voicemail"
	cb := task.Attributes["callBackData"].(map[string]any)
	cb["recordingSid"] = "RE0123456789abcdef0123456789abcdef"
	cb["transcriptText"] = "please call me"
	v := NewPanelView(task, PanelWorker{}, PanelConfig{}, false)
	if v.Kind != KindVoicemail || !v.ShowRecording || !v.ShowTranscript || !v.ShowDelete || !v.DeleteEnabled {
		t.Fatalf("voicemail view = %+v", v)
	}
	if v := NewPanelView(task, PanelWorker{}, PanelConfig{}, true); v.DeleteEnabled {
		t.Error("delete enabled while busy")
	}
	// The backend serves the audio only to the worker who accepted the task.
	for status, play := range map[string]bool{StatusReserved: false, StatusAssigned: true, StatusWrapping: true, StatusCompleted: false} {
		task.Status = status
		if v := NewPanelView(task, PanelWorker{}, PanelConfig{}, false); v.PlayRecording != play || !v.ShowRecording {
			t.Errorf("%s: PlayRecording = %v, ShowRecording = %v", status, v.PlayRecording, v.ShowRecording)
		}
	}
	task.Status = StatusAssigned
	cb["isDeleted"] = "true" // the reference's string form
	v = NewPanelView(task, PanelWorker{}, PanelConfig{}, false)
	if v.ShowRecording || v.ShowTranscript || v.ShowDelete {
		t.Errorf("deleted voicemail still shows recording=%v transcript=%v delete=%v", v.ShowRecording, v.ShowTranscript, v.ShowDelete)
	}
	cb["isDeleted"] = "false" // B7: the string "false" is not deleted
	if v := NewPanelView(task, PanelWorker{}, PanelConfig{}, false); !v.ShowRecording {
		t.Error(`isDeleted "false" hides the recording`)
	}
}

func TestBuildOutboundCall(t *testing.T) {
	task := callbackTask(StatusAssigned, 1)
	got, err := BuildOutboundCall(task)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	var m map[string]any
	json.Unmarshal(b, &m)
	want := map[string]any{
		"destination": "+15550001111",
		"callerId":    "+15559990000",
		"queueSid":    "WQ1",
		"taskAttributes": map[string]any{
			"taskType": "callback-outbound",
			"name":     "+15550001111",
			"callBackData": map[string]any{
				"numberToCall": "+15550001111", "numberToCallFrom": "+15559990000",
				"attempts": 1.0, "isDeleted": false,
			},
			"conversations": map[string]any{"conversation_id": "WTorig"},
			"autoClose":     true,
			"parentTask":    "WR1",
		},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("payload\n got %v\nwant %v", m, want)
	}
	if task.Attributes["taskType"] != "callback" || len(task.Attributes["conversations"].(map[string]any)) != 2 {
		t.Errorf("BuildOutboundCall changed the task: %v", task.Attributes)
	}

	delete(task.Attributes, "conversations")
	cb := task.Attributes["callBackData"].(map[string]any)
	cb["numberToCallFrom"] = "sip:agent@example.sip.twilio.com"
	got, err = BuildOutboundCall(task)
	if err != nil {
		t.Fatal(err)
	}
	var m2 map[string]any
	if got.CallerID != "" {
		t.Errorf("sip caller ID kept: %q", got.CallerID)
	}
	if b, _ := json.Marshal(got); json.Unmarshal(b, &m2) == nil {
		if _, ok := m2["callerId"]; ok {
			t.Errorf("callerId not omitted: %s", b)
		}
	}
	if c := got.TaskAttributes["conversations"].(map[string]any)["conversation_id"]; c != "WT1" {
		t.Errorf("conversation_id = %v, want the task SID WT1", c)
	}

	delete(task.Attributes, "callBackData")
	if _, err := BuildOutboundCall(task); !errors.Is(err, ErrInvalid) {
		t.Errorf("no callBackData: err = %v, want ErrInvalid", err)
	}
}

func TestCallerID(t *testing.T) {
	for in, want := range map[string]string{
		"+15551234567": "+15551234567", "": "", "sip:x@y.com": "", "SIP:x@y.com": "", " +1555 ": "+1555",
	} {
		if got := CallerID(in); got != want {
			t.Errorf("CallerID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPanelViewTranscriptFailed(t *testing.T) {
	attrs := map[string]any{"taskType": "voicemail", "callBackData": map[string]any{"recordingSid": "RE1", "transcriptStatus": "failed"}}
	v := NewPanelView(PanelTask{Status: StatusAssigned, Attributes: attrs}, PanelWorker{}, PanelConfig{MaxAttempts: 3}, false)
	if !v.TranscriptFailed || v.ShowTranscript {
		t.Errorf("failed transcription: TranscriptFailed %v ShowTranscript %v", v.TranscriptFailed, v.ShowTranscript)
	}
	attrs["callBackData"].(map[string]any)["isDeleted"] = true
	if v := NewPanelView(PanelTask{Status: StatusAssigned, Attributes: attrs}, PanelWorker{}, PanelConfig{MaxAttempts: 3}, false); v.TranscriptFailed {
		t.Error("a deleted voicemail still says its transcript is unavailable")
	}
}

// Flex's custom_data says max_attempts 1 (its code default) while the backend enforces 3: the panel
// offers "Retry later" and shows "1 of 3", the backend's rule; and the other way round.
func TestPanelRulesWinOverFlexConfig(t *testing.T) {
	rules := PanelRulesFromEnv(func(k string) string { return PanelRules{MaxAttempts: 3}.Env()[k] })
	if rules.MaxAttempts != 3 {
		t.Fatalf("rules from env = %+v", rules)
	}
	v := NewPanelView(callbackTask(StatusAssigned, 0), PanelWorker{}, rules.Apply(PanelConfig{AllowRequeue: true, MaxAttempts: 1}), false)
	if !v.ShowRetry || !v.RetryEnabled || v.MaxAttempts != 3 {
		t.Errorf("flex 1, backend 3: showRetry %v retry %v max %d", v.ShowRetry, v.RetryEnabled, v.MaxAttempts)
	}
	v = NewPanelView(callbackTask(StatusAssigned, 1), PanelWorker{}, PanelRules{MaxAttempts: 2}.Apply(PanelConfig{AllowRequeue: true, MaxAttempts: 5}), false)
	if v.ShowRetry || v.MaxAttempts != 2 {
		t.Errorf("flex 5, backend 2, second attempt: showRetry %v max %d", v.ShowRetry, v.MaxAttempts)
	}
	// allow_requeue stays Flex's choice: the backend has no such setting.
	if c := rules.Apply(PanelConfig{MaxAttempts: 1}); c.AllowRequeue {
		t.Errorf("Apply turned requeue on: %+v", c)
	}
	for _, bad := range []string{"", "0", "x", "-2"} {
		if r := PanelRulesFromEnv(func(string) string { return bad }); r.MaxAttempts != 0 || r.Apply(PanelConfig{MaxAttempts: 4}).MaxAttempts != 4 {
			t.Errorf("env %q: %+v", bad, r)
		}
	}
}
