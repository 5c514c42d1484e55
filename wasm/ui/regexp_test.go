package ui

import (
	"regexp"
	"testing"
)

// disabledAttr is a disabled control's attribute in printed HTML, where go-app prints a false
// boolean attribute as disabled="false" (the browser side sets the property instead).
var disabledAttr = regexp.MustCompile(` disabled( |>|="true")`)

// countDisabled counts disabled controls in printed HTML.
func countDisabled(html string) int { return len(disabledAttr.FindAllString(html, -1)) }

// buttonTag matches a button's opening tag.
var buttonTag = regexp.MustCompile(`<button[^>]*>`)

// buttonDisabled reports whether the button with id is disabled in printed HTML. go-app prints an
// element's attributes in map order, which changes from one print to the next, so the check looks
// at the whole opening tag, never at which attribute comes where.
func buttonDisabled(html, id string) bool {
	idAttr := regexp.MustCompile(` id="` + regexp.QuoteMeta(id) + `"[ >]`)
	for _, tag := range buttonTag.FindAllString(html, -1) {
		if idAttr.MatchString(tag) {
			return disabledAttr.MatchString(tag)
		}
	}
	return false
}

func TestButtonDisabledIgnoresAttributeOrder(t *testing.T) {
	for html, want := range map[string]bool{
		`<button disabled id="call" type="button">Call</button>`:           true,
		`<button id="call" type="button" disabled>Call</button>`:           true,
		`<button class="x" id="call" disabled="true">Call</button>`:        true,
		`<button id="call" disabled="false" type="button">Call</button>`:   false,
		`<button id="callx" disabled><button id="call">`:                   false,
		`<button disabled id="retry"></button><button id="call"></button>`: false,
	} {
		if got := buttonDisabled(html, "call"); got != want {
			t.Errorf("buttonDisabled(%s) = %v, want %v", html, got, want)
		}
	}
}
