# lessond in a container, for a classroom: see "Host a classroom" in README.md.
#
#   docker build -t lessond .
#   docker run --init -p 8080:8080 lessond
#
# It serves CPython 3.11 (Debian 12's, which lessond links) and CPython 3.13
# (Debian 13's, in a tree of its own: docs/ARCHITECTURE.md §9). Stages:
#   ui       (bookworm) builds the browser UI (static/dist, static/index.html)
#            with `make ui`: Debian's own Node.js 18 and npm, esbuild from
#            the npm registry, no source maps (they are not shipped).
#   py313    (trixie) python3.13, libpython3.13 and libseccomp2 from
#            Debian 13, and their run-time part copied into /runtime by
#            pythons/runtime.sh: the libraries, the loader, the standard
#            library with its byte code; no executable, header or compiler.
#   py313-dev (trixie) the same with the headers `make python313` installs
#            in its tree: the 3.13 zygote's sysroot.
#   build    (bookworm) builds the server and runs the unit tests (cmocka),
#            then the 3.13 zygote with `make python313`'s recipe: this gcc
#            with --sysroot=the trixie tree, every linked file checked.
#   runtime  (bookworm) the shared libraries, the Python 3.11 standard
#            library, the binary, the page and the lessons; the 3.13 tree
#            and its zygote in /usr/local/lib/lessond/pythons/3.13
#            (LESSOND_PYTHONS_DIR); nothing else.
#
# Packages come from Debian's archive (apt-get) and the npm registry (npm ci)
# only. Tested with rootful podman by tests/docker/run.sh.

# ---- ui: static/src -> static/dist and static/index.html -------------------
FROM debian:bookworm-slim AS ui
ARG DEBIAN_FRONTEND=noninteractive
# nodejs and npm are what `make deps` installs when Node.js is missing.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates make nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The dependencies first: this layer is reused until the lock file changes.
# Behind a TLS-inspecting proxy npm needs the proxy's CA: pass a PEM bundle
# as the build secret "ca" (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`);
# a secret is not stored in the image.
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && echo "node $(node --version), npm $(npm --version)" \
 && npm ci --no-audit --no-fund --loglevel=error
COPY Makefile build-ui.mjs ./
COPY static/ static/
# make sees node_modules newer than the lock file and only runs the build.
# The compressed copies (.br, .gz) are written after their files, so their
# times stay no older than the files' in the image (lessond checks).
RUN make ui UI_FLAGS=--no-sourcemap && rm -rf static/src \
 && ! find static -name '*.map*' | grep .

# ---- py313: Debian 13's Python 3.13, and the run-time tree of it ----------
FROM debian:trixie-slim AS py313
ARG DEBIAN_FRONTEND=noninteractive
# python3.13 as `make python313`'s tree has it: installing it compiles the
# standard library's byte code, which the zygote then imports as the tree's
# own python3.13 does.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.13 libpython3.13 libseccomp2 \
 && rm -rf /var/lib/apt/lists/*
COPY pythons/runtime.sh /usr/local/sbin/
RUN runtime.sh / /runtime libpython3.13 libseccomp2

# ---- py313-dev: the zygote's sysroot (make python313's packages) -----------
FROM py313 AS py313-dev
ARG DEBIAN_FRONTEND=noninteractive
RUN rm -rf /runtime \
 && apt-get update \
 && apt-get install -y --no-install-recommends libpython3.13-dev libc6-dev libseccomp-dev \
 && rm -rf /var/lib/apt/lists/*

# ---- build: the server and its unit tests ----------------------------------
FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY Makefile ./
# `make server-deps` installs the Makefile's own list of build packages
# (DEB_RUN; `make deps` adds Node.js, which only the ui stage needs); cmocka
# is the unit tests' addition. Recommends are not needed to build.
RUN echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/90no-recommends \
 && apt-get update \
 && apt-get install -y make \
 && make server-deps \
 && apt-get install -y libcmocka-dev \
 && rm -rf /var/lib/apt/lists/*
COPY server/ server/
COPY tests/unit/ tests/unit/
RUN make -j"$(nproc)" build/lessond \
 && make unit
# The 3.13 zygote, as `make python313` builds it (Makefile, PY313_ZYGOTE),
# against the trixie tree copied to /tree; the tree's .lessond-tree mark is
# what its objects depend on.
COPY --from=py313-dev / /tree/
RUN echo image > /tree/.lessond-tree \
 && make -j"$(nproc)" build/pythons/3.13/zygote PY313_TREE=/tree

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# libpython3.11 brings the standard library (libpython3.11-stdlib) that the
# embedded interpreter imports; the others are what `ldd lessond` lists.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libpython3.11 libseccomp2 libmd4c-html0 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
      /var/log/apt /var/log/dpkg.log \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin lessond \
 && install -d -o lessond -g lessond -m 0700 /data
# Owned by root and read-only for the server's user.
COPY --from=build /src/build/lessond /usr/local/bin/lessond
COPY --from=ui /src/static/ /srv/lessond/static/
COPY lessons/ /srv/lessond/lessons/
# Python 3.13: Debian 13's run-time tree and the zygote built against it,
# which lessond starts through that tree's own loader (pool/pythons.h).
COPY --from=py313 /runtime /usr/local/lib/lessond/pythons/3.13/root
COPY --from=build /src/build/pythons/3.13/zygote /usr/local/lib/lessond/pythons/3.13/zygote
WORKDIR /srv/lessond

# Listen on every address of the container; the limits a teacher tunes are
# LESSOND_POOL_SIZE, LESSOND_RUNS_MAX, LESSOND_QUEUE_MAX, LESSOND_CLIENT_RUNS,
# LESSOND_CLIENT_QUEUE, LESSOND_CPU_SECONDS, LESSOND_WALL_MS and
# LESSOND_MEMORY_BYTES (see `lessond --help`). Strict sandbox mode is the
# default: the server refuses to start without rlimits, Landlock and seccomp.
# Every Python under LESSOND_PYTHONS_DIR is served beside 3.11; LESSOND_PYTHONS
# (e.g. "3.11") chooses.
ENV LESSOND_BIND=0.0.0.0 \
    LESSOND_PORT=8080 \
    LESSOND_STATIC_DIR=/srv/lessond/static \
    LESSOND_LESSONS_DIR=/srv/lessond/lessons \
    LESSOND_DATA_DIR=/data \
    LESSOND_PYTHONS_DIR=/usr/local/lib/lessond/pythons
# The class records (lessond.db) and the teacher token (teacher-token): the
# one place the server writes. A volume, so they outlive the container; a
# new volume starts as this empty directory, owned by the server's user.
VOLUME /data
USER lessond:lessond
EXPOSE 8080

# No curl or Python executable in this image: bash's /dev/tcp asks the
# server itself; healthy means /api/health answered 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${LESSOND_PORT:-8080} && printf 'GET /api/health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1\\.[01] 200 '"]

# SIGTERM: the server stops taking runs, finishes those in flight, exits 0.
# Exec form, so the signal reaches lessond itself (or the --init process,
# which passes it on). Arguments after the image name are lessond's flags:
# `docker run --init -p 8080:8080 lessond --pool-size 4`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/lessond"]
CMD []
