package api

import (
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

	"github.com/gorilla/mux"
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

// handleRequeueCallback serves flex/requeue-callback ("Retry later"): a new task copied from
// the held one with attempts + 1; returns its SID (fixes B1, B2, S2). One requeue per task, ever:
// the new task's SID is written on the original (callBackData.requeuedTo), so a retry, another
// worker or a supervisor asking again gets that task, also after a restart.
func handleRequeueCallback(logger *slog.Logger, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, create Creator, maxAttempts int) http.Handler {
	const path = basePath + "/flex/requeue-callback"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p := paramsFrom(ctx)
		if err := requireParams(path, p, [2]string{"taskSid", "the callback task SID to requeue"}); err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		worker := workerFrom(ctx)
		t, err := flexTask(ctx, tasks, p.get("taskSid"))
		if err == nil {
			err = finished(t) // refused whoever asks: there is nothing left to act on
		}
		if err == nil {
			err = mayAct(ctx, reservations, worker, t.Sid)
		}
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		sid, replayed, err := requeue(ctx, tasks, create, t, maxAttempts)
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		logger.InfoContext(ctx, "callback requeued", "task_sid", t.Sid, "new_task_sid", sid,
			"attempt", flexcallback.ReadCallbackData(t.Attributes).Attempts+1, "replayed", replayed, "worker_sid", worker.Sid)
		encode(w, http.StatusOK, map[string]any{"success": true, "taskSid": sid})
	})
}

// finished refuses a completed or canceled task that was not requeued.
func finished(t flexcallback.Task) error {
	if (t.Status == flexcallback.StatusCompleted || t.Status == flexcallback.StatusCanceled) &&
		flexcallback.ReadCallbackData(t.Attributes).RequeuedTo == "" {
		return flexcallback.Errorf(flexcallback.ErrConflict, "task %s is %s; it cannot be requeued", t.Sid, t.Status)
	}
	return nil
}

// requeue makes t's next attempt once and returns its SID; replayed is true when it existed.
func requeue(ctx context.Context, tasks flexcallback.TaskRouter, create Creator, t flexcallback.Task, maxAttempts int) (string, bool, error) {
	d := flexcallback.ReadCallbackData(t.Attributes)
	if d.RequeuedTo != "" {
		return d.RequeuedTo, true, nil
	}
	if t.Status != flexcallback.StatusAssigned && t.Status != flexcallback.StatusWrapping {
		return "", false, flexcallback.Errorf(flexcallback.ErrConflict, "task %s is %s; only an assigned or wrapping task can be requeued", t.Sid, t.Status)
	}
	if d.Attempts+1 >= maxAttempts {
		return "", false, flexcallback.Errorf(flexcallback.ErrConflict,
			"task %s has had %d of %d attempts; it cannot be requeued", t.Sid, d.Attempts+1, maxAttempts)
	}
	// The key is the task's own: the requeued task has its own SID, so its requeue has its own key.
	sid, replayed, err := create.Create(ctx, flexcallback.Request{Original: &t, Key: "requeue:" + t.Sid})
	if err != nil {
		return "", false, err
	}
	kept, err := markRequeued(ctx, tasks, t.Sid, sid)
	if err != nil {
		return "", false, err
	}
	if kept != sid {
		// Another replica requeued the task at the same moment: keep its task, cancel ours.
		if _, err := tasks.UpdateTask(ctx, sid, flexcallback.TaskUpdate{AssignmentStatus: flexcallback.StatusCanceled,
			Reason: "duplicate requeue of " + t.Sid}); err != nil {
			return "", false, fmt.Errorf("cancel duplicate requeue %s: %w", sid, err)
		}
		return kept, true, nil
	}
	return sid, replayed, nil
}

// markRequeued writes callBackData.requeuedTo = sid on the original task under its ETag, unless
// it names a task already; it returns the SID the task names.
func markRequeued(ctx context.Context, tasks flexcallback.TaskRouter, original, sid string) (string, error) {
	kept := sid
	err := flexcallback.UpdateGuarded(ctx, tasks, original, func(t flexcallback.Task) (flexcallback.TaskUpdate, bool) {
		cb := flexcallback.CallbackDataOf(t.Attributes)
		if to, _ := cb["requeuedTo"].(string); to != "" {
			kept = to
			return flexcallback.TaskUpdate{}, false
		}
		cb["requeuedTo"] = sid
		return flexcallback.TaskUpdate{Attributes: t.Attributes}, true
	})
	if err != nil {
		return "", fmt.Errorf("mark task %s requeued: %w", original, err)
	}
	return kept, nil
}

