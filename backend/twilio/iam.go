package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"flexcallback"
)

// iamResult is IAM's answer to a token validation.
type iamResult struct {
	Valid      bool     `json:"valid"`
	Message    string   `json:"message"`
	Expiration string   `json:"expiration"`
	Identity   string   `json:"identity"`
	Roles      []string `json:"roles"`
	WorkerSid  string   `json:"worker_sid"`
}

// ValidateToken asks Twilio IAM whether a Flex token is valid and whose it is. An invalid or
// expired token is IAM answering 200 {"valid": false}: ErrUnauthorized with IAM's message. IAM
// answering 401/403 refuses *our* credentials: ErrUpstreamAuth. Twilio failing is ErrUnavailable
// (after retries: validation changes nothing, so it is retried like a read). The token is never
// logged.
func (c *Client) ValidateToken(ctx context.Context, token string) (flexcallback.Worker, error) {
	if token == "" {
		return flexcallback.Worker{}, flexcallback.Errorf(flexcallback.ErrUnauthorized, "no Flex token")
	}
	body, err := json.Marshal(map[string]string{"token": token})
	if err != nil {
		return flexcallback.Worker{}, err
	}
	// IAM is global: no region here.
	u := "https://iam.twilio.com/v1/Accounts/" + c.accountSid + "/Tokens/validate"
	var res iamResult
	err = c.do(ctx, "validate token", "", opIdempotent, func(a *attempt) error {
		resp, err := c.restClient(a).SendRequest(http.MethodPost, u, nil,
			map[string]any{"Content-Type": "application/json"}, body...)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		res = iamResult{}
		return json.NewDecoder(resp.Body).Decode(&res)
	})
	if err != nil {
		return flexcallback.Worker{}, err
	}
	if !res.Valid {
		msg := res.Message
		if msg == "" {
			msg = "the Flex token is not valid"
		}
		return flexcallback.Worker{}, flexcallback.Errorf(flexcallback.ErrUnauthorized, "%s", msg)
	}
	exp, _ := time.Parse(time.RFC3339, res.Expiration) // zero when absent: the cache's own cap applies
	return flexcallback.Worker{Sid: res.WorkerSid, Identity: res.Identity, Roles: res.Roles, ExpiresAt: exp}, nil
}
