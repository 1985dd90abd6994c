# lessond: `make run` serves on :8080, `make test` runs every suite.
# `make SANITIZER=address|undefined test` builds into build/<sanitizer>/.

CC ?= cc
SANITIZER ?=
BUILD := build$(if $(SANITIZER),/$(SANITIZER),)
PKGS := libmicrohttpd jansson libseccomp python3-embed md4c-html sqlite3
# Debian packages: what building and running need, and what the tests add
# (cmocka, the hostile suite's namespaces, Chromium for the browser tests).
DEB_RUN := build-essential pkg-config libmicrohttpd-dev libjansson-dev libseccomp-dev \
	python3-dev python3.11 libmd4c-dev libmd4c-html0-dev libsqlite3-dev
DEB_TEST := $(DEB_RUN) libcmocka-dev clang-format curl util-linux uidmap chromium python3-brotli
PY := /usr/bin/python3

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	-Wcast-qual -fno-common -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE $(WARN) -Iserver -I$(BUILD)/gen -pthread
# Debian's python3.11 is a non-PIE executable, so its malloc heap sits below
# 1 GiB and ints made from addresses (type subclass keys, id()) need one
# digit. Linking lessond the same way makes tracemalloc figures identical
# to a standalone run, byte for byte.
LDFLAGS += -no-pie
ifeq ($(SANITIZER),address)
CFLAGS += -fsanitize=address -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address
else ifeq ($(SANITIZER),undefined)
CFLAGS += -fsanitize=undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=undefined
else ifneq ($(SANITIZER),)
$(error SANITIZER must be address or undefined)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# zygote_bin.c is the main() of another Python's zygote (PY313_ZYGOTE below).
SERVER_SRC := $(filter-out server/zygote/zygote_bin.c,$(wildcard server/*.c server/*/*.c))
SERVER_HDR := $(wildcard server/*/*.h)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o)
# The modules unit tests link: no Python, no sockets, no zygote.
PURE_SRC := server/common/buf.c server/common/config.c server/common/errbody.c \
	server/common/io.c server/common/log.c server/common/utf8.c \
	server/pool/fairq.c server/pool/pythons.c \
	server/api/request.c server/api/result.c server/http/static.c server/http/urlpath.c \
	server/lesson/lesson_parse.c server/lesson/lesson_lex.c server/lesson/lesson_model.c \
	server/lesson/pyexpr.c server/lesson/pyversion.c server/api/learner.c \
	server/api/metrics.c server/api/routes.c server/pool/demote.c server/zygote/memtable.c \
	server/http/query.c
# The class modules' pure half: join codes, CSV cells, a step's state, teacher auth,
# the in-memory roster, the teacher's sessions.
PURE_SRC += server/classes/joincode.c server/classes/csvcell.c server/classes/stepstate.c \
	server/classes/teachauth.c server/classes/tokenfile.c server/classes/roster.c \
	server/api/teacher.c
PURE_OBJ := $(PURE_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps server-deps ui-deps test-deps run test unit integration hostile check-lessons check-style format bench clean ui e2e

# Other CPythons beside the 3.11 lessond embeds (docs/ARCHITECTURE.md §9):
# each in a Debian root file system of its own, build/pythons/<X.Y>/root,
# outside $(BUILD) (sanitizer builds serve 3.11 alone). `make python313`
# prepares Debian 13's 3.13 as root with debootstrap (pythons/tree.sh
# installs it when missing), or prints the exact commands and fails.
# `make run` and `make test-deps` try it (python313-try): without it they
# say so, `make run` serves 3.11 alone (the server says so too at
# start-up) and the 3.13 tests are skipped.
PYTHONS_DIR := build/pythons
PY313 := $(PYTHONS_DIR)/3.13
PY313_TREE := $(PY313)/root
PY313_SUITE := trixie
# What the standalone interpreter (tests), the embedded one and the
# zygote's build (headers, crt files, libc, libseccomp) need.
PY313_PKGS := python3.13 libpython3.13 libpython3.13-dev libc6-dev libseccomp-dev
.PHONY: python313 python313-try

# The 3.13 zygote is built when its tree is prepared (make python313), in
# plain builds only: a sanitizer's runtime would come from this machine.
all: $(BUILD)/lessond ui $(if $(SANITIZER),,$(if $(wildcard $(PY313_TREE)/.lessond-tree),$(PY313_ZYGOTE)))

$(BUILD)/lessond: $(SERVER_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -pthread

%/gen/runner_py.h: server/zygote/runner.py
	@mkdir -p $(@D)
	{ echo 'static const unsigned char runner_py[] = {'; \
	  od -An -v -tx1 $< | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; echo 'static const size_t runner_py_len = sizeof runner_py - 1;'; } > $@.tmp
	mv $@.tmp $@

$(BUILD)/server/zygote/pyrun.o: $(BUILD)/gen/runner_py.h

$(BUILD)/%.o: %.c $(SERVER_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(PURE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Iserver -o $@ $^ $(LDFLAGS) $(TEST_LDFLAGS_$*) $(PKG_LIBS) -lcmocka

# test_api calls the API handlers without sockets or a pool, so it links the
# modules they name (the HTTP layer, the pool, the sandbox's layer names);
# none of them starts Python or a zygote unless asked, and the test never asks.
API_TEST_SRC := server/api/api.c server/api/check.c server/lesson/lessons.c \
	server/api/classes.c server/api/teach.c server/store/store_sqlite.c \
	server/http/http.c $(wildcard server/pool/*.c server/sandbox/*.c)
$(BUILD)/tests/test_api: $(API_TEST_SRC:%.c=$(BUILD)/%.o)
TEST_LDFLAGS_api := -Wl,--wrap=calloc,--wrap=pthread_mutex_init,--wrap=pthread_mutex_destroy
# test_store drives the SQLite store (store_sqlite.c) in a directory under /tmp.
$(BUILD)/tests/test_store: $(BUILD)/server/store/store_sqlite.o
# test_lessons fails allocations one by one while loading a course.
$(BUILD)/tests/test_lessons: $(BUILD)/server/lesson/lessons.o
TEST_LDFLAGS_lessons := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup

# The browser UI: static/src -> static/dist (app-<hash>.js, app-<hash>.css,
# their .gz and .br) and the page static/index.html, with npm and esbuild
# (build-ui.mjs; Node.js >= 18, Debian 12's own is 18.20). `npm ci` reaches
# the npm registry once per lock file change; after that the build and the
# page work offline (lessond serves every asset itself). The stamp records a
# finished build (the build leaves unchanged files, and their ETags, alone);
# a missing page or bundle builds again. UI_FLAGS=--no-sourcemap: no maps.
UI_SRC := $(shell find static/src -type f 2>/dev/null) build-ui.mjs
UI_STAMP := build/ui.stamp
UI_FLAGS ?=
NODE_MIN := 18
NODE_OK := command -v npm >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= $(NODE_MIN) ? 0 : 1)' >/dev/null 2>&1
.PHONY: ui-rebuild
ui: $(UI_STAMP)

$(UI_STAMP): node_modules/.package-lock.json $(UI_SRC) \
	  $(if $(and $(wildcard static/index.html),$(wildcard static/dist/app-*.js)),,ui-rebuild)
	npm run --silent build $(if $(UI_FLAGS),-- $(UI_FLAGS))
	@mkdir -p $(@D) && touch $@

node_modules/.package-lock.json: package.json package-lock.json
	@$(NODE_OK) || { echo "make ui needs Node.js >= $(NODE_MIN) and npm; found: node $$(node --version 2>/dev/null || echo none), npm $$(npm --version 2>/dev/null || echo none); run make deps (it installs Debian's nodejs and npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error

# Browser tests: Debian's chromium driven by playwright-core; screenshots in build/e2e/.
e2e: $(BUILD)/lessond ui
	LESSOND_BIN=$(BUILD)/lessond E2E_OUT=$(BUILD)/e2e node --test --test-concurrency=1 --test-reporter=spec tests/e2e/modules.test.mjs tests/e2e/ui.test.mjs \
		tests/e2e/pythons.test.mjs tests/e2e/classes.test.mjs

# Installs missing Debian packages (as root), or prints the exact command.
# `make deps` is what `make run` needs; `make test-deps` adds the tests' own.
# $(1): packages checked with dpkg; $(2): packages wanted anyway (a shell
# word list, e.g. from a check of its own).
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	for p in $(2); do missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || \
	      { echo "apt-get failed; run: apt-get update && apt-get install -y$$missing" >&2; exit 1; }; \
	  else \
	    echo "lessond needs these Debian packages:$$missing" >&2; \
	    echo "run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi
endef

# The page's build needs Node.js >= $(NODE_MIN) and npm: Debian's nodejs and
# npm when `node` or `npm` is missing or too old. A newer Node.js from
# elsewhere is kept as it is.
deps: server-deps ui-deps

server-deps:
	$(call install_missing,$(DEB_RUN))

ui-deps:
	$(call install_missing,,$$($(NODE_OK) || echo nodejs npm))

# Prepares 3.13 too when it can (as root, with the archive); when it cannot,
# the 3.13 tests say why they are skipped (CI runs `make python313` itself).
test-deps: ui-deps
	$(call install_missing,$(DEB_TEST))
	@$(MAKE) --no-print-directory python313-try

# `make python313`, or when it cannot (not root, no archive), what that means;
# never fails. Sanitizer builds serve 3.11 alone and skip it.
python313-try:
ifeq ($(SANITIZER),)
	@$(MAKE) --no-print-directory python313 || \
	  echo "Python 3.13 is not prepared (what it needs is above): lessond serves Python 3.11 alone, and the 3.13 tests are skipped" >&2
endif

python313:
	@pythons/tree.sh $(PY313_SUITE) $(PY313_TREE) $(PY313_PKGS)
	@$(MAKE) --no-print-directory $(PY313_ZYGOTE)

# The 3.13 zygote: the zygote's sources alone (the server never loads
# Python), compiled by this machine's gcc with --sysroot=the tree, so every
# header, crt file and library (libc, libpython3.13, libseccomp) is the
# tree's; lessond starts it through the tree's own dynamic loader. Non-PIE,
# like Debian's python3.13. Its objects and runner_py.h live beside it.
PY313_ZYGOTE := $(PY313)/zygote
ZYGOTE_SRC := $(wildcard server/zygote/*.c server/sandbox/*.c) server/common/config.c \
	server/common/io.c server/common/log.c
PY313_OBJ := $(ZYGOTE_SRC:%.c=$(PY313)/obj/%.o)
MULTIARCH := $(shell $(CC) -dumpmachine)
PY313_PC = PKG_CONFIG_SYSROOT_DIR=$(abspath $(PY313_TREE)) \
	PKG_CONFIG_LIBDIR=$(abspath $(PY313_TREE))/usr/lib/$(MULTIARCH)/pkgconfig pkg-config
PY313_CFLAGS = --sysroot=$(abspath $(PY313_TREE)) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -pthread -Iserver \
	-I$(PY313)/gen $(shell $(PY313_PC) --cflags python-3.13-embed libseccomp)

# -B: the crt files too come from the tree, not from beside this gcc. The
# linker's trace proves it: every input is the tree's, ours, or gcc's own
# runtime (crtbegin.o, libgcc); anything else fails the build.
PY313_GCC_DIR = $(dir $(shell $(CC) -print-libgcc-file-name))
$(PY313_ZYGOTE): $(PY313_OBJ)
	$(CC) --sysroot=$(abspath $(PY313_TREE)) -B$(abspath $(PY313_TREE))/usr/lib/$(MULTIARCH)/ -no-pie \
		-pthread -Wl,--trace -o $@ $^ $(shell $(PY313_PC) --libs python-3.13-embed libseccomp) \
		> $@.inputs
	@if grep -v -e '^$(abspath $(PY313_TREE))/' -e '^$(PY313)/obj/' -e '^$(PY313_GCC_DIR)' \
	  $@.inputs; then echo "$@: linked a file from outside $(PY313_TREE) (above)" >&2; \
	  rm -f $@; exit 1; fi

$(PY313)/obj/server/zygote/pyrun.o: $(PY313)/gen/runner_py.h

$(PY313)/obj/%.o: %.c $(SERVER_HDR) $(PY313_TREE)/.lessond-tree
	@mkdir -p $(@D)
	$(CC) $(PY313_CFLAGS) -c -o $@ $<

# Serves 3.13 beside 3.11 when python313-try could prepare it.
run: deps
	@$(MAKE) --no-print-directory python313-try
	$(MAKE) all
	$(BUILD)/lessond --port $${PORT:-8080} $(ARGS)

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

# An LD_PRELOAD library that makes the server's system calls fail on demand
# (tests/integration/fault_shim.c, used by test_faults.py and
# test_class_data.py): never built into lessond, never reaching the zygote.
$(BUILD)/tests/fault_shim.so: tests/integration/fault_shim.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) -O2 -shared -fPIC -o $@ $< -ldl

integration: $(BUILD)/lessond $(BUILD)/tests/fault_shim.so
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) $(PY) tests/integration/test_api.py
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) $(PY) tests/integration/test_lessons.py
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) $(PY) tests/integration/test_fairness.py
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) $(PY) tests/integration/test_http.py
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) $(PY) tests/integration/test_faults.py
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) $(PY) tests/integration/test_classes.py
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) $(PY) tests/integration/test_class_data.py

hostile: $(BUILD)/lessond
	LESSOND_BIN=$(BUILD)/lessond SANITIZER=$(SANITIZER) tests/hostile/run.sh

# Every step of every lesson through the real sandbox (docs/ARCHITECTURE.md §5).
# Sanitizer builds run every allocation through instrumented malloc, several
# times slower: the million-point experiments get more CPU time there.
check-lessons: $(BUILD)/lessond
	$(BUILD)/lessond --check-lessons --log-level warn \
		$(if $(SANITIZER),--cpu-seconds 10 --experiment-cpu-seconds 25 --wall-ms 30000 \
			--experiment-wall-ms 90000)

# Fuzzing (tests/fuzz/): libFuzzer harnesses, built with clang, ASan and UBSan
# into build/fuzz/, for the request body, lesson file and static path parsers.
# Each runs FUZZ_SECONDS on a copy of its seeds (tests/fuzz/corpus/<name>/,
# plus every lesson file for the lesson parser), so the committed corpus never
# grows; a crash, a leak, a hang or a broken property fails the make and
# leaves the input in build/fuzz/<name>/. `make fuzz-deps` installs clang.
DEB_FUZZ := build-essential pkg-config libjansson-dev clang libclang-rt-dev llvm
FUZZ_SECONDS ?= 60
FUZZ_NAMES := request lesson static
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iserver
FUZZ_SRC_request := server/api/request.c server/common/utf8.c
FUZZ_SRC_lesson := server/lesson/lesson_parse.c server/lesson/lesson_lex.c \
	server/lesson/lesson_model.c server/lesson/pyexpr.c server/lesson/pyversion.c \
	server/common/buf.c
FUZZ_SRC_static := server/http/static.c server/http/urlpath.c server/common/errbody.c \
	server/common/buf.c server/common/utf8.c
FUZZ_LIBS_request = $(shell pkg-config --cflags --libs jansson 2>/dev/null)
FUZZ_SEEDS_lesson := lessons tests/unit/fixtures/lessons tests/e2e/lessons
.PHONY: fuzz fuzz-deps

fuzz-deps:
	$(call install_missing,$(DEB_FUZZ))

fuzz: fuzz-deps
	$(MAKE) $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
	@failed=""; $(foreach n,$(FUZZ_NAMES),tests/fuzz/run.sh build/fuzz/fuzz_$(n) \
	  $(FUZZ_SECONDS) build/fuzz/$(n) tests/fuzz/corpus/$(n) $(FUZZ_SEEDS_$(n)) || \
	  failed="$$failed $(n)";) \
	test -z "$$failed" || { echo "make fuzz: failed:$$failed" >&2; exit 1; }

build/fuzz/fuzz_request: $(FUZZ_SRC_request)
build/fuzz/fuzz_lesson: $(FUZZ_SRC_lesson)
build/fuzz/fuzz_static: $(FUZZ_SRC_static)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(SERVER_HDR)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*)

test: test-deps
	$(MAKE) all unit integration check-lessons hostile e2e

STYLE_SRC = $(SERVER_SRC) server/zygote/zygote_bin.c $(SERVER_HDR) $(UNIT_SRC) \
	$(wildcard bench/*.c tests/fuzz/*.c tests/integration/*.c)

check-style:
	clang-format --dry-run --Werror $(STYLE_SRC)

format:
	clang-format -i $(STYLE_SRC)

# Benchmarks (bench/README.md), reported, never failed on a target: latency and
# throughput against a fresh process, the figures at scale (1M points
# traced and untraced, the headline experiment, the heaviest lesson steps),
# and /api/run for a learner in a class beside one in none (recording's cost).
# BENCH_ARGS="--only scale": those alone; "--baseline OLD_BINARY": side by side.
bench: deps
	$(MAKE) all $(BUILD)/bench
	$(PY) bench/run.py --lessond $(BUILD)/lessond --client $(BUILD)/bench $(BENCH_ARGS)

# A classroom against a fresh build/lessond (bench/loadtest.py): 200 learners
# for 60 s, 5 % of runs hostile, all joined to one class and working through
# the steps while a teacher dashboard polls the class view each second
# (LOADTEST_ARGS=--no-class: self-paced); fails when an honest request, a
# join, a progress post or a poll fails, or the honest p99 is over 100 ms.
# make loadtest LOADTEST_ARGS="--learners 50 --json -"
.PHONY: loadtest
loadtest: deps
	$(MAKE) all
	$(PY) bench/loadtest.py --lessond $(BUILD)/lessond $(LOADTEST_ARGS)

$(BUILD)/bench: bench/bench.c server/common/io.c server/common/io.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ bench/bench.c server/common/io.c -pthread -lm

clean:
	rm -rf build
