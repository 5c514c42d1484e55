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
