package sandbox

import (
	"net/http"
	"strings"
)

// Handler serves the REST APIs (TaskRouter under /taskrouter/v1, API 2010 under /api/2010-04-01,
// IAM under /iam/v1), recording media and the admin API under /_sandbox/.
func (s *Sandbox) Handler() http.Handler {
	rest := http.NewServeMux()
	admin := http.NewServeMux()
	ws := "/taskrouter/v1/Workspaces/{ws}"
	rest.HandleFunc("GET /taskrouter/v1/Workspaces", s.handleList("workspaces"))
	rest.HandleFunc("GET "+ws, s.inWorkspace(s.handleFetch("workspace")))
	rest.HandleFunc("GET "+ws+"/Tasks", s.inWorkspace(s.handleListTasks))
	rest.HandleFunc("POST "+ws+"/Tasks", s.inWorkspace(s.handleCreateTask))
	rest.HandleFunc("GET "+ws+"/Tasks/{task}", s.inWorkspace(s.onTask(false, s.handleFetchTask)))
	rest.HandleFunc("POST "+ws+"/Tasks/{task}", s.inWorkspace(s.onTask(true, s.handleUpdateTask)))
	rest.HandleFunc("DELETE "+ws+"/Tasks/{task}", s.inWorkspace(s.onTask(true, s.handleDeleteTask)))
	rest.HandleFunc("GET "+ws+"/Tasks/{owner}/Reservations", s.inWorkspace(s.handleReservations("task")))
	rest.HandleFunc(ws+"/Tasks/{owner}/Reservations/{sid}", s.inWorkspace(s.handleReservation("task")))
	rest.HandleFunc("GET "+ws+"/Workers/{owner}/Reservations", s.inWorkspace(s.handleReservations("worker")))
	rest.HandleFunc(ws+"/Workers/{owner}/Reservations/{sid}", s.inWorkspace(s.handleReservation("worker")))
	rest.HandleFunc("GET "+ws+"/Workflows", s.inWorkspace(s.handleList("workflows")))
	rest.HandleFunc("GET "+ws+"/Workflows/{sid}", s.inWorkspace(s.handleFetch("workflow")))
	rest.HandleFunc("GET "+ws+"/TaskQueues", s.inWorkspace(s.handleList("task_queues")))
	rest.HandleFunc("GET "+ws+"/TaskQueues/{sid}", s.inWorkspace(s.handleFetch("task_queue")))
	rest.HandleFunc("GET "+ws+"/TaskChannels", s.inWorkspace(s.handleList("channels")))
	rest.HandleFunc("GET "+ws+"/TaskChannels/{sid}", s.inWorkspace(s.handleFetch("channel")))
	rest.HandleFunc("GET "+ws+"/Activities", s.inWorkspace(s.handleList("activities")))
	rest.HandleFunc("GET "+ws+"/Activities/{sid}", s.inWorkspace(s.handleFetch("activity")))
	rest.HandleFunc("GET "+ws+"/Workers", s.inWorkspace(s.handleList("workers")))
	rest.HandleFunc("GET "+ws+"/Workers/{sid}", s.inWorkspace(s.handleFetch("worker")))
	rest.HandleFunc("POST "+ws+"/Workers/{sid}", s.inWorkspace(s.handleUpdateWorker))

	acc := "/api/2010-04-01/Accounts/{ac}"
	rest.HandleFunc("GET "+acc+"/Queues.json", s.inAccount(s.handleQueues))
	rest.HandleFunc("GET "+acc+"/Queues/{file}", s.inAccount(s.handleQueue))
	rest.HandleFunc("GET "+acc+"/Calls.json", s.inAccount(s.handleCallList))
	rest.HandleFunc("POST "+acc+"/Calls.json", s.inAccount(s.handleCreateCall))
	rest.HandleFunc("GET "+acc+"/Calls/{file}", s.inAccount(s.handleCall))
	rest.HandleFunc("POST "+acc+"/Calls/{file}", s.inAccount(s.handleCall))
	rest.HandleFunc("GET "+acc+"/Transcriptions/{file}", s.inAccount(s.handleTranscription))
	rest.HandleFunc("DELETE "+acc+"/Transcriptions/{file}", s.inAccount(s.handleTranscription))
	rest.HandleFunc("POST /iam/v1/Accounts/{ac}/Tokens/validate", s.handleValidateToken)
	s.setupRoutes(rest, admin)
	s.statisticsRoutes(rest)
	rest.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w, r.URL.Path) })

	// Recordings check auth themselves: media needs none, as on Twilio by default.
	media := http.NewServeMux()
	media.HandleFunc("GET "+acc+"/Recordings/{file}", s.handleRecording)
	media.HandleFunc("DELETE "+acc+"/Recordings/{file}", s.handleRecording)
	admin.HandleFunc("GET /_sandbox/{$}", s.handleInfo)
	admin.HandleFunc("POST /_sandbox/tokens", withBody(s.handleIssueToken))
	admin.HandleFunc("GET /_sandbox/calls", s.handleAdminCalls)
	admin.HandleFunc("POST /_sandbox/calls", withBody(s.handleAdminCreateCall))
	admin.HandleFunc("GET /_sandbox/calls/{call}", s.adminCall(nil))
	admin.HandleFunc("POST /_sandbox/calls/{call}/digits", withBody(s.handleDigits))
	admin.HandleFunc("POST /_sandbox/calls/{call}/hangup", s.adminCallNow(func(w http.ResponseWriter, c *call) bool {
		if c.status != "completed" {
			s.hangupCall(c)
		}
		return true
	}, true))
	admin.HandleFunc("POST /_sandbox/calls/{call}/speech", withBody(s.handleSpeech))
	admin.HandleFunc("POST /_sandbox/calls/{call}/redeliver", s.handleRedeliver)
	admin.HandleFunc("POST /_sandbox/clock", withBody(s.handleClock))
	admin.HandleFunc("GET /_sandbox/tasks", s.handleAdminTasks)
	admin.HandleFunc("GET /_sandbox/reservations", s.handleAdminReservations)
	admin.HandleFunc("POST /_sandbox/reservations/{res}", withBody(s.handleAdminReservation))
	admin.HandleFunc("POST /_sandbox/faults", s.handleAddFault)
	admin.HandleFunc("DELETE /_sandbox/faults", s.handleClearFaults)
	admin.HandleFunc("POST /_sandbox/reset", s.handleReset)
	admin.HandleFunc("POST /_sandbox/workers/{worker}/activity", withBody(s.handleWorkerActivity))

	restAuthed := s.requireAuth(rest)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/_sandbox/"):
			admin.ServeHTTP(w, r)
			return
		case r.Method == http.MethodPost || r.Method == http.MethodGet || r.Method == http.MethodDelete:
			_ = r.ParseForm()
		}
		if strings.HasPrefix(r.URL.Path, "/api/2010-04-01/Accounts/") && strings.Contains(r.URL.Path, "/Recordings/") {
			s.withFaults(media).ServeHTTP(w, r)
			return
		}
		s.withFaults(restAuthed).ServeHTTP(w, r)
	})
}

// inWorkspace answers 404 for any workspace but the sandbox's.
func (s *Sandbox) inWorkspace(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := r.PathValue("ws") == s.w.workspace
		s.mu.Unlock()
		if !ok {
			notFound(w, r.URL.Path)
			return
		}
		h(w, r)
	}
}

// inAccount answers 401 for any account but the sandbox's, as Twilio does, and runs h holding the
// sandbox's lock: the API 2010 handlers.
func (s *Sandbox) inAccount(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.checkAccount(w, r) {
			h(w, r)
		}
	}
}
