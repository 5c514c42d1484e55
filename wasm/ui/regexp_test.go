package ui

import "regexp"

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// countDisabled counts disabled controls in printed HTML, where go-app prints a false boolean
// attribute as disabled="false" (the browser side sets the property instead).
func countDisabled(html string) int {
	return len(regexp.MustCompile(` disabled( |>|="true")`).FindAllString(html, -1))
}
