package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

// actionTimeout bounds how long a Flex action may stay unanswered before the panel gives the agent
// the buttons back.
const actionTimeout = 30 * time.Second

// requestTimeout bounds one backend request.
const requestTimeout = 30 * time.Second

// What the panel is busy with; "" when idle.
const (
	busyCall    = "call"
	busyRequeue = "requeue"
	busyDelete  = "delete"
)

// pendingAction is an action message waiting for its actionResult.
type pendingAction struct {
	name        string
	phoneNumber string    // StartOutboundCall
	nextAttempt int       // WrapupTask after a requeue
	at          time.Time // and the time it was scheduled for; zero: now
	ended       bool      // WrapupTask after an outcome that ended the callback
}

// panel is the task info panel for callback and voicemail tasks (spec §5.3): it listens to the
// shim (DESIGN §4), renders the task with the rules of flexcallback.NewPanelView, and runs the
// agent's actions through the backend and the shim.
type panel struct {
	app.Compo

	allowed      []string // origins the shim may live on
	businessZone string
	rules        flexcallback.PanelRules // the backend's, over the shim's config
	api          apiClient
	post         func(m flexcallback.Message, origin string)
	timeout      time.Duration // for an action's result

	origin  string // the shim's origin, fixed by the first valid context
	token   string
	locale  string
	task    *flexcallback.PanelTask
	worker  flexcallback.PanelWorker
	config  flexcallback.PanelConfig
	busy    string
	confirm bool // the delete confirmation is showing
	deleted bool // deleted here; the task update saying so may not have arrived yet

	recorded     flexcallback.Outcome // recorded here for recordedCall (outcome.go)
	recordedCall string

	status      string
	statusError bool

	pending map[string]pendingAction
	nextID  int
	stop    []func()
	life    context.Context // the panel's own, from OnMount
}

// newPanel builds the panel from the settings the server passes in app.Handler.Env.
func newPanel() *panel {
	allowed, err := flexcallback.ParseOrigins(app.Getenv("PANEL_ALLOWED_ORIGINS"))
	if err != nil {
		app.Log("panel:", err)
		allowed = []string{flexcallback.DefaultPanelOrigin}
	}
	return &panel{
		allowed:      allowed,
		businessZone: app.Getenv("BUSINESS_TIME_ZONE"),
		rules:        flexcallback.PanelRulesFromEnv(app.Getenv),
		api:          apiClient{BaseURL: pageOrigin()},
		post:         postToParent,
		timeout:      actionTimeout,
		locale:       defaultLocale,
		pending:      map[string]pendingAction{},
	}
}

func (p *panel) OnMount(ctx app.Context) {
	p.life = ctx
	p.stop = append(p.stop, listenMessages(p.handleMessage))
	// The parent's origin is unknown until it answers, so ready goes to each allowed origin; the
	// browser delivers only the one that matches.
	p.send(flexcallback.NewReady())
	last := 0
	p.stop = append(p.stop, observeHeight(func(h int) {
		if h != last {
			last = h
			p.send(flexcallback.NewResize(h))
		}
	}))
}

func (p *panel) OnDismount() {
	for _, stop := range p.stop {
		stop()
	}
	p.stop = nil
}

// send posts m to the shim: to its origin once known, else to every allowed origin. Never "*".
func (p *panel) send(m flexcallback.Message) {
	if p.origin != "" {
		p.post(m, p.origin)
		return
	}
	for _, o := range p.allowed {
		p.post(m, o)
	}
}

// handleMessage acts on a message event. Only the parent window on an allowed origin is heard, and
// after the first context only that context's origin.
func (p *panel) handleMessage(ctx app.Context, origin string, fromParent bool, data []byte) {
	if !fromParent || !flexcallback.OriginAllowed(p.allowed, origin) || (p.origin != "" && origin != p.origin) {
		return
	}
	m, err := flexcallback.ParseShimMessage(data)
	if err != nil {
		app.Log("panel: ignored message:", err)
		return
	}
	switch m.Type {
	case flexcallback.MsgContext:
		p.origin = origin
		p.token = m.Token
		p.locale = matchLocale(m.Locale)
		p.worker, p.config = *m.Worker, p.rules.Apply(*m.Config)
		if p.config.MaxAttempts != m.Config.MaxAttempts {
			app.Logf("panel: Flex's max_attempts %d differs from the backend's MAX_ATTEMPTS %d; the backend's applies", m.Config.MaxAttempts, p.config.MaxAttempts)
		}
		p.setTask(m.Task)
		setDocumentLang(p.locale)
	case flexcallback.MsgTask:
		if p.origin == "" {
			return // a task before any context has no token to act with
		}
		p.setTask(m.Task)
	case flexcallback.MsgActionResult:
		p.actionResult(ctx, m)
	}
}

