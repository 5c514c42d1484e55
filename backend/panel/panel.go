// Package panel serves the agent panel (the go-app wasm of wasm/ui) under /panel/: the
// pre-rendered page, go-app's scripts, the pre-compressed app.wasm and the static files of web/,
// with the headers that let only Flex frame it.
package panel

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"flexcallback"
	"flexcallback/wasm/ui"
)

// Prefix is where the caller mounts the handler, as is: mux.Handle(panel.Prefix, h).
const Prefix = "/panel"

// Config is what the panel needs from the backend's configuration.
type Config struct {
	// WebDir is the folder of static files (STATIC_ROOT's web/): app.wasm built by `make wasm`,
	// with app.wasm.br and app.wasm.gz (optional, each served to browsers that accept it, Brotli
	// first), panel.css and icon.svg.
	WebDir string
	// AllowedOrigins may frame the panel and talk to it (PANEL_ALLOWED_ORIGINS, parsed with
	// flexcallback.ParseOrigins, which decides the default). Required.
	AllowedOrigins []string
	// BusinessTimeZone is the IANA zone of the "System time" tooltip (BUSINESS_TIME_ZONE).
	BusinessTimeZone string
	// MaxAttempts is MAX_ATTEMPTS, the attempt from which the backend refuses a requeue. The panel
	// gets it in its page (flexcallback.PanelRules) and it wins over Flex's max_attempts.
	MaxAttempts int
	// Logger gets one line at start. Required.
	Logger *slog.Logger
}

// NewHandler returns the handler of everything under /panel/. It reads app.wasm once, to version
// every response by its hash and the page's environment: go-app answers 304 to any If-None-Match
// equal to the version, so a fixed version would keep agents on a stale wasm (or stale settings in
// app.js) after a rebuild or a configuration change, and a random one would make them download it
// again after every restart. It fails if app.wasm is missing. It applies no defaults: the backend's
// configuration decides the origins.
func NewHandler(cfg Config) (http.Handler, error) {
	logger, origins := cfg.Logger, cfg.AllowedOrigins
	if len(origins) == 0 || logger == nil {
		return nil, flexcallback.Errorf(flexcallback.ErrInvalid, "panel: allowed origins and a logger are required")
	}
	dir, err := filepath.Abs(cfg.WebDir)
	if err != nil {
		return nil, fmt.Errorf("panel web dir: %w", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "app.wasm"))
	if err != nil {
		return nil, fmt.Errorf("panel: read app.wasm (build it with GOOS=js GOARCH=wasm go build -o web/app.wasm ./wasm): %w", err)
	}
	env := app.Environment{
		"PANEL_ALLOWED_ORIGINS": strings.Join(origins, ","),
		"BUSINESS_TIME_ZONE":    cfg.BusinessTimeZone,
	}
	maps.Copy(env, flexcallback.PanelRules{MaxAttempts: cfg.MaxAttempts}.Env())
	version := versionOf(raw, env)
	encs, err := loadEncoded(dir, raw, logger)
	if err != nil {
		return nil, err
	}

	// The server pre-renders pages, so it must know the same routes as the wasm.
	ui.Routes()
	h := &app.Handler{
		Name:            "Callback and voicemail",
		ShortName:       "Callback",
		Title:           "Callback and voicemail",
		Description:     "Callback and voicemail task panel for Twilio Flex",
		Lang:            "en",
		BackgroundColor: "#ffffff",
		ThemeColor:      "#ffffff",
		LoadingLabel:    "{progress}%",
		Resources:       webDir{dir: dir},
		// Local icons: go-app's default is on GitHub, unreachable offline and a request to a third
		// party from inside Flex.
		Icon:                    app.Icon{Default: "/web/icon.svg", Large: "/web/icon.svg", SVG: "/web/icon.svg", AppleTouch: "/web/icon.svg"},
		Styles:                  []string{"/web/panel.css"},
		Env:                     env,
		Version:                 version,
		WasmContentLengthHeader: wasmLengthHeader,
		ServiceWorkerTemplate:   serviceWorker,
	}
	attrs := []any{"version", version, "wasm_bytes", len(raw)}
	for _, e := range encs {
		attrs = append(attrs, "wasm_"+e.enc+"_bytes", len(e.body))
	}
	logger.Info("panel ready", append(attrs, "allowed_origins", origins, "max_attempts", cfg.MaxAttempts)...)

	var next http.Handler = h
	next = serveWasm(next, version, len(raw), encs)
	next = fixPage(next)
	next = blockProxyResources(next)
	next = securityHeaders(next, origins)
	return http.StripPrefix(Prefix, next), nil
}

// versionOf hashes the wasm and the environment go-app writes into app.js.
func versionOf(wasm []byte, env app.Environment) string {
	h := sha256.New()
	h.Write(wasm)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(h, "\x00%s=%s", k, env[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// securityHeaders lets only the allowed origins frame the panel (go-app sets no such header).
func securityHeaders(next http.Handler, origins []string) http.Handler {
	csp := "frame-ancestors " + strings.Join(origins, " ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// blockProxyResources answers 404 for the files go-app "proxies": for /robots.txt, /sitemap.xml
// and /ads.txt it fetches http://{request Host}/web/… itself, so a forged Host header would make
// the backend request any host it can reach (SSRF). The panel has no use for them.
func blockProxyResources(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt", "/sitemap.xml", "/ads.txt":
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// webDir is go-app's resource provider for a web folder of any name. app.CustomProvider would
// do, but it trims the leading "/" of an absolute path and requires the folder to be called web.
type webDir struct{ dir string }

func (d webDir) Package() string { return Prefix }
func (d webDir) Static() string  { return Prefix }
func (d webDir) AppWASM() string { return Prefix + "/web/app.wasm" }

// ServeHTTP serves /web/NAME from the folder, without directory listings.
func (d webDir) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/web")
	if name == "" || strings.HasSuffix(name, "/") {
		http.NotFound(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = name
	http.FileServer(http.Dir(d.dir)).ServeHTTP(w, r2)
}
