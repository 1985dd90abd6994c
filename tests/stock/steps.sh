# tests/stock/steps.sh: sourced by tests/stock/run.sh (on the machine) and
# tests/stock/inside.sh (in the container). Named steps with their elapsed
# times, a summary of them, and one way to fail. The caller sets
# STEPS_WHERE, a word for its headings ("host", "stock Debian 12").
# shellcheck shell=bash
STEPS_T0=$SECONDS
STEP=""
STEP_T0=$SECONDS
STEP_TIMES=()

# Ends the current step, if any: prints and records how long it took.
step_end() {
	[ -n "$STEP" ] || return 0
	printf '   (%s s)\n' "$((SECONDS - STEP_T0))"
	STEP_TIMES+=("$(printf '%6s s  %s' "$((SECONDS - STEP_T0))" "$STEP")")
	STEP=""
}

# step NAME: ends the current step and prints NAME's heading with the time
# since the script began.
step() {
	step_end
	STEP=$1
	STEP_T0=$SECONDS
	printf '\n== [%s %4ss] %s\n' "$STEPS_WHERE" "$((SECONDS - STEPS_T0))" "$STEP"
}

# ok MESSAGE: one line of evidence for the current step.
ok() { printf '   ok: %s\n' "$*"; }

# Prints the recorded steps and their times, then the total.
step_summary() {
	step_end
	printf '\n== [%s] timings\n' "$STEPS_WHERE"
	printf '%s\n' "${STEP_TIMES[@]}"
	printf '%6s s  total\n' "$((SECONDS - STEPS_T0))"
}

# fail MESSAGE: says which step failed after how long, and exits 1.
fail() {
	printf '\nFAIL (%s, step "%s" after %s s): %s\n' "$STEPS_WHERE" "${STEP:-?}" \
		"$((SECONDS - STEP_T0))" "$*" >&2
	exit 1
}
