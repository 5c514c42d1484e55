package api

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"flexcallback"
)

// MediaTokens signs and checks the short-lived tokens of voicemail URLs (backend/media).
type MediaTokens interface {
	Sign(recordingSid, worker string) (string, time.Time, error)
	Verify(token, recordingSid string) (worker string, err error)
}

// heldTask fetches the task named by taskSid and checks that the worker may act on it (fixes S2).
func heldTask(ctx context.Context, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, worker flexcallback.Worker, taskSid string) (flexcallback.Task, error) {
	t, err := flexTask(ctx, tasks, taskSid)
	if err != nil {
		return t, err
	}
	return t, mayAct(ctx, reservations, worker, t.Sid)
}

// flexTask fetches the callback or voicemail task named by taskSid.
func flexTask(ctx context.Context, tasks flexcallback.TaskRouter, taskSid string) (flexcallback.Task, error) {
	if !taskSidRe.MatchString(taskSid) {
		return flexcallback.Task{}, flexcallback.Invalid("taskSid", "taskSid must look like WT followed by 32 hex digits")
	}
	t, err := tasks.FetchTask(ctx, taskSid)
	if errors.Is(err, flexcallback.ErrNotFound) {
		return t, flexcallback.Errorf(flexcallback.ErrNotFound, "task %s not found", taskSid)
	}
	if err != nil {
		return t, fmt.Errorf("fetch task %s: %w", taskSid, err)
	}
	if k := flexcallback.TaskKind(t.Attributes); k != flexcallback.KindCallback && k != flexcallback.KindVoicemail {
		return t, flexcallback.Errorf(flexcallback.ErrConflict, "task %s is not a callback or voicemail task", taskSid)
	}
	return t, nil
}

// mayAct checks that the worker holds the task through an accepted reservation (one only offered
// is not enough), unless the worker is a supervisor or admin.
func mayAct(ctx context.Context, reservations flexcallback.Reservations, worker flexcallback.Worker, taskSid string) error {
	if worker.Supervises() {
		return nil
	}
	rs, err := reservations.ListTaskReservations(ctx, taskSid)
	if err != nil {
		return fmt.Errorf("list reservations of %s: %w", taskSid, err)
	}
	for _, r := range rs {
		if r.WorkerSid != "" && r.WorkerSid == worker.Sid && r.Holds() {
			return nil
		}
	}
	return flexcallback.Errorf(flexcallback.ErrForbidden, "you do not hold task %s", taskSid)
}

// requeueCallback serves flex/requeue-callback ("Retry later"): a new task copied from the held
// one with attempts + 1, now, or at callbackAt (RFC 3339) when given; returns its SID, or the
// scheduled request (fixes B1, B2, S2). One requeue per task, ever: the new task's SID (or the
// scheduled request) is written on the original (callBackData.requeuedTo, retryScheduled), so a
// retry, another worker or a supervisor asking again gets that one, also after a restart.
func (s *server) requeueCallback(ctx context.Context, r *Request) (Response, error) {
	p := r.Params
	if err := requireParams(Prefix+"/flex/requeue-callback", p, [2]string{"taskSid", "the callback task SID to requeue"}); err != nil {
		return Response{}, err
	}
	at, err := s.chosenTime(p)
	if err != nil {
		return Response{}, err
	}
	t, err := flexTask(ctx, s.Twilio, p.get("taskSid"))
	if err == nil {
		err = finished(t) // refused whoever asks: there is nothing left to act on
	}
	if err == nil {
		err = mayAct(ctx, s.Twilio, r.Worker, t.Sid)
	}
	if err != nil {
		return Response{}, err
	}
	rt, err := s.Retry(ctx, t, at)
	if err != nil {
		return Response{}, err
	}
	s.Logger.InfoContext(ctx, "callback requeued", "task_sid", t.Sid, "new_task_sid", rt.TaskSid, "scheduled_id", rt.ScheduledID,
		"attempt", flexcallback.ReadCallbackData(t.Attributes).Attempts+1, "replayed", rt.Replayed, "worker_sid", r.Worker.Sid)
	if rt.ScheduledID != "" {
		out := scheduledAnswer(flexcallback.ScheduledCallback{ID: rt.ScheduledID, At: rt.At})
		if rt.At.IsZero() {
			delete(out, "callbackAt") // a repeat: the time is the first request's
		}
		return ok(out)
	}
	return ok(map[string]any{"success": true, "taskSid": rt.TaskSid})
}

