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
	return listPages(c, ctx, "list reservations", taskSid, maxReservationPages,
		func(a *attempt, token, number string) ([]taskrouter.TaskrouterV1TaskReservation, *string, error) {
			res, err := c.taskrouter(a).PageTaskReservation(c.workspace, taskSid, p, token, number)
			if err != nil {
				return nil, nil, err
			}
			return res.Reservations, res.Meta.NextPageUrl, nil
		}, func(r taskrouter.TaskrouterV1TaskReservation) (flexcallback.Reservation, error) {
			return flexcallback.Reservation{Sid: deref(r.Sid), TaskSid: deref(r.TaskSid),
				WorkerSid: deref(r.WorkerSid), Status: deref(r.ReservationStatus)}, nil
		})
}
