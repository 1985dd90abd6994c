#!/usr/bin/env bash
# tests/stock/inside.sh: runs inside a fresh debian:bookworm-slim container
# (tests/stock/run.sh), as root, in a clean clone of the repository. Does what
# the README asks of a new user on a stock Debian 12, and nothing more:
#   1. apt-get install make (a minimal Debian has no make; the clone is
#      already here, so no git);
#   2. `make run`: it must install what it needs, prepare Python 3.13
#      (Debian 13's, in build/pythons/3.13: debootstrap works in this
#      container as root with podman's default capabilities), build, and
#      serve on port 8080 a course page with its scripts and styles, the
#      first lesson, a run of 1+1 (status ok, result 2), and both Pythons:
#      /api/pythons lists 3.11 and 3.13, and 1+1 and sys.getsizeof answer
#      on each as that version; SIGTERM to the server then stops it cleanly
#      and make run exits 0;
#   3. `make test`: every suite must pass.
# Waits: make run must serve within STOCK_RUN_SECONDS (900); make test has
# what is left of the container's time (tests/stock/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS_WHERE="stock Debian 12"
# shellcheck source=tests/stock/steps.sh
. tests/stock/steps.sh
URL=http://127.0.0.1:8080
RUN_LOG=/tmp/make-run.log
TEST_LOG=/tmp/make-test.log
run_pid=""

# Prints the end of make run's log: make's output and the server's own log.
run_log() {
	echo "---- make run's log (make, then the server; last ${1:-60} lines) ----" >&2
	tail -n "${1:-60}" "$RUN_LOG" >&2 || true
	echo "----" >&2
}

# On the way out: kills what is left of make run and the server (their
# process group), if anything.
stop_run() {
	[ -n "$run_pid" ] || return 0
	kill -KILL -- "-$run_pid" 2>/dev/null || true
	wait "$run_pid" 2>/dev/null || true
	run_pid=""
}
trap stop_run EXIT

step "apt-get update && apt-get install make (Debian $(cat /etc/debian_version))"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || fail "apt-get update"
apt-get install -y -qq make >/dev/null || fail "apt-get install make"
ok "$(make --version | head -n 1); node: $(command -v node || echo none)," \
	"npm: $(command -v npm || echo none), python3: $(command -v python3 || echo none)"

step "make run (the README's first command), until it serves $URL"
# setsid: make and the server in a process group of their own, for one kill.
setsid make run >"$RUN_LOG" 2>&1 &
run_pid=$!
deadline=$((SECONDS + ${STOCK_RUN_SECONDS:-900}))
# python3 arrives with make run's own packages: until then check.py cannot run.
until python3 tests/docker/check.py "$URL" up 2>/dev/null; do
	if ! kill -0 "$run_pid" 2>/dev/null; then
		run_log 60
		fail "make run stopped before it served $URL"
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		run_log 60
		fail "make run served nothing on $URL within ${STOCK_RUN_SECONDS:-900} s"
	fi
	sleep 1
done
ok "serving; make run installed:$(sed -n 's/^installing://p' "$RUN_LOG" | tr '\n' ' ')"
ok "node $(node --version), npm $(npm --version), $(python3 --version)"

step "what make run serves: GET /, its assets, /api/lessons/<first>, POST /api/run 1+1"
python3 tests/docker/check.py "$URL" served || { run_log 40; fail "make run serves the wrong thing"; }

step "both Pythons: make run prepared 3.13 and serves it beside 3.11"
grep -q '^prepared build/pythons/3.13/root' "$RUN_LOG" ||
	{ run_log 60; fail "make run did not prepare Python 3.13"; }
ok "make run: $(grep '^prepared build/pythons/3.13/root' "$RUN_LOG")"
grep -q 'INFO serving Python 3.11, 3.13 ' "$RUN_LOG" ||
	{ run_log 60; fail "the server did not say it serves Python 3.11 and 3.13"; }
ok "the server: $(grep -o 'serving Python 3.11, 3.13 .*' "$RUN_LOG")"
python3 tests/docker/check.py "$URL" pythons 3.11,3.13 || { run_log 40; fail "make run does not serve both Pythons"; }
# npm reached its registry with this machine's CA bundle as well (a proxy
# may inspect TLS here); a stock machine has only Debian's own.
dpkg-query -W -f='${Status}' ca-certificates 2>/dev/null | grep -q 'ok installed' ||
	fail "make run left ca-certificates out: npm would have no CA to reach its registry"
ok "Debian's ca-certificates is installed (npm's own CA store)"

step "SIGTERM to the server: it drains, stops, and make run exits 0"
# The server alone (not make, not the zygote), found by its command line: a
# minimal Debian has no pgrep.
server=""
for d in /proc/[0-9]*; do
	case "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" in
	"build/lessond --port"*) server=${d#/proc/} ;;
	esac
done
[ -n "$server" ] || fail "no 'build/lessond --port' process under make run"
kill -TERM "$server"
# A drain takes at most a run's wall limit (5 s): after 15 s, kill the lot.
(sleep 15 && kill -KILL -- "-$run_pid" 2>/dev/null) &
watchdog=$!
rc=0
wait "$run_pid" || rc=$?
run_pid=""
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
if [ "$rc" != 0 ] || ! grep -q 'INFO stopped' "$RUN_LOG"; then
	run_log 20
	fail "make run ended with $rc after SIGTERM (137: still there after 15 s), not a clean stop"
fi
ok "server $server logged a clean stop; make run exited 0"

step "make test (the README's second command)"
if ! make test >"$TEST_LOG" 2>&1; then
	echo "---- make test's log (last 150 lines) ----" >&2
	tail -n 150 "$TEST_LOG" >&2
	echo "----" >&2
	fail "make test failed (its log is above)"
fi
grep -E '^installing:|^(Ran [0-9]+ tests|OK$)|^check-lessons:|^hostile: [0-9]+ passed|^ℹ (pass|fail) |^\[  PASSED  \]' \
	"$TEST_LOG" | sed 's/^/   /'
ok "make test passed"

step_summary
echo "stock Debian 12: make run served the course and make test passed"
