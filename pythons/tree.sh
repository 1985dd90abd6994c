#!/usr/bin/env bash
# pythons/tree.sh SUITE DIR PACKAGE...: a Debian root file system holding
# another CPython, for lessond's second zygote (docs/ARCHITECTURE.md §9).
#
# Makes DIR with `debootstrap --variant=minbase --include=PACKAGE,... SUITE`
# from the Debian archive this machine's apt already uses
# (tests/docker/mirror.py), trimmed as the container base images are
# (tests/docker/base.sh's slim_rootfs). The tree is built beside DIR and
# renamed into place once whole, with the package list in DIR/.lessond-tree:
# a tree that exists with that list is ready, and nothing is done; one with
# another list is made again. Needs root (debootstrap) and the archive;
# without either it prints the exact commands to run and exits 1, leaving
# no partial tree behind. For trixie's python3.13 it takes about 45 s and
# leaves 182 MB (du -sh; about 330 MB while the tree is built, before the
# trim), measured twice on an idle 2-core machine (47 s, 42 s; 82 s with a
# load average near 4).
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 3 ] || { echo "usage: pythons/tree.sh SUITE DIR PACKAGE..." >&2; exit 2; }
suite=$1
dir=$2
shift 2
packages=$(IFS=,; echo "$*")
marker=$dir/.lessond-tree
# DIR is replaced whole at the end: refuse one that is not an earlier tree
# of ours (an empty or mistyped DIR must never cost a directory).
case $dir in
"" | / | /*/.. | .. | .) echo "pythons/tree.sh: refusing DIR '$dir'" >&2; exit 2 ;;
esac
if [ -e "$dir" ] && [ ! -f "$marker" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
	echo "pythons/tree.sh: $dir exists and is not a tree this script made (no .lessond-tree): not replacing it" >&2
	exit 2
fi

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$packages" ]; then
	exit 0
fi

mirror=$(python3 tests/docker/mirror.py 2>/dev/null) || mirror=""

# Says what to run by hand and why this run could not; exits 1.
explain() {
	echo "pythons/tree.sh: cannot prepare $dir ($suite): $1" >&2
	echo "run as root: sudo make $PYTHON_TARGET" >&2
	echo "or by hand:" >&2
	echo "  sudo apt-get install -y debootstrap" >&2
	echo "  sudo debootstrap --variant=minbase --include=$packages $suite $dir.tmp ${mirror:-MIRROR}" >&2
	echo "  echo $packages | sudo tee $dir.tmp/.lessond-tree && sudo rm -rf $dir && sudo mv $dir.tmp $dir" >&2
	exit 1
}
PYTHON_TARGET=${PYTHON_TARGET:-python313}

[ "$(id -u)" = 0 ] || explain "debootstrap needs root"
[ -n "$mirror" ] || explain "no Debian mirror in apt's sources (tests/docker/mirror.py)"
if ! command -v debootstrap >/dev/null; then
	echo "installing: debootstrap"
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap) \
		>/dev/null || explain "apt-get install debootstrap failed"
fi

mkdir -p "$(dirname "$dir")"
tmp=$dir.tmp
log=$dir.log
rm -rf "$tmp"
echo "debootstrap --variant=minbase --include=$packages $suite $dir ($mirror), log in $log"
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$tmp" "$mirror" >"$log" 2>&1; then
	tail -n 15 "$log" >&2
	rm -rf "$tmp"
	explain "debootstrap failed (see $log)"
fi
# shellcheck source=tests/docker/base.sh
. tests/docker/base.sh
slim_rootfs "$tmp"
echo "$packages" >"$tmp/.lessond-tree"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "prepared $dir: $(du -sh "$dir" | cut -f1)"