// finished refuses a completed or canceled task that was not requeued, and a callback its last
// attempt ended (a wrong number: flex/record-outcome).
func finished(t flexcallback.Task) error {
	d := flexcallback.ReadCallbackData(t.Attributes)
	if d.RequeuedTo != "" || d.RetryScheduled != "" {
		return nil
	}
	if t.Status == flexcallback.StatusCompleted || t.Status == flexcallback.StatusCanceled {
		return flexcallback.Errorf(flexcallback.ErrConflict, "task %s is %s; it cannot be requeued", t.Sid, t.Status)
	}
	if flexcallback.EndedByOutcome(t.Attributes) {
		return flexcallback.Errorf(flexcallback.ErrConflict, "task %s reached a wrong number; the callback ended and is not requeued", t.Sid)
	}
	return nil
}

// Retry is what a retry of a callback made: a task now, or a request scheduled for At.
type Retry struct {
	TaskSid     string
	ScheduledID string
	At          time.Time // zero on a repeat of a scheduled retry
	Replayed    bool      // an earlier retry of the task made it
}

// Retry is the one retry action ("Retry later", and a retry after an outcome): t's next attempt,
// now when at is zero, else kept for at (checked by the caller against the scheduler's rules).
// It is made once per task, whoever asks and however often.
func (s *server) Retry(ctx context.Context, t flexcallback.Task, at time.Time) (Retry, error) {
	d := flexcallback.ReadCallbackData(t.Attributes)
	switch {
	case d.RequeuedTo != "":
		return Retry{TaskSid: d.RequeuedTo, Replayed: true}, nil
	case d.RetryScheduled != "":
		return Retry{ScheduledID: d.RetryScheduled, Replayed: true}, nil
	case t.Status != flexcallback.StatusAssigned && t.Status != flexcallback.StatusWrapping:
		return Retry{}, flexcallback.Errorf(flexcallback.ErrConflict, "task %s is %s; only an assigned or wrapping task can be requeued", t.Sid, t.Status)
	case d.Attempts+1 >= s.Config.MaxAttempts:
		return Retry{}, flexcallback.Errorf(flexcallback.ErrConflict,
			"task %s has had %d of %d attempts; it cannot be requeued", t.Sid, d.Attempts+1, s.Config.MaxAttempts)
	case !at.IsZero():
		return retryAt(ctx, s.Twilio, s.Scheduler, t, at)
	}
	return requeue(ctx, s.Twilio, s.Creator, t)
}

// requeueKey is the key of t's next attempt: the task's own, since the requeued task has its own
// SID, so its requeue has its own key.
func requeueKey(t flexcallback.Task) string { return "requeue:" + t.Sid }

// requeue makes t's next attempt now, once.
func requeue(ctx context.Context, tasks flexcallback.TaskRouter, create flexcallback.Creator, t flexcallback.Task) (Retry, error) {
	sid, replayed, err := create.Create(ctx, flexcallback.Request{Original: &t, Key: requeueKey(t)})
	if err != nil {
		return Retry{}, err
	}
	kept, err := markRetried(ctx, tasks, t.Sid, requeuedTo, sid)
	if err != nil {
		return Retry{}, err
	}
	if kept != (Retry{TaskSid: sid}) {
		// Another replica retried the task at the same moment: keep its retry, cancel our task.
		if _, err := tasks.UpdateTask(ctx, sid, flexcallback.TaskUpdate{AssignmentStatus: flexcallback.StatusCanceled,
			Reason: "duplicate requeue of " + t.Sid}); err != nil {
			return Retry{}, fmt.Errorf("cancel duplicate requeue %s: %w", sid, err)
		}
		kept.Replayed = true
		return kept, nil
	}
	return Retry{TaskSid: sid, Replayed: replayed}, nil
}

