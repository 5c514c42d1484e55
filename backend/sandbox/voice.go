package sandbox

import (
	"bytes"
	_ "embed"
	"net/http"
	"strconv"
	"strings"
)

// The one recording every <Record> produces: a 3 s tone, as MP3 and WAV.
var (
	//go:embed audio/voicemail.mp3
	voicemailMP3 []byte
	//go:embed audio/voicemail.wav
	voicemailWAV []byte
)

func (s *Sandbox) accURI(rest string) string {
	return "/2010-04-01/Accounts/" + s.w.account + rest
}

func (s *Sandbox) queueView(q *queue) map[string]any {
	size := 0
	for _, c := range s.w.callList {
		if c.q != nil && c.q.q == q {
			size++
		}
	}
	return map[string]any{
		"date_updated": rfc2822(q.created), "current_size": size, "friendly_name": q.workflow.sid,
		"uri": s.accURI("/Queues/" + q.sid + ".json"), "account_sid": s.w.account,
		"average_wait_time": avgWait(q), "sid": q.sid, "date_created": rfc2822(q.created), "max_size": 100,
	}
}

func (s *Sandbox) callJSON(c *call) map[string]any {
	var dur *string
	if c.status == "completed" {
		v := strconv.Itoa(int(c.ended.Sub(c.started).Seconds()))
		dur = &v
	}
	return map[string]any{
		"sid": c.sid, "date_created": rfc2822(c.created), "date_updated": rfc2822(s.now), "parent_call_sid": nil,
		"account_sid": s.w.account, "to": c.to, "to_formatted": c.to, "from": c.from, "from_formatted": c.from,
		"phone_number_sid": nil, "status": c.status, "start_time": rfc2822Ptr(c.started), "end_time": rfc2822Ptr(c.ended),
		"duration": dur, "price": nil, "price_unit": "USD", "direction": c.direction, "answered_by": nil,
		"api_version": "2010-04-01", "forwarded_from": nil, "group_sid": nil, "caller_name": nil,
		"queue_time": strconv.Itoa(int(c.queueTime.Milliseconds())), "trunk_sid": nil,
		"uri":              s.accURI("/Calls/" + c.sid + ".json"),
		"subresource_uris": map[string]string{"recordings": s.accURI("/Calls/" + c.sid + "/Recordings.json")},
	}
}

func (s *Sandbox) recordingJSON(r *recording) map[string]any {
	return map[string]any{
		"account_sid": s.w.account, "api_version": "2010-04-01", "call_sid": r.callSid, "conference_sid": nil,
		"date_created": rfc2822(r.created), "date_updated": rfc2822(r.created), "start_time": rfc2822(r.created),
		"duration": strconv.Itoa(r.duration), "sid": r.sid, "price": nil, "price_unit": "USD", "status": "completed",
		"channels": 1, "source": "RecordVerb", "error_code": nil, "uri": s.accURI("/Recordings/" + r.sid + ".json"),
		"encryption_details": nil, "media_url": recordingsBase + s.w.account + "/Recordings/" + r.sid,
		"subresource_uris": map[string]string{"transcriptions": s.accURI("/Recordings/" + r.sid + "/Transcriptions.json")},
	}
}

func (s *Sandbox) transcriptionJSON(t *transcription) map[string]any {
	return map[string]any{
		"account_sid": s.w.account, "api_version": "2010-04-01", "date_created": rfc2822(t.created),
		"date_updated": rfc2822(t.created), "duration": strconv.Itoa(t.duration), "price": nil, "price_unit": "USD",
		"recording_sid": t.recordingSid, "sid": t.sid, "status": t.status, "transcription_text": t.text,
		"type": "fast", "uri": s.accURI("/Transcriptions/" + t.sid + ".json"),
	}
}

// checkAccount rejects paths for another account, as Twilio does. Called with s.mu held;
// inAccount (routes.go) does both for a handler.
func (s *Sandbox) checkAccount(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("ac") != s.w.account {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return false
	}
	return true
}

// pathJSON returns the resource the path's {file} names as "SID.json", or nil after answering 404.
func pathJSON[T any](w http.ResponseWriter, r *http.Request, bySid func(sid string) *T) *T {
	return byPath(w, r, "file", func(file string) *T {
		if sid, ext := splitExt(file); ext == "json" {
			return bySid(sid)
		}
		return nil
	})
}

// onePage is an API 2010 list answered in one page: the sandbox's lists are short.
func (s *Sandbox) onePage(key, path string, items []map[string]any) map[string]any {
	uri := s.accURI(path)
	return map[string]any{key: items, "page": 0, "page_size": max(len(items), 50), "uri": uri,
		"first_page_uri": uri + "?PageSize=50&Page=0", "next_page_uri": nil, "previous_page_uri": nil,
		"start": 0, "end": len(items) - 1}
}

// splitExt parses "RE….json" into the SID and the extension.
func splitExt(file string) (sid, ext string) {
	if i := strings.LastIndexByte(file, '.'); i >= 0 {
		return file[:i], file[i+1:]
	}
	return file, ""
}

