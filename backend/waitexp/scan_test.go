package waitexp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"flexcallback"
	"flexcallback/backend/twiliofake"
)

// addWaiting puts n waiting tasks on the workflow, each newer than the one before and than the
// call's task, with call SIDs CA0…, and returns their call SIDs, oldest first.
func (en *env) addWaiting(n int) []string {
	calls := make([]string, n)
	for i := range n {
		calls[i] = fmt.Sprintf("CA%032d", i)
		en.tw.Put(flexcallback.Task{Sid: fmt.Sprintf("WT%032d", i), WorkflowSid: wfSid, Status: flexcallback.StatusPending,
			DateCreated: t0.Add(time.Duration(i) * time.Second), Attributes: map[string]any{"call_sid": calls[i]}})
	}
	return calls
}

// addNewest puts a waiting task newer than all others, its SIDs made of digit, and returns its
// call SID.
func (en *env) addNewest(digit string) string {
	call := "CA" + strings.Repeat(digit, 32)
	en.tw.Put(flexcallback.Task{Sid: "WT" + strings.Repeat(digit, 32), WorkflowSid: wfSid, Status: flexcallback.StatusPending,
		DateCreated: t0.Add(time.Hour), Attributes: map[string]any{"call_sid": call}})
	return call
}

func TestLookupStopsAtThePageOfTheCall(t *testing.T) {
	for _, c := range []struct {
		name   string
		before int // tasks created after the call's, so listed before it
		pages  int
		found  bool
	}{
		{"newest", 0, 1, true},
		{"on page 2", 60, 2, true},
		{"past the bound", 230, lookupMaxPages, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			en := newEnv(t, testOptions())
			en.addCallTask() // older than every other task: last in the list
			en.addWaiting(c.before)
			q := query(t, en.do(endpoint).redirect())
			if got := q.Get("enqueuedTaskSid") == taskSid; got != c.found {
				t.Fatalf("found = %v, want %v", got, c.found)
			}
			if n := en.j.Count("list "); n != c.pages {
				t.Errorf("%d pages listed, want %d: %v", n, c.pages, en.j.Events())
			}
		})
	}
}

// lookupResult is what one findTask returned.
type lookupResult struct {
	call  string
	sid   string
	found bool
	err   error
}

// lookupAsync runs findTask in the background.
func (en *env) lookupAsync(call string, out chan<- lookupResult) {
	go func() {
		r, found, err := en.e.findTask(en.t.Context(), wfSid, call)
		out <- lookupResult{call, r.Sid, found, err}
	}()
}

// followers waits until n lookups wait on the workflow's live scan.
func (en *env) followers(n int) {
	en.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		sc := en.e.scans
		sc.mu.Lock()
		s := sc.live[wfSid]
		got := s != nil && s.followers == n
		sc.mu.Unlock()
		if got {
			return
		}
	}
	en.t.Fatalf("never %d lookups on one scan", n)
}

// wire holds each task listing on the wire until it is let go.
type wire struct {
	t    *testing.T
	gate chan struct{}
	seen chan string
}

// gated holds every listing of en's Twilio until the test lets it go, each answering what was
// there when it was asked.
func gated(en *env) *wire {
	w := &wire{t: en.t, gate: make(chan struct{}), seen: make(chan string, 16)}
	en.tw.Inject(twiliofake.Fault{Op: "list", Wait: w.gate, Seen: w.seen})
	return w
}

// asked waits for the next listing to arrive and returns the page it asks.
func (w *wire) asked() int {
	w.t.Helper()
	e := <-w.seen
	_, pg, _ := strings.Cut(e, " page ")
	n, err := strconv.Atoi(pg)
	if err != nil {
		w.t.Fatalf("listing %q names no page", e)
	}
	return n
}

// release lets one listing on the wire answer.
func (w *wire) release() { w.gate <- struct{}{} }

