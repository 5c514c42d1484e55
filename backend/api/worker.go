package api

import (
	"encoding/json"
	"time"

	"flexcallback"
)

type workerJSON struct {
	Sid       string    `json:"sid"`
	Identity  string    `json:"identity"`
	Roles     []string  `json:"roles"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func encodeWorker(w flexcallback.Worker) (string, error) {
	b, err := json.Marshal(workerJSON(w))
	return string(b), err
}

func decodeWorker(s string) (flexcallback.Worker, error) {
	var w workerJSON
	err := json.Unmarshal([]byte(s), &w)
	return flexcallback.Worker(w), err
}
