"""The HTTP layer against the real server: static files stay inside their
directory, carry the right types, caching and security headers, and are
sent precompressed (.br, .gz siblings) as Accept-Encoding allows; limits on
bodies, URLs and headers; slow clients are dropped within a bounded time;
wrong methods and unknown API routes get JSON errors.

Run with Debian's python3: `LESSOND_BIN=build/lessond /usr/bin/python3
tests/integration/test_http.py` (make integration does this).
"""

import concurrent.futures
import gzip
import hashlib
import http.client
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lessond import Server  # noqa: E402

try:
    import brotli  # Debian's python3-brotli (make test-deps)
except ImportError:  # pragma: no cover - reported by the tests that need it
    brotli = None

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = b"lessond-test-secret-6f1c"

# The server's limits on slow clients (HTTP_IDLE_TIMEOUT_S and
# HTTP_RECEIVE_DEADLINE_S in server/http/http.c; its watchdog looks twice a second).
IDLE_TIMEOUT_S = 10
RECEIVE_DEADLINE_S = 15
SLACK_S = 2.5

# File name -> (bytes, the Content-Type lessond must send).
FILES = {
    "index.html": (b"<!doctype html><title>t</title><p>index page", "text/html; charset=utf-8"),
    "app.js": (b"export const x = 1;\n", "text/javascript; charset=utf-8"),
    "mod.mjs": (b"export default 2;\n", "text/javascript; charset=utf-8"),
    "style.css": (b"body { color: black }\n", "text/css; charset=utf-8"),
    "logo.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
    "data.json": (b'{"a": 1}', "application/json"),
    "app.js.map": (b'{"version": 3}', "application/json"),
    "font.woff2": (b"wOF2\x00\x01", "font/woff2"),
    "pic.png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "photo.JPG": (b"\xff\xd8\xff", "image/jpeg"),
    "favicon.ico": (b"\x00\x00\x01\x00", "image/x-icon"),
    "notes.txt": (b"plain words\n", "text/plain; charset=utf-8"),
    "blob.bin": (b"\x00\x01\x02", "application/octet-stream"),
    "noext": (b"no extension", "application/octet-stream"),
    "sub/page.html": (b"<!doctype html><p>sub page", "text/html; charset=utf-8"),
}


def make_static_tree(base):
    """A static directory under base with FILES, dotfiles, and symlinks in
    and out; a secret file next to it that must never be served."""
    root = os.path.join(base, "static")
    os.makedirs(os.path.join(root, "sub"))
    os.makedirs(os.path.join(root, ".git"))
    os.makedirs(os.path.join(base, "outside"))
    for name, (data, _) in FILES.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    for name in (".env", ".git/config"):
        with open(os.path.join(root, name), "wb") as f:
            f.write(SECRET)
    for name in ("secret.txt", "outside/secret.txt"):
        with open(os.path.join(base, name), "wb") as f:
            f.write(SECRET)
    os.symlink("sub/page.html", os.path.join(root, "inner.html"))          # inside: served
    os.symlink("../secret.txt", os.path.join(root, "leak.txt"))            # file outside
    os.symlink(os.path.join(base, "secret.txt"), os.path.join(root, "abs.txt"))
    os.symlink("../outside", os.path.join(root, "outdir"))                 # directory outside
    os.symlink("..", os.path.join(root, "up"))                             # the parent itself
    return root


def raw_exchange(port, data, timeout=5.0):
    """Sends raw bytes; returns everything the server sends before it closes
    or goes quiet for `timeout` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    return out


def status_of(raw):
    """The status code of a raw HTTP response (0 when there is none)."""
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", raw)
    return int(m.group(1)) if m else 0


class StaticTreeServer(unittest.TestCase):
    """A server whose --static-dir is a tree built for the test class."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="lessond-static-")
        cls.root = make_static_tree(cls.tmp.name)
        cls.server = Server("--static-dir", cls.root).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.tmp.cleanup()