func TestConcurrentLookupsShareOneListing(t *testing.T) {
	en := newEnv(t, testOptions())
	calls := en.addWaiting(8)
	w := gated(en)
	out := make(chan lookupResult, len(calls))
	en.lookupAsync(calls[0], out)
	if pg := w.asked(); pg != 1 {
		t.Fatalf("first listing asked page %d", pg)
	}
	for _, c := range calls[1:] {
		en.lookupAsync(c, out)
	}
	en.followers(len(calls))
	w.release()
	for range calls {
		r := <-out
		if !r.found || r.err != nil || !strings.HasSuffix(r.sid, r.call[2:]) {
			t.Errorf("lookup of %s: %+v", r.call, r)
		}
	}
	if n := en.j.Count("list "); n != 1 {
		t.Errorf("%d listings for %d concurrent lookups, want 1: %v", n, len(calls), en.j.Events())
	}
}

func TestLookupJoiningMidListingWaitsForOneMore(t *testing.T) {
	en := newEnv(t, testOptions())
	calls := en.addWaiting(3)
	w := gated(en)
	out := make(chan lookupResult, 2)
	en.lookupAsync(calls[0], out)
	w.asked()
	// A caller whose task TaskRouter made after that listing was answered arrives meanwhile.
	late := en.addNewest("9")
	en.lookupAsync(late, out)
	en.followers(2)
	w.release()
	if r := <-out; r.call != calls[0] || !r.found {
		t.Fatalf("the first lookup: %+v", r)
	}
	if pg := w.asked(); pg != 1 {
		t.Fatalf("the one more listing asked page %d", pg)
	}
	w.release()
	if r := <-out; r.call != late || !r.found {
		t.Fatalf("the late lookup: %+v", r)
	}
	if n := en.j.Count("list "); n != 2 {
		t.Errorf("%d listings, want 2: %v", n, en.j.Events())
	}
}

func TestLookupAfterFirstPageStartsItsOwn(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	en.addWaiting(60) // the call's task is on page 2
	w := gated(en)
	out := make(chan lookupResult, 2)
	en.lookupAsync(callSid, out)
	w.asked()
	w.release()
	if pg := w.asked(); pg != 2 {
		t.Fatalf("the scan went on to page %d, want 2", pg)
	}
	// Page 2 is on the wire: a newcomer is not held up by it; it starts from the newest page.
	newcomer := en.addNewest("8")
	en.lookupAsync(newcomer, out)
	if pg := w.asked(); pg != 1 {
		t.Fatalf("the newcomer's scan asked page %d, want 1", pg)
	}
	w.release()
	w.release()
	for range 2 {
		if r := <-out; !r.found || r.err != nil {
			t.Errorf("lookup %+v", r)
		}
	}
}

func TestLookupListingFailsIsAMiss(t *testing.T) {
	en := newEnv(t, testOptions())
	en.addCallTask()
	en.tw.Inject(twiliofake.Fault{Op: "list", Err: twiliofake.Err(flexcallback.ErrUnavailable), Count: 1})
	if _, found, err := en.e.findTask(t.Context(), wfSid, callSid); found || err == nil {
		t.Fatalf("found %v, err %v", found, err)
	}
	if r, found, err := en.e.findTask(t.Context(), wfSid, callSid); !found || err != nil || r.Sid != taskSid {
		t.Fatalf("after the outage: %+v %v %v", r, found, err)
	}
}

func TestLookupPagesGrowWithArrivalsNotQueue(t *testing.T) {
	en := newEnv(t, testOptions())
	calls := en.addWaiting(1000)
	w := gated(en)
	out := make(chan lookupResult, 20)
	en.lookupAsync(calls[999], out)
	w.asked()
	for _, c := range calls[980:999] {
		en.lookupAsync(c, out)
	}
	en.followers(20)
	w.release()
	for range 20 {
		if r := <-out; !r.found {
			t.Fatalf("lookup %+v", r)
		}
	}
	// 20 lookups joined that scan: the next one reads 3 tasks for each, in pages of 50.
	en.lookupAsync(calls[999], out)
	w.asked()
	w.release()
	<-out
	if want := "list " + wfSid + " [pending reserved] DateCreated:desc 100 page 1"; en.j.Index(want) < 0 {
		t.Errorf("journal %v lacks %q", en.j.Events(), want)
	}
	if n := en.j.Count("list "); n != 2 {
		t.Errorf("%d listings, want 2", n)
	}
}
