# flexcallback: `make run` starts the product on its embedded Twilio sandbox; `make test` installs
# what the tests need when it is missing and runs them all. See README.md.

GO        ?= go
WASM      := web/app.wasm
SHIM      := plugin-shim/build/plugin-flexcallback.js

.PHONY: run test bench wasm shim build image imagetest setup gotest fuzz shimtest vet clean

# Needs only Go; with Node.js and npm it also builds the plugin bundle the demo desk loads.
run: wasm
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory shim; \
	 else echo "npm not found: the demo desk needs the plugin bundle (Node.js 20 + npm); starting without it" >&2; fi
	@echo "demo desk: http://localhost:8080/demo/  (Twilio sandbox admin: http://127.0.0.1:8081/_sandbox/)"
	SANDBOX=1 SANDBOX_CLOCK=real $(GO) run ./backend

test: setup wasm shim tools/prism/node_modules vet gotest fuzz shimtest imagetest

bench: setup wasm shim
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...

# The panel without go-app's server half (tools/wasmtrim), then pre-compressed: gzip -9 and Brotli 11.
wasm:
	GO=$(GO) tools/wasmtrim/build.sh $(WASM)
	gzip -9 -n -k -f $(WASM)
	$(GO) run ./tools/brotli $(WASM)

# The plugin bundle, plus what the demo desk serves beside it (React 17 UMD, as Flex provides).
shim: plugin-shim/node_modules
	cd plugin-shim && CI=true npx flex-plugin build
	mkdir -p web/demo/vendor
	cp $(SHIM) web/demo/plugin-flexcallback.js
	cp plugin-shim/node_modules/react/umd/react.production.min.js plugin-shim/node_modules/react-dom/umd/react-dom.production.min.js web/demo/vendor/

plugin-shim/node_modules: plugin-shim/package-lock.json
	cd plugin-shim && npm ci --no-audit --no-fund
	touch plugin-shim/node_modules

# Prism checks the sandbox's answers against Twilio's OpenAPI descriptions in the tests.
tools/prism/node_modules: tools/prism/package-lock.json
	cd tools/prism && npm ci --no-audit --no-fund
	touch tools/prism/node_modules

build:
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags="-s -w" -o build/flexcallback ./backend

# The backend as an OCI image (buildah, no Docker engine), and its test in podman.
image: wasm shim
	container/build.sh

imagetest: wasm shim
	container/test.sh

# Chromium (Debian's, never a downloaded one) for the browser tests; Debian's redis-server for
# the replica tests, which start one per test.
setup:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "install Debian's chromium (apt-get install chromium) for the browser tests" >&2; exit 1; fi; }
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "install Debian's redis-server (apt-get install redis-server) for the replica tests" >&2; exit 1; fi; }

vet:
	$(GO) vet ./...

gotest:
	CI=$${CI:-true} $(GO) test -count=1 -timeout 15m ./...

# A short fuzz of the Studio parameter parsing: no panic, every refusal a 4xx.
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseCreateCallback -fuzztime 5s ./backend/api

shimtest:
	cd plugin-shim && npm test

clean:
	rm -rf build artifacts $(WASM) $(WASM).gz $(WASM).br web/demo/vendor web/demo/plugin-flexcallback.js plugin-shim/build