// The callBackData fields that record a task's retry.
const (
	requeuedTo     = "requeuedTo"     // the task made now
	retryScheduled = "retryScheduled" // the request kept for later
)

// markRetried writes callBackData[field] = value on the original task under its ETag, unless a
// retry is recorded already; it returns the retry the task records.
func markRetried(ctx context.Context, tasks flexcallback.TaskRouter, original, field, value string) (Retry, error) {
	var kept Retry
	err := flexcallback.UpdateGuarded(ctx, tasks, original, func(t flexcallback.Task) (flexcallback.TaskUpdate, bool) {
		cb := flexcallback.CallbackDataOf(t.Attributes)
		to, _ := cb[requeuedTo].(string)
		at, _ := cb[retryScheduled].(string)
		if to != "" || at != "" {
			kept = Retry{TaskSid: to, ScheduledID: at}
			return flexcallback.TaskUpdate{}, false
		}
		cb[field] = value
		kept = Retry{}
		if field == requeuedTo {
			kept.TaskSid = value
		} else {
			kept.ScheduledID = value
		}
		return flexcallback.TaskUpdate{Attributes: t.Attributes}, true
	})
	if err != nil {
		return Retry{}, fmt.Errorf("mark task %s requeued: %w", original, err)
	}
	return kept, nil
}

// heldRecording checks that recordingSid is well formed and that the held task's voicemail is
// that recording (fixes S1); with merged, a voicemail merged into the task (callBackData.requests)
// is its recording too. The recording may have been deleted: see liveRecording.
func (s *server) heldRecording(ctx context.Context, r *Request, path string, merged bool) (flexcallback.Task, string, error) {
	p := r.Params
	if err := requireParams(path, p,
		[2]string{"recordingSid", "recording sid to fetch"},
		[2]string{"taskSid", "the voicemail task SID the recording belongs to"}); err != nil {
		return flexcallback.Task{}, "", err
	}
	rec := p.get("recordingSid")
	if !recordingSidRe.MatchString(rec) {
		return flexcallback.Task{}, "", flexcallback.Invalid("recordingSid", "recordingSid must look like RE followed by 32 hex digits")
	}
	t, err := heldTask(ctx, s.Twilio, s.Twilio, r.Worker, p.get("taskSid"))
	if err != nil {
		return t, "", err
	}
	d := flexcallback.ReadCallbackData(t.Attributes)
	if d.RecordingSid != rec && (!merged || !d.HasRecording(rec)) {
		return t, "", flexcallback.Errorf(flexcallback.ErrForbidden, "recording %s does not belong to task %s", rec, t.Sid)
	}
	return t, rec, nil
}

// liveRecording is heldRecording for reading, merged voicemails included: a deleted voicemail is
// not found (isDeleted is the task's own voicemail's).
func (s *server) liveRecording(ctx context.Context, r *Request, path string) (string, error) {
	t, rec, err := s.heldRecording(ctx, r, path, true)
	if d := flexcallback.ReadCallbackData(t.Attributes); err == nil && d.IsDeleted && d.RecordingSid == rec {
		return "", flexcallback.Errorf(flexcallback.ErrNotFound, "the voicemail of task %s was deleted", t.Sid)
	}
	return rec, err
}

// maxInlineRecording bounds the compatibility endpoint, which must hold the audio to
// base64-encode it; the streamed URL has no such limit.
const maxInlineRecording = 16 << 20

