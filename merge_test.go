package flexcallback

import (
	"testing"
	"time"
)

// A request is appended once per key; a redelivery brings only its transcript; the task's own
// key is never appended; requestCount counts the task's own request too.
func TestMergeRequest(t *testing.T) {
	attrs := map[string]any{"taskType": "callback", "callBackData": map[string]any{"requestKey": "own"}}
	at := time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)
	if changed, own := MergeRequest(attrs, Request{Key: "own"}, at); changed || !own {
		t.Errorf("own key: changed %v own %v", changed, own)
	}
	vm := Request{Key: "voicemail:RE1", Source: SourceWait, RecordingSid: "RE1", RecordingURL: "https://r/RE1"}
	if changed, _ := MergeRequest(attrs, vm, at); !changed {
		t.Fatal("first merge changed nothing")
	}
	if changed, _ := MergeRequest(attrs, vm, at.Add(time.Minute)); changed {
		t.Error("redelivery appended again")
	}
	vm.TranscriptSid, vm.TranscriptText = "TR1", "call me"
	if changed, _ := MergeRequest(attrs, vm, at); !changed {
		t.Error("the transcript of a merged voicemail was not written")
	}
	MergeRequest(attrs, Request{Key: "k2", Source: SourceStudio}, at.Add(2*time.Minute))
	d := ReadCallbackData(attrs)
	if d.RequestCount != 3 || len(d.Requests) != 2 {
		t.Fatalf("requestCount %d, %d requests", d.RequestCount, len(d.Requests))
	}
	r := d.Requests[0]
	if r.Source != SourceWait || !r.Time.Equal(at) || r.RecordingSid != "RE1" || r.TranscriptText != "call me" || r.Key != "voicemail:RE1" {
		t.Errorf("merged voicemail = %+v", r)
	}
	if !d.HasRecording("RE1") || d.HasRecording("RE2") || d.HasRecording("") {
		t.Error("HasRecording")
	}
}

func TestOpenForMerge(t *testing.T) {
	for status, want := range map[string]bool{StatusPending: true, StatusReserved: true, StatusAssigned: true,
		StatusWrapping: false, StatusCompleted: false, StatusCanceled: false} {
		task := Task{Status: status, Attributes: map[string]any{"taskType": "voicemail"}}
		if got := OpenForMerge(task); got != want {
			t.Errorf("%s: %v", status, got)
		}
	}
	if OpenForMerge(Task{Status: StatusPending, Attributes: map[string]any{"taskType": "callback-outbound"}}) {
		t.Error("an outbound task takes requests")
	}
}

// The panel shows each merged request; a merged voicemail plays once the task is accepted.
func TestPanelViewMerged(t *testing.T) {
	task := callbackTask(StatusReserved, 0)
	MergeRequest(task.Attributes, Request{Key: "k1", Source: SourceStudio}, time.Now())
	MergeRequest(task.Attributes, Request{Key: "voicemail:RE1", RecordingSid: "RE1", TranscriptFailed: true}, time.Now())
	v := NewPanelView(task, PanelWorker{}, PanelConfig{MaxAttempts: 3}, false)
	if len(v.Merged) != 2 || v.Merged[0].ShowRecording || !v.Merged[1].ShowRecording || v.Merged[1].PlayRecording || !v.Merged[1].TranscriptFailed {
		t.Fatalf("reserved: %+v", v.Merged)
	}
	task.Status = StatusAssigned
	if v := NewPanelView(task, PanelWorker{}, PanelConfig{MaxAttempts: 3}, false); !v.Merged[1].PlayRecording {
		t.Error("assigned: the merged voicemail does not play")
	}
}