// heldRecording checks that recordingSid is well formed and that the held task's voicemail is
// that recording (fixes S1). The recording may have been deleted: see liveRecording.
func heldRecording(ctx context.Context, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, p params, path string) (flexcallback.Task, string, error) {
	if err := requireParams(path, p,
		[2]string{"recordingSid", "recording sid to fetch"},
		[2]string{"taskSid", "the voicemail task SID the recording belongs to"}); err != nil {
		return flexcallback.Task{}, "", err
	}
	rec := p.get("recordingSid")
	if !recordingSidRe.MatchString(rec) {
		return flexcallback.Task{}, "", flexcallback.Invalid("recordingSid", "recordingSid must look like RE followed by 32 hex digits")
	}
	t, err := heldTask(ctx, tasks, reservations, workerFrom(ctx), p.get("taskSid"))
	if err != nil {
		return t, "", err
	}
	if flexcallback.ReadCallbackData(t.Attributes).RecordingSid != rec {
		return t, "", flexcallback.Errorf(flexcallback.ErrForbidden, "recording %s does not belong to task %s", rec, t.Sid)
	}
	return t, rec, nil
}

// liveRecording is heldRecording for reading: a deleted voicemail is not found.
func liveRecording(ctx context.Context, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, p params, path string) (flexcallback.Task, string, error) {
	t, rec, err := heldRecording(ctx, tasks, reservations, p, path)
	if err == nil && flexcallback.ReadCallbackData(t.Attributes).IsDeleted {
		return t, "", flexcallback.Errorf(flexcallback.ErrNotFound, "the voicemail of task %s was deleted", t.Sid)
	}
	return t, rec, err
}

// maxInlineRecording bounds the compatibility endpoint, which must hold the audio to
// base64-encode it; the streamed URL has no such limit.
const maxInlineRecording = 16 << 20

// handleFetchVoicemail serves flex/fetch-voicemail in the reference's shape {recording, type}.
func handleFetchVoicemail(logger *slog.Logger, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, voice flexcallback.Voice) http.Handler {
	const path = basePath + "/flex/fetch-voicemail"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_, rec, err := liveRecording(ctx, tasks, reservations, paramsFrom(ctx), path)
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		m, err := voice.RecordingMedia(ctx, rec, "")
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		defer m.Body.Close()
		audio, err := io.ReadAll(io.LimitReader(m.Body, maxInlineRecording+1))
		if err != nil {
			writeError(ctx, w, logger, &flexcallback.Error{Kind: flexcallback.ErrUnavailable, Err: err})
			return
		}
		if len(audio) > maxInlineRecording {
			writeError(ctx, w, logger, flexcallback.Errorf(flexcallback.ErrConflict, "recording too large to inline; use flex/voicemail-url"))
			return
		}
		encode(w, http.StatusOK, map[string]string{"recording": base64.StdEncoding.EncodeToString(audio), "type": m.ContentType})
	})
}

// handleVoicemailURL serves flex/voicemail-url: a URL for <audio src> that carries a token for
// this recording and worker only, valid a few minutes.
func handleVoicemailURL(logger *slog.Logger, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, tokens MediaTokens, publicBase string) http.Handler {
	const path = basePath + "/flex/voicemail-url"
	publicBase = strings.TrimRight(publicBase, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_, rec, err := liveRecording(ctx, tasks, reservations, paramsFrom(ctx), path)
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		worker := workerFrom(ctx)
		tok, exp, err := tokens.Sign(rec, first(worker.Sid, worker.Identity))
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		u := publicBase + basePath + "/flex/voicemail/" + rec + "?token=" + url.QueryEscape(tok)
		encode(w, http.StatusOK, map[string]any{"success": true, "url": u, "expiresAt": exp.UTC().Format(time.RFC3339)})
	})
}