func (p *panel) setTask(t *flexcallback.PanelTask) {
	if p.task == nil || p.task.TaskSid != t.TaskSid {
		p.confirm, p.deleted, p.status, p.statusError = false, false, "", false
		p.recorded, p.recordedCall = "", ""
	}
	p.task = t
}

func (p *panel) view() flexcallback.PanelView {
	v := flexcallback.NewPanelView(*p.task, p.worker, p.config, p.busy != "")
	if p.deleted {
		v.ShowRecording, v.ShowTranscript, v.ShowDelete, v.DeleteEnabled = false, false, false, false
		v.TranscriptFailed = false
	}
	p.applyRecorded(&v)
	return v
}

func (p *panel) setStatus(text string, isError bool) { p.status, p.statusError = text, isError }

// act sends a Flex action and arranges for the buttons to come back if Flex never answers.
func (p *panel) act(ctx app.Context, name string, payload any, pa pendingAction) {
	p.nextID++
	id := strconv.Itoa(p.nextID)
	pa.name = name
	p.pending[id] = pa
	p.send(flexcallback.NewAction(id, name, payload))
	// Not ctx.After: a dispatcher waits for that, and nothing should wait on a timeout that
	// usually never matters.
	time.AfterFunc(p.timeout, func() {
		p.dispatch(ctx, app.Update, func(ctx app.Context) {
			if _, ok := p.pending[id]; ok {
				p.actionResult(ctx, flexcallback.Message{ID: id, Error: tr(p.locale, keyNoAnswerFromFlex, nil)})
			}
		})
	})
}

func (p *panel) actionResult(ctx app.Context, m flexcallback.Message) {
	pa, ok := p.pending[m.ID]
	if !ok {
		return
	}
	delete(p.pending, m.ID)
	p.busy = ""
	switch pa.name {
	case flexcallback.ActionStartOutboundCall:
		if !m.OK {
			text := tr(p.locale, keyErrorCallingCustomer, map[string]string{"customer": pa.phoneNumber})
			p.setStatus(text, true)
			p.send(flexcallback.NewNotify(flexcallback.LevelError, text))
		}
	case flexcallback.ActionWrapupTask:
		if pa.ended {
			p.endedWrapup(m)
			return
		}
		if !m.OK {
			p.setStatus(tr(p.locale, keyErrorRequeuing, map[string]string{"reason": m.Error}), true)
			return
		}
		p.setStatus(p.retriedText(pa), false)
	}
}

func (p *panel) onCall(ctx app.Context, e app.Event) {
	if p.task == nil || !p.view().CallEnabled {
		return
	}
	if !p.config.OutboundEnabled {
		text := tr(p.locale, keyOutboundNotEnabled, nil)
		p.setStatus(text, true)
		p.send(flexcallback.NewNotify(flexcallback.LevelError, text))
		return
	}
	call, err := flexcallback.BuildOutboundCall(*p.task)
	if err != nil {
		p.setStatus(tr(p.locale, keyNoNumber, nil), true)
		return
	}
	p.busy = busyCall
	p.setStatus(tr(p.locale, keyCalling, map[string]string{"phoneNumber": call.Destination}), false)
	p.act(ctx, flexcallback.ActionStartOutboundCall, call, pendingAction{phoneNumber: call.Destination})
}

// onRetry is "Retry later" now; retry_at.go has the rest.
func (p *panel) onRetry(ctx app.Context, e app.Event) { p.retry(ctx, time.Time{}) }

func (p *panel) onDelete(ctx app.Context, e app.Event) {
	if p.task == nil || !p.view().DeleteEnabled {
		return
	}
	p.confirm = true
	p.focus(ctx, "delete-yes")
}

func (p *panel) onDeleteCancel(ctx app.Context, e app.Event) {
	p.confirm = false
	p.focus(ctx, "delete")
}

func (p *panel) onDeleteConfirm(ctx app.Context, e app.Event) {
	if p.task == nil || !p.view().DeleteEnabled {
		return
	}
	p.confirm = false
	p.busy = busyDelete
	p.setStatus("", false)
	token, task, rec := p.token, p.task.TaskSid, p.view().Data.RecordingSid
	ctx.Async(func() {
		rctx, cancel := p.requestContext(ctx)
		defer cancel()
		err := p.api.deleteVoicemail(rctx, token, task, rec)
		p.dispatch(ctx, app.Update, func(ctx app.Context) {
			p.busy = ""
			if err != nil {
				p.setStatus(tr(p.locale, keyErrorDeleting, map[string]string{"reason": agentMessage(err)}), true)
				return
			}
			p.deleted = true
			p.setStatus(tr(p.locale, keyVoicemailDeleted, nil), false)
		})
	})
}

