package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Studio v2 Flows: list (definitions null, as on Twilio), fetch, create, update (every update
// is a new revision), delete, revisions, and Flows/Validate. Flows are stored and validated,
// never executed: calls in the sandbox play TwiML, not Studio flows.

const studioBase = "https://studio.twilio.com/v2"

type flow struct {
	sid       string
	created   time.Time
	revisions []flowRevision // [len-1] is the current one
}

type flowRevision struct {
	revision                    int
	friendly, status, commitMsg string
	definition                  json.RawMessage
	created                     time.Time
}

func (f *flow) current() flowRevision { return f.revisions[len(f.revisions)-1] }

// setupRoutes mounts Studio, Flex configuration, the account and the admin endpoints that
// `flexcallback setup` needs.
func (s *Sandbox) setupRoutes(rest, admin *http.ServeMux) {
	rest.HandleFunc("GET /studio/v2/Flows", s.handleListFlows)
	rest.HandleFunc("POST /studio/v2/Flows", s.handleCreateFlow)
	rest.HandleFunc("POST /studio/v2/Flows/Validate", s.handleValidateFlow)
	rest.HandleFunc("GET /studio/v2/Flows/{sid}", s.withFlow(s.handleFetchFlow))
	rest.HandleFunc("POST /studio/v2/Flows/{sid}", s.withFlow(s.handleUpdateFlow))
	rest.HandleFunc("DELETE /studio/v2/Flows/{sid}", s.withFlow(s.handleDeleteFlow))
	rest.HandleFunc("GET /studio/v2/Flows/{sid}/Revisions", s.withFlow(s.handleListRevisions))
	rest.HandleFunc("GET /studio/v2/Flows/{sid}/Revisions/{rev}", s.withFlow(s.handleFetchRevision))
	rest.HandleFunc("GET /flex-api/v1/Configuration", s.handleFetchFlexConfig)
	rest.HandleFunc("POST /flex-api/v1/Configuration", s.handleUpdateFlexConfig)
	rest.HandleFunc("GET /api/2010-04-01/Accounts/{file}", s.handleAccount)
	admin.HandleFunc("POST /_sandbox/workflows", s.handleAdminAddWorkflow)
}

func (s *Sandbox) flowView(f *flow, withDefinition bool) map[string]any {
	cur := f.current()
	u := studioBase + "/Flows/" + f.sid
	var def any
	if withDefinition {
		def = cur.definition
	}
	return map[string]any{
		"sid": f.sid, "account_sid": s.w.account, "author_sid": nil, "friendly_name": cur.friendly,
		"definition": def, "status": cur.status, "revision": cur.revision, "commit_message": nilIfEmpty(cur.commitMsg),
		"valid": true, "errors": []any{}, "warnings": []any{},
		"date_created": iso(f.created), "date_updated": isoPtr(cur.created),
		"webhook_url": fmt.Sprintf("https://webhooks.twilio.com/v1/Accounts/%s/Flows/%s", s.w.account, f.sid),
		"url":         u,
		"links":       map[string]string{"test_users": u + "/TestUsers", "revisions": u + "/Revisions", "executions": u + "/Executions"},
	}
}

func (s *Sandbox) revisionView(f *flow, r flowRevision) map[string]any {
	return map[string]any{
		"sid": f.sid, "account_sid": s.w.account, "author_sid": nil, "friendly_name": r.friendly,
		"definition": r.definition, "status": r.status, "revision": r.revision, "commit_message": nilIfEmpty(r.commitMsg),
		"valid": true, "errors": []any{}, "date_created": iso(f.created), "date_updated": isoPtr(r.created),
		"url": fmt.Sprintf("%s/Flows/%s/Revisions/%d", studioBase, f.sid, r.revision),
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Sandbox) withFlow(h func(http.ResponseWriter, *http.Request, *flow)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		f := s.w.flows[r.PathValue("sid")]
		if f == nil {
			notFound(w, r.URL.Path)
			return
		}
		h(w, r, f)
	}
}

func (s *Sandbox) handleListFlows(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*flow, 0, len(s.w.flowList))
	for _, f := range s.w.flowList {
		if s.w.flows[f.sid] != nil {
			list = append(list, f)
		}
	}
	writeJSON(w, http.StatusOK, pageOf(r, "flows", studioBase+"/Flows", url.Values{}, list,
		func(f *flow) map[string]any { return s.flowView(f, false) }, nil))
}

