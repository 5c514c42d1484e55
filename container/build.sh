#!/usr/bin/env bash
# Builds the backend image from the Containerfile with buildah, FROM scratch, reproducibly
# (--timestamp 0, no history, no identity label): the same sources give the same manifest digest.
# Writes build/flexcallback-image.oci.tar (an OCI archive: `podman load -i`, `docker load -i` on
# Docker 25+, `skopeo copy oci-archive:… docker://…` to push) and prints its digest and size.
#
#   container/build.sh               stage the context, build, write the archive
#   container/build.sh --stage-only  only stage build/image/context (for `docker build` elsewhere)
#
# Needs go, web/app.wasm, web/app.wasm.gz and web/app.wasm.br (`make wasm`), Debian's CA bundle and buildah.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

stage_only=false
case "${1:-}" in
	"") ;;
	--stage-only) stage_only=true ;;
	*) die "usage: container/build.sh [--stage-only]" ;;
esac

t0=$(now)
for f in web/app.wasm web/app.wasm.gz web/app.wasm.br; do
	[ -s "$f" ] || die "$f is missing: run 'make wasm' first"
done
need_tools go:golang
[ -s /etc/ssl/certs/ca-certificates.crt ] || need_tools update-ca-certificates:ca-certificates
[ -s /etc/ssl/certs/ca-certificates.crt ] || die "/etc/ssl/certs/ca-certificates.crt is missing (apt-get install ca-certificates)"
$stage_only || need_tools buildah:buildah

# The same command as `make build`: static, no paths of this machine in the binary.
CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" -o build/flexcallback ./backend
t_go=$(now)

# Stage exactly what the image holds, with normalised modes so another umask or checkout
# gives the same layer (buildah sets every file's mtime to --timestamp and owner to root).
rm -rf "$BUILD/image"
mkdir -p "$CONTEXT/etc/ssl/certs"
cp -R web "$CONTEXT/web"
find "$CONTEXT/web" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
# `gzip` without -n stores the file name and mtime in its header, so a rebuilt app.wasm.gz would
# change the digest though app.wasm did not: recompress it without them when needed.
if [ "$(head -c 8 web/app.wasm.gz | od -An -tx1 | tr -d ' \n')" != 1f8b080000000000 ]; then
	gzip -9 -n -c web/app.wasm >"$CONTEXT/web/app.wasm.gz"
fi
install -m 0755 build/flexcallback "$CONTEXT/flexcallback"
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$CONTEXT/etc/ssl/certs/ca-certificates.crt"
# A nonroot user (65532, as in distroless) so that tools reading /etc/passwd show a name.
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$CONTEXT/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$CONTEXT/etc/group"
chmod 0644 "$CONTEXT/etc/passwd" "$CONTEXT/etc/group"
if $stage_only; then
	say "staged $CONTEXT: docker build -f Containerfile -t flexcallback $CONTEXT"
	exit 0
fi

# A fresh private store for every build: nothing carries over, so equal digests mean the
# build is reproducible, and the machine's default store is never touched.
store="$STORES/build"
B=(buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs)
cleanup() { "${B[@]}" rm -a >/dev/null 2>&1 || true; rm -rf "$store"; tidy_system; }
trap cleanup EXIT
rm -rf "$store"
"${B[@]}" bud -q --format oci --layers=false --pull=never --timestamp 0 --omit-history --identity-label=false \
	-f Containerfile -t "$IMAGE_NAME" "$CONTEXT" >/dev/null
rm -f "$ARCHIVE.tmp"
"${B[@]}" push -q "$IMAGE_NAME" "oci-archive:$ARCHIVE.tmp:$IMAGE_NAME"
mv -f "$ARCHIVE.tmp" "$ARCHIVE"
t_end=$(now)

# The manifest digest, as a registry would report it (the archive file's own bytes vary).
digest=$(tar -xOf "$ARCHIVE" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | head -n1 | cut -d'"' -f4)
[ -n "$digest" ] || die "no manifest digest in $ARCHIVE"
echo "$digest" >"$ARCHIVE.digest"
say "image $IMAGE_NAME digest $digest archive ${ARCHIVE#"$ROOT"/} ($(stat -c %s "$ARCHIVE") bytes)" \
	"build $(secs "$t0" "$t_end")s (go $(secs "$t0" "$t_go")s, image $(secs "$t_go" "$t_end")s)"
echo "$digest"
