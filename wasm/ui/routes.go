// Package ui is the agent panel shown inside Flex's task info panel for callback and voicemail
// tasks: go-app v9 components that build both for the browser (GOOS=js) and for the server, which
// pre-renders the page and must know the same routes.
package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// Routes registers every page of the panel. Both wasm/main.go and the server call it.
func Routes() {
	app.RouteFunc("/", func() app.Composer { return newPanel() })
}
