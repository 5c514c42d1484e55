package waitexp

import (
	"context"
	"fmt"
	"sync"

	"flexcallback"
)

// A lookup reads the newest waiting tasks of the call's workflow, a page at a time, and stops at
// the page that has the call's task: a caller who just arrived is on the first page however
// long the queue (issue 12). lookupMaxPages bounds a miss (P1: the newest 200).
//
// A scan's pages grow with the lookups arriving while one is on the wire, never with the queue:
// at 1,000 callers a second and 100 ms a listing, 100 lookups join each scan and their tasks are
// among the 200 newest; pages of 50, read one after another, would keep most of them waiting
// for pages 2 to 4. A page holds 3 tasks per lookup that joined the workflow's last scan.
const (
	lookupPageSize = 50
	lookupMaxPages = 4
	maxPageSize    = 1000 // TaskRouter's largest page
	pagePerLookup  = 3
)

// scans shares task listings between the concurrent lookups of one workflow, so that callers
// arriving together cost one listing, not one each (issue 12).
//
// A scan is one newest-first walk of a workflow's waiting tasks. A lookup that finds no scan
// being read starts one. A lookup that arrives while a scan's first page is on the wire joins it:
// its task may be newer than that page, so when the page lacks it, it waits for one more scan,
// started after it arrived. Only lookups a scan started after (for which a miss is a miss) keep
// it paging; a lookup arriving once the first page is in reads the pages already there and, on a
// miss, starts the next scan.
type scans struct {
	mu   sync.Mutex
	seq  uint64           // scans started so far: scan ids
	live map[string]*scan // by workflow: the scan a new lookup may join
	// joined is, by workflow, how many lookups joined its last scan before the first page came.
	joined map[string]int
}

type scan struct {
	id        uint64
	workflow  string
	refs      []flexcallback.TaskRef // the pages read so far, newest first
	pages     int
	done      bool
	err       error
	wake      chan struct{}  // closed, and replaced, when a page is in or the scan ends
	wanted    map[string]int // call SIDs that lookups counting on this scan have not found yet
	followers int            // lookups waiting on this scan
	joined    int            // lookups that followed it before its first page came
	pageSize  int
	cancel    context.CancelFunc
}

func newScans() *scans { return &scans{live: map[string]*scan{}, joined: map[string]int{}} }

// findTask returns the ref of the call's task among the workflow's waiting tasks; found is false
// when the newest lookupMaxPages pages lack it, err set when listing failed.
func (e *Experience) findTask(ctx context.Context, workflowSid, callSid string) (ref flexcallback.TaskRef, found bool, err error) {
	if callSid == "" {
		return flexcallback.TaskRef{}, false, nil
	}
	sc := e.scans
	sc.mu.Lock()
	defer sc.mu.Unlock()
	arrived := sc.seq // a scan with a larger id was started after this lookup arrived
	for {
		s := sc.live[workflowSid]
		if s == nil || s.pages > 0 || s.done {
			var read []flexcallback.TaskRef
			if s != nil {
				read = s.refs // pages read before this lookup arrived: a look costs nothing
			}
			if r, ok := refOf(read, callSid); ok {
				return r, true, nil
			}
			s = sc.start(ctx, e, workflowSid)
		}
		counts := s.id > arrived
		ref, found, err = sc.follow(ctx, s, callSid, counts)
		if found || err != nil || counts {
			return ref, found, err
		}
	}
}

// start begins a scan of the workflow and makes it the one new lookups join. Called with sc.mu
// held. The scan runs on its own: the lookups waiting on it come and go.
func (sc *scans) start(ctx context.Context, e *Experience, workflowSid string) *scan {
	sc.seq++
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	size := (pagePerLookup*sc.joined[workflowSid] + lookupPageSize - 1) / lookupPageSize * lookupPageSize
	s := &scan{id: sc.seq, workflow: workflowSid, wake: make(chan struct{}), wanted: map[string]int{}, cancel: cancel,
		pageSize: min(max(size, lookupPageSize), maxPageSize)}
	sc.live[workflowSid] = s
	go sc.run(sctx, e, workflowSid, s)
	return s
}

// run reads pages until every lookup counting on the scan found its task, the list ends, or
// lookupMaxPages pages are read.
func (sc *scans) run(ctx context.Context, e *Experience, workflowSid string, s *scan) {
	defer s.cancel()
	next := ""
	for {
		q := waitingQuery(workflowSid)
		q.PageSize = s.pageSize
		page, err := e.tasks.ListTaskPage(ctx, q, next)
		sc.mu.Lock()
		if s.pages == 0 {
			if len(sc.joined) >= maxQueues {
				clear(sc.joined)
			}
			sc.joined[workflowSid] = s.joined
		}
		if err != nil {
			s.err = fmt.Errorf("list tasks of workflow %s: %w", workflowSid, err)
			break
		}
		s.refs = append(s.refs, page.Refs...)
		s.pages++
		for _, r := range page.Refs {
			delete(s.wanted, r.CallSid)
		}
		if page.Next == "" || len(s.wanted) == 0 || s.pages >= lookupMaxPages {
			break
		}
		close(s.wake)
		s.wake = make(chan struct{})
		sc.mu.Unlock()
		next = page.Next
	}
	s.done = true
	close(s.wake)
	if sc.live[s.workflow] == s {
		delete(sc.live, s.workflow)
	}
	sc.mu.Unlock()
}

// follow waits on s until it shows callSid's task or ends. counts says the scan began after the
// lookup arrived: it then keeps paging for it; otherwise only its first page is awaited. Called
// and returns with sc.mu held.
func (sc *scans) follow(ctx context.Context, s *scan, callSid string, counts bool) (flexcallback.TaskRef, bool, error) {
	if counts {
		s.wanted[callSid]++
	}
	s.followers++
	defer func() { s.followers-- }()
	if s.pages == 0 {
		s.joined++
	}
	for seen := 0; ; {
		if r, ok := refOf(s.refs[seen:], callSid); ok {
			return r, true, nil
		}
		seen = len(s.refs)
		if s.done || (!counts && s.pages > 0) {
			return flexcallback.TaskRef{}, false, s.err
		}
		wake := s.wake
		sc.mu.Unlock()
		select {
		case <-wake:
			sc.mu.Lock()
		case <-ctx.Done():
			sc.mu.Lock()
			if counts && s.wanted[callSid] > 0 {
				if s.wanted[callSid]--; s.wanted[callSid] == 0 {
					delete(s.wanted, callSid)
				}
			}
			if s.followers == 1 && !s.done {
				s.cancel() // no one is left waiting for this scan: no one may join it either
				if sc.live[s.workflow] == s {
					delete(sc.live, s.workflow)
				}
			}
			return flexcallback.TaskRef{}, false, ctx.Err()
		}
	}
}

// refOf returns the ref whose call SID is callSid.
func refOf(refs []flexcallback.TaskRef, callSid string) (flexcallback.TaskRef, bool) {
	for _, r := range refs {
		if r.CallSid == callSid {
			return r, true
		}
	}
	return flexcallback.TaskRef{}, false
}
