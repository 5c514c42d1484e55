//go:build !wasm

package ui

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

// The host versions do nothing: the server pre-renders the panel, and component tests replace
// the panel's post func to see what it sends.

func listenMessages(h func(ctx app.Context, origin string, fromParent bool, data []byte)) func() {
	return func() {}
}

func postToParent(m flexcallback.Message, origin string) {}

func observeHeight(fn func(height int)) func() { return func() {} }

func setDocumentLang(locale string) {}

func pageOrigin() string { return "" }
