#!/usr/bin/env python3
"""Prints the Debian mirror this machine's apt already uses for SUITE.

Usage: mirror.py [SUITE]   (default: the machine's own codename)

Reads /etc/apt/sources.list and /etc/apt/sources.list.d/ (one-line *.list
and deb822 *.sources) and prints the first `deb` URI that serves SUITE's
main component, so debootstrap fetches from the same place as apt-get and
no host is written into the project. Exits 1 when there is none.
"""
import glob
import os
import sys

SCHEMES = ("http://", "https://", "ftp://", "file:")


def one_line_entries(path):
    """Yields (types, uris, suites, components) from a one-line .list file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            kind, rest = words[0], words[1:]
            if rest and rest[0].startswith("["):  # [arch=amd64 signed-by=...]
                while rest and not rest[0].endswith("]"):
                    rest = rest[1:]
                rest = rest[1:]
            if len(rest) >= 2:
                yield [kind], [rest[0]], [rest[1]], rest[2:]


def deb822_entries(path):
    """Yields (types, uris, suites, components) from a deb822 .sources file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for para in text.split("\n\n"):
        fields, last = {}, None
        for line in para.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and last:  # continuation line
                fields[last] += " " + line.strip()
                continue
            if ":" in line:
                last, value = line.split(":", 1)
                last = last.strip().lower()
                fields[last] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        yield (fields.get("types", "").split(), fields.get("uris", "").split(),
               fields.get("suites", "").split(), fields.get("components", "").split())


def entries():
    """Every apt source on this machine, in apt's own order."""
    main = "/etc/apt/sources.list"
    if os.path.exists(main):
        yield from one_line_entries(main)
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*")):
        if path.endswith(".list"):
            yield from one_line_entries(path)
        elif path.endswith(".sources"):
            yield from deb822_entries(path)


def codename():
    """This machine's Debian codename (bookworm on Debian 12)."""
    with open("/etc/os-release", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return ""


def main():
    suite = sys.argv[1] if len(sys.argv) > 1 else codename()
    for types, uris, suites, components in entries():
        if "deb" not in types or suite not in suites or "main" not in components:
            continue
        for uri in uris:
            if uri.startswith(SCHEMES):
                print(uri.rstrip("/"))
                return 0
    print(f"no 'deb' source for {suite} main in /etc/apt/sources.list(.d)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
