package twiliofake

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"flexcallback"
)

// TestOnlyTestsImport keeps the fake out of the product: no file but a _test.go imports it.
func TestOnlyTestsImport(t *testing.T) {
	root, read := filepath.Join("..", ".."), 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != root && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		read++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "flexcallback/backend/twiliofake" {
				t.Errorf("%s imports the fake; only tests may", path)
			}
		}
		return nil
	})
	if err != nil || read < 50 {
		t.Fatalf("read %d files: %v", read, err)
	}
}

// TestFaults: the first fault of an operation applies, Count times; After performs the call;
// Wait holds it (journaled already) until released.
func TestFaults(t *testing.T) {
	ctx := context.Background()
	f := New(nil)
	f.PutQueue(flexcallback.Queue{Sid: "QU1"})
	lost := Err(flexcallback.ErrAmbiguous)
	f.Inject(Fault{Op: "create", Err: lost, Count: 1})
	f.Inject(Fault{Op: "create", Err: lost, Count: 1, After: true})
	for i, want := range []int{0, 1, 2} {
		if _, err := f.CreateTask(ctx, flexcallback.NewTask{WorkflowSid: "WW1"}); (i < 2) != errors.Is(err, flexcallback.ErrAmbiguous) {
			t.Errorf("create %d: %v", i, err)
		}
		if n := len(f.TaskSids()); n != want {
			t.Errorf("after create %d: %d tasks, want %d", i, n, want)
		}
	}
	release := make(chan struct{})
	f.Inject(Fault{Op: "queue", Wait: release, Count: 1})
	done := make(chan error)
	go func() { _, err := f.FetchQueue(ctx, "QU1"); done <- err }()
	for f.Count("queue ") == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("held fetch answered %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestListTaskPage: pages of refs, newest first, with a next-page token; a listing held on the
// wire (Seen tells which page) answers what was there when it arrived.
func TestListTaskPage(t *testing.T) {
	ctx := context.Background()
	f := New(nil)
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 5 {
		f.Put(flexcallback.Task{Sid: "WT" + strconv.Itoa(i), WorkflowSid: "WW1", Status: flexcallback.StatusPending,
			DateCreated: t0.Add(time.Duration(i) * time.Second), Attributes: map[string]any{"call_sid": "CA" + strconv.Itoa(i)}})
	}
	q := flexcallback.TaskQuery{WorkflowSid: "WW1", AssignmentStatus: []string{flexcallback.StatusPending}, PageSize: 2}
	var got []string
	next := ""
	for {
		page, err := f.ListTaskPage(ctx, q, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Refs {
			got = append(got, r.Sid+"/"+r.CallSid)
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if want := "WT4/CA4 WT3/CA3 WT2/CA2 WT1/CA1 WT0/CA0"; strings.Join(got, " ") != want {
		t.Errorf("listed %v, want %s", got, want)
	}
	if n := f.Count("list WW1 [pending] "); n != 3 || f.Index("list WW1 [pending]  2 page 3") < 0 {
		t.Errorf("journal %v", f.Events())
	}

	gate, seen := make(chan struct{}), make(chan string, 1)
	f.Inject(Fault{Op: "list", Wait: gate, Seen: seen, Count: 1})
	done := make(chan flexcallback.TaskPage)
	go func() { page, _ := f.ListTaskPage(ctx, q, ""); done <- page }()
	if e := <-seen; !strings.HasSuffix(e, " page 1") {
		t.Errorf("seen %q", e)
	}
	f.Put(flexcallback.Task{Sid: "WT9", WorkflowSid: "WW1", Status: flexcallback.StatusPending, DateCreated: t0.Add(time.Hour)})
	gate <- struct{}{}
	if page := <-done; page.Refs[0].Sid != "WT4" {
		t.Errorf("held listing answered %v, want the tasks of when it arrived", page.Refs)
	}
}
