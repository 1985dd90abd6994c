#!/usr/bin/env bash
# tests/stock/run.sh: the README's two commands on a stock Debian 12 (CI runs
# it). Makes debian:bookworm-slim with debootstrap from the Debian archive
# this machine's apt uses (tests/docker/base.sh; the import is reused across
# runs, apt downloads are not), clones the committed tree of this checkout
# (no build/, node_modules/ or untracked files), and runs tests/stock/inside.sh
# in a fresh container: `apt-get install make`, then `make run` must serve a
# lesson, answer a run of 1+1 and serve both Pythons (it prepares Debian 13's
# 3.13 with debootstrap, which needs nothing beyond what is granted below:
# root, podman's default capabilities, CAP_MKNOD among them, and the
# network), then `make test` must pass, 3.13's tests included. Nothing of this
# machine's own toolchain (its newer Node.js, its installed packages, its
# npm settings) reaches the container.
#
# What the container gets beyond podman's defaults, and why (README, Tests):
#   --security-opt unmask=ALL  the hostile suite confines its server with
#       `unshare --mount-proc`; the kernel mounts a new /proc only when no
#       part of the old one is hidden, and podman masks /proc/kcore, /proc/keys,
#       ... and makes /proc/sys read-only;
#   --cap-add SYS_ADMIN  lessond's zygote gets its PID namespace (so a dead
#       zygote takes its runs with it: test_api.py checks that);
#   ulimits nofile and nproc 4096 and the runc runtime, from
#       tests/docker/containers.conf (this machine's limits);
#   this machine's CA bundle, read-only, as NODE_EXTRA_CA_CERTS: npm may
#       reach its registry through a proxy that inspects TLS.
# /dev/shm keeps podman's 64 MB: playwright starts Chromium with
# --disable-dev-shm-usage.
#
# Run as root. STOCK_MINUTES (25) bounds the container; inside.sh bounds
# make run's start. About 5 minutes on 2 cores (make run 80 s, most of it
# apt and the build; make test 3 minutes); making the base adds 40 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS_WHERE=host
# shellcheck source=tests/stock/steps.sh
. tests/stock/steps.sh
WORK=$(mktemp -d)
NAME=lessond-stock-$$
MINUTES=${STOCK_MINUTES:-25}

# Removes the container, whatever happened, and the scratch directory.
cleanup() {
	podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || fail "run me as root (rootful podman, debootstrap)"

# shellcheck source=tests/docker/base.sh
. tests/docker/base.sh
step "tools"
podman_tools
if ! command -v git >/dev/null; then
	echo "   installing: git"
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git) >/dev/null ||
		fail "apt-get install git"
fi
git rev-parse --verify -q HEAD >/dev/null || fail "$PWD is not a git checkout with a commit"
ok "$(git --version)"
step "base image debian:bookworm-slim (debootstrap --variant=minbase, once)"
base_image bookworm

step "a clean clone of $(git rev-parse --short HEAD)"
git clone -q --no-hardlinks "$PWD" "$WORK/src" || fail "git clone $PWD"
ok "$(git -C "$WORK/src" log -1 --format='%h %s' | cut -c1-100)"
ok "$(git -C "$WORK/src" ls-files | wc -l) tracked files; no build/, node_modules/ or untracked files"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	echo "   note: uncommitted changes in $PWD are not part of this test"
fi

ca=()
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
	ca=(-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.pem:ro -e NODE_EXTRA_CA_CERTS=/run/host-ca.pem)
fi
opts=(--cap-add SYS_ADMIN --security-opt unmask=ALL)
step "podman run ${opts[*]} debian:bookworm-slim tests/stock/inside.sh (at most $MINUTES min)"
rc=0
timeout -k 30s "${MINUTES}m" podman run --rm --name "$NAME" "${opts[@]}" \
	-v "$WORK/src:/src" -w /src "${ca[@]}" debian:bookworm-slim bash tests/stock/inside.sh || rc=$?
case $rc in
0) ;;
124 | 137) fail "the container did not finish within $MINUTES minutes" ;;
*) fail "the README's two commands on a stock Debian 12 (see above)" ;;
esac

step_summary
echo "stock: make run and make test pass on a stock Debian 12"
