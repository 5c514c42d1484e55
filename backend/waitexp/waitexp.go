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
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go/twiml"

	"flexcallback"
	"flexcallback/backend/phone"
)

// Options configure the wait experience. backend main reads them from WAIT_* variables;
// DefaultOptions gives the reference's behaviour.
type Options struct {
	RetainPlaceInQueue   bool // WAIT_RETAIN_PLACE_IN_QUEUE: the new task keeps the call's age (VirtualStartTime)
	RetainRouting        bool // WAIT_RETAIN_ROUTING: the new task copies the call task (workflow, attributes, channel)
	AllowAlternateNumber bool // WAIT_ALLOW_ALTERNATE_NUMBER: offer "call me back on another number"
	AllowVoicemail       bool // WAIT_ALLOW_VOICEMAIL: offer voicemail
	AnnouncePosition     bool // WAIT_ANNOUNCE_POSITION: say the position and estimated wait on every pass

	// HoldMusicURL is played while waiting; a relative URL is taken from baseURL. Empty:
	// {baseURL}/web/hold-music.mp3.
	HoldMusicURL string
	// Language is the prompt language (BCP 47) when the call names none with `lang`. Empty: en-US.
	Language string
	// PromptsFile is an optional JSON file overriding prompt texts and voices per language
	// (see LoadPrompts).
	PromptsFile string
	// MaxRecordAttempts bounds how often an empty recording is retried (B12). 0: 2.
	MaxRecordAttempts int
	// MaxRecordLength is the longest voicemail in seconds. 0: 120.
	MaxRecordLength int
	// LookupPasses is how many loop passes look for the call's task again when the first lookup
	// missed it (B4). 0: 5; negative: none.
	LookupPasses int
	// OnLookupMiss, if set, is called each time a pass does not find the caller's task (a metric).
	OnLookupMiss func()
	// Region is the default region (ISO 3166, e.g. "US") for numbers typed without a country code.
	// Empty: US.
	Region string
}

// DefaultOptions returns the reference's options (spec §3.2) with our defaults.
func DefaultOptions() Options {
	return Options{
		RetainPlaceInQueue:   true,
		RetainRouting:        true,
		AllowAlternateNumber: true,
		AllowVoicemail:       true,
		Language:             DefaultLanguage,
		MaxRecordAttempts:    2,
		MaxRecordLength:      120,
		LookupPasses:         5,
		Region:               "US",
	}
}

// Creator creates callback and voicemail tasks idempotently; backend/callback implements it.
type Creator interface {
	// Create makes the task r asks for once per r.Key; a repeat returns the first SID with
	// replayed true. Errors wrap the flexcallback kinds.
	Create(ctx context.Context, r flexcallback.Request) (sid string, replayed bool, err error)
	// Voicemail creates the voicemail task keyed by r.RecordingSid, or patches transcriptSid and
	// transcriptText onto the one that exists (ETag-guarded). Either order of recording-complete
	// and transcription gives exactly one task.
	Voicemail(ctx context.Context, r flexcallback.Request) (sid string, err error)
}

// Experience serves the wait-experience endpoint. It is safe for concurrent use.
type Experience struct {
	opts    Options
	base    string // absolute URL of the endpoint
	music   string
	prompts Prompts
	tasks   flexcallback.TaskRouter
	voice   flexcallback.Voice
	create  Creator
	logger  *slog.Logger
	now     func() time.Time
	queues  *queueCache
}

// requestBudget bounds the Twilio work of one request: Twilio waits 15 s for a webhook.
const requestBudget = 12 * time.Second

