package flexcallback

import (
	"time"
)

// Where a caller's request came from: callBackData.requests[].source.
const (
	SourceStudio = "studio"          // Studio's create-callback
	SourceWait   = "wait-experience" // the in-queue menu
)

// Asked is what Creator.Ask did with a caller's request.
type Asked struct {
	Sid      string // the task that holds the request; "" when MergeOnly found no open task
	Merged   bool   // appended to the caller's open task instead of a task of its own
	Replayed bool   // this request (its key) was answered before
}

// MergedRequest is one request of a caller appended to their open task: callBackData.requests[i].
// The task's own request is its callBackData; requests holds the ones that came after it.
type MergedRequest struct {
	Time             time.Time `json:"time"`
	Source           string    `json:"source"`
	Key              string    `json:"key"` // the request's idempotency key: a redelivery is not appended twice
	RecordingSid     string    `json:"recordingSid,omitempty"`
	RecordingURL     string    `json:"recordingUrl,omitempty"`
	TranscriptSid    string    `json:"transcriptSid,omitempty"`
	TranscriptText   string    `json:"transcriptText,omitempty"`
	TranscriptStatus string    `json:"transcriptStatus,omitempty"`
}

// OpenForMerge reports whether a task may take a caller's new request: a callback or voicemail
// task still pending, reserved or assigned (in wrap-up the call back is over).
func OpenForMerge(t Task) bool {
	k := TaskKind(t.Attributes)
	if k != KindCallback && k != KindVoicemail {
		return false
	}
	return t.Status == StatusPending || t.Status == StatusReserved || t.Status == StatusAssigned
}

// MergeRequest writes r into attrs' callBackData.requests, at most once per r.Key: a new key is
// appended (requestCount grows), a known one gets only the transcript r brings. It reports
// whether attrs changed and whether r.Key is the task's own request (nothing is written then).
func MergeRequest(attrs map[string]any, r Request, at time.Time) (changed, own bool) {
	cb := CallbackDataOf(attrs)
	if str(cb["requestKey"]) == r.Key {
		return false, true
	}
	list, _ := cb["requests"].([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && str(m["key"]) == r.Key {
			return patchTranscript(m, r), false
		}
	}
	if !r.Received.IsZero() {
		at = r.Received
	}
	e := map[string]any{"time": at.UTC().Format("2006-01-02T15:04:05.000Z07:00"), "source": r.Source, "key": r.Key}
	for k, v := range map[string]string{"recordingSid": r.RecordingSid, "recordingUrl": r.RecordingURL} {
		if v != "" {
			e[k] = v
		}
	}
	patchTranscript(e, r)
	cb["requests"] = append(list, e)
	cb["requestCount"] = len(list) + 2 // the task's own request, and those merged into it
	return true, false
}

// patchTranscript writes r's transcript (or that it failed) onto a merged voicemail entry.
func patchTranscript(e map[string]any, r Request) bool {
	switch {
	case r.TranscriptText != "" && (str(e["transcriptText"]) != r.TranscriptText || str(e["transcriptSid"]) != r.TranscriptSid):
		e["transcriptText"] = r.TranscriptText
		if r.TranscriptSid != "" {
			e["transcriptSid"] = r.TranscriptSid
		}
		delete(e, "transcriptStatus")
		return true
	case r.TranscriptFailed && r.TranscriptText == "" && str(e["transcriptText"]) == "" && str(e["transcriptStatus"]) != TranscriptStatusFailed:
		e["transcriptStatus"] = TranscriptStatusFailed
		return true
	}
	return false
}

// readRequests reads callBackData.requests; entries that are not objects are skipped.
func readRequests(v any) []MergedRequest {
	list, _ := v.([]any)
	var out []MergedRequest
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		r := MergedRequest{
			Source: str(m["source"]), Key: str(m["key"]),
			RecordingSid: str(m["recordingSid"]), RecordingURL: str(m["recordingUrl"]),
			TranscriptSid: str(m["transcriptSid"]), TranscriptText: str(m["transcriptText"]),
			TranscriptStatus: str(m["transcriptStatus"]),
		}
		r.Time, _ = time.Parse(time.RFC3339Nano, str(m["time"]))
		out = append(out, r)
	}
	return out
}

// HasRecording reports whether recordingSid is this task's voicemail or one merged into it.
func (d CallbackData) HasRecording(recordingSid string) bool {
	if recordingSid == "" {
		return false
	}
	if d.RecordingSid == recordingSid {
		return true
	}
	for _, r := range d.Requests {
		if r.RecordingSid == recordingSid {
			return true
		}
	}
	return false
}
