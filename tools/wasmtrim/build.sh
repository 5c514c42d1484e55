#!/bin/sh
# Builds the panel's wasm (make wasm) without go-app's server half: a copy of go-app's Go sources
# with pkg/app/http.go replaced by http.go.in beside this script and pkg/app/resource.go deleted,
# put in place by a go.mod copy with a replace directive (go build -modfile). See http.go.in for
# why. The repository's go.mod is untouched, so the backend compiles go-app as released.
# Usage: tools/wasmtrim/build.sh OUT.wasm
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
go=${GO:-go}
mod=github.com/maxence-charriere/go-app/v9
version=$(cd "$root" && $go list -m -f '{{.Version}}' $mod)
# The stub mirrors v9.8.0's http.go: after an upgrade, check it still matches, then update this line.
[ "$version" = v9.8.0 ] || { echo "wasmtrim: go-app is $version, http.go.in is for v9.8.0" >&2; exit 1; }
# On a fresh machine the module is not in the cache yet, and `go list -m` reports no Dir for it.
(cd "$root" && $go mod download $mod)
src=$(cd "$root" && $go list -m -f '{{.Dir}}' $mod)
[ -n "$src" ] && [ -f "$src/go.mod" ] || { echo "wasmtrim: no source of $mod in the module cache" >&2; exit 1; }
work=$root/build/wasmtrim
rm -rf "$work"
mkdir -p "$work/go-app/pkg"
cp "$src/go.mod" "$work/go-app/"
for pkg in app errors; do
	mkdir "$work/go-app/pkg/$pkg"
	for f in "$src/pkg/$pkg"/*.go; do
		case $f in *_test.go) ;; *) cp "$f" "$work/go-app/pkg/$pkg/" ;; esac
	done
done
chmod -R u+w "$work"
cp "$here/http.go.in" "$work/go-app/pkg/app/http.go"
rm "$work/go-app/pkg/app/resource.go"
cp "$root/go.mod" "$work/go.mod"
cp "$root/go.sum" "$work/go.sum"
(cd "$root" && $go mod edit -modfile="$work/go.mod" -replace "$mod=$work/go-app")
cd "$root"
GOOS=js GOARCH=wasm $go build -modfile="$work/go.mod" -trimpath -ldflags="-s -w" -o "$out" ./wasm
