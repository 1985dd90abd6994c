"""The Pythons a test server may run, and each one's standalone interpreter.

lessond links Debian 12's 3.11 and runs every Python prepared under
<its binary's directory>/pythons (docs/ARCHITECTURE.md §9): 3.13 from a
Debian 13 tree (`make python313`), started through that tree's own dynamic
loader. The fidelity tests compare each version's figures with that
version's standalone interpreter, started the same way: /usr/bin/python3.11,
and the tree's python3.13 under the tree's loader and libraries.
"""

import os

from lessond import BIN, SANITIZER

LINKED = "3.11"  # the Python lessond itself links
VERSIONS = ("3.11", "3.13")
PYTHONS_DIR = os.path.join(os.path.dirname(os.path.abspath(BIN)), "pythons")
MULTIARCH = "x86_64-linux-gnu"


def tree(version):
    """The Debian tree holding `version`."""
    return os.path.join(PYTHONS_DIR, version, "root")


def standalone(version):
    """The command (a list) that runs `version` standalone."""
    if version == LINKED:
        return ["/usr/bin/python3.11"]
    root = tree(version)
    libs = "%s/lib/%s:%s/usr/lib/%s" % (root, MULTIARCH, root, MULTIARCH)
    return [os.path.join(root, "lib64", "ld-linux-x86-64.so.2"), "--inhibit-cache",
            "--library-path", libs, os.path.join(root, "usr", "bin", "python" + version)]


def missing(version):
    """Why `version` cannot run in this build (a sentence for a skip), or
    None when the server serves it."""
    if version == LINKED:
        return None
    if SANITIZER:
        return ("a %s build serves Python %s alone (the %s zygote is built without "
                "sanitizers)" % (SANITIZER, LINKED, version))
    target = "make python" + version.replace(".", "")
    for path in (os.path.join(tree(version), ".lessond-tree"),
                 os.path.join(PYTHONS_DIR, version, "zygote")):
        if not os.path.exists(path):
            return "Python %s is not prepared: %s is missing (`%s` as root)" % (
                version, path, target)
    return None


def installed():
    """The versions this build's server serves by default, oldest first."""
    return [v for v in VERSIONS if missing(v) is None]
