package twilio

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// opKind says how safe it is to send an operation again.
type opKind int

const (
	// opIdempotent operations (GET, DELETE, updates that set a value, IAM validation) are retried
	// on 429, 5xx and network errors. An If-Match update that fails with 412 is not retried here:
	// re-reading the task is the caller's loop.
	opIdempotent opKind = iota
	// opCreate operations make something new. They are retried only when Twilio certainly did
	// not act: 429, or a request that never left (connection refused, DNS). Any other failure
	// after sending (any 5xx, with or without a body, a timeout, a dropped connection, a cut-off
	// answer) is ErrAmbiguous: the caller looks for what it made before creating again.
	opCreate
)

// do runs call under the retry policy: each attempt gets a fresh twilio-go client bound to its
// own deadline, and the whole operation the policy's overall deadline. call reports its result
// through its closure; the error it returns is twilio-go's, translated here.
// op names the operation for metrics and logs (a fixed string: no SIDs in metric labels); sid,
// when not "", names the resource in logs and in the error.
func (c *Client) do(ctx context.Context, op, sid string, kind opKind, call func(a *attempt) error) error {
	return c.run(ctx, op, sid, kind, false, call)
}

// run is do; with stream, a successful attempt's context stays alive after call returns (until
// the caller's ctx ends or call's owner cancels it), and the per-attempt deadline covers only
// the wait for the response headers, so a long download is not cut.
func (c *Client) run(ctx context.Context, op, sid string, kind opKind, stream bool, call func(a *attempt) error) error {
	opCtx, cancel := context.WithTimeout(ctx, c.retry.Deadline)
	defer cancel()
	for n := 0; ; n++ {
		a := &attempt{}
		var stopTimer func() bool
		if stream {
			a.ctx, a.cancel = context.WithCancel(ctx)
			limit := c.timeout
			if dl, ok := opCtx.Deadline(); ok && time.Until(dl) < limit {
				limit = time.Until(dl)
			}
			stopTimer = time.AfterFunc(limit, a.cancel).Stop
			a.headersDone = stopTimer
		} else {
			a.ctx, a.cancel = context.WithTimeout(opCtx, c.timeout)
		}
		start := time.Now()
		err := call(a)
		if err == nil && stream {
			// call has taken the response and called a.headersDone; a.cancel now belongs to it.
		} else {
			if stopTimer != nil {
				stopTimer()
			}
			a.cancel()
		}
		s := a.snap()
		if c.obs != nil {
			c.obs.TwilioCall(op, s.status, time.Since(start))
		}
		if err == nil {
			return nil
		}
		retry, ambiguous := classify(kind, s)
		if !retry || n >= c.retry.Limit || opCtx.Err() != nil {
			return c.fail(strings.TrimSpace(op+" "+sid), s, err, ambiguous)
		}
		wait := c.backoff(n)
		if ra := retryAfter(s.header); ra > wait {
			wait = ra
		}
		if dl, ok := opCtx.Deadline(); ok && time.Until(dl) <= wait {
			// Waiting would outlive the operation: give up now and pass Retry-After on.
			return c.fail(strings.TrimSpace(op+" "+sid), s, err, ambiguous)
		}
		info := restInfo(s, err)
		c.log.WarnContext(ctx, "twilio call failed; retrying", "op", op, "sid", sid, "attempt", n+1,
			"status", s.status, "code", info.Code, "wait", wait, "sent", s.sent)
		if c.obs != nil {
			c.obs.TwilioRetry(op, s.status)
		}
		if werr := c.sleep(opCtx, wait); werr != nil {
			return c.fail(strings.TrimSpace(op+" "+sid), s, err, ambiguous)
		}
	}
}

// classify decides whether an attempt that failed may be sent again, and whether a create that
// may not be sent again may have happened.
func classify(kind opKind, s snapshot) (retry, ambiguous bool) {
	switch {
	case s.status == http.StatusTooManyRequests:
		return true, false // Twilio refused before acting
	case s.status >= 500:
		// No 5xx proves a create was not performed, not even a 503 carrying Twilio's own error
		// document: Twilio has answered so after creating the task.
		return kind == opIdempotent, kind == opCreate
	case s.status >= 400:
		return false, false
	case s.status != 0:
		// An answer came but could not be read whole: a create did happen, we lost its SID.
		if s.readErr == nil {
			return false, false // an answer we do not understand; sending again will not help
		}
		return kind == opIdempotent, kind == opCreate
	case s.rtErr == nil:
		return false, false // failed before the wire (bad URL, credentials twilio-go refuses)
	case !s.sent:
		return true, false // connection refused, DNS: nothing reached Twilio
	default:
		return kind == opIdempotent, kind == opCreate // timeout or reset after sending
	}
}

// backoff is the wait before retry n+1: capped exponential with full jitter, in
// [MinBackoff, min(MaxBackoff, MinBackoff·2ⁿ)].
func (c *Client) backoff(n int) time.Duration {
	lo, hi := c.retry.MinBackoff, c.retry.MaxBackoff
	upper := lo
	for i := 0; i < n && upper < hi; i++ {
		upper *= 2
	}
	upper = min(upper, hi)
	return lo + time.Duration(c.jitter(int64(upper-lo)+1))
}

// retryAfter reads Retry-After in seconds or as an HTTP date; 0 when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// setNonEmpty sets a twilio-go parameter unless v is empty: we send no empty fields.
func setNonEmpty[P any](v string, set func(string) P) {
	if v != "" {
		set(v)
	}
}

// onSid refuses a SID that cannot be one (checkSid; field names it), then runs an idempotent
// call on it under the retry policy.
func (c *Client) onSid(ctx context.Context, op, field, sid string, call func(a *attempt) error) error {
	if err := checkSid(field, sid); err != nil {
		return err
	}
	return c.do(ctx, op, sid, opIdempotent, call)
}

// bySid is onSid for a call that answers a resource (a fetch, an update): conv turns twilio-go's
// resource into ours.
func bySid[R, T any](c *Client, ctx context.Context, op, field, sid string, call func(a *attempt) (R, error), conv func(R) (T, error)) (T, error) {
	var r R
	err := c.onSid(ctx, op, field, sid, func(a *attempt) error {
		var err error
		r, err = call(a)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return conv(r)
}

// listPages reads a list one retried request per page, at most maxPages pages: page fetches the
// page at token and number and answers its items and its next_page_url; conv turns each item
// into ours.
func listPages[R, T any](c *Client, ctx context.Context, op, sid string, maxPages int,
	page func(a *attempt, token, number string) ([]R, *string, error), conv func(R) (T, error)) ([]T, error) {
	var all []T
	token, number := "", ""
	for range maxPages {
		var items []R
		var next *string
		err := c.do(ctx, op, sid, opIdempotent, func(a *attempt) error {
			var err error
			items, next, err = page(a, token, number)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range items {
			t, err := conv(r)
			if err != nil {
				return nil, err
			}
			all = append(all, t)
		}
		var ok bool
		if token, number, ok = nextPage(next); !ok {
			break
		}
	}
	return all, nil
}

// nextPage reads PageToken and Page from Twilio's next_page_url, so each page is its own
// retried request through twilio-go's Page call.
func nextPage(next *string) (token, page string, ok bool) {
	if next == nil || *next == "" {
		return "", "", false
	}
	u, err := url.Parse(*next)
	if err != nil {
		return "", "", false
	}
	q := u.Query()
	token, page = q.Get("PageToken"), q.Get("Page")
	return token, page, token != "" || page != ""
}
