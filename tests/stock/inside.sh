#!/usr/bin/env bash
# tests/stock/inside.sh: runs inside a fresh debian:bookworm-slim container
# (tests/stock/run.sh), as root, in a clean clone of the repository. Does what
# the README asks of a new user on a stock Debian 12, and nothing more:
#   1. apt-get install make (a minimal Debian has no make);
#   2. `make run`: it must install what it needs, build, and serve on port
#      8080 a course page with its scripts and styles, a lesson, and a run
#      of 1+1; SIGTERM then stops it cleanly;
#   3. `make test`: every suite must pass.
set -euo pipefail
T0=$SECONDS
URL=http://127.0.0.1:8080
say() { printf '\n== [%4ss] %s\n' "$((SECONDS - T0))" "$*"; }
fail() {
	printf '\nFAIL (stock Debian 12): %s\n' "$*" >&2
	exit 1
}

say "stock Debian $(cat /etc/debian_version): apt-get install make"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq make >/dev/null
echo "   before make: node $(command -v node || echo none), python3 $(command -v python3 || echo none)"

say "make run (the README's first command)"
make run >/tmp/make-run.log 2>&1 &
run_pid=$!
deadline=$((SECONDS + 1500))
# python3 arrives with make's own packages: until then the check cannot run.
until python3 tests/docker/check.py "$URL" up 2>/dev/null; do
	if ! kill -0 "$run_pid" 2>/dev/null; then
		tail -n 60 /tmp/make-run.log >&2
		fail "make run stopped before serving"
	fi
	[ "$SECONDS" -lt "$deadline" ] || { tail -n 60 /tmp/make-run.log >&2; fail "nothing served on $URL within 25 minutes"; }
	sleep 1
done
echo "   serving after $((SECONDS - T0)) s; node $(node --version), npm $(npm --version)"
python3 tests/docker/check.py "$URL" served || { tail -n 40 /tmp/make-run.log >&2; fail "make run serves the wrong thing"; }
# SIGTERM to the server alone (not its zygote, not make): it drains, exits
# 0, and so does `make run`.
# (A minimal Debian has no pgrep: read /proc.)
server=""
for d in /proc/[0-9]*; do
	case "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" in
	"build/lessond --port"*) server=${d#/proc/} ;;
	esac
done
[ -n "$server" ] || fail "no lessond server process"
kill -TERM "$server"
rc=0
wait "$run_pid" || rc=$?
grep -q 'INFO stopped' /tmp/make-run.log && [ "$rc" = 0 ] ||
	{ tail -n 20 /tmp/make-run.log >&2; fail "make run ended with $rc after SIGTERM, not a clean stop"; }
echo "   SIGTERM: the server stopped cleanly and make run exited 0"

say "make test (the README's second command)"
make test >/tmp/make-test.log 2>&1 || { tail -n 120 /tmp/make-test.log >&2; fail "make test"; }
grep -E '^(Ran [0-9]+ tests|OK|check-lessons:|hostile:|# (pass|fail) )|PASSED' /tmp/make-test.log | sed 's/^/   /' | tail -n 40
say "stock Debian 12: make run and make test pass"
