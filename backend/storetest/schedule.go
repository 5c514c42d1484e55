package storetest

import (
	"context"
	"testing"
	"time"

	"flexcallback"
)

// RunSchedule checks q against the Schedule contract. q must be empty.
func RunSchedule(t *testing.T, q flexcallback.Schedule) {
	ctx := context.Background()
	t0 := time.Date(2025, 5, 2, 14, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ss []flexcallback.Scheduled) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	same := func(what string, got []flexcallback.Scheduled, want ...string) {
		t.Helper()
		if g := ids(got); len(g) != len(want) || (len(want) > 0 && !equal(g, want)) {
			t.Errorf("%s = %v; want %v", what, g, want)
		}
	}

	later := flexcallback.Scheduled{ID: "b", Due: t0.Add(time.Hour), Payload: `{"n":2}`}
	first := flexcallback.Scheduled{ID: "a", Due: t0, Payload: `{"n":1}`}
	for _, s := range []flexcallback.Scheduled{later, first} {
		added, err := q.Add(ctx, s)
		must(err)
		if !added {
			t.Fatalf("Add(%s) = false on an empty schedule", s.ID)
		}
	}
	if added, err := q.Add(ctx, flexcallback.Scheduled{ID: "a", Due: t0.Add(time.Minute), Payload: "other"}); err != nil || added {
		t.Errorf("Add of a held ID = %v, %v; want false", added, err)
	}
	all, err := q.List(ctx, 10)
	must(err)
	same("List", all, "a", "b")
	if len(all) == 2 && (all[0].Payload != `{"n":1}` || !all[0].Due.Equal(t0)) {
		t.Errorf("List kept %+v; want the first Add's entry", all[0])
	}

	due, err := q.Due(ctx, t0.Add(-time.Second), 10)
	must(err)
	same("Due a second early", due)
	due, err = q.Due(ctx, t0, 10)
	must(err)
	same("Due at its time", due, "a")

	won, err := q.Claim(ctx, "a", t0, time.Minute)
	must(err)
	if !won {
		t.Fatal("Claim of a due entry lost")
	}
	if won, _ := q.Claim(ctx, "a", t0.Add(time.Second), time.Minute); won {
		t.Error("a second Claim won while the lease lives")
	}
	if won, _ := q.Claim(ctx, "b", t0, time.Minute); won {
		t.Error("Claim won an entry not yet due")
	}
	due, err = q.Due(ctx, t0.Add(30*time.Second), 10)
	must(err)
	same("Due under a lease", due)
	due, err = q.Due(ctx, t0.Add(time.Minute), 10)
	must(err)
	same("Due after the lease ended", due, "a")
	if won, _ := q.Claim(ctx, "a", t0.Add(time.Minute), time.Minute); !won {
		t.Error("Claim after the lease ended lost")
	}
	all, err = q.List(ctx, 10)
	must(err)
	same("List with a claim", all, "a", "b")
	if n, err := q.Count(ctx); err != nil || n != 2 {
		t.Errorf("Count with a claim = %d, %v; want 2", n, err)
	}

	removed, err := q.Done(ctx, "a")
	must(err)
	if !removed {
		t.Error("Done(a) = false")
	}
	if removed, _ := q.Done(ctx, "a"); removed {
		t.Error("Done twice removed twice")
	}
	due, err = q.Due(ctx, t0.Add(2*time.Hour), 10)
	must(err)
	same("Due after Done", due, "b")
	all, err = q.List(ctx, 1)
	must(err)
	same("List(1)", all, "b")
	if n, err := q.Count(ctx); err != nil || n != 1 {
		t.Errorf("Count after Done = %d, %v; want 1", n, err)
	}
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
