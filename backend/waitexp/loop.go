package waitexp

import (
	"context"
	"strconv"
)

// initialize is the first waitUrl request: find the call's task, then start the loop.
func (t *turn) initialize(ctx context.Context) []verb {
	s := t.s
	s.skipGreeting = false
	if s.taskSid == "" {
		s.workflowSid = t.workflow(ctx)
		if s.workflowSid == "" {
			s.pass = t.opts.LookupPasses + 1 // nothing to look in: hold only (B10)
		} else {
			s.taskSid = t.lookup(ctx, s.workflowSid)
			s.pass = 1
		}
	}
	return []verb{redirect(t.url(modeMainWaitLoop, s, pPass, passParam(s)))}
}

func passParam(s state) string {
	if s.taskSid != "" {
		return ""
	}
	return strconv.Itoa(s.pass)
}

// lookup returns the SID of the call's task among the workflow's waiting tasks; "" when it is
// not there (yet) or listing failed.
func (t *turn) lookup(ctx context.Context, workflowSid string) string {
	ref, found, err := t.findTask(ctx, workflowSid, t.s.callSid)
	switch {
	case err != nil:
		t.log.WarnContext(ctx, "task lookup failed", "workflow_sid", workflowSid, "err", err)
	case !found:
		t.log.WarnContext(ctx, "call task not found", "workflow_sid", workflowSid, "pass", t.s.pass)
	default:
		t.log.DebugContext(ctx, "call task found", "task_sid", ref.Sid)
		return ref.Sid
	}
	t.missed()
	return ""
}

func (t *turn) missed() {
	if t.opts.OnLookupMiss != nil {
		t.opts.OnLookupMiss()
	}
}

// mainLoop is one pass of hold music. The menu is offered only once the call's task is known
// (B4); until then each pass looks for it again, a bounded number of times.
func (t *turn) mainLoop(ctx context.Context) []verb {
	s := t.s
	var verbs []verb
	if !s.skipGreeting {
		verbs = append(verbs, t.v.say(keyInitialGreeting))
	}
	gaveUp := false
	if s.taskSid == "" && s.pass <= t.opts.LookupPasses {
		s.workflowSid = t.workflow(ctx)
		if s.workflowSid == "" {
			s.pass = t.opts.LookupPasses + 1
			gaveUp = true
		} else {
			s.taskSid = t.lookup(ctx, s.workflowSid)
			s.pass++
			gaveUp = s.taskSid == "" && s.pass > t.opts.LookupPasses
		}
	}
	o := t.offer()
	var inner []verb
	menu := false
	if closed, next := t.closed(); closed {
		// Outside business hours the caller hears what can be kept, whether the task is known or not.
		inner, menu = t.closedPrompts(o, next)
		menu = menu && s.taskSid != ""
	} else if s.taskSid != "" {
		inner, menu = t.openPrompts(ctx, s, o)
	} else if gaveUp && o.any() {
		inner = append(inner, t.v.say(t.unavailableKey()))
	}
	inner = append(inner, t.v.play())
	if menu {
		verbs = append(verbs, gather(t.url(modeInitialChoice, s), 2, 1, "", inner...))
	} else {
		verbs = append(verbs, inner...)
	}
	return append(verbs, redirect(t.loopURL(s)))
}

func repeatingKey(o offer) string {
	switch {
	case o.callback && o.voicemail:
		return keyRepeatingPrompt
	case o.callback:
		return keyRepeatingPromptCallback
	default:
		return keyRepeatingPromptVoicemail
	}
}

func (t *turn) unavailableKey() string {
	if t.opts.AllowVoicemail {
		return keyCallbackVoicemailUnavail
	}
	return keyCallbackUnavailable
}

// initialChoice follows a key press during the hold music: star opens the menu, anything else
// goes back to the music.
func (t *turn) initialChoice(ctx context.Context) []verb {
	o := t.offer()
	if t.p.get("Digits") != "*" || t.s.taskSid == "" || !o.any() {
		return []verb{redirect(t.loopURL(t.s))}
	}
	if verbs := t.arranged(ctx, o); verbs != nil {
		return verbs
	}
	key := keyCallbackOrVoicemailChoice
	switch {
	case !o.voicemail:
		key = keyCallbackOnlyChoice
	case !o.callback:
		key = keyVoicemailOnlyChoice
	}
	var args []string
	if closed, next := t.closed(); closed {
		key, args = closedChoiceKey(o), []string{"{opening}", t.opening(t.v.tag, next)}
	}
	return []verb{
		gather(t.url(modeCallbackOrVoicemail, t.s), 5, 1, "", t.v.say(key, args...)),
		redirect(t.loopURL(t.s)),
	}
}
