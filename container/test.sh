#!/usr/bin/env bash
# The image test (issue 7): builds the image twice (the digests must be equal), loads it into
# podman, checks that it refuses to start with no Twilio credentials and no SANDBOX=1, starts it
# (SANDBOX=1) with --network host --runtime runc and explicit ulimits, probes /healthz,
# /readyz and /panel/, checks it runs as 65532 and logs JSON, sends SIGTERM and checks a clean
# exit within 10 s, removes everything it created, and prints size, build time and digests.
# Under CI=true missing tools are installed with apt-get; it never skips.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

need_tools buildah:buildah podman:podman runc:runc curl:curl

# --- build twice ------------------------------------------------------------------------
# build.sh restages every file (new mtimes) into a fresh store, so equal digests are earned.
fingerprint() { (cd "$CONTEXT" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
t=$(now); digest1=$(container/build.sh); time1=$(secs "$t" "$(now)")
files1=$(fingerprint)
t=$(now); digest2=$(container/build.sh); time2=$(secs "$t" "$(now)")
if [ "$digest1" != "$digest2" ]; then
	say "files that differ between the two builds (a source edited meanwhile?):"
	diff <(echo "$files1") <(fingerprint) >&2 || true
	die "two builds gave different digests: $digest1 and $digest2"
fi

# --- run ----------------------------------------------------------------------------------
store="$STORES/test"
P=(podman --root "$store/root" --runroot "$store/run" --tmpdir "$store/tmp" --storage-driver vfs)
name="flexcallback-test-$$"
cleanup() {
	"${P[@]}" rm -f -t 0 "$name" >/dev/null 2>&1 || true
	"${P[@]}" rmi -f "$IMAGE_NAME" >/dev/null 2>&1 || true
	rm -rf "$store"
	tidy_system
}
trap cleanup EXIT
cleanup

t=$(now)
"${P[@]}" load -q -i "$ARCHIVE" >/dev/null
[ "$("${P[@]}" image inspect --format '{{.Digest}}' "$IMAGE_NAME")" = "$digest1" ] || die "podman loaded another digest"
size=$("${P[@]}" image inspect --format '{{.Size}}' "$IMAGE_NAME")
user=$("${P[@]}" image inspect --format '{{.Config.User}}' "$IMAGE_NAME")
[ "$user" = 65532:65532 ] || die "image user is $user, want 65532:65532"

# With the host's network the server must bind free loopback ports itself.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=18080
while ! { port_free "$port" && port_free $((port + 1)); }; do
	port=$((port + 2)); [ "$port" -lt 18200 ] || die "no two free ports in 18080-18200"
done
base="http://127.0.0.1:$port"
# No CAP_SYS_RESOURCE here: podman's default nofile/nproc cannot be set, so ask for what we may.
nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
{ [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ]; } && nproc=4096

# Without Twilio credentials and without SANDBOX=1 the image refuses to start, and says why.
refusal=$("${P[@]}" run --rm --pull=never --network none --runtime runc \
	--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" "$IMAGE_NAME" 2>&1) \
	&& die "the image started with no Twilio credentials and no SANDBOX=1"
grep -q 'SANDBOX=1' <<<"$refusal" || die "the refusal does not mention SANDBOX=1: ${refusal:0:300}"
say "no credentials, no SANDBOX=1: refused to start"
"${P[@]}" run -d --name "$name" --pull=never --network host --runtime runc \
	--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
	-e SANDBOX=1 -e ADDR="127.0.0.1:$port" -e SANDBOX_ADDR="127.0.0.1:$((port + 1))" "$IMAGE_NAME" >/dev/null

logs() { "${P[@]}" logs "$name" 2>&1 | tail -n 20 >&2; }
for _ in $(seq 100); do
	curl -fsS --max-time 1 "$base/healthz" >/dev/null 2>&1 && break
	[ "$("${P[@]}" inspect --format '{{.State.Running}}' "$name")" = true ] || { logs; die "the container exited"; }
	sleep 0.1
done
started=$(secs "$t" "$(now)")

# --- probes -------------------------------------------------------------------------------
probe() { # probe PATH PATTERN: 200 and a body matching PATTERN
	local body
	body=$(curl -fsS --max-time 5 "$base$1") || { logs; die "GET $1 failed"; }
	grep -qE "$2" <<<"$body" || { logs; die "GET $1: body does not match /$2/: ${body:0:200}"; }
	say "GET $1: 200"
}
probe /healthz '"status": *"ok"'
probe /readyz '.'
probe /panel/ '<html'
# app.wasm.br ships in the image: a browser that accepts br gets it.
enc=$(curl -fsS --max-time 5 -o /dev/null -H 'Accept-Encoding: gzip, br' -w '%header{content-encoding}' "$base/panel/web/app.wasm") ||
	{ logs; die "GET /panel/web/app.wasm failed"; }
[ "$enc" = br ] || die "GET /panel/web/app.wasm with Accept-Encoding br: Content-Encoding '$enc', want br"
say "GET /panel/web/app.wasm: br"

pid=$("${P[@]}" inspect --format '{{.State.Pid}}' "$name")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[ "$uid" = 65532 ] || die "the backend runs as uid $uid, want 65532"
log=$("${P[@]}" logs "$name" 2>&1)
[[ "${log%%$'\n'*}" == '{'*'}' ]] || die "the log is not JSON: ${log%%$'\n'*}"
grep -q 'SANDBOX MODE' <<<"$log" || die "sandbox mode is not in the log"

# --- SIGTERM ------------------------------------------------------------------------------
t=$(now)
"${P[@]}" kill --signal TERM "$name" >/dev/null
code=$(timeout 12 "${P[@]}" wait "$name") || { logs; die "no exit within 10 s of SIGTERM"; }
stopped=$(secs "$t" "$(now)")
[ "$code" = 0 ] || { logs; die "exit code $code after SIGTERM, want 0"; }
awk -v s="$stopped" 'BEGIN { exit !(s <= 10) }' || die "exit took ${stopped}s after SIGTERM, want ≤ 10 s"

cleanup
trap - EXIT
[ ! -e "$store" ] || die "$store left behind"
say "PASS"
say "image: $IMAGE_NAME, archive $(stat -c %s "$ARCHIVE") bytes (${ARCHIVE#"$ROOT"/}), unpacked $size bytes"
say "build: ${time1}s and ${time2}s (go build included); load+start to /healthz ${started}s; SIGTERM to exit ${stopped}s"
say "digest: build 1 $digest1"
say "digest: build 2 $digest2 (equal)"
