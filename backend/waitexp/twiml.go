package waitexp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/twilio/twilio-go/twiml"
)

// render writes verbs as a TwiML document. Attributes are sorted because twiml emits them in map
// order, which would make every response (and our golden files) differ from run to run.
func render(verbs []twiml.Element) (string, error) {
	doc, resp := twiml.CreateDocument()
	twiml.AddAllVerbs(resp, verbs)
	for _, el := range resp.FindElements("//*") {
		el.SortAttrs()
	}
	s, err := twiml.ToXML(doc)
	if err != nil {
		return "", fmt.Errorf("write twiml: %w", err)
	}
	return s, nil
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
func (s sayAs) GetInnerElements() []twiml.Element { return nil }

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

func (v voice) say(key string, args ...string) *twiml.VoiceSay {
	return &twiml.VoiceSay{Message: v.text(key, args...), Voice: v.lang.Voice, Language: v.tag}
}

func (v voice) play() *twiml.VoicePlay {
	return &twiml.VoicePlay{Url: v.music}
}

// gather collects DTMF and posts it to action. timeout in seconds; numDigits 0 means any number,
// ended by finishOnKey or the timeout.
func gather(action string, timeout, numDigits int, finishOnKey string, inner ...twiml.Element) *twiml.VoiceGather {
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

func redirect(url string) *twiml.VoiceRedirect {
	return &twiml.VoiceRedirect{Url: url, Method: "POST"}
}
