package sandbox

import (
	"cmp"
	"slices"
)

// route reserves pending tasks to available workers: tasks by priority desc, then
// virtual_start_time asc; workers in their fixed order, each with capacity 1 per task channel.
// Called with s.mu held after every change that could make a reservation possible.
func (s *Sandbox) route() {
	var pending []*task
	for _, t := range s.w.taskList {
		if t.status == "pending" {
			pending = append(pending, t)
		}
	}
	slices.SortStableFunc(pending, func(a, b *task) int {
		if c := cmp.Compare(b.priority, a.priority); c != 0 {
			return c
		}
		if c := a.virtualStart.Compare(b.virtualStart); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, t := range pending {
		for _, wk := range s.w.workers {
			if !wk.activity.available || t.rejected[wk.sid] || s.busyOn(wk, t.channel) {
				continue
			}
			res := &reservation{sid: s.w.ids.next("WR"), task: t, worker: wk, status: "pending", created: s.now, updated: s.now}
			s.w.reservations[res.sid] = res
			s.w.resList = append(s.w.resList, res)
			t.status, t.updated = "reserved", s.now
			t.version++
			break
		}
	}
}

// busyOn reports whether the worker holds a live reservation on the channel.
func (s *Sandbox) busyOn(wk *worker, ch *taskChannel) bool {
	for _, r := range s.w.resList {
		if r.worker == wk && r.task.channel == ch && (r.status == "pending" || r.status == "accepted" || r.status == "wrapping") {
			return true
		}
	}
	return false
}

// endReservations closes the live reservations of a task (task canceled or deleted).
func (s *Sandbox) endReservations(t *task, status string) {
	for _, r := range s.w.resList {
		if r.task == t && (r.status == "pending" || r.status == "accepted" || r.status == "wrapping") {
			r.status, r.updated = status, s.now
		}
	}
}

// moveAcceptedReservation follows a task's wrap-up or completion on its accepted reservation.
func (s *Sandbox) moveAcceptedReservation(t *task, status string) {
	for _, r := range s.w.resList {
		if r.task == t && (r.status == "accepted" || r.status == "wrapping") {
			r.status, r.updated = status, s.now
		}
	}
}

// moveReservation applies a ReservationStatus change and its effect on the task.
func (s *Sandbox) moveReservation(r *reservation, to string) error {
	t := r.task
	switch {
	case to == "accepted" && r.status == "pending":
		t.status, t.accepted = "assigned", s.now
		s.bridgeCallOf(t)
	case to == "rejected" && r.status == "pending":
		t.status = "pending"
		t.rejected[r.worker.sid] = true
	case to == "wrapping" && r.status == "accepted":
		t.status = "wrapping"
	case to == "completed" && (r.status == "accepted" || r.status == "wrapping"):
		t.status = "completed"
	default:
		return errBadTransition{from: r.status, to: to}
	}
	r.status, r.updated = to, s.now
	t.updated = s.now
	t.version++
	s.route()
	return nil
}

type errBadTransition struct{ from, to string }

func (e errBadTransition) Error() string {
	return "Reservation cannot move from " + e.from + " to " + e.to
}
