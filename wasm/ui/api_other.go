//go:build !wasm

package ui

import (
	"context"
	"io"
	"net/http"
	"strings"

	"flexcallback"
)

// send posts the form body to u with the Flex token as a bearer token and returns the answer's
// status and body. The host build (server pre-rendering and component tests) uses net/http.
func send(ctx context.Context, u, token, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return 0, nil, &flexcallback.Error{Kind: flexcallback.ErrInternal, Message: "bad request", Err: err}
	}
	req.Header.Set("Content-Type", formType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, errUnreachable(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, nil, errCutOff(err)
	}
	return resp.StatusCode, b, nil
}
