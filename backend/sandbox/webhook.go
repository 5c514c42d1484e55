package sandbox

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// delivery is one webhook request as sent, kept so it can be re-delivered with the same token.
type delivery struct {
	method string
	url    string // for GET, with the parameters in the query string
	form   url.Values
	token  string
	sig    string
}

// Signature is Twilio's X-Twilio-Signature: base64(HMAC-SHA1(authToken, url + sorted k+v)), with
// form nil for a GET or a JSON body. The sandbox signs its webhooks with it; the demo (which plays
// Studio) and the tests sign theirs with it too, so there is one implementation to trust.
func Signature(authToken, u string, form url.Values) string {
	var b strings.Builder
	b.WriteString(u)
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// callParams are the parameters Twilio sends with every voice webhook.
func (s *Sandbox) callParams(c *call) url.Values {
	status := c.status
	if status == "queued" {
		status = "ringing"
	}
	if c.hangup {
		status = "completed"
	}
	return url.Values{
		"AccountSid": {s.w.account}, "ApiVersion": {"2010-04-01"}, "CallSid": {c.sid},
		"CallStatus": {status}, "Called": {c.to}, "Caller": {c.from}, "Direction": {c.direction},
		"From": {c.from}, "To": {c.to},
	}
}

// queueParams are what a waitUrl request adds.
func (s *Sandbox) queueParams(c *call) url.Values {
	iq := c.q
	pos, size := 0, 0
	for _, o := range s.w.callList {
		if o.q != nil && o.q.q == iq.q {
			size++
			if o.q.entered.Before(iq.entered) || o == c || (o.q.entered.Equal(iq.entered) && o.created.Before(c.created)) {
				pos++
			}
		}
	}
	return url.Values{
		"QueueSid": {iq.q.sid}, "QueuePosition": {strconv.Itoa(pos)},
		"QueueTime":    {strconv.Itoa(int(s.now.Sub(iq.entered).Seconds()))},
		"AvgQueueTime": {strconv.Itoa(avgWait(iq.q))}, "CurrentQueueSize": {strconv.Itoa(size)},
	}
}

// newDelivery prepares a signed webhook. Called with s.mu held.
func (s *Sandbox) newDelivery(c *call, method, u string, params url.Values) (*delivery, error) {
	method = strings.ToUpper(method)
	if method == "" {
		method = http.MethodPost
	}
	if method != http.MethodPost && method != http.MethodGet {
		return nil, fmt.Errorf("webhook method %q not supported", method)
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return nil, fmt.Errorf("webhook url %q is not absolute http(s)", u)
	}
	s.w.idem++
	d := &delivery{method: method, token: fmt.Sprintf("%s-%s-%032x", s.w.account, c.sid, s.w.idem)}
	if method == http.MethodGet {
		if enc := params.Encode(); enc != "" {
			if pu.RawQuery != "" {
				pu.RawQuery += "&"
			}
			pu.RawQuery += enc
		}
		d.url = pu.String()
		d.sig = Signature(s.w.authToken, d.url, nil)
	} else {
		d.url, d.form = u, params
		d.sig = Signature(s.w.authToken, d.url, params)
	}
	return d, nil
}

// send delivers a webhook. Called with s.mu held; it releases the lock while the request runs.
func (s *Sandbox) send(d *delivery) (int, []byte, error) {
	s.mu.Unlock()
	defer s.mu.Lock()
	var body io.Reader
	if d.method == http.MethodPost {
		body = strings.NewReader(d.form.Encode())
	}
	req, err := http.NewRequest(d.method, d.url, body)
	if err != nil {
		return 0, nil, fmt.Errorf("build webhook: %w", err)
	}
	if d.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Twilio-Signature", d.sig)
	req.Header.Set("I-Twilio-Idempotency-Token", d.token)
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := s.hc.Do(req)
	if err != nil {
		s.log.Warn("webhook failed", "path", pathOf(d.url), "err", errors.Unwrap(err))
		return 0, nil, fmt.Errorf("webhook %s: %w", d.url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read webhook response: %w", err)
	}
	s.log.Debug("webhook", "path", pathOf(d.url), "status", resp.StatusCode)
	return resp.StatusCode, b, nil
}

func avgWait(q *queue) int {
	if len(q.waits) == 0 {
		return 0
	}
	var sum float64
	for _, w := range q.waits {
		sum += w.Seconds()
	}
	return int(sum / float64(len(q.waits)))
}

// pathOf is a webhook URL without its query, which may carry phone numbers: what logs may show.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Path
}