// handleVoicemailMedia serves flex/voicemail/{RecordingSid}: the recording streamed from Twilio
// with one byte range passed through, never held whole in memory (fixes P2). A Range header we
// do not serve is ignored (200, the whole file); an unsatisfiable range is our own 416 with
// Content-Range: bytes */SIZE, whatever Twilio answered to it.
func handleVoicemailMedia(logger *slog.Logger, voice flexcallback.Voice, tokens MediaTokens) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		rec := mux.Vars(r)["RecordingSid"]
		if !recordingSidRe.MatchString(rec) {
			writeError(ctx, w, logger, flexcallback.Invalid("RecordingSid", "not a recording SID"))
			return
		}
		if _, err := tokens.Verify(r.URL.Query().Get("token"), rec); err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		rng, ranged := parseRange(r.Header.Get("Range"))
		m, err := recordingMedia(ctx, voice, rec, rng, ranged)
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		defer m.Body.Close()
		if ranged && m.Status == http.StatusOK && m.ContentLength >= 0 && !rng.satisfiable(m.ContentLength) {
			unsatisfiable(w, m.ContentLength)
			return
		}
		h := w.Header()
		h.Set("Content-Type", first(m.ContentType, "audio/mpeg"))
		if m.ContentLength >= 0 {
			h.Set("Content-Length", strconv.FormatInt(m.ContentLength, 10))
		}
		if m.ContentRange != "" {
			h.Set("Content-Range", m.ContentRange)
		}
		h.Set("Accept-Ranges", "bytes")
		h.Set("Cache-Control", "private, no-store")
		w.WriteHeader(cmp(m.Status, http.StatusOK))
		if r.Method == http.MethodHead {
			return
		}
		if _, err := io.Copy(w, m.Body); err != nil {
			logger.DebugContext(ctx, "voicemail stream ended early", "err", err)
		}
	})
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

// unsatisfiable answers a range that selects nothing of size bytes (RFC 9110 §15.5.17).
func unsatisfiable(w http.ResponseWriter, size int64) {
	w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
	w.Header().Set("Accept-Ranges", "bytes")
	encode(w, http.StatusRequestedRangeNotSatisfiable, map[string]any{"success": false, "code": "range_not_satisfiable",
		"message": "the range asks for no byte of the recording (" + strconv.FormatInt(size, 10) + " bytes)"})
}

// handleDeleteVoicemail serves flex/delete-voicemail: the recording and its transcription are
// deleted at Twilio, then callBackData.isDeleted is set under the task's ETag. Concurrent
// requests for one voicemail share one deletion (and its one audit line); a voicemail already
// deleted answers success again without touching Twilio.
func handleDeleteVoicemail(logger *slog.Logger, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, voice flexcallback.Voice) http.Handler {
	const path = basePath + "/flex/delete-voicemail"
	var group singleflight.Group
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		t, rec, err := heldRecording(ctx, tasks, reservations, paramsFrom(ctx), path)
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		if !flexcallback.ReadCallbackData(t.Attributes).IsDeleted {
			ch := group.DoChan(t.Sid+"/"+rec, func() (any, error) {
				wctx, cancel := detached(ctx)
				defer cancel()
				return nil, deleteVoicemail(wctx, logger, tasks, voice, t.Sid, rec)
			})
			select {
			case <-ctx.Done():
				writeError(ctx, w, logger, ctx.Err())
				return
			case res := <-ch:
				if res.Err != nil {
					writeError(ctx, w, logger, res.Err)
					return
				}
			}
		}
		encode(w, http.StatusOK, map[string]any{"success": true})
	})
}

// deleteVoicemail deletes task sid's recording and transcription at Twilio and marks the task,
// unless a deletion that finished before this one started did it already (the caller's task may
// have been read before that deletion marked it). Only the deletion that happens logs the audit line.
func deleteVoicemail(ctx context.Context, logger *slog.Logger, tasks flexcallback.TaskRouter, voice flexcallback.Voice, sid, rec string) error {
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
	worker := workerFrom(ctx)
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

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func cmp(v, fallback int) int {
	if v == 0 {
		return fallback
	}
	return v
}