func (s *Sandbox) handleQueue(w http.ResponseWriter, r *http.Request) {
	if q := pathJSON(w, r, s.w.queueBySid); q != nil {
		writeJSON(w, http.StatusOK, s.queueView(q))
	}
}

func (s *Sandbox) handleQueues(w http.ResponseWriter, r *http.Request) {
	items := []map[string]any{}
	for _, q := range s.w.queues {
		items = append(items, s.queueView(q))
	}
	writeJSON(w, http.StatusOK, s.onePage("queues", "/Queues.json", items))
}

// handleCreateCall places an outbound call; the callee answers at once and runs Url or Twiml.
func (s *Sandbox) handleCreateCall(w http.ResponseWriter, r *http.Request) {
	to, from := r.PostFormValue("To"), r.PostFormValue("From")
	if to == "" {
		writeError(w, http.StatusBadRequest, 21201, "No 'To' number is specified")
		return
	}
	if from == "" {
		writeError(w, http.StatusBadRequest, 21213, "No 'From' number is specified")
		return
	}
	t := target{url: r.PostFormValue("Url"), method: r.PostFormValue("Method"), twiml: r.PostFormValue("Twiml")}
	if t.url == "" && t.twiml == "" {
		writeError(w, http.StatusBadRequest, 21205, "Url or Twiml is required")
		return
	}
	if s.closed {
		writeError(w, http.StatusServiceUnavailable, 20503, "Sandbox closed")
		return
	}
	c := s.newCall(from, to, "outbound-api", t)
	writeJSON(w, http.StatusCreated, s.callJSON(c))
}

func (s *Sandbox) handleCallList(w http.ResponseWriter, r *http.Request) {
	items := []map[string]any{}
	for _, c := range s.w.callList {
		if st := r.FormValue("Status"); st == "" || st == c.status {
			items = append(items, s.callJSON(c))
		}
	}
	writeJSON(w, http.StatusOK, s.onePage("calls", "/Calls.json", items))
}

// handleCall fetches (GET) or updates (POST Url/Method/Twiml/Status) a call.
func (s *Sandbox) handleCall(w http.ResponseWriter, r *http.Request) {
	c := pathJSON(w, r, func(sid string) *call { return s.w.calls[sid] })
	if c == nil {
		return
	}
	if r.Method == http.MethodPost {
		st := r.PostFormValue("Status")
		t := target{url: r.PostFormValue("Url"), method: r.PostFormValue("Method"), twiml: r.PostFormValue("Twiml")}
		if c.status == "completed" && (st != "" || t.url != "" || t.twiml != "") {
			writeError(w, http.StatusBadRequest, 21220, "Call is not in-progress. Cannot redirect.")
			return
		}
		switch {
		case st == "completed" || st == "canceled":
			s.note(c, "Hangup", "", "", map[string]string{"by": "api"})
			s.hangupCall(c)
		case st != "":
			badRequest(w, "Status must be completed or canceled")
			return
		case t.url != "" || t.twiml != "":
			s.note(c, "Redirect", "", t.url, map[string]string{"by": "api"})
			s.redirectCall(c, t)
		}
	}
	writeJSON(w, http.StatusOK, s.callJSON(c))
}

// handleRecording serves recording JSON, media (.mp3, .wav or no extension: wav) and DELETE.
func (s *Sandbox) handleRecording(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if !s.checkAccount(w, r) {
		s.mu.Unlock()
		return
	}
	sid, ext := splitExt(r.PathValue("file"))
	rec := s.w.recordings[sid]
	if rec == nil || rec.deleted {
		s.mu.Unlock()
		notFound(w, r.URL.Path)
		return
	}
	created := rec.created
	// Media may be fetched without auth (Twilio's default); JSON and DELETE may not.
	if (ext == "json" || r.Method == http.MethodDelete) && !s.authorized(r) {
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	switch {
	case r.Method == http.MethodDelete:
		rec.deleted = true
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	case ext == "json":
		v := s.recordingJSON(rec)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
		return
	}
	s.mu.Unlock()
	media, ctype := voicemailWAV, "audio/x-wav"
	switch ext {
	case "mp3":
		media, ctype = voicemailMP3, "audio/mpeg"
	case "wav", "":
	default:
		notFound(w, r.URL.Path)
		return
	}
	w.Header().Set("Content-Type", ctype)
	http.ServeContent(w, r, sid+"."+ext, created, bytes.NewReader(media))
}

func (s *Sandbox) handleTranscription(w http.ResponseWriter, r *http.Request) {
	t := pathJSON(w, r, func(sid string) *transcription {
		if t := s.w.transcr[sid]; t != nil && !t.deleted {
			return t
		}
		return nil
	})
	if t == nil {
		return
	}
	if r.Method == http.MethodDelete {
		t.deleted = true
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, s.transcriptionJSON(t))
}