func (s *Sandbox) handleFetchFlow(w http.ResponseWriter, r *http.Request, f *flow) {
	writeJSON(w, http.StatusOK, s.flowView(f, true))
}

// flowForm reads FriendlyName, Status and Definition, and validates them as Studio does.
// required lists the parameters this request must have.
func flowForm(w http.ResponseWriter, r *http.Request, required ...string) (friendly, status string, def json.RawMessage, ok bool) {
	for _, p := range required {
		if strings.TrimSpace(r.PostFormValue(p)) == "" {
			writeError(w, http.StatusBadRequest, 20001, "Missing required parameter "+p+" in the post body")
			return "", "", nil, false
		}
	}
	friendly, status = r.PostFormValue("FriendlyName"), r.PostFormValue("Status")
	if status != "" && status != "draft" && status != "published" {
		writeError(w, http.StatusBadRequest, 20001, "Status must be draft or published")
		return "", "", nil, false
	}
	if raw := r.PostFormValue("Definition"); raw != "" {
		if problems := validateFlow([]byte(raw)); len(problems) > 0 {
			writeFlowInvalid(w, problems)
			return "", "", nil, false
		}
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(raw))
		def = buf.Bytes()
	}
	return friendly, status, def, true
}

func (s *Sandbox) handleCreateFlow(w http.ResponseWriter, r *http.Request) {
	friendly, status, def, ok := flowForm(w, r, "FriendlyName", "Status", "Definition")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &flow{sid: s.w.ids.next("FW"), created: s.now}
	f.revisions = []flowRevision{{revision: 1, friendly: friendly, status: status, definition: def,
		commitMsg: r.PostFormValue("CommitMessage"), created: s.now}}
	s.w.flows[f.sid] = f
	s.w.flowList = append(s.w.flowList, f)
	writeJSON(w, http.StatusCreated, s.flowView(f, true))
}

// handleUpdateFlow makes a new revision from the current one and what the request sets.
func (s *Sandbox) handleUpdateFlow(w http.ResponseWriter, r *http.Request, f *flow) {
	friendly, status, def, ok := flowForm(w, r, "Status")
	if !ok {
		return
	}
	next := f.current()
	next.revision++
	next.status, next.created, next.commitMsg = status, s.now, r.PostFormValue("CommitMessage")
	if friendly != "" {
		next.friendly = friendly
	}
	if def != nil {
		next.definition = def
	}
	f.revisions = append(f.revisions, next)
	writeJSON(w, http.StatusOK, s.flowView(f, true))
}

func (s *Sandbox) handleDeleteFlow(w http.ResponseWriter, r *http.Request, f *flow) {
	delete(s.w.flows, f.sid)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sandbox) handleListRevisions(w http.ResponseWriter, r *http.Request, f *flow) {
	revs := slices.Clone(f.revisions)
	slices.Reverse(revs) // newest first, as Twilio lists them
	writeJSON(w, http.StatusOK, pageOf(r, "revisions", studioBase+"/Flows/"+f.sid+"/Revisions", url.Values{}, revs,
		func(rv flowRevision) map[string]any { return s.revisionView(f, rv) }, nil))
}

// handleFetchRevision serves a revision by number, or LatestPublished.
func (s *Sandbox) handleFetchRevision(w http.ResponseWriter, r *http.Request, f *flow) {
	want := r.PathValue("rev")
	for i := len(f.revisions) - 1; i >= 0; i-- {
		rv := f.revisions[i]
		if strconv.Itoa(rv.revision) == want || (want == "LatestPublished" && rv.status == "published") {
			writeJSON(w, http.StatusOK, s.revisionView(f, rv))
			return
		}
	}
	notFound(w, r.URL.Path)
}

func (s *Sandbox) handleValidateFlow(w http.ResponseWriter, r *http.Request) {
	if _, _, _, ok := flowForm(w, r, "FriendlyName", "Status", "Definition"); ok {
		writeJSON(w, http.StatusOK, map[string]any{"valid": true})
	}
}

// flowProblem is one entry of Studio's details.errors.
type flowProblem struct {
	Message      string `json:"message"`
	PropertyPath string `json:"property_path"`
}

