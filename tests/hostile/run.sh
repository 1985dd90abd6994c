#!/usr/bin/env bash
# Runs the hostile-snippet suite against a lessond that is itself confined,
# so that a sandbox bug cannot hurt this machine (docs/ARCHITECTURE.md §3):
#   - its own user namespace, where inner root is the unprivileged outer
#     uid 100000 (so RLIMIT_NPROC applies and counts only its processes),
#   - its own PID namespace (kill(-1) reaches only the server's processes),
#   - its own mount namespace with a private /proc,
#   - at most 400 processes and 64 MiB per written file (prlimit).
# The server gets a canary secret in its environment; no response may ever
# contain it.
#
# Limits are shortened to keep the suite fast: --cpu-seconds 1 --wall-ms 3000
# (defaults: 2 s and 5 s).
#
# Environment: LESSOND_BIN (default build/lessond), SANITIZER (informational),
# HOSTILE_ARGS (extra arguments for test_hostile.py, e.g. a test name filter).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${LESSOND_BIN:-$root/build/lessond}
py=/usr/bin/python3
range="root:100000:65536"

die() {
	echo "hostile: $*" >&2
	exit 1
}

[ -x "$bin" ] || die "no server binary at $bin: run 'make' first"
[ -x "$py" ] || die "$py is missing: the suite needs Debian's python3"
for tool in prlimit unshare setsid; do
	command -v "$tool" >/dev/null || die "'$tool' is missing (Debian package util-linux)"
done

# newuidmap/newgidmap write the id maps for unshare --map-users/--map-groups.
if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "hostile: installing uidmap (newuidmap/newgidmap) for the confinement"
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq uidmap) \
			>/dev/null || die "apt-get install uidmap failed"
	else
		die "newuidmap/newgidmap are missing: run 'sudo apt-get install uidmap'. The hostile" \
			"suite only runs against a confined server and will not run without it."
	fi
fi

# The id range the server's user namespace maps its root to.
for f in /etc/subuid /etc/subgid; do
	if ! grep -qx "$range" "$f" 2>/dev/null; then
		if [ "$(id -u)" = 0 ]; then
			# keep the file well-formed when its last line lacks a newline
			if [ -s "$f" ] && [ -n "$(tail -c1 "$f")" ]; then echo >>"$f"; fi
			echo "$range" >>"$f"
			echo "hostile: added '$range' to $f"
		else
			die "$f lacks the line '$range', which the confined server needs, and" \
				"we are not root: add it (as root: echo $range >> $f) and rerun." \
				"The hostile suite refuses to run against an unconfined server."
		fi
	fi
done

tmp=$(mktemp -d /tmp/lessond-hostile.XXXXXX)
# The server runs as outer uid 100000: let it write its port file here.
chown 100000:100000 "$tmp"
chmod 0755 "$tmp"
canary="canary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
log="$tmp/server.log"
server_pgid=""

# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
	local rc=$?
	if [ -n "$server_pgid" ]; then
		# A PID namespace's first process ignores SIGTERM: kill the group.
		kill -KILL -- "-$server_pgid" 2>/dev/null || true
		wait "$server_pgid" 2>/dev/null || true
	fi
	if [ "$rc" != 0 ] && [ -s "$log" ]; then
		echo "---- server log (last 60 lines) ----" >&2
		tail -n 60 "$log" >&2 || true
		echo "------------------------------------" >&2
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "hostile: server $bin${SANITIZER:+ (SANITIZER=$SANITIZER)}, limits --cpu-seconds 1 --wall-ms 3000"
# setsid gives the server its own process group (so one kill reaches
# unshare, the server, its zygote and children); in a non-interactive shell
# a background job is not a group leader, so setsid execs in place and $!
# is the group id. --setuid/--setgid 0 make the process inner root, i.e.
# outer uid/gid 100000, rather than an unmapped outer root.
LESSOND_TEST_CANARY="$canary" setsid \
	prlimit --nproc=400 --fsize=67108864 \
	unshare --map-users=100000,0,65536 --map-groups=100000,0,65536 \
	--setuid 0 --setgid 0 -pfm --mount-proc -- \
	"$bin" --bind 127.0.0.1 --port 0 --port-file "$tmp/port" --data-dir "$tmp/data" \
	--cpu-seconds 1 --wall-ms 3000 --log-level info \
	</dev/null >"$log" 2>&1 &
server_pgid=$!

for _ in $(seq 150); do
	[ -s "$tmp/port" ] && break
	if ! kill -0 "$server_pgid" 2>/dev/null; then
		die "the server exited before it listened (log follows)"
	fi
	sleep 0.1
done
[ -s "$tmp/port" ] || die "the server wrote no port file within 15 s (log follows)"
port=$(cat "$tmp/port")

# The lessond process itself: unshare's child (pid 1 of the namespace).
server_pid=""
for _ in $(seq 50); do
	server_pid=$(awk '{print $1}' "/proc/$server_pgid/task/$server_pgid/children" 2>/dev/null)
	[ -n "$server_pid" ] && break
	sleep 0.1
done
[ -n "$server_pid" ] || die "cannot find the server process under unshare ($server_pgid)"
echo "hostile: server pid $server_pid (process group $server_pgid) on 127.0.0.1:$port"

set +e
# shellcheck disable=SC2086
"$py" "$here/test_hostile.py" --url "http://127.0.0.1:$port" --canary "$canary" \
	--server-pid "$server_pid" --server-log "$log" ${HOSTILE_ARGS:-}
status=$?
set -e
exit "$status"
