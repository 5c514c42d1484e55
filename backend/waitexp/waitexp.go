// Package waitexp is the in-queue wait experience (spec §3): the TwiML state machine a caller
// runs while queued for Flex. It plays hold music, offers a callback or a voicemail, takes an
// alternate number, and records the voicemail, with every mode name and parameter of the
// reference kept so calls in progress survive a deploy. Unlike the reference it never loses a
// request (the task is created before the call task is canceled, B8), always ends a document
// with a Redirect that carries the state (B5), and speaks more than one language (U1).
package waitexp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"flexcallback"
	"flexcallback/backend/phone"
)

// Options configure the wait experience. backend main decides every value (config.go, from the
// WAIT_* variables and PUBLIC_BASE_URL); New refuses values it cannot use and adds no defaults.
type Options struct {
	RetainPlaceInQueue   bool // WAIT_RETAIN_PLACE_IN_QUEUE: the new task keeps the call's age (VirtualStartTime)
	RetainRouting        bool // WAIT_RETAIN_ROUTING: the new task copies the call task (workflow, attributes, channel)
	AllowAlternateNumber bool // WAIT_ALLOW_ALTERNATE_NUMBER: offer "call me back on another number"
	AllowVoicemail       bool // WAIT_ALLOW_VOICEMAIL: offer voicemail
	AnnouncePosition     bool // WAIT_ANNOUNCE_POSITION: say the position and estimated wait on every pass

	// Endpoint is the absolute URL Twilio reaches the wait experience at; every URL we hand Twilio
	// is built on it.
	Endpoint string
	// HoldMusicURL is the absolute URL of the music played while waiting.
	HoldMusicURL string
	// Language is the prompt language (BCP 47) when the call names none with `lang`.
	Language string
	// PromptsFile is an optional JSON file overriding prompt texts and voices per language
	// (see LoadPrompts).
	PromptsFile string
	// MaxRecordAttempts bounds how often an empty recording is retried (B12); at least 1.
	MaxRecordAttempts int
	// MaxRecordLength is the longest voicemail in seconds; at least 1.
	MaxRecordLength int
	// LookupPasses is how many loop passes look for the call's task again when the first lookup
	// missed it (B4); 0: none.
	LookupPasses int
	// OnLookupMiss, if set, is called each time a pass does not find the caller's task (a metric).
	OnLookupMiss func()
	// Region is the default region (ISO 3166, e.g. "US") for numbers typed without a country code.
	Region string
	// Scheduler, when it offers slots (WAIT_CALLBACK_SLOTS), lets a caller who chose a callback
	// pick "as soon as possible" or one of them; nil: as soon as possible only.
	Scheduler flexcallback.Scheduler

	// Hours is the contact centre's opening hours (BUSINESS_HOURS_FILE); nil: always open. Outside
	// them the menu promises a callback for the next opening.
	Hours Hours
	// OfferCallbackAfter (WAIT_OFFER_CALLBACK_AFTER): the menu is offered only once the caller's
	// estimated wait exceeds it; 0: always.
	OfferCallbackAfter time.Duration
	// Statistics reads TaskRouter's statistics for the estimate; nil: the position alone.
	Statistics flexcallback.Statistics
}

// Experience answers the wait-experience endpoint's requests. It is safe for concurrent use.
type Experience struct {
	opts    Options
	prompts Prompts
	tasks   flexcallback.TaskRouter
	voice   flexcallback.Voice
	create  flexcallback.Creator
	logger  *slog.Logger
	now     func() time.Time
	queues  *queueCache
	stats   *statsCache // nil without Options.Statistics
	scans   *scans
}

// New returns the wait experience. It fails on a URL that is not absolute, a bad prompts file, a
// language with no prompts, or a bound below its minimum.
func New(opts Options, tasks flexcallback.TaskRouter, voice flexcallback.Voice, create flexcallback.Creator,
	logger *slog.Logger, now func() time.Time) (*Experience, error) {
	for name, v := range map[string]string{"PUBLIC_BASE_URL": opts.Endpoint, "WAIT_HOLD_MUSIC_URL": opts.HoldMusicURL} {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, flexcallback.Invalid(name, "%q is not an absolute http(s) URL", v)
		}
	}
	switch {
	case opts.MaxRecordAttempts < 1:
		return nil, flexcallback.Invalid("WAIT_MAX_RECORD_ATTEMPTS", "needs at least 1")
	case opts.MaxRecordLength < 1:
		return nil, flexcallback.Invalid("WAIT_MAX_RECORD_LENGTH", "needs at least 1 second")
	case opts.LookupPasses < 0:
		return nil, flexcallback.Invalid("LookupPasses", "cannot be negative")
	case opts.Region == "":
		return nil, flexcallback.Invalid("DEFAULT_REGION", "needs a region")
	case opts.OfferCallbackAfter < 0:
		return nil, flexcallback.Invalid("WAIT_OFFER_CALLBACK_AFTER", "cannot be negative")
	}
	prompts, err := LoadPrompts(opts.PromptsFile)
	if err != nil {
		return nil, fmt.Errorf("wait experience: %w", err)
	}
	if tag := prompts.resolve(opts.Language, ""); opts.Language == "" || !sameBase(tag, opts.Language) {
		return nil, flexcallback.Invalid("WAIT_LANGUAGE", "no prompts for language %q", opts.Language)
	}
	var stats *statsCache
	if opts.Statistics != nil {
		stats = newRefreshCache[string, flexcallback.WaitStatistics](statsTTL, maxQueues)
	}
	return &Experience{
		stats:   stats,
		opts:    opts,
		prompts: prompts,
		tasks:   tasks,
		voice:   voice,
		create:  create,
		logger:  logger, // its component is named by whoever hands it over
		now:     now,
		queues:  newQueueCache(queueTTL),
		scans:   newScans(),
	}, nil
}