class StaticFiles(StaticTreeServer):
    """Files from a --static-dir built for the test."""

    def get(self, path, method="GET", headers=None):
        return self.server.request(method, path, headers=headers)

    def assert_not_served(self, path):
        """The path gets 400 or 404 with a JSON error, and never the secret."""
        raw = raw_exchange(self.server.port,
                           b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n"
                           b"Connection: close\r\n\r\n")
        self.assertNotIn(SECRET, raw, path)
        self.assertIn(status_of(raw), (400, 404), (path, raw[:200]))

    def test_mime_types(self):
        for name, (data, mime) in FILES.items():
            with self.subTest(name=name):
                status, headers, body = self.get("/" + name)
                self.assertEqual(status, 200)
                self.assertEqual(headers.get("Content-Type"), mime)
                self.assertEqual(body, data)

    def test_root_is_index(self):
        status, headers, body = self.get("/")
        self.assertEqual((status, body), (200, FILES["index.html"][0]))
        self.assertEqual(headers.get("Content-Type"), "text/html; charset=utf-8")

    def test_dot_dot_in_every_spelling_stays_inside(self):
        for path in ("/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt",
                     "/%2E%2E/secret.txt", "/.%2e/secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt",
                     "/%2e%2e%2fsecret.txt", "/..%2fsecret.txt", "/sub%2f..%2f..%2fsecret.txt",
                     "/%252e%252e/secret.txt", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                     "../secret.txt", "http://t/../secret.txt", "/./../secret.txt"):
            with self.subTest(path=path):
                self.assert_not_served(path)

    def test_backslashes_are_refused(self):
        for path in ("/..\\secret.txt", "/sub\\..\\..\\secret.txt", "/%5c..%5csecret.txt",
                     "/sub%5cpage.html"):
            with self.subTest(path=path):
                self.assert_not_served(path)

    def test_nul_does_not_cut_the_path(self):
        # "/index.html%00.js" must not be index.html (served as JavaScript or not).
        for path in ("/index.html%00.js", "/leak.txt%00", "/%00/../secret.txt",
                     "/sub/page.html%00"):
            with self.subTest(path=path):
                self.assert_not_served(path)

    def test_symlinks_out_of_the_directory_are_refused(self):
        for path in ("/leak.txt", "/abs.txt", "/outdir/secret.txt", "/up/secret.txt",
                     "/up/outside/secret.txt"):
            with self.subTest(path=path):
                self.assert_not_served(path)

    def test_symlink_inside_the_directory_is_served(self):
        status, headers, body = self.get("/inner.html")
        self.assertEqual((status, body), (200, FILES["sub/page.html"][0]))

    def test_dotfiles_are_not_served(self):
        for path in ("/.env", "/.git/config", "/sub/../.env", "/%2egit/config"):
            with self.subTest(path=path):
                self.assert_not_served(path)

    def test_directories_are_not_listed(self):
        for path in ("/sub", "/sub/", "//", "/outdir/"):
            with self.subTest(path=path):
                self.assert_not_served(path)

    def test_missing_file_is_a_json_404(self):
        status, headers, body = self.get("/nope.js")
        self.assertEqual(status, 404)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertTrue(json.loads(body)["error"])

    def test_wrong_methods_get_405_with_allow(self):
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            with self.subTest(method=method):
                status, headers, body = self.get("/app.js", method=method)
                self.assertEqual(status, 405)
                self.assertEqual(headers.get("Allow"), "GET, HEAD")
                self.assertEqual(headers.get("Content-Type"), "application/json")
                self.assertTrue(json.loads(body)["error"])

    def test_head_has_headers_and_no_body(self):
        status, headers, body = self.get("/app.js", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(headers.get("Content-Type"), FILES["app.js"][1])
        self.assertEqual(headers.get("Content-Length"), str(len(FILES["app.js"][0])))
        self.assertTrue(headers.get("ETag"))


class Caching(StaticTreeServer):
    """ETag revalidation, and Cache-Control that never keeps a stale UI."""

    def test_etag_and_304(self):
        status, headers, body = self.server.request("GET", "/style.css")
        etag = headers.get("ETag")
        self.assertEqual(status, 200)
        self.assertRegex(etag or "", r'^"[^"]+"$')
        self.assertEqual(headers.get("Cache-Control"), "no-cache")
        for value in (etag, "W/" + etag, '"other", ' + etag, etag + ', "other"', "*"):
            with self.subTest(if_none_match=value):
                status, h304, body = self.server.request(
                    "GET", "/style.css", headers={"If-None-Match": value})
                self.assertEqual((status, body), (304, b""))
                self.assertEqual(h304.get("ETag"), etag)
        for value in ('"other"', etag[:-2] + '"', ""):
            with self.subTest(if_none_match=value):
                status, _, body = self.server.request(
                    "GET", "/style.css", headers={"If-None-Match": value})
                self.assertEqual((status, body), (200, FILES["style.css"][0]))

    def test_etag_changes_with_the_file(self):
        path = os.path.join(self.root, "data.json")
        _, headers, _ = self.server.request("GET", "/data.json")
        old = headers["ETag"]
        with open(path, "wb") as f:
            f.write(b'{"a": 22}')
        status, headers, body = self.server.request("GET", "/data.json",
                                                    headers={"If-None-Match": old})
        self.assertEqual((status, body), (200, b'{"a": 22}'))
        self.assertNotEqual(headers["ETag"], old)


CHROMIUM = "gzip, deflate, br"   # what Chromium sends (over plain http too, to localhost)
IMMUTABLE = "public, max-age=31536000, immutable"
HASHED = re.compile(r"^[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)*-[0-9a-f]{8}\.[a-z0-9.]+$")


def js_text(n):
    """n lines of JavaScript-looking text that compresses well but not to nothing."""
    return "".join(f"export const value{i} = {i * 7919 % 10007};\n" for i in range(n)).encode()


def write(path, data, mtime=None):
    """Writes data to path (making its directory), optionally with an mtime."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def decode(headers, body):
    """The body with its Content-Encoding undone."""
    coding = headers.get("Content-Encoding")
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        return brotli.decompress(body)
    if coding is None:
        return body
    raise AssertionError(f"unexpected Content-Encoding {coding!r}")


class Compression(unittest.TestCase):
    """Precompressed siblings (file.br, file.gz) chosen by Accept-Encoding,
    never when stale; Vary, per-coding ETags, HEAD and 304 keep working."""

    @classmethod
    def setUpClass(cls):
        if brotli is None:
            raise RuntimeError("python3-brotli is missing: run make test-deps")
        cls.tmp = tempfile.TemporaryDirectory(prefix="lessond-compress-")
        cls.root = root = os.path.join(cls.tmp.name, "static")
        t = time.time() - 1000
        cls.plain = {}
        for name, data in (("index.html", b"<!doctype html><title>t</title>" + js_text(200)),
                           ("app.js", js_text(800)), ("stale.css", js_text(300)),
                           ("dist/app-0123abcd.js", js_text(500)), ("dist/app.js", js_text(400)),
                           ("big.svg", b"<svg xmlns='http://www.w3.org/2000/svg'>" + js_text(50))):
            cls.plain[name] = data
            write(os.path.join(root, name), data, t)
            write(os.path.join(root, name + ".gz"), gzip.compress(data), t)
            write(os.path.join(root, name + ".br"), brotli.compress(data), t + 1)
        # stale.css changed after it was compressed: its .br is older (its .gz is not).
        os.utime(os.path.join(root, "stale.css.br"), (t - 5, t - 5))
        cls.plain["notes.txt"] = js_text(100)
        write(os.path.join(root, "notes.txt"), cls.plain["notes.txt"], t)
        cls.plain["pic.png"] = b"\x89PNG\r\n\x1a\n" + js_text(100)
        write(os.path.join(root, "pic.png"), cls.plain["pic.png"], t)
        write(os.path.join(root, "pic.png.gz"), gzip.compress(cls.plain["pic.png"]), t)
        cls.server = Server("--static-dir", root).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.tmp.cleanup()

    def get(self, path, accept=None, method="GET", headers=None):
        h = dict(headers or {})
        if accept is not None:
            h["Accept-Encoding"] = accept
        return self.server.request(method, path, headers=h)

    def test_bodies_decompress_to_exactly_the_plain_file(self):
        for name in ("index.html", "app.js", "dist/app-0123abcd.js", "big.svg"):
            for accept, coding in ((CHROMIUM, "br"), ("gzip, deflate", "gzip"),
                                   ("br", "br"), (None, None), ("identity", None)):
                with self.subTest(name=name, accept=accept):
                    status, headers, body = self.get("/" + name, accept)
                    self.assertEqual(status, 200)
                    self.assertEqual(headers.get("Content-Encoding"), coding)
                    self.assertEqual(headers.get("Content-Length"), str(len(body)))
                    self.assertEqual(decode(headers, body), self.plain[name])
                    if coding:
                        self.assertLess(len(body), len(self.plain[name]) // 3)
        status, headers, body = self.get("/", CHROMIUM)
        self.assertEqual((status, headers.get("Content-Encoding")), (200, "br"))
        self.assertEqual(decode(headers, body), self.plain["index.html"])
        self.assertEqual(headers.get("Content-Type"), "text/html; charset=utf-8")
        self.assertIn("Content-Security-Policy", headers)

    def test_q_zero_refuses_a_coding(self):
        for accept, coding in (("gzip, br;q=0", "gzip"), ("br;q=0, gzip", "gzip"),
                               ("gzip;q=0, br;q=0", None), ("*;q=0", None),
                               ("*, br;q=0", "gzip"), ("BR;Q=0, GZIP", "gzip"),
                               ("br;q=0.5, gzip;q=0.8", "gzip"), ("x-gzip", "gzip"),
                               ("*", "br"), ("deflate", None), ("", None)):
            with self.subTest(accept=accept):
                status, headers, body = self.get("/app.js", accept)
                self.assertEqual((status, headers.get("Content-Encoding")), (200, coding))
                self.assertEqual(decode(headers, body), self.plain["app.js"])

    def test_vary_on_every_compressible_type(self):
        for path in ("/", "/app.js", "/notes.txt", "/big.svg", "/stale.css"):
            for accept in (CHROMIUM, None):
                with self.subTest(path=path, accept=accept):
                    _, headers, _ = self.get(path, accept)
                    self.assertEqual(headers.get("Vary"), "Accept-Encoding")
        # notes.txt has no siblings: Vary, but nothing to send but the file.
        _, headers, body = self.get("/notes.txt", CHROMIUM)
        self.assertNotIn("Content-Encoding", headers)
        self.assertEqual(body, self.plain["notes.txt"])

    def test_incompressible_types_are_sent_as_they_are(self):
        status, headers, body = self.get("/pic.png", CHROMIUM)
        self.assertEqual((status, body), (200, self.plain["pic.png"]))
        self.assertNotIn("Content-Encoding", headers)
        self.assertNotIn("Vary", headers)

    def test_a_stale_sibling_is_never_sent(self):
        # stale.css.br is older than stale.css: br is passed over for gzip.
        for accept, coding in ((CHROMIUM, "gzip"), ("br", None), ("br, gzip;q=0.1", "gzip")):
            with self.subTest(accept=accept):
                _, headers, body = self.get("/stale.css", accept)
                self.assertEqual(headers.get("Content-Encoding"), coding)
                self.assertEqual(decode(headers, body), self.plain["stale.css"])

    def test_a_file_rewritten_after_compression_is_sent_plain(self):
        path = os.path.join(self.root, "fresh.js")
        old = js_text(300)
        write(path, old, time.time() - 100)
        write(path + ".br", brotli.compress(old), time.time() - 100)
        write(path + ".gz", gzip.compress(old), time.time() - 100)
        _, headers, _ = self.get("/fresh.js", CHROMIUM)
        self.assertEqual(headers.get("Content-Encoding"), "br")
        new = js_text(301)
        write(path, new)  # now newer than both siblings
        status, headers, body = self.get("/fresh.js", CHROMIUM)
        self.assertEqual((status, body), (200, new))
        self.assertNotIn("Content-Encoding", headers)

    def test_each_coding_has_its_own_etag(self):
        tags = {}
        for accept in (CHROMIUM, "gzip", None):
            _, headers, _ = self.get("/app.js", accept)
            tags[headers.get("Content-Encoding")] = headers["ETag"]
        self.assertEqual(len(set(tags.values())), 3, tags)
        for accept, coding in ((CHROMIUM, "br"), ("gzip", "gzip"), (None, None)):
            with self.subTest(accept=accept):
                status, headers, body = self.get("/app.js", accept,
                                                 headers={"If-None-Match": tags[coding]})
                self.assertEqual((status, body), (304, b""))
                self.assertEqual(headers.get("ETag"), tags[coding])
                self.assertEqual(headers.get("Vary"), "Accept-Encoding")
                self.assertEqual(headers.get("Cache-Control"), "no-cache")
        # The br copy's tag does not revalidate the gzip one: a full answer.
        status, headers, body = self.get("/app.js", "gzip", headers={"If-None-Match": tags["br"]})
        self.assertEqual((status, headers.get("Content-Encoding")), (200, "gzip"))
        self.assertEqual(gzip.decompress(body), self.plain["app.js"])

    def test_codings_of_one_size_and_time_still_differ_in_etag(self):
        # The tag names the coding, not only the size and time of what is sent.
        t = time.time() - 50
        for suffix in ("", ".gz", ".br"):
            write(os.path.join(self.root, "same.json" + suffix), b"{" + b" " * 2000 + b"}", t)
        tags = set()
        for accept in (CHROMIUM, "gzip", None):
            _, headers, _ = self.get("/same.json", accept)
            tags.add(headers["ETag"])
        self.assertEqual(len(tags), 3, tags)

    def test_head_describes_the_coded_body(self):
        for accept, coding, suffix in ((CHROMIUM, "br", ".br"), ("gzip", "gzip", ".gz"),
                                       (None, None, "")):
            with self.subTest(accept=accept):
                status, headers, body = self.get("/app.js", accept, method="HEAD")
                _, got, full = self.get("/app.js", accept)
                self.assertEqual((status, body), (200, b""))
                self.assertEqual(headers.get("Content-Encoding"), coding)
                size = os.path.getsize(os.path.join(self.root, "app.js" + suffix))
                self.assertEqual(headers.get("Content-Length"), str(size))
                self.assertEqual(len(full), size)
                self.assertEqual(headers.get("ETag"), got.get("ETag"))

    def test_hashed_names_are_immutable_everything_else_revalidated(self):
        for path, cache in (("/dist/app-0123abcd.js", IMMUTABLE), ("/dist/app.js", "no-cache"),
                            ("/", "no-cache"), ("/index.html", "no-cache"),
                            ("/app.js", "no-cache"), ("/pic.png", "no-cache")):
            for accept in (CHROMIUM, None):
                with self.subTest(path=path, accept=accept):
                    status, headers, _ = self.get(path, accept)
                    self.assertEqual((status, headers.get("Cache-Control")), (200, cache))
        _, headers, _ = self.get("/dist/app-0123abcd.js.br")
        self.assertEqual(headers.get("Cache-Control"), IMMUTABLE)
        status, headers, _ = self.get("/dist/app-ffffffff.js", CHROMIUM)
        self.assertEqual((status, headers.get("Cache-Control")), (404, "no-store"))

    def test_shared_cacheable_answers_carry_no_cookie(self):
        # A learner without a cookie gets one with the page, never with an
        # answer a shared cache may keep and hand to the next learner.
        _, headers, _ = self.get("/dist/app-0123abcd.js", CHROMIUM)
        self.assertNotIn("Set-Cookie", headers)
        _, headers, _ = self.get("/", CHROMIUM)
        self.assertIn("Set-Cookie", headers)


class BuiltUI(unittest.TestCase):
    """The page and the bundle `make ui` builds, as a browser loads them."""

    @classmethod
    def setUpClass(cls):
        cls.static = os.path.join(REPO, "static")
        if not os.path.exists(os.path.join(cls.static, "index.html")):
            raise unittest.SkipTest("the UI is not built (make ui)")
        if brotli is None:
            raise RuntimeError("python3-brotli is missing: run make test-deps")
        cls.server = Server("--static-dir", cls.static).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def page_assets(self):
        """The same-origin files the page names (stylesheet, script, icon)."""
        _, _, page = self.server.request("GET", "/")
        return re.findall(r'(?:href|src)="(/[^"#?]+)"', page.decode())

    def test_the_page_names_hashed_assets_cached_for_good(self):
        assets = self.page_assets()
        bundle = [a for a in assets if a.startswith("/dist/")]
        self.assertEqual(sorted(os.path.splitext(a)[1] for a in bundle), [".css", ".js"])
        for path in bundle:
            with self.subTest(path=path):
                self.assertRegex(os.path.basename(path), HASHED)
                for accept, coding in ((CHROMIUM, "br"), ("gzip", "gzip"), (None, None)):
                    status, headers, body = self.server.request(
                        "GET", path, headers={"Accept-Encoding": accept} if accept else {})
                    self.assertEqual(status, 200)
                    self.assertEqual(headers.get("Cache-Control"), IMMUTABLE)
                    self.assertEqual(headers.get("Content-Encoding"), coding)
                    self.assertEqual(headers.get("Vary"), "Accept-Encoding")
                    with open(os.path.join(self.static, path.lstrip("/")), "rb") as f:
                        self.assertEqual(decode(headers, body), f.read())
        status, headers, _ = self.server.request("GET", "/", headers={"Accept-Encoding": CHROMIUM})
        self.assertEqual((status, headers.get("Cache-Control")), (200, "no-cache"))

    def test_everything_in_dist_is_named_after_its_content(self):
        # build-ui.mjs: <stem>-<first 8 hex digits of SHA-256 of the code>,
        # the code taken without its source map comment and followed by
        # "\0map" when it has one; a map, .gz and .br go by their file's name.
        dist = os.path.join(self.static, "dist")
        names = sorted(os.listdir(dist))
        self.assertTrue(names)
        for name in names:
            with self.subTest(name=name):
                self.assertRegex(name, HASHED)
                if name.endswith((".gz", ".br", ".map")):
                    self.assertIn(name[:-len(".map") if name.endswith(".map") else -3], names)
                    continue
                with open(os.path.join(dist, name), "rb") as f:
                    code = f.read()
                m = re.search(rb"(//# sourceMappingURL=|/\*# sourceMappingURL=)(\S+)\.map( \*/)?\n$",
                              code)
                if m:
                    self.assertEqual(m.group(2).decode(), name)
                    code = code[:m.start()] + b"\0map"
                digest = hashlib.sha256(code).hexdigest()[:8]
                self.assertEqual(re.search(r"-([0-9a-f]{8})\.", name).group(1), digest)

    def test_a_cold_load_is_a_third_of_the_plain_bytes(self):
        sent = plain = 0
        for path in ["/"] + self.page_assets():
            _, headers, body = self.server.request("GET", path,
                                                   headers={"Accept-Encoding": CHROMIUM})
            sent += len(body)
            plain += len(decode(headers, body))
        self.assertGreater(plain, 100_000)
        self.assertLess(sent, plain / 3, f"{sent} bytes sent for {plain}")


class SecurityHeaders(unittest.TestCase):
    """Pages carry a strict CSP; every response carries nosniff and a
    Referrer-Policy."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_pages_carry_a_strict_csp(self):
        for path in ("/", "/index.html"):
            with self.subTest(path=path):
                status, headers, _ = self.server.request("GET", path)
                self.assertEqual(status, 200)
                csp = headers.get("Content-Security-Policy", "")
                directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
                self.assertEqual(directives.get("default-src"), "'self'")
                self.assertEqual(directives.get("script-src"), "'self'")
                self.assertEqual(directives.get("style-src"), "'self'")
                self.assertEqual(directives.get("object-src"), "'none'")
                self.assertEqual(directives.get("frame-ancestors"), "'none'")
                self.assertEqual(directives.get("base-uri"), "'none'")
                self.assertNotIn("unsafe-inline", csp)
                self.assertNotIn("unsafe-eval", csp)

    def test_index_html_needs_nothing_the_csp_forbids(self):
        # The page's source, and the page built from it when there is one.
        for path in ("static/src/index.html", "static/index.html"):
            if os.path.exists(os.path.join(REPO, path)) or path.startswith("static/src"):
                with self.subTest(path=path):
                    self.check_page_needs_nothing_the_csp_forbids(os.path.join(REPO, path))

    def check_page_needs_nothing_the_csp_forbids(self, path):
        with open(path, encoding="utf-8") as f:
            page = f.read()
        self.assertNotRegex(page, r"<script(?![^>]*\bsrc=)[^>]*>", "inline script")
        self.assertNotRegex(page, r"<style\b", "inline style element")
        self.assertNotRegex(page, r"\sstyle=", "style attribute")
        self.assertNotRegex(page, r"\son[a-z]+=", "inline event handler")
        self.assertNotRegex(page, r"(src|href)=\"(https?:)?//", "asset from another origin")

    def test_every_response_has_nosniff_and_referrer_policy(self):
        for method, path in (("GET", "/"), ("GET", "/favicon.svg"), ("GET", "/api/health"),
                             ("GET", "/api/lessons"), ("GET", "/nope"), ("GET", "/api/nope"),
                             ("PUT", "/api/run"), ("DELETE", "/index.html")):
            with self.subTest(method=method, path=path):
                _, headers, _ = self.server.request(method, path)
                self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
                self.assertIn(headers.get("Referrer-Policy"),
                              ("no-referrer", "same-origin", "strict-origin-when-cross-origin"))

    def test_csp_only_on_pages(self):
        _, headers, _ = self.server.request("GET", "/api/health")
        self.assertNotIn("Content-Security-Policy", headers)


class ApiErrors(unittest.TestCase):
    """Wrong methods and unknown routes under /api get JSON errors."""

    ROUTES = {"/api/run": "POST", "/api/check": "POST", "/api/solution": "POST",
              "/api/health": "GET, HEAD", "/api/lessons": "GET, HEAD",
              "/api/lessons/01-where-attributes-live": "GET, HEAD"}

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def expect_json_error(self, method, path, status):
        got, headers, body = self.server.request(method, path)
        self.assertEqual(got, status, body)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertIsInstance(json.loads(body)["error"], str)
        return headers

    def test_wrong_methods_get_405_with_allow(self):
        for path, allow in self.ROUTES.items():
            for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
                if method in allow.split(", "):
                    continue
                with self.subTest(method=method, path=path):
                    headers = self.expect_json_error(method, path, 405)
                    self.assertEqual(headers.get("Allow"), allow)

    def test_unknown_routes_get_404(self):
        for path in ("/api", "/api/", "/api/nope", "/api/run/extra", "/api/RUN",
                     "/api/health/", "/api/%00", "/api/" + "x" * 3000):
            for method in ("GET", "POST"):
                with self.subTest(method=method, path=path[:40]):
                    self.expect_json_error(method, path, 404)
        self.expect_json_error("GET", "/api/lessons/no-such-lesson", 404)


class Limits(unittest.TestCase):
    """Bodies, URLs and headers beyond the limits are refused cleanly."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_body_too_big_is_413_json(self):
        for size in (2 << 20, 32 << 20):
            with self.subTest(size=size):
                status, headers, body = self.server.request(
                    "POST", "/api/run", b'{"code": "' + b"x" * size + b'"}')
                self.assertEqual(status, 413)
                self.assertEqual(headers.get("Content-Type"), "application/json")
                self.assertIn("larger", json.loads(body)["error"])

    def test_body_too_big_with_expect_is_refused_before_it_is_sent(self):
        # curl and others ask first (Expect: 100-continue) for big bodies:
        # the answer is 413 at once, not "100 Continue" and a wasted upload.
        started = time.monotonic()
        raw = raw_exchange(self.server.port,
                           b"POST /api/run HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
                           b"\r\nContent-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n")
        self.assertEqual(status_of(raw), 413, raw[:200])
        self.assertNotIn(b"100 Continue", raw)
        self.assertIn(b"larger", raw)
        self.assertLess(time.monotonic() - started, 3)

    def test_small_body_with_expect_still_runs(self):
        body = json.dumps({"code": "6 * 7"}).encode()
        raw = raw_exchange(self.server.port,
                           b"POST /api/run HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                           b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body)
                           + body, timeout=20)
        self.assertIn(b"HTTP/1.1 200", raw)
        self.assertIn(b'"repr":"42"', raw)

    def test_url_too_long_is_414(self):
        raw = raw_exchange(self.server.port,
                           b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertEqual(status_of(raw), 414, raw[:200])

    def test_headers_too_big_are_431(self):
        one_big = b"X-Big: " + b"b" * 40000 + b"\r\n"
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(5000))
        for name, extra in (("one big header", one_big), ("many headers", many)):
            with self.subTest(name):
                raw = raw_exchange(self.server.port,
                                   b"GET / HTTP/1.1\r\nHost: t\r\n" + extra + b"\r\n")
                self.assertEqual(status_of(raw), 431, raw[:200])

    def test_ordinary_big_headers_and_urls_are_fine(self):
        # Cookies and URLs of a few KiB are normal.
        status, _, _ = self.server.request("GET", "/api/health",
                                           headers={"Cookie": "c=" + "v" * 8000})
        self.assertEqual(status, 200)
        status, _, _ = self.server.request("GET", "/api/health?" + "q" * 4000)
        self.assertEqual(status, 200)

    def test_server_still_answers_after_refusals(self):
        for junk in (b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\n\r\n",
                     b"GET / HTTP/1.1\r\nX: " + b"b" * 40000 + b"\r\n\r\n",
                     b"\x00\xff garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"):
            raw_exchange(self.server.port, junk, timeout=2)
        self.assertEqual(self.server.run("1 + 1")["result"]["repr"], "2")


class SlowClients(unittest.TestCase):
    """A client cannot hold a connection by sending slowly. Every scenario
    runs at once against one server (setUpClass), each test checks one."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--wall-ms", "30000", "--cpu-seconds", "30").__enter__()
        cls.results = {}
        scenarios = {
            "headers": cls.trickle(b"GET / HTTP/1.1\r\nHost: t\r\n", b"X"),
            "body": cls.trickle(b"POST /api/run HTTP/1.1\r\nHost: t\r\n"
                                b"Content-Length: 1000\r\n\r\n{", b" "),
            "request_line": cls.trickle(b"G", b"E"),
            "silent": cls.silent,
            "keepalive_idle": cls.keepalive_idle,
            "late_but_whole": cls.late_but_whole,
            "long_run": cls.long_run,
        }
        threads = [threading.Thread(target=cls.record, args=(name, fn))
                   for name, fn in scenarios.items()]
        for t in threads:
            t.start()
        time.sleep(1)
        cls.results["normal"] = cls.normal_requests()
        for t in threads:
            t.join(60)

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    @classmethod
    def record(cls, name, fn):
        try:
            cls.results[name] = fn()
        except Exception as e:  # reported by the test of that scenario
            cls.results[name] = e

    @classmethod
    def trickle(cls, start, byte, every=1.0):
        """A scenario: sends `start`, then `byte` every `every` seconds (well
        inside the idle timeout) until the server hangs up; returns
        (seconds until it did, what it sent)."""
        def run():
            with socket.create_connection(("127.0.0.1", cls.server.port)) as s:
                began = time.monotonic()
                s.sendall(start)
                s.settimeout(every)
                got = b""
                while time.monotonic() - began < 60:
                    try:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        got += chunk
                    except socket.timeout:
                        try:
                            s.sendall(byte)
                        except OSError:
                            break
                    except ConnectionResetError:
                        break
                return time.monotonic() - began, got
        return run

    @classmethod
    def silent(cls):
        """Connects and sends nothing; returns seconds until closed."""
        with socket.create_connection(("127.0.0.1", cls.server.port), timeout=60) as s:
            began = time.monotonic()
            try:
                s.recv(1)
            except ConnectionResetError:
                pass
            return time.monotonic() - began

    @classmethod
    def keepalive_idle(cls):
        """One request on a keep-alive connection, then silence; returns
        seconds from the answer until the server closes."""
        conn = http.client.HTTPConnection("127.0.0.1", cls.server.port, timeout=60)
        conn.request("GET", "/favicon.svg")
        conn.getresponse().read()
        began = time.monotonic()
        try:
            closed = conn.sock.recv(1) == b""
        except ConnectionResetError:
            closed = True
        conn.close()
        return time.monotonic() - began if closed else None

    @classmethod
    def late_but_whole(cls):
        """Waits 5 s after connecting, then sends a whole request: served."""
        with socket.create_connection(("127.0.0.1", cls.server.port), timeout=30) as s:
            time.sleep(5)
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            out = b""
            while chunk := s.recv(65536):
                out += chunk
            return status_of(out)

    @classmethod
    def long_run(cls):
        """A run longer than the idle timeout and the receive deadline."""
        started = time.monotonic()
        r = cls.server.run("import time\ntime.sleep(%d)\n'done'" % (RECEIVE_DEADLINE_S + 2),
                           timeout=60)
        return r["status"], r["result"] and r["result"]["repr"], time.monotonic() - started

    @classmethod
    def normal_requests(cls):
        """While the slow clients hold their connections: 50 ordinary
        requests; returns (statuses, slowest seconds)."""
        def one(_):
            t = time.monotonic()
            status, _, _ = cls.server.request("GET", "/api/health", timeout=10)
            return status, time.monotonic() - t
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            got = list(pool.map(one, range(50)))
        return sorted({s for s, _ in got}), max(t for _, t in got)

    def result(self, name):
        r = self.results.get(name)
        if isinstance(r, Exception):
            raise r
        return r

    def test_trickled_headers_are_dropped_within_the_deadline(self):
        secs, got = self.result("headers")
        self.assertEqual(got, b"")
        self.assertGreater(secs, RECEIVE_DEADLINE_S - 1)
        self.assertLess(secs, RECEIVE_DEADLINE_S + SLACK_S)

    def test_trickled_request_line_is_dropped_within_the_deadline(self):
        secs, got = self.result("request_line")
        self.assertLess(secs, RECEIVE_DEADLINE_S + SLACK_S)

    def test_trickled_body_is_dropped_within_the_deadline(self):
        secs, got = self.result("body")
        self.assertEqual(got, b"")
        self.assertLess(secs, RECEIVE_DEADLINE_S + SLACK_S)

    def test_silent_connection_is_closed_at_the_idle_timeout(self):
        secs = self.result("silent")
        self.assertGreater(secs, IDLE_TIMEOUT_S - 1)
        self.assertLess(secs, IDLE_TIMEOUT_S + SLACK_S)

    def test_idle_keepalive_connection_is_closed(self):
        secs = self.result("keepalive_idle")
        self.assertIsNotNone(secs)
        self.assertLess(secs, IDLE_TIMEOUT_S + SLACK_S)

    def test_a_slow_start_with_a_whole_request_is_served(self):
        self.assertEqual(self.result("late_but_whole"), 200)

    def test_a_run_longer_than_the_timeouts_is_answered(self):
        status, repr_, secs = self.result("long_run")
        self.assertEqual((status, repr_), ("ok", "'done'"))

    def test_others_are_served_meanwhile(self):
        statuses, slowest = self.result("normal")
        self.assertEqual(statuses, [200])
        self.assertLess(slowest, 3)

    def test_the_log_names_the_dropped_client(self):
        self.assertRegex(self.server.read_log(),
                         r"dropped a connection from 127\.0\.0\.1: no whole request within")


class OneAddressManyLearners(unittest.TestCase):
    """A class behind a NAT is one address: many connections from it are
    all served (there is no small per-address limit)."""

    def test_hundreds_of_connections_from_one_address(self):
        with Server() as s:
            idle = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(150)]
            try:
                def one(_):
                    return s.request("GET", "/api/health", timeout=15)[0]
                with concurrent.futures.ThreadPoolExecutor(50) as pool:
                    statuses = list(pool.map(one, range(150)))
                self.assertEqual(statuses, [200] * 150)
            finally:
                for c in idle:
                    c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
