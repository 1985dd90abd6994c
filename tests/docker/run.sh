#!/usr/bin/env bash
# tests/docker/run.sh: builds the Dockerfile with rootful podman and checks
# the container as a classroom would use it (docs/ARCHITECTURE.md §8).
#
#   1. installs podman, runc, catatonit (--init), debootstrap when missing;
#   2. makes the base images debian:bookworm-slim (the server, Python 3.11)
#      and debian:trixie-slim (Python 3.13's tree) with debootstrap from the
#      mirror this machine's apt already uses (read from
#      /etc/apt/sources.list*), unless they are already imported;
#   3. builds the image (--pull=never; the build runs the unit tests);
#   4. runs it with --init on a free loopback port and checks over HTTP:
#      the course page, a lesson, a run, a contained hostile snippet,
#      /api/health's sandbox layers, both Pythons (/api/pythons lists 3.11
#      and 3.13; 1+1 and sys.getsizeof on each answer with its own figures
#      and version), the image's HEALTHCHECK, a non-root server; and every
#      lesson step checked on both Pythons in the image (--check-lessons);
#   5. `podman stop` (SIGTERM) during a run: the run finishes, the server
#      exits 0 well under 10 s, its log shows the drain;
#   6. the same checks, both Pythons too, with compose.yaml's hardening
#      (read-only root, no capabilities, no-new-privileges, the /data
#      volume) under a seccomp profile that denies namespaces as Docker's
#      default does: strict mode must still start.
# Containers are removed on exit, whatever happens. Run as root; takes about
# two and a half minutes from scratch, seconds when the base images and the
# build are cached.
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE=${LESSOND_TEST_IMAGE:-localhost/lessond:test}
NAME=lessond-test-$$
export CONTAINERS_CONF=$PWD/tests/docker/containers.conf
T0=$(date +%s)
WORK=$(mktemp -d)

