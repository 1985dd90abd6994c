#!/usr/bin/env python3
"""Writes a seccomp profile that treats namespaces as Docker's default does.

Usage: docker_like_seccomp.py PODMAN_PROFILE OUT

Podman's default profile (/usr/share/containers/seccomp.json) allows
unshare(), setns() and clone() with namespace flags to every container;
Docker's default profile allows them only to a container that has
CAP_SYS_ADMIN, answers EPERM otherwise (ENOSYS for clone3, so that libc
falls back to clone), and answers EPERM for unknown system calls.
tests/docker/run.sh runs the image under this variant to check what a
teacher with Docker gets: the required layers on, the namespaces off.
"""
import json
import sys

GATED = {"unshare", "setns", "clone", "clone3"}
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
NAMESPACE_FLAGS = 0x7E020000
ADMIN = {"caps": ["CAP_SYS_ADMIN"]}


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        profile = json.load(f)
    # EPERM for what no rule allows (podman reads defaultErrno, Docker
    # defaultErrnoRet). It matters: lessond falls back from clone(CLONE_NEWPID)
    # to fork() on EPERM, not on podman's ENOSYS.
    profile["defaultErrnoRet"] = 1
    profile["defaultErrno"] = "EPERM"
    rules = []
    for rule in profile["syscalls"]:
        names = [n for n in rule["names"] if n not in GATED]
        if names:
            rules.append(dict(rule, names=names))
    rules += [
        {"names": sorted(GATED), "action": "SCMP_ACT_ALLOW", "includes": ADMIN},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "excludes": ADMIN,
         "args": [{"index": 0, "value": NAMESPACE_FLAGS, "valueTwo": 0,
                   "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": ADMIN},
    ]
    profile["syscalls"] = rules
    with open(out, "w", encoding="utf-8") as f:
        json.dump(profile, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
