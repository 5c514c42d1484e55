package waitexp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Language is what a caller hears in one language: the Say voice and every prompt text by key.
// Texts may hold placeholders: {position}, {minutes} and {opening} (when the centre opens again,
// e.g. "after 9 a.m. tomorrow", formatted for the language: see opening.go).
type Language struct {
	Voice   string            `json:"voice"`
	Prompts map[string]string `json:"prompts"`
}

// Prompts holds the prompt sets by language tag (BCP 47, as Say's language attribute takes it).
type Prompts map[string]Language

// Prompt keys. The first fourteen are the reference's (spec §3.2); the others exist because a
// prompt must not offer what is switched off (B12, B6) and because we announce the position (U1).
const (
	keyInitialGreeting            = "initialGreeting"
	keyRepeatingPrompt            = "repeatingPrompt"
	keyCallbackOrVoicemailChoice  = "callbackOrVoicemailChoice"
	keyCallbackChoice             = "callbackChoice"
	keyCallbackSubmitted          = "callbackSubmitted"
	keyCallbackForOtherNumber     = "callbackForOtherNumber"
	keyOtherNumberConfirm1        = "callbackForOtherNumberConfirm1"
	keyOtherNumberConfirm2        = "callbackForOtherNumberConfirm2"
	keyRecordVoicemailPrompt      = "recordVoicemailPrompt"
	keyVoicemailNotCaptured       = "voicemailNotCaptured"
	keyVoicemailRecorded          = "voicemailRecorded"
	keyCallbackVoicemailUnavail   = "callbackAndVoicemailUnavailable"
	keyProcessingError            = "processingError"
	keyInvalidInput               = "invalidInput"
	keyRepeatingPromptCallback    = "repeatingPromptCallbackOnly"
	keyRepeatingPromptVoicemail   = "repeatingPromptVoicemailOnly"
	keyCallbackOnlyChoice         = "callbackOnlyChoice"
	keyVoicemailOnlyChoice        = "voicemailOnlyChoice"
	keyInvalidNumber              = "invalidNumber"
	keyCallbackUnavailable        = "callbackUnavailable"
	keyVoicemailNotCapturedFinal  = "voicemailNotCapturedFinal"
	keyPositionInQueue            = "positionInQueue"
	keyWaitEstimate               = "waitEstimate"
	keyWaitEstimateUnderOneMinute = "waitEstimateUnderOneMinute"
	keyWaitEstimateOneMinute      = "waitEstimateOneMinute"
	keyCallbackArranged           = "callbackAlreadyArranged"
	keyCallbackWhenSoon           = "callbackWhenSoon"
	keyCallbackWhenSlot           = "callbackWhenSlot"
	keyCallbackScheduled          = "callbackScheduled"
	keyWhenToday                  = "whenToday"
	keyWhenTomorrow               = "whenTomorrow"
	keyWhenDay                    = "whenDay"

	// Outside business hours (BUSINESS_HOURS_FILE): a callback is promised for the next opening.
	keyClosedRepeating          = "closedRepeatingPrompt"
	keyClosedRepeatingCallback  = "closedRepeatingPromptCallbackOnly"
	keyClosedRepeatingVoicemail = "closedRepeatingPromptVoicemailOnly"
	keyClosedChoice             = "closedCallbackOrVoicemailChoice"
	keyClosedCallbackOnlyChoice = "closedCallbackOnlyChoice"
	keyClosedCallbackSubmitted  = "closedCallbackSubmitted"
	keyClosedMessage            = "closedMessage"
)

// DefaultLanguage is the language used when neither the options nor the call name one we have.
const DefaultLanguage = "en-US"