// requestContext bounds a backend request by the panel's life, not by the button's: go-app
// cancels a click's context when its button leaves the page, which would abort the request.
func (p *panel) requestContext(ctx app.Context) (context.Context, context.CancelFunc) {
	parent := context.Context(ctx)
	if p.life != nil {
		parent = p.life
	}
	return context.WithTimeout(parent, requestTimeout)
}

// dispatch runs fn on the UI loop with the panel as its source. The ctx of a click names the
// button as source, and go-app drops a dispatch whose source has left the page, as the button
// that started an action often has by the time its answer comes.
func (p *panel) dispatch(ctx app.Context, mode app.DispatchMode, fn func(app.Context)) {
	ctx.Dispatcher().Dispatch(app.Dispatch{Mode: mode, Source: p, Function: fn})
}

// focus moves keyboard focus to the element with id, when there is a browser. The element
// appears with the update that follows the current handler, so it is looked for a few times;
// the work is dispatched from the panel, whose context outlives the button that was clicked.
func (p *panel) focus(ctx app.Context, id string) {
	if !app.IsClient {
		return
	}
	d := ctx.Dispatcher()
	var try func(left int)
	try = func(left int) {
		d.Dispatch(app.Dispatch{Mode: app.Defer, Source: p, Function: func(app.Context) {
			if el := app.Window().GetElementByID(id); el.Truthy() {
				el.Call("focus")
				return
			}
			if left > 0 {
				go func() {
					time.Sleep(20 * time.Millisecond)
					try(left - 1)
				}()
			}
		}})
	}
	try(25)
}

func (p *panel) Render() app.UI {
	l := p.locale
	if p.task == nil {
		return app.Main().ID("panel").Class("cv-panel").Body(
			app.H1().Class("cv-heading").Text(tr(l, keyPanelLabel, nil)),
			app.P().ID("waiting").Class("cv-weak").Text(tr(l, keyWaiting, nil)),
			p.renderStatus(),
		)
	}
	v := p.view()
	heading, description := keyRequestHeading, keyRequestDescription
	if v.Kind == flexcallback.KindVoicemail {
		heading, description = keyVoicemailHeading, keyVoicemailDescription
	}
	received := v.Data.Received
	if received.IsZero() {
		received = time.Now()
	}
	number := v.Data.NumberToCall
	business := first(p.businessZone, v.Data.MainTimeZone)

	return app.Main().ID("panel").Class("cv-panel").Attr("data-kind", string(v.Kind)).Body(
		app.Section().Class("cv-box").Body(
			app.H1().ID("heading").Class("cv-heading").Text(tr(l, heading, nil)),
			app.P().ID("description").Text(tr(l, description, nil)),
		),
		app.If(v.ShowRecording,
			app.Section().Class("cv-box").Body(
				app.H2().ID("recording-heading").Class("cv-subheading").Text(tr(l, keyVoicemailRecording, nil)),
				// The backend serves the audio once the agent accepted the task; the player then mounts.
				app.If(v.PlayRecording,
					&audioPlayer{
						BaseURL: p.api.BaseURL, Token: p.token, TaskSid: p.task.TaskSid,
						RecordingSid: v.Data.RecordingSid, Locale: l, LabelledBy: "recording-heading",
					},
				).Else(
					app.P().ID("voicemail-accept").Class("cv-weak").Text(tr(l, keyVoicemailAccept, nil)),
				),
			),
		),
		app.If(v.ShowTranscript,
			app.Section().Class("cv-box").Body(
				app.H2().Class("cv-subheading").Text(tr(l, keyVoicemailTranscript, nil)),
				app.P().ID("transcript").Class("cv-transcript").Text(v.Data.TranscriptText),
			),
		),
		app.If(v.TranscriptFailed,
			app.Section().Class("cv-box").Body(
				app.H2().Class("cv-subheading").Text(tr(l, keyVoicemailTranscript, nil)),
				app.P().ID("transcript-unavailable").Class("cv-transcript").Text(tr(l, keyTranscriptFailed, nil)),
			),
		),
		app.If(len(v.Merged) > 0, p.renderMerged(v)),
		app.Section().Class("cv-box").Body(
			app.H2().Class("cv-subheading").Text(tr(l, keyContactPhone, nil)),
			app.P().ID("phone").Text(number),
		),
		app.Section().Class("cv-box").Body(
			app.H2().Class("cv-subheading").Text(tr(l, keyCallReceptionTime, nil)),
			&receptionTime{Received: received, Locale: l, BusinessZone: business},
		),
		app.If(!v.Data.ScheduledFor.IsZero(), &scheduledFor{At: v.Data.ScheduledFor, Locale: l, BusinessZone: business}),
		app.If(v.ShowAttempts,
			app.Section().Class("cv-box").Body(
				app.H2().Class("cv-subheading").Text(tr(l, keyAttemptHeading, nil)),
				app.P().ID("attempts").Text(tr(l, keyAttempts, map[string]string{
					"thisAttempt": formatNumber(l, v.ThisAttempt), "maxAttempts": formatNumber(l, v.MaxAttempts),
				})),
			),
		),
		p.renderOutcome(v),
		app.Div().Class("cv-actions").Body(
			app.Button().
				ID("call").Type("button").Class("cv-button cv-button-primary").
				Disabled(!v.CallEnabled).
				Text(tr(l, keyPlaceCallNow, map[string]string{"phoneNumber": number})).
				OnClick(p.onCall),
			app.If(v.ShowRetry,
				app.Button().
					ID("retry").Type("button").Class("cv-button cv-button-secondary").
					Disabled(!v.RetryEnabled).
					Text(tr(l, keyRetryLater, nil)).
					OnClick(p.onRetry),
			),
			app.If(v.ShowRetry, &retryAt{Locale: l, BusinessZone: business, Disabled: !v.RetryEnabled, OnChoose: p.retry}),
			app.If(v.ShowDelete && !p.confirm,
				app.Button().
					ID("delete").Type("button").Class("cv-button cv-button-destructive").
					Disabled(!v.DeleteEnabled).
					Text(tr(l, keyDeleteVoicemail, nil)).
					OnClick(p.onDelete),
			),
			app.If(v.ShowDelete && p.confirm,
				app.Div().ID("delete-confirm").Class("cv-confirm").Role("group").Aria("labelledby", "delete-question").Body(
					app.P().ID("delete-question").Text(tr(l, keyDeleteConfirm, nil)),
					app.Button().
						ID("delete-yes").Type("button").Class("cv-button cv-button-destructive").
						Text(tr(l, keyDeleteYes, nil)).
						OnClick(p.onDeleteConfirm),
					app.Button().
						ID("delete-cancel").Type("button").Class("cv-button cv-button-secondary").
						Text(tr(l, keyCancel, nil)).
						OnClick(p.onDeleteCancel),
				),
			),
		),
		p.renderStatus(),
	)
}

