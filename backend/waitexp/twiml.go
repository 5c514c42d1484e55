package waitexp

import (
	"log/slog"
	"strconv"
	"strings"

	"github.com/twilio/twilio-go/twiml"
)

// This file is the wait experience's only use of twilio-go: its TwiML builder. TwiML is what the
// wait experience answers, not a call to Twilio (backend/twilio makes those).

// verb is one TwiML verb of a document.
type verb = twiml.Element

// render writes verbs as a TwiML document. Attributes are sorted because twiml emits them in map
// order, which would make every response (and our golden files) differ from run to run. Should
// the builder fail, the caller is sent back to loopURL rather than left in silence.
func render(verbs []verb, loopURL string, log *slog.Logger) string {
	doc, resp := twiml.CreateDocument()
	twiml.AddAllVerbs(resp, verbs)
	for _, el := range resp.FindElements("//*") {
		el.SortAttrs()
	}
	s, err := twiml.ToXML(doc)
	if err != nil {
		log.Error("render twiml", "err", err)
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(loopURL)
		return `<?xml version="1.0" encoding="UTF-8"?><Response><Redirect method="POST">` + esc + `</Redirect></Response>`
	}
	return s
}

// sayAs is SSML <say-as> inside <Say>. twiml's VoiceSayAs writes <SayAs interpretAs=…>, which
// Twilio does not read as SSML.
type sayAs struct {
	text, interpretAs string
}

func (s sayAs) GetName() string { return "say-as" }
func (s sayAs) GetText() string { return s.text }
func (s sayAs) GetAttr() (map[string]string, map[string]string) {
	return map[string]string{"interpret-as": s.interpretAs}, nil
}
func (s sayAs) GetInnerElements() []verb { return nil }

// voice is what one request says, in one language.
type voice struct {
	tag   string
	lang  Language
	en    Language // the default-language texts, for keys a language lacks
	music string
}

// text returns the prompt for key with its placeholders filled.
func (v voice) text(key string, args ...string) string {
	t := v.lang.Prompts[key]
	if t == "" {
		t = v.en.Prompts[key]
	}
	r := strings.NewReplacer(args...)
	return r.Replace(t)
}

func (v voice) say(key string, args ...string) verb {
	return &twiml.VoiceSay{Message: v.text(key, args...), Voice: v.lang.Voice, Language: v.tag}
}

// sayNumber says the prompt for key followed by a telephone number, read digit by digit.
func (v voice) sayNumber(key, number string) verb {
	return &twiml.VoiceSay{Message: strings.TrimRight(v.text(key), " ") + " ", Voice: v.lang.Voice, Language: v.tag,
		InnerElements: []verb{sayAs{text: number, interpretAs: "telephone"}}}
}

func (v voice) play() verb {
	return &twiml.VoicePlay{Url: v.music}
}

// gather collects DTMF and posts it to action. timeout in seconds; numDigits 0 means any number,
// ended by finishOnKey or the timeout.
func gather(action string, timeout, numDigits int, finishOnKey string, inner ...verb) verb {
	g := &twiml.VoiceGather{
		Input:         "dtmf",
		Action:        action,
		Method:        "POST",
		Timeout:       strconv.Itoa(timeout),
		FinishOnKey:   finishOnKey,
		InnerElements: inner,
	}
	if numDigits > 0 {
		g.NumDigits = strconv.Itoa(numDigits)
	}
	return g
}

func redirect(url string) verb {
	return &twiml.VoiceRedirect{Url: url, Method: "POST"}
}

func hangup() verb { return &twiml.VoiceHangup{} }

// record records a voicemail of at most maxLength seconds, transcribed; action is told when the
// recording ends (GET), statusCallback when it is stored, transcribed when its transcription is.
func record(action, transcribed, statusCallback string, maxLength int) verb {
	return &twiml.VoiceRecord{
		Action:                        action,
		Method:                        "GET",
		Timeout:                       "10",
		FinishOnKey:                   "*",
		MaxLength:                     strconv.Itoa(maxLength),
		PlayBeep:                      "true",
		Transcribe:                    "true",
		TranscribeCallback:            transcribed,
		RecordingStatusCallback:       statusCallback,
		RecordingStatusCallbackMethod: "POST",
		RecordingStatusCallbackEvent:  "completed",
	}
}
