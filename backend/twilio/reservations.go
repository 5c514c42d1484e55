package twilio

import (
	"context"

	taskrouter "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"flexcallback"
)

var _ flexcallback.Reservations = (*Client)(nil)

// maxReservationPages bounds the reservations read for one task: a task is offered to few workers.
const maxReservationPages = 4

// ListTaskReservations lists a task's reservations, which say who holds it.
func (c *Client) ListTaskReservations(ctx context.Context, taskSid string) ([]flexcallback.Reservation, error) {
	if err := checkSid("taskSid", taskSid); err != nil {
		return nil, err
	}
	p := (&taskrouter.ListTaskReservationParams{}).SetPageSize(defaultPageSize)
	var out []flexcallback.Reservation
	token, page := "", ""
	for n := 0; n < maxReservationPages; n++ {
		var res *taskrouter.ListTaskReservationResponse
		err := c.do(ctx, "list reservations", taskSid, opIdempotent, func(a *attempt) error {
			var err error
			res, err = c.taskrouter(a).PageTaskReservation(c.workspace, taskSid, p, token, page)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range res.Reservations {
			out = append(out, flexcallback.Reservation{Sid: deref(r.Sid), TaskSid: deref(r.TaskSid),
				WorkerSid: deref(r.WorkerSid), Status: deref(r.ReservationStatus)})
		}
		var ok bool
		if token, page, ok = nextPage(res.Meta.NextPageUrl); !ok {
			break
		}
	}
	return out, nil
}
