# Sourced by container/build.sh and container/test.sh: paths, private container stores, tools.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build"
IMAGE_NAME=${IMAGE_NAME:-localhost/flexcallback:latest}
ARCHIVE=${ARCHIVE:-$BUILD/flexcallback-image.oci.tar}
CONTEXT="$BUILD/image/context"
# Our own stores (vfs: plain directories, no mounts left behind, so `rm -rf build` always works),
# under a dot folder so `go ./...` never walks them, and never the machine's default store.
STORES="$BUILD/.containers"
export CONTAINERS_CONF="$ROOT/container/containers.conf"
# No registry is ever asked for anything: an empty registries.conf and --pull=never where it applies.
export CONTAINERS_REGISTRIES_CONF="$ROOT/container/registries.conf"

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

# need_tools CMD:PACKAGE...: under CI=true a missing tool is installed with apt-get (as root);
# otherwise a missing tool fails with the command that installs it. Never a silent skip.
need_tools() {
	local missing=() pkgs=() t
	for t in "$@"; do
		command -v "${t%%:*}" >/dev/null || { missing+=("${t%%:*}"); pkgs+=("${t#*:}"); }
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ]; then
		say "installing ${pkgs[*]} (missing: ${missing[*]})"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null \
			|| die "apt-get install ${pkgs[*]} failed"
		for t in "${missing[@]}"; do command -v "$t" >/dev/null || die "$t still missing after apt-get install"; done
		return 0
	fi
	die "missing ${missing[*]}: install with 'apt-get install ${pkgs[*]}' (CI=true as root installs them)"
}

# now: seconds since the epoch with milliseconds, for timings.
now() { date +%s.%3N; }
# secs FROM TO: the seconds between two `now` readings, two decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# A command that fails under `set -e` says where, rather than ending the script silently.
trap 'say "FAIL at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND"' ERR

# As root, buildah and podman keep a blob-info cache in /var/lib/containers/cache and make
# /run/containers/networks whatever --root says. Remember which of them did not exist, and
# tidy_system removes them again (rmdir: never a folder someone else filled meanwhile).
_created_by_us=()
for _d in /var/lib/containers /var/lib/containers/cache /run/containers /run/containers/networks; do
	[ -e "$_d" ] || _created_by_us+=("$_d")
done
tidy_system() {
	local i d
	for ((i = ${#_created_by_us[@]} - 1; i >= 0; i--)); do
		d=${_created_by_us[i]}
		[ "$d" = /var/lib/containers/cache ] && rm -f "$d/blob-info-cache-v1.boltdb"
		rmdir "$d" 2>/dev/null || true
	done
}
