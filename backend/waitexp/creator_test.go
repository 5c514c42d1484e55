package waitexp

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

// fakeCreator keeps the Creator contract: one task per key; a voicemail is created by whichever
// call comes first and later calls patch its transcript.
type fakeCreator struct {
	j        *twiliofake.Journal
	mu       sync.Mutex
	err      error
	requests []flexcallback.Request
	byKey    map[string]string
	tasks    map[string]flexcallback.Request // by SID, with patches applied
	n        int
	open     map[string]string // number → the open task a request merges into
}

func newFakeCreator(j *twiliofake.Journal) *fakeCreator {
	return &fakeCreator{j: j, byKey: map[string]string{}, tasks: map[string]flexcallback.Request{}}
}

func (f *fakeCreator) Create(ctx context.Context, r flexcallback.Request) (string, bool, error) {
	f.j.Add("create %s key=%s", r.Kind(), r.Key)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	if f.err != nil {
		return "", false, f.err
	}
	if sid, ok := f.byKey[r.Key]; ok && r.Key != "" {
		return sid, true, nil
	}
	f.n++
	sid := fmt.Sprintf("WTnew%d", f.n)
	f.byKey[r.Key] = sid
	f.tasks[sid] = r
	return sid, false, nil
}

func (f *fakeCreator) Voicemail(ctx context.Context, r flexcallback.Request) (string, error) {
	f.j.Add("voicemail %s transcript=%q", r.RecordingSid, r.TranscriptSid)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	if f.err != nil {
		return "", f.err
	}
	if sid, ok := f.byKey[r.RecordingSid]; ok {
		t := f.tasks[sid]
		t.TranscriptSid = cmp.Or(r.TranscriptSid, t.TranscriptSid)
		t.TranscriptText = cmp.Or(r.TranscriptText, t.TranscriptText)
		f.tasks[sid] = t
		return sid, nil
	}
	f.n++
	sid := fmt.Sprintf("WTvm%d", f.n)
	f.byKey[r.RecordingSid] = sid
	f.tasks[sid] = r
	return sid, nil
}

func (f *fakeCreator) created() map[string]flexcallback.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.tasks)
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// Ask merges only into the open tasks a test names: merging is backend/callback's, tested there
// and end to end.
func (f *fakeCreator) Ask(ctx context.Context, r flexcallback.Request) (flexcallback.Asked, error) {
	f.mu.Lock()
	sid := f.open[r.NumberToCall]
	f.mu.Unlock()
	switch {
	case sid != "":
		f.j.Add("merge %s key=%s into %s", r.Kind(), r.Key, sid)
		return flexcallback.Asked{Sid: sid, Merged: true}, nil
	case r.MergeOnly:
		return flexcallback.Asked{}, nil
	case r.RecordingSid != "":
		sid, err := f.Voicemail(ctx, r)
		return flexcallback.Asked{Sid: sid}, err
	}
	sid, replayed, err := f.Create(ctx, r)
	return flexcallback.Asked{Sid: sid, Replayed: replayed}, err
}
