// Command wasm is the agent panel compiled to WebAssembly (web/app.wasm):
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o web/app.wasm ./wasm && gzip -9 -k -f web/app.wasm
package main

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback/wasm/ui"
)

func main() {
	ui.Routes()
	app.RunWhenOnBrowser()
}
