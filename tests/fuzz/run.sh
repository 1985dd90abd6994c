#!/bin/sh
# run.sh: runs one libFuzzer harness for a bounded time (used by `make fuzz`).
#
# usage: tests/fuzz/run.sh BINARY SECONDS WORKDIR SEED_DIR...
#
# Copies every file of the seed directories into WORKDIR/corpus (so the
# committed corpus never grows), then runs BINARY on that copy for SECONDS
# with LeakSanitizer on and the dictionary tests/fuzz/<name>.dict when there
# is one. The whole log goes to WORKDIR/log, a failing input to
# WORKDIR/crash-* (or leak-*, timeout-*, oom-*). Prints one summary line and
# exits 0, or prints the end of the log and exits 1 when the harness crashed,
# leaked, hung, ran out of memory or broke one of its properties.
set -eu

if [ $# -lt 4 ]; then
	echo "usage: $0 BINARY SECONDS WORKDIR SEED_DIR..." >&2
	exit 2
fi
bin=$1
secs=$2
work=$3
shift 3
name=$(basename "$bin" | sed 's/^fuzz_//')
dict=$(dirname "$0")/$name.dict

rm -rf "$work"
mkdir -p "$work/corpus"
for dir in "$@"; do
	prefix=$(echo "$dir" | tr '/' '_')
	for f in "$dir"/*; do
		[ -f "$f" ] && cp "$f" "$work/corpus/${prefix}_$(basename "$f")"
	done
done
seeds=$(find "$work/corpus" -type f | wc -l)

set -- -max_total_time="$secs" -detect_leaks=1 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/"
[ -f "$dict" ] && set -- "$@" -dict="$dict"

echo "fuzz $name: ${secs}s from $seeds seeds (log: $work/log)"
status=0
# TMPDIR: where fuzz_static builds its tree; a crash cannot remove it.
TMPDIR=$(cd "$work" && pwd) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin" "$@" "$work/corpus" >"$work/log" 2>&1 ||
	status=$?

if [ "$status" -ne 0 ]; then
	tail -n 60 "$work/log" >&2
	input=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | head -n 1)
	echo "fuzz $name: FAILED (exit $status); log: $work/log" >&2
	[ -n "$input" ] && echo "fuzz $name: reproduce with: $bin $input" >&2
	exit 1
fi
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -n 1)
execs=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$work/log")
runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$work/log")
corp=$(echo "$done_line" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
echo "fuzz $name: ok: $runs runs, $execs exec/s, corpus $corp (from $seeds seeds), cov $cov"
