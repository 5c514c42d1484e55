// Package sandbox is an embedded, stateful stand-in for the parts of Twilio that flexcallback uses
// (DESIGN §6). It imports nothing of ours: the backend talks to it over HTTP exactly as it talks to
// Twilio, with twilio-go's requests for https://{sub}.twilio.com/{path} rewritten to {base}/{sub}/{path}.
//
// Faithful to Twilio (field names from Twilio's OpenAPI files):
//   - TaskRouter v1 Workspaces, Workflows, TaskQueues, TaskChannels, Activities, Workers, Tasks
//     (ETag/If-Match, cancel only when pending or reserved: 400 code 20001, list filters, meta paging
//     with absolute https://taskrouter.twilio.com next_page_url, EvaluateTaskAttributes limited to
//     3 requests per second: 429 code 20429) and Reservations per task and per worker.
//   - API 2010 Queues (friendly_name = workflow SID), Calls (create, fetch, update Url/Method/Twiml,
//     Status=completed), Recordings (JSON, .mp3/.wav media with Range, no auth needed for media,
//     DELETE), Transcriptions (fetch, DELETE). Dates in RFC 2822 as in API 2010.
//   - IAM token validation for tokens the sandbox issued (POST /_sandbox/tokens).
//   - Flex v1 Configuration (GET; POST with a JSON body naming the account, each top-level key
//     replaced whole as on Twilio), Studio v2 Flows (list without definitions, fetch, create, update
//     as a new revision, delete, Revisions, Validate with details.errors), the account (API 2010).
//     Flows are stored and validated, never executed.
//   - Webhooks are signed (X-Twilio-Signature) and carry I-Twilio-Idempotency-Token and Twilio's
//     voice parameters; Basic auth with the sandbox's account SID and auth token on REST paths;
//     Twilio error bodies {code, message, more_info, status}.
//
// Simplified (documented choices):
//   - Time is virtual unless Config.RealClock: a call waits at Play, Pause, Gather and Record until
//     digits, a hang-up or a clock advance (POST /_sandbox/clock). Say takes no time (its text is
//     only recorded in the timeline). Play lasts 30 s per loop (loop="0" plays until interrupted).
//     Pause lasts its length (default 1 s). A waitUrl document that took no time is requested
//     again after 1 s, so a wait loop never spins.
//   - Record: the caller speaks the text set by POST /_sandbox/calls/{CA}/speech (default: a fixed
//     sentence) for ceil(words/2) seconds and is then silent; the recording ends on a finishOnKey
//     digit, a hang-up, `timeout` seconds of silence, or maxLength. Its duration is the time spoken
//     (silence is trimmed). An empty speech gives a 0-second recording; the action is still
//     requested with RecordingDuration=0 and the transcription (if asked for) fails. All recordings
//     share one embedded 3-second audio file.
//   - Callbacks after a Record run in order on the call's goroutine: action, recordingStatusCallback,
//     transcribeCallback; then the action's TwiML runs.
//   - Gather: nested Say/Play are interruptible; finishOnKey (default #) or numDigits ends it at once;
//     otherwise it ends `timeout` seconds after the prompts or the last digit. Empty input falls
//     through to the next verb (also when only finishOnKey was pressed).
//   - Enqueue creates the task on the named workflow's single TaskQueue ("Everyone"); a waitUrl
//     document that ends without Redirect makes the call request the Enqueue's waitUrl again.
//     Leave, a hang-up or a REST redirect cancels the task if it is still pending or reserved.
//     When an agent accepts the reservation the call is bridged (timeline verb "Bridged") and
//     waits until it is hung up or redirected. Canceling the task over REST does not dequeue the call.
//   - The router reserves pending tasks (priority desc, then virtual_start_time asc) to Available
//     workers with capacity 1 per task channel. Workers start Offline, so tasks stay pending until a
//     worker is made available. Reservations never time out; task timeouts are not enforced.
//   - Faults (POST /_sandbox/faults) match REST requests by method and path; a path starting with
//     "^" is a Go regexp, anything else a path prefix (as served, e.g. "/taskrouter/v1/").
package sandbox