// fetchVoicemail serves flex/fetch-voicemail in the reference's shape {recording, type}.
func (s *server) fetchVoicemail(ctx context.Context, r *Request) (Response, error) {
	rec, err := s.liveRecording(ctx, r, Prefix+"/flex/fetch-voicemail")
	if err != nil {
		return Response{}, err
	}
	m, err := s.Twilio.RecordingMedia(ctx, rec, "")
	if err != nil {
		return Response{}, err
	}
	defer m.Body.Close()
	audio, err := io.ReadAll(io.LimitReader(m.Body, maxInlineRecording+1))
	if err != nil {
		return Response{}, &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Err: err}
	}
	if len(audio) > maxInlineRecording {
		return Response{}, flexcallback.Errorf(flexcallback.ErrConflict, "recording too large to inline; use flex/voicemail-url")
	}
	return ok(map[string]string{"recording": base64.StdEncoding.EncodeToString(audio), "type": m.ContentType})
}

// voicemailURL serves flex/voicemail-url: a URL for <audio src> that carries a token for this
// recording and worker only, valid a few minutes.
func (s *server) voicemailURL(ctx context.Context, r *Request) (Response, error) {
	rec, err := s.liveRecording(ctx, r, Prefix+"/flex/voicemail-url")
	if err != nil {
		return Response{}, err
	}
	tok, exp, err := s.MediaTokens.Sign(rec, cmp.Or(r.Worker.Sid, r.Worker.Identity))
	if err != nil {
		return Response{}, err
	}
	u := strings.TrimRight(s.Config.PublicBaseURL, "/") + Prefix + "/flex/voicemail/" + rec + "?token=" + url.QueryEscape(tok)
	return ok(map[string]any{"success": true, "url": u, "expiresAt": exp.UTC().Format(time.RFC3339)})
}

// mediaToken refuses a voicemail stream without a media token for its recording.
func (s *server) mediaToken(ctx context.Context, r *Request) error {
	rec := r.Vars["RecordingSid"]
	if !recordingSidRe.MatchString(rec) {
		return flexcallback.Invalid("RecordingSid", "not a recording SID")
	}
	_, err := s.MediaTokens.Verify(r.URL.Query().Get("token"), rec)
	return err
}

// voicemailMedia serves flex/voicemail/{RecordingSid}: the recording streamed from Twilio with one
// byte range passed through, never held whole in memory (fixes P2). A Range header we do not serve
// is ignored (200, the whole file); an unsatisfiable range is our own 416 with Content-Range:
// bytes */SIZE, whatever Twilio answered to it.
func (s *server) voicemailMedia(ctx context.Context, r *Request) (Response, error) {
	rng, ranged := parseRange(r.Header.Get("Range"))
	m, err := recordingMedia(ctx, s.Twilio, r.Vars["RecordingSid"], rng, ranged)
	if err != nil {
		return Response{}, err
	}
	h := http.Header{}
	h.Set("Accept-Ranges", "bytes")
	if ranged && m.Status == http.StatusOK && m.ContentLength >= 0 && !rng.satisfiable(m.ContentLength) {
		m.Body.Close()
		size := strconv.FormatInt(m.ContentLength, 10)
		h.Set("Content-Range", "bytes */"+size) // RFC 9110 §15.5.17
		return Response{Header: h}, flexcallback.Errorf(flexcallback.ErrRange, "the range asks for no byte of the recording (%s bytes)", size)
	}
	if m.ContentLength >= 0 {
		h.Set("Content-Length", strconv.FormatInt(m.ContentLength, 10))
	}
	if m.ContentRange != "" {
		h.Set("Content-Range", m.ContentRange)
	}
	h.Set("Cache-Control", "private, no-store")
	return Response{Status: cmp.Or(m.Status, http.StatusOK), Header: h, Type: cmp.Or(m.ContentType, "audio/mpeg"), Stream: m.Body}, nil
}