// renderMerged lists the caller's later requests joined to this task (MERGE_OPEN_CALLBACKS): when
// each came, and each voicemail with its player and transcript.
func (p *panel) renderMerged(v flexcallback.PanelView) app.UI {
	l := p.locale
	return app.Section().Class("cv-box").Body(
		app.H2().ID("merged-heading").Class("cv-subheading").
			Text(tr(l, keyMergedHeading, map[string]string{"count": formatNumber(l, len(v.Merged))})),
		app.Ol().ID("merged").Class("cv-merged").Aria("labelledby", "merged-heading").Body(
			app.Range(v.Merged).Slice(func(i int) app.UI {
				m := v.Merged[i]
				id := "merged-" + strconv.Itoa(i+1)
				what := keyMergedCallback
				if m.ShowRecording {
					what = keyMergedVoicemail
				}
				return app.Li().ID(id).Body(
					app.P().ID(id+"-label").Body(
						app.Time().DateTime(m.Time.UTC().Format(time.RFC3339)).Text(formatDateTime(l, m.Time, "")),
						app.Text(" · "+tr(l, what, nil)),
					),
					app.If(m.PlayRecording,
						&audioPlayer{
							BaseURL: p.api.BaseURL, Token: p.token, TaskSid: p.task.TaskSid,
							RecordingSid: m.RecordingSid, Locale: l, LabelledBy: id + "-label", ID: id + "-voicemail",
						},
					).ElseIf(m.ShowRecording,
						app.P().Class("cv-weak").Text(tr(l, keyVoicemailAccept, nil)),
					),
					app.If(m.ShowTranscript,
						app.P().ID(id+"-transcript").Class("cv-transcript").Text(m.TranscriptText),
					).ElseIf(m.TranscriptFailed,
						app.P().Class("cv-transcript").Text(tr(l, keyTranscriptFailed, nil)),
					),
				)
			}),
		),
	)
}

func (p *panel) renderStatus() app.UI {
	class := "cv-status"
	if p.statusError {
		class += " cv-error"
	}
	return app.Div().ID("status").Class(class).Role("status").Aria("live", "polite").Text(p.status)
}

func first(vs ...string) string {
	for _, v := range vs {
		if s := strings.TrimSpace(v); s != "" {
			return s
		}
	}
	return ""
}
