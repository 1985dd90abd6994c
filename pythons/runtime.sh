#!/usr/bin/env bash
# pythons/runtime.sh ROOT OUT PACKAGE...: the run-time part of a Python's
# Debian tree (docs/ARCHITECTURE.md §9), for the image (Dockerfile).
#
# Copies from the Debian root file system ROOT ("/" in the image's trixie
# stage) into OUT, a new tree lessond can start a zygote in, what PACKAGE...
# and everything they depend on (Depends, Pre-Depends; of alternatives, the
# first one installed) put under /usr/lib and /usr/lib64 (or /lib and
# /lib64, which merged /usr puts there): the shared libraries, the dynamic
# loader, the standard library and its extension modules, with the byte
# code that installing them compiled (__pycache__, which dpkg does not
# list), and each package's copyright file. Nothing else: no executable, no
# /etc, no dpkg database, no header, no tzdata, and not libc's iconv
# modules (gconv, 8 MB), which Python's own codecs never load. Then the
# merged-/usr links (lib, lib64) and OUT/.lessond-tree, the mark of a ready
# tree (pool/pythons.c). Reads ROOT's dpkg database only; exits 1, leaving
# OUT alone, when a PACKAGE is not installed there or OUT exists.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: pythons/runtime.sh ROOT OUT PACKAGE..." >&2; exit 2; }
root=$(cd "$1" && pwd)
out=$2
shift 2
[ ! -e "$out" ] || { echo "pythons/runtime.sh: $out exists" >&2; exit 1; }

# dpkg-query against ROOT's database.
query() { dpkg-query --admindir="$root/var/lib/dpkg" "$@"; }
# True when package $1 is installed in ROOT.
installed() { [ "$(query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

for p in "$@"; do
	installed "$p" || { echo "pythons/runtime.sh: $p is not installed in $root" >&2; exit 1; }
done

# The closure of PACKAGE... over Depends and Pre-Depends, in `packages`.
declare -A seen=()
packages=()
queue=("$@")
while [ ${#queue[@]} -gt 0 ]; do
	p=${queue[0]}
	queue=("${queue[@]:1}")
	[ -z "${seen[$p]:-}" ] || continue
	seen[$p]=1
	packages+=("$p")
	IFS=, read -ra groups <<<"$(query -W -f='${Pre-Depends},${Depends}' "$p")"
	for group in "${groups[@]}"; do
		IFS='|' read -ra alternatives <<<"$group"
		for alt in "${alternatives[@]}"; do
			name=${alt%%(*}
			name=${name%%:*}
			name=${name//[[:space:]]/}
			if [ -n "$name" ] && installed "$name"; then
				queue+=("$name")
				break
			fi
		done
	done
done

mkdir -p "$out"
cd "$root"
files=$(mktemp)
trap 'rm -f "$files"' EXIT
for p in "${packages[@]}"; do
	query -L "$p" | sed 's#^/lib#/usr/lib#' | grep -E "^/usr/lib(64)?/|^/usr/share/doc/$p/copyright\$" || true
done | grep -v '/gconv/' | sort -u >"$files"
# Files and links, not directories (cp --parents makes those).
while IFS= read -r path; do
	if [ -L ".$path" ] || [ -f ".$path" ]; then
		printf '.%s\0' "$path"
	fi
done <"$files" | xargs -0 -r cp -a --parents -t "$out"
# The byte code of each copied module: X/__pycache__/M.cpython-313*.pyc
# belongs to X/M.py.
find usr/lib -path '*/__pycache__/*.pyc' -print | while IFS= read -r pyc; do
	module=${pyc##*/}
	src=$out/${pyc%/__pycache__/*}/${module%%.*}.py
	[ ! -f "$src" ] && [ ! -L "$src" ] || printf '%s\0' "$pyc"
done | xargs -0 -r cp -a --parents -t "$out"
ln -s usr/lib "$out/lib"
ln -s usr/lib64 "$out/lib64"
(IFS=,; echo "$*") >"$out/.lessond-tree"
echo "pythons/runtime.sh: $out: ${#packages[@]} packages, $(du -sh "$out" | cut -f1)"
