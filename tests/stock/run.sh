#!/usr/bin/env bash
# tests/stock/run.sh: the README's two commands on a stock Debian 12 (CI runs
# it). Makes debian:bookworm-slim with debootstrap from Debian's archive
# (tests/docker/base.sh, reused across runs), clones the committed tree of
# this checkout (no build/, node_modules/ or untracked files), and runs
# tests/stock/inside.sh in a fresh container: `apt-get install make`, then
# `make run` must serve a lesson and answer a run of 1+1, then `make test`
# must pass. Nothing of this machine's own toolchain (its newer Node.js, its
# installed packages) reaches the container.
#
# The container is --privileged: the hostile suite confines its server in
# user, PID and mount namespaces (unshare with a mapped uid range), and
# Chromium runs the browser tests; --shm-size gives Chromium room. Run as
# root; about 10-15 minutes, most of it apt and the test suites.
set -euo pipefail
cd "$(dirname "$0")/../.."

T0=$(date +%s)
WORK=$(mktemp -d)
NAME=lessond-stock-$$
say() { printf '\n== [%3ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() {
	printf '\nFAIL: %s\n' "$*" >&2
	exit 1
}
cleanup() {
	podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || fail "run me as root (rootful podman, debootstrap)"

# shellcheck source=tests/docker/base.sh
. tests/docker/base.sh
say "tools"
podman_tools
say "base image"
base_image bookworm

say "a clean clone of $(git rev-parse --short HEAD)"
git clone -q --no-hardlinks "$PWD" "$WORK/src"
ok "$(git -C "$WORK/src" log -1 --format='%h %s' | cut -c1-100)"

# npm reaches its registry through this machine's TLS-inspecting proxy, if
# any: the CA bundle goes in read-only, as the Docker build's secret does.
ca=()
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
	ca=(-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.pem:ro -e NODE_EXTRA_CA_CERTS=/run/host-ca.pem)
fi
say "podman run --privileged debian:bookworm-slim tests/stock/inside.sh"
timeout 45m podman run --rm --name "$NAME" --privileged --shm-size 1g \
	-v "$WORK/src:/src" -w /src "${ca[@]}" debian:bookworm-slim bash tests/stock/inside.sh ||
	fail "the README's two commands on a stock Debian 12 (see above)"
say "stock Debian 12 passed ($(($(date +%s) - T0)) s)"
