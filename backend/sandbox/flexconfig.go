package sandbox

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
)

// This file serves the account (API 2010 Accounts/{AC}.json) and Flex's configuration
// (flex-api v1/Configuration), which `flexcallback setup` reads and merges into.

const flexConfigURL = "https://flex-api.twilio.com/v1/Configuration"

// newFlexConfig is the configuration of a Flex account that nobody has customised: Twilio's
// top-level keys, an empty ui_attributes, and the workspace's SIDs.
func newFlexConfig(w *world) map[string]any {
	return map[string]any{
		"account_sid": w.account, "date_created": iso(w.created), "date_updated": iso(w.created),
		"attributes": map[string]any{}, "status": "ok",
		"taskrouter_workspace_sid": w.workspace, "taskrouter_target_workflow_sid": w.workflows[1].sid,
		"taskrouter_target_taskqueue_sid": w.taskQueue.sid,
		"taskrouter_taskqueues":           []any{map[string]any{"sid": w.taskQueue.sid, "targettable": true}},
		"taskrouter_skills":               []any{}, "taskrouter_worker_channels": map[string]any{},
		"taskrouter_worker_attributes":    map[string]any{},
		"taskrouter_offline_activity_sid": w.activities[0].sid,
		"runtime_domain":                  "https://flex.twilio.com",
		"messaging_service_instance_sid":  nil, "chat_service_instance_sid": nil,
		"flex_service_instance_sid": nil, "flex_instance_sid": nil,
		"ui_language": "en", "ui_attributes": map[string]any{}, "ui_dependencies": map[string]any{},
		"ui_version": "~2.13", "service_version": "1.0",
		"call_recording_enabled": false, "call_recording_webhook_url": nil,
		"crm_enabled": false, "crm_type": nil, "crm_callback_url": nil, "crm_fallback_url": nil,
		"crm_attributes": map[string]any{}, "public_attributes": map[string]any{},
		"plugin_service_enabled": true, "plugin_service_attributes": map[string]any{},
		"integrations": []any{}, "outbound_call_flows": map[string]any{}, "serverless_service_sids": []any{},
		"queue_stats_configuration": map[string]any{}, "notifications": map[string]any{}, "markdown": map[string]any{},
		"url": flexConfigURL, "flex_insights_hr": map[string]any{}, "flex_insights_drilldown": false,
		"flex_url": "https://flex.twilio.com/", "channel_configs": []any{},
	}
}

// flexReadOnly are keys a POST cannot change.
var flexReadOnly = map[string]bool{"account_sid": true, "date_created": true, "date_updated": true, "url": true}

func (s *Sandbox) handleFetchFlexConfig(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.w.flexConfig)
}

// handleUpdateFlexConfig is Twilio's POST v1/Configuration: a JSON body that names the account,
// whose top-level keys each replace the stored value whole (a JSON-type property such as
// ui_attributes is not merged: callers fetch, change and send it back). Other keys stay.
func (s *Sandbox) handleUpdateFlexConfig(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		badRequest(w, "request body too large")
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil || in == nil {
		badRequest(w, "Request body must be a JSON object")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in["account_sid"] != s.w.account {
		badRequest(w, "account_sid is required and must be the account's SID")
		return
	}
	next := maps.Clone(s.w.flexConfig)
	for k, v := range in {
		if !flexReadOnly[k] {
			next[k] = v
		}
	}
	next["date_updated"] = iso(s.now)
	s.w.flexConfig = next
	writeJSON(w, http.StatusOK, next)
}

// handleAccount fetches the account: GET /2010-04-01/Accounts/{AC}.json.
func (s *Sandbox) handleAccount(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.w
	if r.PathValue("file") != a.account+".json" {
		notFound(w, r.URL.Path)
		return
	}
	uri := "/2010-04-01/Accounts/" + a.account
	writeJSON(w, http.StatusOK, map[string]any{
		"auth_token": a.authToken, "date_created": rfc2822(a.created), "date_updated": rfc2822(a.created),
		"friendly_name": "Flexcallback Sandbox", "owner_account_sid": a.account, "sid": a.account,
		"status": "active", "type": "Full", "uri": uri + ".json",
		"subresource_uris": map[string]string{"queues": uri + "/Queues.json", "calls": uri + "/Calls.json",
			"recordings": uri + "/Recordings.json", "transcriptions": uri + "/Transcriptions.json"},
	})
}
