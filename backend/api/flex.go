package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"flexcallback"
)

// MediaTokens signs and checks the short-lived tokens of voicemail URLs (backend/media).
type MediaTokens interface {
	Sign(recordingSid, worker string) (string, time.Time, error)
	Verify(token, recordingSid string) (worker string, err error)
}

// heldTask fetches the task named by taskSid and checks that the worker may act on it: a
// callback or voicemail task whose reservation the worker holds, unless the worker is a
// supervisor or admin (fixes S2).
func heldTask(ctx context.Context, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, worker flexcallback.Worker, taskSid string) (flexcallback.Task, error) {
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
	if worker.Supervises() {
		return t, nil
	}
	rs, err := reservations.ListTaskReservations(ctx, taskSid)
	if err != nil {
		return t, fmt.Errorf("list reservations of %s: %w", taskSid, err)
	}
	for _, r := range rs {
		if r.WorkerSid != "" && r.WorkerSid == worker.Sid && r.Holds() {
			return t, nil
		}
	}
	return t, flexcallback.Errorf(flexcallback.ErrForbidden, "you do not hold task %s", taskSid)
}

// handleRequeueCallback serves flex/requeue-callback ("Retry later"): a new task copied from
// the held one with attempts + 1; returns its SID (fixes B1, B2, S2). One task per attempt
// number, however often the panel retries.
func handleRequeueCallback(logger *slog.Logger, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, create Creator, maxAttempts int) http.Handler {
	const path = basePath + "/flex/requeue-callback"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p := paramsFrom(ctx)
		if err := requireParams(path, p, [2]string{"taskSid", "the callback task SID to requeue"}); err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		t, err := heldTask(ctx, tasks, reservations, workerFrom(ctx), p.get("taskSid"))
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		attempts := flexcallback.ReadCallbackData(t.Attributes).Attempts
		if attempts+1 >= maxAttempts {
			writeError(ctx, w, logger, flexcallback.Errorf(flexcallback.ErrConflict,
				"task %s has had %d of %d attempts; it cannot be requeued", t.Sid, attempts+1, maxAttempts))
			return
		}
		sid, replayed, err := create.Create(ctx, flexcallback.Request{
			Original: &t,
			Key:      "requeue:" + t.Sid + ":" + strconv.Itoa(attempts),
		})
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		logger.InfoContext(ctx, "callback requeued", "task_sid", t.Sid, "new_task_sid", sid, "attempt", attempts+1,
			"replayed", replayed, "worker_sid", workerFrom(ctx).Sid)
		encode(w, http.StatusOK, map[string]any{"success": true, "taskSid": sid})
	})
}

// heldRecording checks that recordingSid is well formed, that the held task's voicemail is
// that recording and that it was not deleted (fixes S1).
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
	d := flexcallback.ReadCallbackData(t.Attributes)
	if d.RecordingSid != rec {
		return t, "", flexcallback.Errorf(flexcallback.ErrForbidden, "recording %s does not belong to task %s", rec, t.Sid)
	}
	if d.IsDeleted {
		return t, "", flexcallback.Errorf(flexcallback.ErrNotFound, "the voicemail of task %s was deleted", t.Sid)
	}
	return t, rec, nil
}

// maxInlineRecording bounds the compatibility endpoint, which must hold the audio to
// base64-encode it; the streamed URL has no such limit.
const maxInlineRecording = 16 << 20

// handleFetchVoicemail serves flex/fetch-voicemail in the reference's shape {recording, type}.
func handleFetchVoicemail(logger *slog.Logger, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, voice flexcallback.Voice) http.Handler {
	const path = basePath + "/flex/fetch-voicemail"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_, rec, err := heldRecording(ctx, tasks, reservations, paramsFrom(ctx), path)
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
		_, rec, err := heldRecording(ctx, tasks, reservations, paramsFrom(ctx), path)
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
// with Range passed through, never held whole in memory (fixes P2).
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
		m, err := voice.RecordingMedia(ctx, rec, r.Header.Get("Range"))
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		defer m.Body.Close()
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

// handleDeleteVoicemail serves flex/delete-voicemail: the recording and its transcription are
// deleted at Twilio, then callBackData.isDeleted is set under the task's ETag.
func handleDeleteVoicemail(logger *slog.Logger, tasks flexcallback.TaskRouter, reservations flexcallback.Reservations, voice flexcallback.Voice) http.Handler {
	const path = basePath + "/flex/delete-voicemail"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		t, rec, err := heldRecording(ctx, tasks, reservations, paramsFrom(ctx), path)
		if err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		if err := voice.DeleteRecording(ctx, rec); err != nil && !errors.Is(err, flexcallback.ErrNotFound) {
			writeError(ctx, w, logger, err)
			return
		}
		d := flexcallback.ReadCallbackData(t.Attributes)
		if d.TranscriptSid != "" {
			if err := voice.DeleteTranscription(ctx, d.TranscriptSid); err != nil && !errors.Is(err, flexcallback.ErrNotFound) {
				writeError(ctx, w, logger, err)
				return
			}
		}
		if err := markDeleted(ctx, tasks, t.Sid); err != nil {
			writeError(ctx, w, logger, err)
			return
		}
		worker := workerFrom(ctx)
		logger.InfoContext(ctx, "voicemail deleted", "audit", true, "worker_sid", worker.Sid, "identity", worker.Identity,
			"task_sid", t.Sid, "recording_sid", rec, "transcription_sid", d.TranscriptSid)
		encode(w, http.StatusOK, map[string]any{"success": true})
	})
}

// markDeleted sets callBackData.isDeleted under the task's ETag.
func markDeleted(ctx context.Context, tasks flexcallback.TaskRouter, sid string) error {
	return flexcallback.UpdateGuarded(ctx, tasks, sid, func(t flexcallback.Task) (flexcallback.TaskUpdate, bool) {
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
