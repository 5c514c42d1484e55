// Command wasm is the agent panel compiled to WebAssembly (web/app.wasm), built by `make wasm`
// (tools/wasmtrim/build.sh, then pre-compressed).
package main

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback/wasm/ui"
)

// goMainMark is the Performance timeline mark set when main starts, once the wasm is compiled,
// instantiated and its packages initialised: BenchmarkPanel splits the cold start at it.
const goMainMark = "flexcallback-go-main"

func main() {
	if app.IsClient {
		app.Window().Get("performance").Call("mark", goMainMark)
	}
	ui.Routes()
	app.RunWhenOnBrowser()
}
