package twilio

import (
	"context"
	"strconv"
	"strings"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"flexcallback"
)

// FetchQueue returns a Programmable Voice queue; Flex names it after its workflow SID.
func (c *Client) FetchQueue(ctx context.Context, sid string) (flexcallback.Queue, error) {
	return bySid(c, ctx, "fetch queue", "queueSid", sid, func(a *attempt) (*api.ApiV2010Queue, error) {
		return c.voice(a).FetchQueue(sid, nil)
	}, func(q *api.ApiV2010Queue) (flexcallback.Queue, error) {
		return flexcallback.Queue{Sid: deref(q.Sid), FriendlyName: deref(q.FriendlyName), CurrentSize: q.CurrentSize,
			AverageWait: time.Duration(q.AverageWaitTime) * time.Second}, nil
	})
}

// UpdateCall redirects a live call (URL, Method) or ends it (Status "completed"). Setting the
// same URL again only makes Twilio fetch it again, so it is retried like a read.
func (c *Client) UpdateCall(ctx context.Context, sid string, u flexcallback.CallUpdate) error {
	p := &api.UpdateCallParams{}
	setNonEmpty(u.URL, p.SetUrl)
	setNonEmpty(u.Method, p.SetMethod)
	setNonEmpty(u.Status, p.SetStatus)
	return c.onSid(ctx, "update call", "callSid", sid, func(a *attempt) error {
		_, err := c.voice(a).UpdateCall(sid, p)
		return err
	})
}

// FetchRecording returns a recording's metadata.
func (c *Client) FetchRecording(ctx context.Context, sid string) (flexcallback.Recording, error) {
	return bySid(c, ctx, "fetch recording", "recordingSid", sid, func(a *attempt) (*api.ApiV2010Recording, error) {
		return c.voice(a).FetchRecording(sid, nil)
	}, func(r *api.ApiV2010Recording) (flexcallback.Recording, error) {
		secs, _ := strconv.Atoi(strings.TrimSpace(deref(r.Duration))) // "" or "-1" while recording
		return flexcallback.Recording{Sid: deref(r.Sid), CallSid: deref(r.CallSid), Status: deref(r.Status),
			Duration: time.Duration(max(secs, 0)) * time.Second, DateCreated: parseRFC2822(deref(r.DateCreated))}, nil
	})
}

// DeleteRecording deletes a recording; one already gone is ErrNotFound.
func (c *Client) DeleteRecording(ctx context.Context, sid string) error {
	return c.onSid(ctx, "delete recording", "recordingSid", sid, func(a *attempt) error {
		return c.voice(a).DeleteRecording(sid, nil)
	})
}

// FetchTranscription returns a transcription with its text.
func (c *Client) FetchTranscription(ctx context.Context, sid string) (flexcallback.Transcription, error) {
	return bySid(c, ctx, "fetch transcription", "transcriptionSid", sid, func(a *attempt) (*api.ApiV2010Transcription, error) {
		return c.voice(a).FetchTranscription(sid, nil)
	}, func(t *api.ApiV2010Transcription) (flexcallback.Transcription, error) {
		return flexcallback.Transcription{Sid: deref(t.Sid), RecordingSid: deref(t.RecordingSid),
			Status: deref(t.Status), Text: deref(t.TranscriptionText)}, nil
	})
}

// DeleteTranscription deletes a transcription; one already gone is ErrNotFound.
func (c *Client) DeleteTranscription(ctx context.Context, sid string) error {
	return c.onSid(ctx, "delete transcription", "transcriptionSid", sid, func(a *attempt) error {
		return c.voice(a).DeleteTranscription(sid, nil)
	})
}

// parseRFC2822 reads API 2010's dates ("Fri, 14 Oct 2016 21:56:34 +0000"); zero when unreadable.
func parseRFC2822(s string) time.Time {
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