say() { printf '\n== [%3ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
PASSED=0
ok() {
	printf '   ok: %s\n' "$*"
	PASSED=$((PASSED + 1))
}
# Runs check.py MODE [ARG] and counts its `ok:` lines.
check() {
	local rc=0 out=$WORK/check-$1.out
	python3 tests/docker/check.py "$URL" "$@" >"$out" 2>&1 || rc=$?
	cat "$out"
	PASSED=$((PASSED + $(grep -c '^   ok:' "$out" || true)))
	return $rc
}
fail() {
	printf '\nFAIL: %s\n' "$*" >&2
	for c in "${CONTAINERS[@]}"; do
		echo "--- log of $c:" >&2
		podman logs "$c" 2>&1 | tail -n 40 >&2 || true
	done
	exit 1
}
CONTAINERS=()
cleanup() {
	for c in "${CONTAINERS[@]}"; do
		podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || fail "run me as root (rootful podman, debootstrap)"

# ---- 1. tools and 2. base images (tests/docker/base.sh) ----------------------
# shellcheck source=tests/docker/base.sh
. tests/docker/base.sh
say "tools"
podman_tools
say "base images"
base_image bookworm
base_image trixie

# ---- 3. build ---------------------------------------------------------------
say "podman build (server, unit tests, UI)"
# docker format: the OCI format has no HEALTHCHECK. The host's CA bundle is
# the build secret "ca", for npm behind a TLS-inspecting proxy (see Dockerfile).
# --jobs 2: the UI and server stages build side by side.
secret=()
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
	secret=(--secret "id=ca,src=/etc/ssl/certs/ca-certificates.crt")
fi
podman build --pull=never --format docker --jobs 2 "${secret[@]}" -t "$IMAGE" . >"$WORK/build.log" 2>&1 ||
	{ tail -n 60 "$WORK/build.log" >&2; fail "podman build"; }
grep -E '^\[==========\]|PASSED|FAILED' "$WORK/build.log" | sed 's/^/   /' | tail -n 12 || true
ok "image $IMAGE: $(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

# ---- 4. run and check -------------------------------------------------------
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start NAME [podman run options]: runs the image on a free loopback port,
# sets URL and waits until /api/health answers. podman's stderr is kept
# aside: without systemd it complains that it cannot schedule the
# HEALTHCHECK timer (`podman healthcheck run` below does work).
start() {
	local name=$1 port
	shift
	port=$(free_port)
	URL=http://127.0.0.1:$port
	echo "   podman run -d --init -p 127.0.0.1:$port:8080 $* $IMAGE"
	CONTAINERS+=("$name")
	podman run -d --name "$name" --init -p "127.0.0.1:$port:8080" "$@" "$IMAGE" \
		>/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err" >&2; fail "podman run"; }
	for _ in $(seq 1 100); do
		python3 tests/docker/check.py "$URL" up 2>/dev/null && break
		[ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] ||
			fail "the server exited at start"
		sleep 0.2
	done
	python3 tests/docker/check.py "$URL" up || fail "the server did not answer within 20 s"
	podman logs "$name" 2>&1 | grep -E 'sandbox layer|serving Python|left out|listening' |
		sed 's/^/   log: /'
}
# stop NAME: SIGTERM; checks a clean exit well under 10 s.
stop() {
	local name=$1 t ms code
	t=$(date +%s%N)
	podman stop -t 20 "$name" >/dev/null 2>"$WORK/stop.err" ||
		{ cat "$WORK/stop.err" >&2; fail "podman stop"; }
	ms=$((($(date +%s%N) - t) / 1000000))
	code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
	[ "$code" = 0 ] || fail "exit code $code after SIGTERM (expected 0)"
	[ "$ms" -lt 10000 ] || fail "stopping took $ms ms (expected well under 10 s)"
	ok "SIGTERM: stopped in $ms ms, exit code $code"
}

say "the one command: podman run --init -p HOSTPORT:8080 $IMAGE"
start "$NAME"
check checks || fail "HTTP checks"
check pythons 3.11,3.13 || fail "both Pythons"

user=$(podman top "$NAME" user,comm | awk '$2 == "lessond" && u == "" {u = $1} END {print u}')
if [ -z "$user" ] || [ "$user" = root ]; then
	fail "lessond runs as '${user:-?}', not as a non-root user"
fi
ok "lessond runs as user $user"

podman healthcheck run "$NAME" >/dev/null 2>&1 || fail "the image's HEALTHCHECK failed"
ok "HEALTHCHECK healthy"

say "the course on every Python of the image: lessond --check-lessons"
podman run --rm "$IMAGE" --check-lessons --log-level warn >"$WORK/lessons.out" 2>&1 ||
	{ tail -n 30 "$WORK/lessons.out" >&2; fail "check-lessons in the image"; }
grep -qx 'check-lessons: every step agrees on Python 3.11, 3.13' "$WORK/lessons.out" ||
	{ tail -n 5 "$WORK/lessons.out" >&2; fail "check-lessons did not check both Pythons"; }
ok "$(grep -E '^check-lessons: Python 3\.1[13]: [0-9]+ lessons' "$WORK/lessons.out" | paste -sd ';' |
	sed 's/check-lessons: //g; s/;/; /g')"

# ---- 5. SIGTERM drains ------------------------------------------------------
say "podman stop (SIGTERM) while a run is in flight"
check slow >"$WORK/slow.out" 2>&1 &
slow=$!
sleep 0.5
stop "$NAME"
wait "$slow" || { cat "$WORK/slow.out" >&2; fail "the in-flight run was not finished"; }
cat "$WORK/slow.out"
PASSED=$((PASSED + 1))
podman logs "$NAME" >"$WORK/server.log" 2>&1
tail -n 3 "$WORK/server.log" | sed 's/^/   log: /'
grep -q 'finishing in-flight runs' "$WORK/server.log" || fail "no drain in the log"
tail -n 1 "$WORK/server.log" | grep -q 'stopped' || fail "no clean stop in the log"
ok "the log shows the drain and the stop"

# ---- 6. compose.yaml's hardening, and Docker's seccomp defaults -------------
# compose.yaml adds a read-only root, no capabilities, no privilege gain.
# Docker's default seccomp profile refuses unshare() and namespace clone()
# without CAP_SYS_ADMIN: the strict layers must still all be on.
say "compose.yaml's hardening, under a seccomp profile with Docker's namespace rules"
python3 tests/docker/docker_like_seccomp.py /usr/share/containers/seccomp.json "$WORK/docker-like.json"
start "$NAME-hardened" --read-only --cap-drop ALL --security-opt no-new-privileges \
	--security-opt seccomp="$WORK/docker-like.json"
check checks || fail "HTTP checks (hardened, Docker-like seccomp)"
check pythons 3.11,3.13 || fail "both Pythons (hardened, Docker-like seccomp)"
stop "$NAME-hardened"

say "the image works ($(($(date +%s) - T0)) s)"
echo "docker: $PASSED passed, 0 failed"