// writeFlowInvalid answers as Studio does for a definition it refuses: 400, code 20001,
// and the problems in details.errors.
func writeFlowInvalid(w http.ResponseWriter, problems []flowProblem) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"code": 20001, "message": "Invalid Flow Definition", "more_info": "https://www.twilio.com/docs/errors/20001",
		"status": 400, "details": map[string]any{"errors": problems, "warnings": []any{}},
	})
}

// widgetRequired is what Studio insists on per widget type (the widgets our templates and the
// reference's flows use); other types are accepted with any properties.
var widgetRequired = map[string][]string{
	"trigger":              {},
	"make-http-request":    {"method", "url", "content_type"},
	"send-to-flex":         {"workflow", "channel"},
	"gather-input-on-call": {},
	"say-play":             {},
	"record-voicemail":     {},
	"split-based-on":       {"input"},
	"set-variables":        {},
	"add-twiml-redirect":   {"url"},
	"connect-call-to":      {},
	"send-message":         {},
	"run-function":         {"url"},
	"enqueue-call":         {},
}

// validateFlow checks a definition's shape: states with unique names and known widget types,
// one trigger that is the initial state, transitions to states that exist, required widget
// properties, and http(s) URLs where a widget calls out.
func validateFlow(raw []byte) []flowProblem {
	var def struct {
		InitialState string `json:"initial_state"`
		States       []struct {
			Name        string         `json:"name"`
			Type        string         `json:"type"`
			Properties  map[string]any `json:"properties"`
			Transitions []struct {
				Event string `json:"event"`
				Next  string `json:"next"`
			} `json:"transitions"`
		} `json:"states"`
	}
	if err := json.Unmarshal(raw, &def); err != nil {
		return []flowProblem{{Message: "Definition is not a JSON object: " + err.Error(), PropertyPath: "#"}}
	}
	var out []flowProblem
	bad := func(path, format string, args ...any) {
		out = append(out, flowProblem{Message: fmt.Sprintf(format, args...), PropertyPath: path})
	}
	names := map[string]bool{}
	triggers := 0
	for i, st := range def.States {
		p := fmt.Sprintf("#/states/%d", i)
		if st.Name == "" || names[st.Name] {
			bad(p+"/name", "state name %q is empty or not unique", st.Name)
		}
		names[st.Name] = true
		req, known := widgetRequired[st.Type]
		if !known {
			bad(p+"/type", "unknown widget type %q", st.Type)
		}
		if st.Type == "trigger" {
			triggers++
		}
		for _, k := range req {
			if v, ok := st.Properties[k]; !ok || v == "" || v == nil {
				bad(p+"/properties/"+k, "widget %s (%s) needs %s", st.Name, st.Type, k)
			}
		}
		for _, k := range []string{"url", "waitUrl", "transcription_callback_url", "recording_status_callback_url"} {
			if v, ok := st.Properties[k].(string); ok && v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					bad(p+"/properties/"+k, "widget %s: %s is not an http(s) URL", st.Name, k)
				}
			}
		}
	}
	if len(def.States) == 0 {
		bad("#/states", "a flow needs states")
	}
	if triggers != 1 {
		bad("#/states", "a flow needs exactly one trigger widget, found %d", triggers)
	}
	if !names[def.InitialState] {
		bad("#/initial_state", "initial_state %q is not a state", def.InitialState)
	}
	for i, st := range def.States {
		for j, t := range st.Transitions {
			if t.Next != "" && !names[t.Next] {
				bad(fmt.Sprintf("#/states/%d/transitions/%d/next", i, j), "widget %s: transition %s goes to %q, which is not a state", st.Name, t.Event, t.Next)
			}
		}
	}
	return out
}

// handleAdminAddWorkflow adds a workflow (and its API 2010 queue) to the workspace:
// {"friendlyName": "…", "name": "…"}. Tests use it for a second workflow named "Callback".
func (s *Sandbox) handleAdminAddWorkflow(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FriendlyName string `json:"friendlyName"`
		Name         string `json:"name"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.FriendlyName == "" {
		badRequest(w, "friendlyName is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wf := &workflow{sid: s.w.ids.next("WW"), name: in.Name, friendly: in.FriendlyName, created: s.now}
	if wf.name == "" {
		wf.name = wf.sid
	}
	s.w.workflows = append(s.w.workflows, wf)
	s.w.queues = append(s.w.queues, &queue{sid: s.w.ids.next("QU"), workflow: wf, created: s.now})
	writeJSON(w, http.StatusCreated, map[string]any{"sid": wf.sid, "friendlyName": wf.friendly})
}
