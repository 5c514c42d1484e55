package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"flexcallback"
)

var (
	workflowSidRe  = regexp.MustCompile(`^WW[0-9a-fA-F]{32}$`)
	taskSidRe      = regexp.MustCompile(`^WT[0-9a-fA-F]{32}$`)
	recordingSidRe = regexp.MustCompile(`^RE[0-9a-fA-F]{32}$`)
	channelRe      = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// contentKeyTTL bounds how long an identical request without Twilio's idempotency token counts
// as a replay: long enough for retries and double submits, short enough that the same caller
// asking again later gets a new callback.
const contentKeyTTL = 10 * time.Minute

// createCallback serves studio/create-callback (spec §1.1): every parameter name and alias of the
// reference, parsed into types, numbers normalised to E.164 (fixes B6, B7), the upstream status
// kept on failure (fixes B3), and one task per request (fixes R1).
func (s *server) createCallback(ctx context.Context, r *Request) (Response, error) {
	p := r.Params
	if err := requireParams(CreateCallbackPath, p,
		[2]string{"numberToCall", "the number of the customer to call"},
		[2]string{"numberToCallFrom", "the number to call the customer from"}); err != nil {
		return Response{}, err
	}
	req, err := parseCreateCallback(p, s.Normalize)
	if err != nil {
		return Response{}, err
	}
	req.Source = flexcallback.SourceStudio
	at, err := s.chosenTime(p)
	if err != nil {
		return Response{}, err
	}
	if !at.IsZero() {
		if req.RecordingSid != "" {
			return Response{}, flexcallback.Invalid("callbackAt", "a voicemail is not scheduled: send callbackAt or callbackSlot without a recording")
		}
		req.Key, req.KeyTTL, req.KeyOpenOnly = requestKey(r.Header, req)
		sc, err := s.Scheduler.Schedule(ctx, req, at)
		if err != nil {
			return Response{}, err
		}
		return ok(scheduledAnswer(sc))
	}
	if req.RecordingSid != "" {
		if !voicemailWanted(ctx, s.Logger, s.Twilio, p) {
			// Twilio is told all is well (no retry, no debugger error); taskSid null says nothing was made.
			return ok(map[string]any{"taskSid": nil, "success": true, "message": "no voicemail: the recording failed or is empty"})
		}
		// The Record widget's step and its transcription callback may both call us: one task.
	} else {
		req.Key, req.KeyTTL, req.KeyOpenOnly = requestKey(r.Header, req)
	}
	a, err := s.Creator.Ask(ctx, req)
	if err != nil {
		return Response{}, err
	}
	out := map[string]any{"taskSid": a.Sid, "success": true}
	if a.Merged {
		out["merged"] = true // the caller's open task took the request
	}
	return ok(s.withNextOpening(out))
}

// withNextOpening adds when a task made outside business hours will be handled: the next
// opening, RFC 3339 in the centre's zone (null when it does not open within a year).
func (s *server) withNextOpening(body map[string]any) map[string]any {
	if s.NextOpening == nil {
		return body
	}
	at, closed := s.NextOpening()
	switch {
	case !closed:
	case at.IsZero():
		body["nextOpening"] = nil
	default:
		body["nextOpening"] = at.Format(time.RFC3339)
	}
	return body
}

// waitExperience serves studio/wait-experience: backend/waitexp turns the mode and parameters into
// TwiML; an empty answer is an empty 200.
func (s *server) waitExperience(ctx context.Context, r *Request) (Response, error) {
	doc := s.Wait.Answer(ctx, r.Params.get("mode"), url.Values(r.Params))
	if doc == "" {
		return Response{}, nil
	}
	return Response{Type: "text/xml; charset=utf-8", Body: []byte(doc)}, nil
}

// voicemailWanted reports whether the recording a request names deserves a voicemail task: not
// when Twilio said it failed or lasted 0 s (flexcallback.VoicemailWanted).
func voicemailWanted(ctx context.Context, logger *slog.Logger, voice flexcallback.Voice, p params) bool {
	ok, err := flexcallback.VoicemailWanted(ctx, voice, flexcallback.RecordingReport{
		Sid: p.get("recordingSid", "RecordingSid"), Status: p.get("RecordingStatus"),
		Duration: p.get("RecordingDuration"), TranscriptionStatus: p.get("TranscriptionStatus"),
	})
	if err != nil {
		logger.WarnContext(ctx, "fetch recording; keeping the voicemail", "err", err)
	}
	return ok
}

// requestKey is Twilio's idempotency token when the request has one (a redelivery carries the
// same), else a digest of the parameters as parsed (numbers in E.164, so "+1 415 555 0100" and
// "+14155550100" are one request), so identical concurrent requests make one task. The digest
// replays only a task still open: asking again after a callback was handled makes a new one.
func requestKey(h http.Header, req flexcallback.Request) (key string, ttl time.Duration, openOnly bool) {
	if tok := h.Get("I-Twilio-Idempotency-Token"); tok != "" {
		return "create:token:" + tok, 0, false
	}
	b, _ := json.Marshal(struct {
		To, From, FlexFlow, Workflow, Channel, Conversation string
		Timeout, Priority, Attempts                         *int
		IsDeleted                                           *bool
		Received                                            time.Time
	}{req.NumberToCall, req.NumberToCallFrom, req.FlexFlowSid, req.WorkflowSid, req.TaskChannel, req.ConversationID,
		req.Timeout, req.Priority, req.Attempts, req.IsDeleted, req.Received})
	sum := sha256.Sum256(b)
	return "create:content:" + hex.EncodeToString(sum[:]), contentKeyTTL, true
}

// parseCreateCallback turns the merged parameters into a typed request; a bad value is a 400
// naming the field.
func parseCreateCallback(p params, normalize func(string) (string, error)) (flexcallback.Request, error) {
	var req flexcallback.Request
	var err error
	if req.NumberToCall, err = normalize(p.get("numberToCall")); err != nil {
		return req, flexcallback.Invalid("numberToCall", "numberToCall is not a valid phone number, sip: or client: address")
	}
	if req.NumberToCallFrom, err = normalize(p.get("numberToCallFrom")); err != nil {
		return req, flexcallback.Invalid("numberToCallFrom", "numberToCallFrom is not a valid phone number, sip: or client: address")
	}
	req.FlexFlowSid = p.get("flexFlowSid")
	if v := p.get("workflowSid"); v != "" {
		if !workflowSidRe.MatchString(v) {
			return req, flexcallback.Invalid("workflowSid", "workflowSid must look like WW followed by 32 hex digits")
		}
		req.WorkflowSid = v
	}
	if v := p.get("taskChannel"); v != "" {
		if !channelRe.MatchString(v) {
			return req, flexcallback.Invalid("taskChannel", "taskChannel must be a task channel unique name")
		}
		req.TaskChannel = v
	}
	if req.Timeout, err = intParam(p, "timeout", 1, 2592000); err != nil {
		return req, err
	}
	if req.Priority, err = intParam(p, "priority", 0, 1<<31-1); err != nil {
		return req, err
	}
	if req.Attempts, err = intParam(p, "attempts", 0, 1000); err != nil {
		return req, err
	}
	if v := p.get("isDeleted"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return req, flexcallback.Invalid("isDeleted", "isDeleted must be true or false")
		}
		req.IsDeleted = &b
	}
	if v := p.get("utcDateTimeReceived"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return req, flexcallback.Invalid("utcDateTimeReceived", "utcDateTimeReceived must be an RFC 3339 time such as 2025-05-02T21:22:21.123Z")
		}
		req.Received = t
	}
	req.ConversationID = p.get("conversation_id")
	req.RecordingSid = p.get("recordingSid", "RecordingSid")
	if req.RecordingSid != "" && !recordingSidRe.MatchString(req.RecordingSid) {
		return req, flexcallback.Invalid("recordingSid", "recordingSid must look like RE followed by 32 hex digits")
	}
	req.RecordingURL = p.get("recordingUrl", "RecordingUrl")
	req.TranscriptSid = p.get("transcriptSid", "TranscriptionSid")
	req.TranscriptText = p.get("transcriptText", "TranscriptionText")
	req.TranscriptFailed = strings.EqualFold(p.get("TranscriptionStatus"), "failed")
	return req, nil
}

func intParam(p params, name string, lo, hi int) (*int, error) {
	v := p.get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return nil, flexcallback.Invalid(name, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return &n, nil
}
