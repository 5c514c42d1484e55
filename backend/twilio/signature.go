package twilio

import (
	"net/url"

	"github.com/twilio/twilio-go/client"
)

// NewSignatureValidator returns a check of X-Twilio-Signature against each of authTokens (the
// primary and, while it is being rotated, Twilio's secondary; empty ones are skipped), using
// twilio-go's RequestValidator (HMAC-SHA1 of the URL and the sorted parameters, with and without
// the port). For a POST webhook pass the public URL (with its query, if any) and the form
// parameters; for a GET, the public URL with its query and nil params. A form with a repeated key
// is refused: twilio-go signs only one value per key, and Twilio's webhooks never repeat one.
func NewSignatureValidator(authTokens ...string) func(url string, params url.Values, signature string) bool {
	var validators []client.RequestValidator
	for _, t := range authTokens {
		if t != "" {
			validators = append(validators, client.NewRequestValidator(t))
		}
	}
	return func(u string, params url.Values, signature string) bool {
		if signature == "" {
			return false
		}
		m := make(map[string]string, len(params))
		for k, vs := range params {
			if len(vs) != 1 {
				return false
			}
			m[k] = vs[0]
		}
		for _, v := range validators {
			if v.Validate(u, m, signature) {
				return true
			}
		}
		return false
	}
}
