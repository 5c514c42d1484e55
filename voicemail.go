package flexcallback

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// TranscriptStatusFailed is callBackData.transcriptStatus of a voicemail Twilio could not
// transcribe: the panel says the transcript is unavailable.
const TranscriptStatusFailed = "failed"

// RecordingReport is what a Twilio callback says of a recording, each value as sent ("" when
// absent): the Record action and the recording status callback send RecordingStatus and
// RecordingDuration, the transcription callback TranscriptionStatus.
type RecordingReport struct {
	Sid, Status, Duration, TranscriptionStatus string
}

// TranscriptFailed reports whether Twilio said it could not transcribe the recording.
func (r RecordingReport) TranscriptFailed() bool {
	return strings.EqualFold(r.TranscriptionStatus, "failed")
}

// VoicemailWanted reports whether the recording deserves a voicemail task: not when Twilio says
// it failed or is absent (RecordingStatus other than completed) or lasted 0 s. A failed
// transcription says neither, and Twilio reports one for recordings too short to transcribe,
// so then the recording itself is asked. When that fetch fails for another reason than the
// recording not existing, the answer is true with the error: a voicemail too many beats a lost one.
func VoicemailWanted(ctx context.Context, v Voice, r RecordingReport) (bool, error) {
	if r.Status != "" && !strings.EqualFold(r.Status, "completed") {
		return false, nil
	}
	if d, err := strconv.Atoi(strings.TrimSpace(r.Duration)); err == nil && d <= 0 {
		return false, nil
	}
	if !r.TranscriptFailed() || r.Status != "" || r.Duration != "" {
		return true, nil
	}
	rec, err := v.FetchRecording(ctx, r.Sid)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return true, err
	}
	return (rec.Status == "" || strings.EqualFold(rec.Status, "completed")) && rec.Duration > 0, nil
}
