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
	if err := checkSid("queueSid", sid); err != nil {
		return flexcallback.Queue{}, err
	}
	var q *api.ApiV2010Queue
	err := c.do(ctx, "fetch queue", sid, opIdempotent, func(a *attempt) error {
		var err error
		q, err = c.voice(a).FetchQueue(sid, nil)
		return err
	})
	if err != nil {
		return flexcallback.Queue{}, err
	}
	return flexcallback.Queue{
		Sid:          deref(q.Sid),
		FriendlyName: deref(q.FriendlyName),
		CurrentSize:  q.CurrentSize,
		AverageWait:  time.Duration(q.AverageWaitTime) * time.Second,
	}, nil
}

// UpdateCall redirects a live call (URL, Method) or ends it (Status "completed"). Setting the
// same URL again only makes Twilio fetch it again, so it is retried like a read.
func (c *Client) UpdateCall(ctx context.Context, sid string, u flexcallback.CallUpdate) error {
	if err := checkSid("callSid", sid); err != nil {
		return err
	}
	p := &api.UpdateCallParams{}
	if u.URL != "" {
		p.SetUrl(u.URL)
	}
	if u.Method != "" {
		p.SetMethod(u.Method)
	}
	if u.Status != "" {
		p.SetStatus(u.Status)
	}
	return c.do(ctx, "update call", sid, opIdempotent, func(a *attempt) error {
		_, err := c.voice(a).UpdateCall(sid, p)
		return err
	})
}

// FetchRecording returns a recording's metadata.
func (c *Client) FetchRecording(ctx context.Context, sid string) (flexcallback.Recording, error) {
	if err := checkSid("recordingSid", sid); err != nil {
		return flexcallback.Recording{}, err
	}
	var r *api.ApiV2010Recording
	err := c.do(ctx, "fetch recording", sid, opIdempotent, func(a *attempt) error {
		var err error
		r, err = c.voice(a).FetchRecording(sid, nil)
		return err
	})
	if err != nil {
		return flexcallback.Recording{}, err
	}
	secs, _ := strconv.Atoi(strings.TrimSpace(deref(r.Duration))) // "" or "-1" while recording
	return flexcallback.Recording{
		Sid:         deref(r.Sid),
		CallSid:     deref(r.CallSid),
		Duration:    time.Duration(max(secs, 0)) * time.Second,
		DateCreated: parseRFC2822(deref(r.DateCreated)),
		Status:      deref(r.Status),
	}, nil
}

// DeleteRecording deletes a recording; one already gone is ErrNotFound.
func (c *Client) DeleteRecording(ctx context.Context, sid string) error {
	if err := checkSid("recordingSid", sid); err != nil {
		return err
	}
	return c.do(ctx, "delete recording", sid, opIdempotent, func(a *attempt) error {
		return c.voice(a).DeleteRecording(sid, nil)
	})
}

// FetchTranscription returns a transcription with its text.
func (c *Client) FetchTranscription(ctx context.Context, sid string) (flexcallback.Transcription, error) {
	if err := checkSid("transcriptionSid", sid); err != nil {
		return flexcallback.Transcription{}, err
	}
	var t *api.ApiV2010Transcription
	err := c.do(ctx, "fetch transcription", sid, opIdempotent, func(a *attempt) error {
		var err error
		t, err = c.voice(a).FetchTranscription(sid, nil)
		return err
	})
	if err != nil {
		return flexcallback.Transcription{}, err
	}
	return flexcallback.Transcription{
		Sid:          deref(t.Sid),
		RecordingSid: deref(t.RecordingSid),
		Status:       deref(t.Status),
		Text:         deref(t.TranscriptionText),
	}, nil
}

// DeleteTranscription deletes a transcription; one already gone is ErrNotFound.
func (c *Client) DeleteTranscription(ctx context.Context, sid string) error {
	if err := checkSid("transcriptionSid", sid); err != nil {
		return err
	}
	return c.do(ctx, "delete transcription", sid, opIdempotent, func(a *attempt) error {
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