// recordingMedia asks Twilio for the range, or for the whole recording when there is no range,
// when the range selects nothing (bytes=-0), and when Twilio refused the range (416), so that the
// caller can judge the range against the recording's size itself.
func recordingMedia(ctx context.Context, voice flexcallback.Voice, rec string, rng byteRange, ranged bool) (*flexcallback.Media, error) {
	if ranged && rng.satisfiable(math.MaxInt64) {
		m, err := voice.RecordingMedia(ctx, rec, rng.header())
		if e, ok := flexcallback.AsError(err); !ok || e.Status != http.StatusRequestedRangeNotSatisfiable {
			return m, err
		}
	}
	return voice.RecordingMedia(ctx, rec, "")
}

// deleteVoicemail serves flex/delete-voicemail: the recording and its transcription are deleted
// at Twilio, then callBackData.isDeleted is set under the task's ETag. Concurrent requests for one
// voicemail share one deletion (and its one audit line); a voicemail already deleted answers
// success again without touching Twilio.
func (s *server) deleteVoicemail() handler {
	var group singleflight.Group
	return func(ctx context.Context, r *Request) (Response, error) {
		t, rec, err := s.heldRecording(ctx, r, Prefix+"/flex/delete-voicemail", false)
		if err != nil {
			return Response{}, err
		}
		if !flexcallback.ReadCallbackData(t.Attributes).IsDeleted {
			ch := group.DoChan(t.Sid+"/"+rec, func() (any, error) {
				wctx, cancel := detached(ctx)
				defer cancel()
				return nil, deleteVoicemail(wctx, s.Logger, s.Twilio, s.Twilio, r.Worker, t.Sid, rec)
			})
			select {
			case <-ctx.Done():
				return Response{}, ctx.Err()
			case res := <-ch:
				if res.Err != nil {
					return Response{}, res.Err
				}
			}
		}
		return ok(map[string]any{"success": true})
	}
}

// deleteVoicemail deletes task sid's recording and transcription at Twilio and marks the task,
// unless a deletion that finished before this one started did it already (the caller's task may
// have been read before that deletion marked it). Only the deletion that happens logs the audit line.
func deleteVoicemail(ctx context.Context, logger *slog.Logger, tasks flexcallback.TaskRouter, voice flexcallback.Voice, worker flexcallback.Worker, sid, rec string) error {
	t, err := tasks.FetchTask(ctx, sid)
	if err != nil {
		return fmt.Errorf("fetch task %s: %w", sid, err)
	}
	d := flexcallback.ReadCallbackData(t.Attributes)
	if d.IsDeleted {
		return nil
	}
	if err := voice.DeleteRecording(ctx, rec); err != nil && !errors.Is(err, flexcallback.ErrNotFound) {
		return err
	}
	if d.TranscriptSid != "" {
		if err := voice.DeleteTranscription(ctx, d.TranscriptSid); err != nil && !errors.Is(err, flexcallback.ErrNotFound) {
			return err
		}
	}
	if err := markDeleted(ctx, tasks, sid); err != nil {
		return err
	}
	logger.InfoContext(ctx, "voicemail deleted", "audit", true, "worker_sid", worker.Sid, "identity", worker.Identity,
		"task_sid", sid, "recording_sid", rec, "transcription_sid", d.TranscriptSid)
	return nil
}

// detachedWork bounds work that other requests wait on when the request has no deadline of its own.
const detachedWork = 20 * time.Second

// detached is ctx without its cancellation, keeping its values and deadline: work that other
// requests share must not stop because the request that started it went away.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, dl)
	}
	return context.WithTimeout(d, detachedWork)
}

// markDeleted sets callBackData.isDeleted under the task's ETag.
func markDeleted(ctx context.Context, tasks flexcallback.TaskRouter, sid string) error {
	return flexcallback.UpdateGuarded(ctx, tasks, sid, func(t flexcallback.Task) (flexcallback.TaskUpdate, bool) {
		if flexcallback.ReadCallbackData(t.Attributes).IsDeleted {
			return flexcallback.TaskUpdate{}, false
		}
		flexcallback.CallbackDataOf(t.Attributes)["isDeleted"] = true
		return flexcallback.TaskUpdate{Attributes: t.Attributes}, true
	})
}
