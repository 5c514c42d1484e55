package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"testing"
)

// sign computes X-Twilio-Signature as Twilio documents it, independently of twilio-go.
func sign(token, u string, sortedKV ...string) string {
	s := u
	for _, kv := range sortedKV {
		s += kv
	}
	h := hmac.New(sha1.New, []byte(token))
	h.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func TestSignatureValidator(t *testing.T) {
	valid := NewSignatureValidator("12345")
	post := "https://cb.example.com/features/callback-and-voicemail/studio/create-callback"
	form := url.Values{"numberToCall": {"+15551234567"}, "CallSid": {"CA1"}, "From": {"+15550000000"}}
	sig := sign("12345", post, "CallSidCA1", "From+15550000000", "numberToCall+15551234567")
	if !valid(post, form, sig) {
		t.Error("POST: a correct signature was refused")
	}
	if valid(post, url.Values{"numberToCall": {"+15559999999"}, "CallSid": {"CA1"}, "From": {"+15550000000"}}, sig) {
		t.Error("POST: a changed parameter was accepted")
	}
	if valid(post, form, sign("other", post, "CallSidCA1", "From+15550000000", "numberToCall+15551234567")) {
		t.Error("POST: a signature with another token was accepted")
	}
	if valid(post, form, "") {
		t.Error("POST: an empty signature was accepted")
	}
	dup := url.Values{"CallSid": {"CA1", "CA2"}}
	if valid(post, dup, sign("12345", post, "CallSidCA1")) {
		t.Error("POST: a repeated key was accepted")
	}

	get := "https://cb.example.com/features/callback-and-voicemail/studio/wait-experience?mode=initialize&CallSid=CA1"
	if !valid(get, nil, sign("12345", get)) {
		t.Error("GET: a correct signature was refused")
	}
	if valid(get+"&mode=x", nil, sign("12345", get)) {
		t.Error("GET: a changed query was accepted")
	}
}

// During a rotation Twilio signs with the primary token and the secondary is still accepted.
func TestSignatureValidatorSecondaryToken(t *testing.T) {
	valid := NewSignatureValidator("primary1", "secondary2")
	u := "https://cb.example.com/features/callback-and-voicemail/studio/wait-experience?CallSid=CA1"
	for _, tok := range []string{"primary1", "secondary2"} {
		if !valid(u, nil, sign(tok, u)) {
			t.Errorf("a signature with %s was refused", tok)
		}
	}
	if valid(u, nil, sign("neither", u)) {
		t.Error("a signature with another token was accepted")
	}
	if valid(u, nil, sign("", u)) || NewSignatureValidator("primary1", "")(u, nil, sign("", u)) {
		t.Error("a signature with an empty key was accepted")
	}
}
