package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// issueToken makes a Flex-like token (JWT-shaped, opaque to the backend) that IAM validation
// accepts until ttl passes on the sandbox clock. Called with s.mu held.
func (s *Sandbox) issueToken(identity string, roles []string, workerSid string, ttl time.Duration) (string, time.Time) {
	exp := s.now.Add(ttl)
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(map[string]any{"sub": s.w.account, "identity": identity, "exp": exp.Unix()})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	tok := head + "." + base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(sig)
	s.w.tokens[tok] = &token{identity: identity, roles: roles, workerSid: workerSid, expires: exp}
	return tok, exp
}

// handleValidateToken is IAM's POST /v1/Accounts/{AC}/Tokens/validate.
func (s *Sandbox) handleValidateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		badRequest(w, "body must be JSON with a token")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkAccount(w, r) {
		return
	}
	t := s.w.tokens[in.Token]
	switch {
	case t == nil:
		writeJSON(w, http.StatusOK, map[string]any{"valid": false, "code": 20101, "message": "Invalid Access Token"})
	case !s.now.Before(t.expires):
		writeJSON(w, http.StatusOK, map[string]any{"valid": false, "code": 20104, "message": "Access Token expired or expiration date invalid"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{
			"valid": true, "code": 0, "message": nil, "expiration": iso(t.expires),
			"realm_user_id": t.identity, "identity": t.identity, "roles": t.roles, "worker_sid": t.workerSid,
		})
	}
}
