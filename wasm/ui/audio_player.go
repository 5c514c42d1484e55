package ui

import (
	"context"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// Voicemail player states.
const (
	playerLoading = "loading"
	playerReady   = "ready"
	playerError   = "error"
)

// audioPlayer plays a voicemail from the short-lived URL the backend's flex/voicemail-url returns,
// so the audio streams with Range instead of arriving base64 in JSON (fixes P2). It fetches a new
// URL whenever the recording changes and when the agent presses "Try again", which also recovers
// from an expired media token.
type audioPlayer struct {
	app.Compo

	BaseURL      string // the backend's origin
	Token        string // the Flex token, kept in memory only
	TaskSid      string
	RecordingSid string
	Locale       string
	LabelledBy   string // id of the heading that names the player
	ID           string // prefix of the player's element ids; "" is "voicemail" (the task's own)

	state     string
	src       string
	loadedFor string
	life      context.Context // the player's own, from OnMount
}

func newAudioPlayer() *audioPlayer { return &audioPlayer{} }

func (p *audioPlayer) OnMount(ctx app.Context) {
	p.life = ctx
	p.load(ctx)
}

// OnUpdate reloads when the parent hands over another recording.
func (p *audioPlayer) OnUpdate(ctx app.Context) {
	if p.loadedFor != p.RecordingSid {
		p.load(ctx)
	}
}

func (p *audioPlayer) load(ctx app.Context) {
	rec, token, task := p.RecordingSid, p.Token, p.TaskSid
	p.loadedFor, p.state, p.src = rec, playerLoading, ""
	client := apiClient{BaseURL: p.BaseURL}
	// Bound by the player's life, not the click's: go-app cancels a click's context when its
	// button ("Try again") leaves the page, which it does as soon as loading starts.
	parent := context.Context(ctx)
	if p.life != nil {
		parent = p.life
	}
	ctx.Async(func() {
		rctx, cancel := context.WithTimeout(parent, requestTimeout)
		defer cancel()
		u, _, err := client.voicemailURL(rctx, token, task, rec)
		// The player as source: the "Try again" button that may have started this is gone by now,
		// and go-app drops dispatches of sources that left the page.
		ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Update, Source: p, Function: func(ctx app.Context) {
			if p.loadedFor != rec {
				return // an answer for a recording no longer shown
			}
			if err != nil {
				app.Log("voicemail:", err)
				p.state = playerError
				return
			}
			p.state, p.src = playerReady, u
		}})
	})
}

func (p *audioPlayer) onRetry(ctx app.Context, e app.Event) { p.load(ctx) }

// onMediaError covers what the URL request cannot see: an expired token or unplayable audio.
func (p *audioPlayer) onMediaError(ctx app.Context, e app.Event) { p.state = playerError }

// id names one of the player's elements, so that several players can share a page.
func (p *audioPlayer) id(suffix string) string {
	return first(p.ID, "voicemail") + suffix
}

func (p *audioPlayer) Render() app.UI {
	switch p.state {
	case playerReady:
		return app.Div().ID(p.id("")).Class("cv-player").Body(
			app.Audio().
				ID(p.id("-audio")).
				Controls(true).
				Preload("metadata").
				Aria("labelledby", p.LabelledBy).
				Src(p.src).
				OnError(p.onMediaError),
		)
	case playerError:
		return app.Div().ID(p.id("")).Class("cv-player").Body(
			app.P().ID(p.id("-error")).Class("cv-error").Text(tr(p.Locale, keyVoicemailError, nil)),
			app.Button().
				ID(p.id("-retry")).
				Type("button").
				Class("cv-button cv-button-secondary cv-button-small").
				Text(tr(p.Locale, keyVoicemailTryAgain, nil)).
				OnClick(p.onRetry),
		)
	default:
		return app.Div().ID(p.id("")).Class("cv-player").Body(
			app.P().ID(p.id("-loading")).Class("cv-weak").Text(tr(p.Locale, keyVoicemailLoading, nil)),
		)
	}
}
