package api

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"flexcallback"
)

// formType is the body Twilio's webhooks and the reference's clients send.
const formType = "application/x-www-form-urlencoded"

// maxBody caps every request body we parse: webhooks and panel requests are a few kB.
const maxBody = 64 << 10

// params is the merged parameter map the reference's Twilio Functions received: the query
// string, then a form or JSON body on top (spec §0.1).
type params url.Values

// readParams merges query and body. A JSON body's scalar values become strings, as in the
// Functions runtime; a body of another type (a form is assumed when none is named) is
// ErrUnsupported. The raw body and the form it holds (nil for JSON) are returned for the
// signature check.
func readParams(r *http.Request) (p params, body []byte, form url.Values, err error) {
	p = params(r.URL.Query())
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil, nil, nil
	}
	body, err = io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, nil, nil, flexcallback.Errorf(flexcallback.ErrInvalid, "request body too large or unreadable")
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case len(body) == 0:
	case mt != "application/json" && mt != formType && ct != "":
		return nil, nil, nil, flexcallback.Errorf(flexcallback.ErrUnsupported,
			"Content-Type %q is not accepted: send %s or application/json, or the parameters in the query string", ct, formType)
	case mt == "application/json":
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, nil, flexcallback.Errorf(flexcallback.ErrInvalid, "body is not a JSON object")
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				url.Values(p).Set(k, v)
			case nil:
			case map[string]any, []any:
				b, _ := json.Marshal(v)
				url.Values(p).Set(k, string(b))
			default:
				url.Values(p).Set(k, fmt.Sprint(v))
			}
		}
	default:
		form, err = url.ParseQuery(string(body))
		if err != nil {
			return nil, nil, nil, flexcallback.Errorf(flexcallback.ErrInvalid, "body is not form-encoded")
		}
		for k, vs := range form {
			url.Values(p)[k] = vs // the body wins over the query, as in the runtime
		}
	}
	return p, body, form, nil
}

// get returns the first non-empty value among names (aliases, the first name winning).
func (p params) get(names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(url.Values(p).Get(n)); v != "" {
			return v
		}
	}
	return ""
}

// requireParams returns the reference's 400 for missing parameters: one "(path) Missing key:
// purpose" per missing key, concatenated with no separator (spec §1.0).
func requireParams(path string, p params, want ...[2]string) error {
	var msg strings.Builder
	field := ""
	for _, w := range want {
		if p.get(w[0]) == "" {
			fmt.Fprintf(&msg, "(%s) Missing %s: %s", path, w[0], w[1])
			if field == "" {
				field = w[0]
			}
		}
	}
	if msg.Len() == 0 {
		return nil
	}
	return &flexcallback.Error{Kind: flexcallback.ErrInvalid, Field: field, Message: msg.String()}
}

func encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
