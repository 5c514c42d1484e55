package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/twilio/twilio-go/client"

	"flexcallback"
)

// recordingSidPattern is the only shape of SID RecordingMedia sends on, so that a SID from a
// request can never reach another path at Twilio (the API layer checks it too).
var recordingSidPattern = regexp.MustCompile(`^RE[0-9a-fA-F]{32}$`)

const maxMediaRedirects = 3

// errStatus reports a media answer that is not audio; retry.go decides on its status.
var errStatus = errors.New("unexpected status")

// RecordingMedia streams a recording's MP3 from Twilio with the account's Basic auth; a non-empty
// rangeHeader ("bytes=…") is passed on as Range. The body is handed over as it arrives, never
// buffered; the caller must close it, which also ends the request. The per-attempt deadline
// covers only the wait for the headers: a slow listener is bounded by ctx, not by us.
func (c *Client) RecordingMedia(ctx context.Context, sid, rangeHeader string) (*flexcallback.Media, error) {
	if !recordingSidPattern.MatchString(sid) {
		return nil, flexcallback.Invalid("recordingSid", "recordingSid is not a recording SID")
	}
	if !strings.HasPrefix(rangeHeader, "bytes=") || len(rangeHeader) > 200 {
		rangeHeader = "" // not a range we understand: RFC 9110 says serve the whole file
	}
	raw := "https://api.twilio.com/2010-04-01/Accounts/" + c.accountSid + "/Recordings/" + sid + ".mp3"
	u, err := (&client.RequestHandler{Region: c.region}).BuildUrl(raw)
	if err != nil {
		return nil, fmt.Errorf("recording media url: %w", err)
	}
	var m *flexcallback.Media
	err = c.run(ctx, "recording media", sid, opIdempotent, true, func(a *attempt) error {
		req, err := http.NewRequestWithContext(a.ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.SetBasicAuth(c.user, c.pass)
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		// Unlike the REST client this one follows redirects (media may live elsewhere); Go drops
		// the Authorization header when a redirect leaves the host.
		hc := &http.Client{
			Transport: &attemptTransport{a: a, next: c.base},
			CheckRedirect: func(_ *http.Request, via []*http.Request) error {
				if len(via) > maxMediaRedirects {
					return http.ErrUseLastResponse
				}
				return nil
			},
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
			resp.Body.Close()
			return fmt.Errorf("%w %d", errStatus, resp.StatusCode)
		}
		if !a.headersDone() {
			resp.Body.Close()
			a.lost(context.DeadlineExceeded)
			return context.DeadlineExceeded
		}
		m = &flexcallback.Media{
			Status:        resp.StatusCode,
			ContentType:   resp.Header.Get("Content-Type"),
			ContentLength: resp.ContentLength,
			ContentRange:  resp.Header.Get("Content-Range"),
			AcceptRanges:  resp.Header.Get("Accept-Ranges"),
			Body:          &mediaBody{ReadCloser: resp.Body, cancel: a.cancel},
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// mediaBody ends the request's context when the caller closes the body.
type mediaBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *mediaBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
