package ui

import (
	"context"
	"errors"
	"syscall/js"
)

// send posts the form body to u with the Flex token as a bearer token and returns the answer's
// status and body. It calls the browser's fetch directly: net/http's client would do the same
// through its js round tripper, but linking it brings TLS, x509 and HTTP/2 into app.wasm (about
// 5 MB of 12.7). Cancelling ctx (the panel leaving the page, or the timeout) aborts the request.
func send(ctx context.Context, u, token, body string) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, errUnreachable(err)
	}
	abort := js.Global().Get("AbortController").New()
	opts := js.ValueOf(map[string]any{
		"method": "POST",
		"headers": map[string]any{
			"Content-Type":  formType,
			"Authorization": "Bearer " + token,
		},
		"body":   body,
		"signal": abort.Get("signal"),
	})

	// Exactly one of the callbacks below answers; the channel is buffered so that none blocks
	// the browser's event loop.
	type answer struct {
		status int
		body   string
		err    error // from fetch itself: no answer at all
		cut    error // from reading the body
	}
	done := make(chan answer, 1)
	status := 0
	onFetchError := js.FuncOf(func(this js.Value, args []js.Value) any {
		done <- answer{err: jsError(args)}
		return nil
	})
	onReadError := js.FuncOf(func(this js.Value, args []js.Value) any {
		done <- answer{cut: jsError(args)}
		return nil
	})
	onText := js.FuncOf(func(this js.Value, args []js.Value) any {
		done <- answer{status: status, body: args[0].String()}
		return nil
	})
	onResponse := js.FuncOf(func(this js.Value, args []js.Value) any {
		resp := args[0]
		status = resp.Get("status").Int()
		resp.Call("text").Call("then", onText, onReadError)
		return nil
	})
	defer func() {
		onFetchError.Release()
		onReadError.Release()
		onText.Release()
		onResponse.Release()
	}()
	js.Global().Call("fetch", u, opts).Call("then", onResponse, onFetchError)

	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		abort.Call("abort")
		<-done // the abort rejects whichever promise is pending; wait so the callbacks can go
		return 0, nil, errUnreachable(ctx.Err())
	}
	switch {
	case a.err != nil:
		return 0, nil, errUnreachable(a.err)
	case a.cut != nil:
		return 0, nil, errCutOff(a.cut)
	}
	return a.status, []byte(a.body), nil
}

// jsError turns a promise's rejection reason (a TypeError, an AbortError DOMException) into an
// error for the logs.
func jsError(args []js.Value) error {
	if len(args) == 0 || args[0].IsUndefined() || args[0].IsNull() {
		return errors.New("fetch failed")
	}
	return errors.New(args[0].Call("toString").String())
}