var builtinPrompts = Prompts{
	"en-US": {Voice: "Polly.Joanna", Prompts: map[string]string{
		keyInitialGreeting:            "Please hold for the next available representative.",
		keyRepeatingPrompt:            "To request a callback, or to leave a voicemail, press the star key at any time. Otherwise, please continue to hold.",
		keyCallbackOrVoicemailChoice:  "To request a callback when a representative becomes available, press 1. To leave a voicemail for the next available representative, press 2. To continue holding, press any other key, or remain on the line.",
		keyCallbackChoice:             "To receive a callback on the number you are calling from, press 1. To be called back on a different number, press 2. To continue holding, press any other key, or remain on the line.",
		keyCallbackSubmitted:          "Thank you. A callback has been requested. You will receive a call shortly. Goodbye.",
		keyCallbackForOtherNumber:     "Please enter the number you would like to be called back on, starting with the country code, followed by the pound key.",
		keyOtherNumberConfirm1:        "You entered",
		keyOtherNumberConfirm2:        "Press 1 to confirm, or press 2 to enter the number again.",
		keyRecordVoicemailPrompt:      "Please leave a message at the tone. When you are done, press the star key or hang up.",
		keyVoicemailNotCaptured:       "Sorry, we were not able to capture your message. Let's try again.",
		keyVoicemailRecorded:          "Your voicemail has been recorded. Goodbye.",
		keyCallbackVoicemailUnavail:   "The option to request a callback or leave a voicemail is not available at this time. Please continue to hold.",
		keyProcessingError:            "Sorry, we were unable to complete that request. Please stay on the line.",
		keyInvalidInput:               "That was not a valid selection. Please try again.",
		keyRepeatingPromptCallback:    "To request a callback, press the star key at any time. Otherwise, please continue to hold.",
		keyRepeatingPromptVoicemail:   "To leave a voicemail, press the star key at any time. Otherwise, please continue to hold.",
		keyCallbackOnlyChoice:         "To request a callback when a representative becomes available, press 1. To continue holding, press any other key, or remain on the line.",
		keyVoicemailOnlyChoice:        "To leave a voicemail for the next available representative, press 1. To continue holding, press any other key, or remain on the line.",
		keyInvalidNumber:              "Sorry, that is not a number we can call.",
		keyCallbackUnavailable:        "The option to request a callback is not available at this time. Please continue to hold.",
		keyVoicemailNotCapturedFinal:  "Sorry, we were not able to capture your message. Please call again later. Goodbye.",
		keyPositionInQueue:            "You are number {position} in line.",
		keyWaitEstimate:               "Your estimated wait time is about {minutes} minutes.",
		keyWaitEstimateUnderOneMinute: "Your estimated wait time is less than a minute.",
		keyWaitEstimateOneMinute:      "Your estimated wait time is about one minute.",
		keyClosedRepeating:            "We are closed now. To be called back {opening}, or to leave a voicemail, press the star key at any time.",
		keyClosedRepeatingCallback:    "We are closed now. To be called back {opening}, press the star key at any time.",
		keyClosedRepeatingVoicemail:   "We are closed now. To leave a voicemail, press the star key at any time.",
		keyClosedChoice:               "To be called back {opening}, press 1. To leave a voicemail, press 2. To continue holding, press any other key, or remain on the line.",
		keyClosedCallbackOnlyChoice:   "To be called back {opening}, press 1. To continue holding, press any other key, or remain on the line.",
		keyClosedCallbackSubmitted:    "Thank you. We will call you back {opening}. Goodbye.",
		keyClosedMessage:              "We are closed now, and open again {opening}. Please call us then.",
		keyCallbackArranged:           "A callback to your number is already arranged, and we have added this request to it. You do not need to wait on the line. Goodbye.",
		keyCallbackWhenSoon:           "To be called back as soon as possible, press 1.",
		keyCallbackWhenSlot:           "To be called back {when}, press {digit}.",
		keyCallbackScheduled:          "Thank you. We will call you back {when}. Goodbye.",
		keyWhenToday:                  "today at {time}",
		keyWhenTomorrow:               "tomorrow at {time}",
		keyWhenDay:                    "on {day} at {time}",
	}},
	"es-MX": {Voice: "Polly.Mia", Prompts: map[string]string{
		keyInitialGreeting:            "Por favor espere al siguiente representante disponible.",
		keyRepeatingPrompt:            "Para solicitar que le devolvamos la llamada, o para dejar un mensaje de voz, presione la tecla asterisco en cualquier momento. De lo contrario, por favor siga en la línea.",
		keyCallbackOrVoicemailChoice:  "Para que le devolvamos la llamada cuando un representante esté disponible, presione 1. Para dejar un mensaje de voz, presione 2. Para seguir esperando, presione cualquier otra tecla o permanezca en la línea.",
		keyCallbackChoice:             "Para que le llamemos al número desde el que llama, presione 1. Para que le llamemos a otro número, presione 2. Para seguir esperando, presione cualquier otra tecla o permanezca en la línea.",
		keyCallbackSubmitted:          "Gracias. Hemos registrado su solicitud. Le llamaremos en breve. Adiós.",
		keyCallbackForOtherNumber:     "Por favor marque el número al que desea que le llamemos, empezando por el código de país, seguido de la tecla numeral.",
		keyOtherNumberConfirm1:        "Usted marcó",
		keyOtherNumberConfirm2:        "Presione 1 para confirmar, o presione 2 para marcar el número de nuevo.",
		keyRecordVoicemailPrompt:      "Por favor deje su mensaje después del tono. Cuando termine, presione la tecla asterisco o cuelgue.",
		keyVoicemailNotCaptured:       "Lo sentimos, no pudimos grabar su mensaje. Intentémoslo de nuevo.",
		keyVoicemailRecorded:          "Su mensaje de voz ha sido grabado. Adiós.",
		keyCallbackVoicemailUnavail:   "En este momento no es posible solicitar una llamada ni dejar un mensaje de voz. Por favor siga en la línea.",
		keyProcessingError:            "Lo sentimos, no pudimos completar su solicitud. Por favor siga en la línea.",
		keyInvalidInput:               "La opción no es válida. Por favor inténtelo de nuevo.",
		keyRepeatingPromptCallback:    "Para solicitar que le devolvamos la llamada, presione la tecla asterisco en cualquier momento. De lo contrario, por favor siga en la línea.",
		keyRepeatingPromptVoicemail:   "Para dejar un mensaje de voz, presione la tecla asterisco en cualquier momento. De lo contrario, por favor siga en la línea.",
		keyCallbackOnlyChoice:         "Para que le devolvamos la llamada cuando un representante esté disponible, presione 1. Para seguir esperando, presione cualquier otra tecla o permanezca en la línea.",
		keyVoicemailOnlyChoice:        "Para dejar un mensaje de voz, presione 1. Para seguir esperando, presione cualquier otra tecla o permanezca en la línea.",
		keyInvalidNumber:              "Lo sentimos, no podemos llamar a ese número.",
		keyCallbackUnavailable:        "En este momento no es posible solicitar una llamada. Por favor siga en la línea.",
		keyVoicemailNotCapturedFinal:  "Lo sentimos, no pudimos grabar su mensaje. Por favor llame más tarde. Adiós.",
		keyPositionInQueue:            "Usted es el número {position} en la fila.",
		keyWaitEstimate:               "El tiempo de espera estimado es de unos {minutes} minutos.",
		keyWaitEstimateUnderOneMinute: "El tiempo de espera estimado es de menos de un minuto.",
		keyWaitEstimateOneMinute:      "El tiempo de espera estimado es de un minuto aproximadamente.",
		keyClosedRepeating:            "En este momento estamos cerrados. Para que le llamemos {opening}, o para dejar un mensaje de voz, presione la tecla asterisco en cualquier momento.",
		keyClosedRepeatingCallback:    "En este momento estamos cerrados. Para que le llamemos {opening}, presione la tecla asterisco en cualquier momento.",
		keyClosedRepeatingVoicemail:   "En este momento estamos cerrados. Para dejar un mensaje de voz, presione la tecla asterisco en cualquier momento.",
		keyClosedChoice:               "Para que le llamemos {opening}, presione 1. Para dejar un mensaje de voz, presione 2. Para seguir esperando, presione cualquier otra tecla o permanezca en la línea.",
		keyClosedCallbackOnlyChoice:   "Para que le llamemos {opening}, presione 1. Para seguir esperando, presione cualquier otra tecla o permanezca en la línea.",
		keyClosedCallbackSubmitted:    "Gracias. Le llamaremos {opening}. Adiós.",
		keyClosedMessage:              "En este momento estamos cerrados. Volvemos a abrir {opening}. Por favor llámenos entonces.",
		keyCallbackArranged:           "Ya tenemos programada una llamada a su número y hemos añadido esta solicitud. No necesita esperar en la línea. Adiós.",
		keyCallbackWhenSoon:           "Para que le llamemos lo antes posible, presione 1.",
		keyCallbackWhenSlot:           "Para que le llamemos {when}, presione {digit}.",
		keyCallbackScheduled:          "Gracias. Le llamaremos {when}. Adiós.",
		keyWhenToday:                  "hoy a las {time}",
		keyWhenTomorrow:               "mañana a las {time}",
		keyWhenDay:                    "el {day} a las {time}",
	}},
}