// New returns the wait experience. baseURL is PUBLIC_BASE_URL, the origin Twilio reaches us on;
// every URL we hand Twilio is absolute under it. It fails on a bad base URL, a bad prompts file
// or a language with no prompts.
func New(opts Options, baseURL string, tasks flexcallback.TaskRouter, voice flexcallback.Voice, create Creator,
	logger *slog.Logger, now func() time.Time) (*Experience, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, flexcallback.Invalid("PUBLIC_BASE_URL", "base URL %q is not an absolute http(s) URL", baseURL)
	}
	base := strings.TrimRight(baseURL, "/")
	prompts, err := LoadPrompts(opts.PromptsFile)
	if err != nil {
		return nil, fmt.Errorf("wait experience: %w", err)
	}
	if opts.Language == "" {
		opts.Language = DefaultLanguage
	}
	if tag := prompts.resolve(opts.Language, ""); !sameBase(tag, opts.Language) {
		return nil, flexcallback.Invalid("WAIT_LANGUAGE", "no prompts for language %q", opts.Language)
	}
	if opts.MaxRecordAttempts <= 0 {
		opts.MaxRecordAttempts = 2
	}
	if opts.MaxRecordLength <= 0 {
		opts.MaxRecordLength = 120
	}
	switch {
	case opts.LookupPasses == 0:
		opts.LookupPasses = 5
	case opts.LookupPasses < 0:
		opts.LookupPasses = 0
	}
	if opts.Region == "" {
		opts.Region = "US"
	}
	music := opts.HoldMusicURL
	switch {
	case music == "":
		music = base + "/web/hold-music.mp3"
	case !strings.HasPrefix(music, "http://") && !strings.HasPrefix(music, "https://"):
		music = base + "/" + strings.TrimLeft(music, "/")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Experience{
		opts:    opts,
		base:    base + basePath,
		music:   music,
		prompts: prompts,
		tasks:   tasks,
		voice:   voice,
		create:  create,
		logger:  logger, // its component is named by whoever hands it over
		now:     now,
		queues:  newQueueCache(queueTTL),
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

// ServeHTTP answers one wait-experience request. Query and form parameters are merged; the
// answer is always 200, with TwiML or, where the reference sends one (a call redirected by REST,
// asynchronous callbacks), an empty body. The Twilio signature is checked by the router.
func (e *Experience) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := readParams(w, r)
	s := readState(p)
	mode := p.get("mode")
	t := &turn{Experience: e, p: p, s: s, v: e.voiceFor(s.lang),
		log: e.logger.With("call_sid", s.callSid, "mode", mode)}
	ctx, cancel := context.WithTimeout(r.Context(), requestBudget)
	defer cancel()

	var verbs []twiml.Element
	switch mode {
	case "", modeInitialize:
		verbs = t.initialize(ctx)
	case modeMainWaitLoop:
		verbs = t.mainLoop(ctx)
	case modeInitialChoice:
		verbs = t.initialChoice()
	case modeCallbackOrVoicemail:
		verbs = t.callbackOrVoicemail(ctx)
	case modeCallbackChoice:
		verbs = t.callbackChoice()
	case modeOtherNumberOption:
		verbs = t.otherNumberOption()
	case modeOtherNumberConfirm:
		verbs = t.otherNumberConfirm()
	case modeSubmitCallback:
		verbs = t.submitCallback(ctx)
	case modeRecordVoicemail:
		verbs = t.recordVoicemail()
	case modeVoicemailRecorded:
		verbs = t.voicemailRecorded(ctx)
	case modeRecordingStatus:
		verbs = t.recordingStatus(ctx)
	case modeSubmitVoicemail:
		verbs = t.submitVoicemail(ctx)
	default:
		t.log.Warn("unknown wait-experience mode")
		verbs = []twiml.Element{t.v.say(keyProcessingError), redirect(t.loopURL(t.s))}
	}
	if verbs == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	doc, err := render(verbs)
	if err != nil {
		// Cannot happen with the verbs we build; say so plainly rather than leave the caller in silence.
		t.log.Error("render twiml", "err", err)
		doc = `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect method="POST">` +
			xmlEscape(t.loopURL(t.s)) + `</Redirect></Response>`
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(doc))
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// voiceFor returns the prompts for a call's lang parameter, else the configured language.
func (e *Experience) voiceFor(lang string) voice {
	tag := e.prompts.resolve(lang, e.opts.Language)
	return voice{tag: tag, lang: e.prompts[tag], en: e.prompts[DefaultLanguage], music: e.music}
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