func sameBase(a, b string) bool {
	x, _, _ := strings.Cut(a, "-")
	y, _, _ := strings.Cut(b, "-")
	return strings.EqualFold(x, y)
}

// turn is one request: its parameters, the state it carries and the language it speaks.
type turn struct {
	*Experience
	p   params
	s   state
	v   voice
	log *slog.Logger
}

// Answer is one wait-experience request: its mode and parameters (query and body merged by
// backend/api, which also checked Twilio's signature) in, a TwiML document out, or "" where the
// reference answers with an empty body (a call redirected by REST, asynchronous callbacks). It
// reads and changes the call's task through TaskRouter, and creates through the Creator.
func (e *Experience) Answer(ctx context.Context, mode string, values url.Values) string {
	p := params(values)
	s := readState(p)
	t := &turn{Experience: e, p: p, s: s, v: e.voiceFor(s.lang),
		log: e.logger.With("call_sid", s.callSid, "mode", mode)}
	verbs := t.answer(ctx, mode)
	if verbs == nil {
		return ""
	}
	return render(verbs, t.loopURL(t.s), t.log)
}

// modes maps each mode to its step; "" is the first request, as initialize.
var modes = map[string]func(*turn, context.Context) []verb{
	"":                      (*turn).initialize,
	modeInitialize:          (*turn).initialize,
	modeMainWaitLoop:        (*turn).mainLoop,
	modeInitialChoice:       (*turn).initialChoice,
	modeCallbackOrVoicemail: (*turn).callbackOrVoicemail,
	modeCallbackChoice:      (*turn).callbackChoice,
	modeOtherNumberOption:   (*turn).otherNumberOption,
	modeOtherNumberConfirm:  (*turn).otherNumberConfirm,
	modeSubmitCallback:      (*turn).submitCallback,
	modeRecordVoicemail:     (*turn).recordVoicemail,
	modeVoicemailRecorded:   (*turn).voicemailRecorded,
	modeRecordingStatus:     (*turn).recordingStatus,
	modeSubmitVoicemail:     (*turn).submitVoicemail,
}

func (t *turn) answer(ctx context.Context, mode string) []verb {
	if step, ok := modes[mode]; ok {
		return step(t, ctx)
	}
	t.log.Warn("unknown wait-experience mode")
	return []verb{t.v.say(keyProcessingError), redirect(t.loopURL(t.s))}
}

// voiceFor returns the prompts for a call's lang parameter, else the configured language.
func (e *Experience) voiceFor(lang string) voice {
	tag := e.prompts.resolve(lang, e.opts.Language)
	return voice{tag: tag, lang: e.prompts[tag], en: e.prompts[DefaultLanguage], music: e.opts.HoldMusicURL}
}

// offer is what the caller may choose, given the options and the caller's number.
type offer struct {
	callback, voicemail bool
	sameNumber          string // the caller's number in E.164 when it can be called back
}

func (t *turn) offer() offer {
	o := offer{voicemail: t.opts.AllowVoicemail}
	caller := t.p.get("Caller")
	if caller == "" {
		caller = t.p.get("From")
	}
	// B6: withheld, anonymous, SIP and client callers are not offered "this number".
	if !phone.IsAddress(caller) {
		if n, err := phone.Normalize(caller, t.opts.Region); err == nil {
			o.sameNumber = n
		}
	}
	o.callback = o.sameNumber != "" || t.opts.AllowAlternateNumber
	return o
}

func (o offer) any() bool { return o.callback || o.voicemail }

// isGone reports errors meaning the task is no longer there to act on.
func isGone(err error) bool {
	return errors.Is(err, flexcallback.ErrNotFound)
}
