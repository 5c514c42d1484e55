package api

import (
	"encoding/json"
	"time"

	"flexcallback"
)

// acceptedToken is a Flex token validation as the token cache stores it: the worker, and until
// when the validation is trusted without asking IAM again.
type acceptedToken struct {
	Until  time.Time  `json:"until"`
	Worker workerJSON `json:"worker"`
}

type workerJSON struct {
	Sid       string    `json:"sid"`
	Identity  string    `json:"identity"`
	Roles     []string  `json:"roles"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func encodeAccepted(w flexcallback.Worker, until time.Time) (string, error) {
	b, err := json.Marshal(acceptedToken{Until: until, Worker: workerJSON(w)})
	return string(b), err
}

// decodeAccepted returns the worker of a stored validation, and false when it does not parse or
// is no longer trusted at now.
func decodeAccepted(s string, now time.Time) (flexcallback.Worker, bool) {
	var a acceptedToken
	if err := json.Unmarshal([]byte(s), &a); err != nil || !now.Before(a.Until) {
		return flexcallback.Worker{}, false
	}
	return flexcallback.Worker(a.Worker), true
}
