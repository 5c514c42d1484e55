package ui

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
)

// listenMessages calls h with every message event's origin, whether it came from the parent
// window (event.source === window.parent), and its data as JSON. It returns the unsubscribe func.
func listenMessages(h func(ctx app.Context, origin string, fromParent bool, data []byte)) func() {
	return app.Window().AddEventListener("message", func(ctx app.Context, e app.Event) {
		data := e.Get("data")
		if data.Type() != app.TypeObject {
			return
		}
		fromParent := e.Get("source").Equal(app.Window().Get("parent"))
		s := app.Window().Get("JSON").Call("stringify", data).String()
		h(ctx, e.Get("origin").String(), fromParent, []byte(s))
	})
}

// postToParent sends m to the parent window, delivered only if the parent's origin is origin.
// It goes through JSON so the shim receives a plain object.
func postToParent(m flexcallback.Message, origin string) {
	b, err := json.Marshal(m)
	if err != nil {
		app.Log("encode panel message:", err)
		return
	}
	obj := app.Window().Get("JSON").Call("parse", string(b))
	app.Window().Get("parent").Call("postMessage", obj, origin)
}

// observeHeight calls fn with the content height whenever the body changes size, and once now.
func observeHeight(fn func(height int)) func() {
	body := app.Window().Get("document").Get("body")
	height := func() int { return body.Get("scrollHeight").Int() }
	cb := app.FuncOf(func(this app.Value, args []app.Value) any {
		fn(height())
		return nil
	})
	obs := app.Window().Get("ResizeObserver").New(cb)
	obs.Call("observe", body)
	fn(height())
	return func() {
		obs.Call("disconnect")
		cb.Release()
	}
}

// setDocumentLang keeps <html lang> in step with the chosen locale, for screen readers.
func setDocumentLang(locale string) {
	app.Window().Get("document").Get("documentElement").Set("lang", locale)
}

// pageOrigin is the panel's own origin, where the backend answers.
func pageOrigin() string {
	return app.Window().Get("location").Get("origin").String()
}