// LoadPrompts returns the built-in prompts (en-US, es-MX) overlaid with the JSON file at path,
// shaped like Prompts: {"es-MX": {"voice": "Polly.Lupe", "prompts": {"initialGreeting": "…"}}}.
// An empty path gives the built-ins. A file that cannot be read or parsed, names an unknown key,
// or adds a language without every key is an error listing all problems, so a typo is caught at
// start rather than heard by a caller.
func LoadPrompts(path string) (Prompts, error) {
	p := Prompts{}
	for tag, l := range builtinPrompts {
		p[tag] = Language{Voice: l.Voice, Prompts: maps.Clone(l.Prompts)}
	}
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read prompts file: %w", err)
	}
	var file Prompts
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("parse prompts file %s: %w", path, err)
	}
	known := builtinPrompts[DefaultLanguage].Prompts
	var problems []error
	for _, tag := range slices.Sorted(maps.Keys(file)) {
		l := file[tag]
		base, builtin := p[tag]
		if !builtin {
			base = Language{Prompts: map[string]string{}}
		}
		if l.Voice != "" {
			base.Voice = l.Voice
		}
		for _, k := range slices.Sorted(maps.Keys(l.Prompts)) {
			if _, ok := known[k]; !ok {
				problems = append(problems, fmt.Errorf("%s: unknown prompt key %q", tag, k))
				continue
			}
			base.Prompts[k] = l.Prompts[k]
		}
		if !builtin {
			for _, k := range slices.Sorted(maps.Keys(known)) {
				if base.Prompts[k] == "" {
					problems = append(problems, fmt.Errorf("%s: missing prompt %q", tag, k))
				}
			}
		}
		p[tag] = base
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("prompts file %s: %w", path, errors.Join(problems...))
	}
	return p, nil
}

// resolve picks the prompt set for a requested tag: the exact tag, else the first (sorted) tag
// of the same base language ("es" finds "es-MX"), else fallback. It returns the tag chosen.
func (p Prompts) resolve(want, fallback string) string {
	for _, w := range []string{want, fallback, DefaultLanguage} {
		if w == "" {
			continue
		}
		for _, tag := range slices.Sorted(maps.Keys(p)) {
			if strings.EqualFold(tag, w) {
				return tag
			}
		}
		base, _, _ := strings.Cut(w, "-")
		for _, tag := range slices.Sorted(maps.Keys(p)) {
			b, _, _ := strings.Cut(tag, "-")
			if strings.EqualFold(b, base) {
				return tag
			}
		}
	}
	return DefaultLanguage
}
