/* test_lesson_parse.c: lesson_parse on fixture lessons (one complete good
 * lesson, one broken file per error), the predict heuristic through small
 * inline lessons, and lesson_setup_for. Fixtures are read from $FIXTURES
 * (default tests/unit/fixtures/lessons, relative to the repo root) into
 * buffers of exactly their size, with no NUL after the text, so reading past
 * the end shows up under ASan. */
#include "lesson/lesson.h"
#include "lesson/pyversion.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char err[512];

static const char *fixtures_dir(void)
{
	const char *d = getenv("FIXTURES");
	return d && *d ? d : "tests/unit/fixtures/lessons";
}

static void fixture_path(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", fixtures_dir(), name);
}

/* Reads a file into a malloc'd buffer of exactly its size (caller frees). */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s (run from the repo root or set FIXTURES)", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	assert_true(n >= 0);
	char *buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Parses fixture `name`; path gets the file name given to the parser. */
static int parse_fixture(const char *name, struct lesson *l, char *path, size_t pathlen)
{
	fixture_path(name, path, pathlen);
	size_t len;
	char *text = read_file(path, &len);
	memset(err, 0, sizeof err);
	int rc = lesson_parse(path, text, len, l, err, sizeof err);
	free(text);
	return rc;
}

/* Parses text given as a C string from an exact-size copy, as "inline.md". */
static int parse_string(const char *text, struct lesson *l)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	memset(err, 0, sizeof err);
	int rc = lesson_parse("inline.md", copy, len, l, err, sizeof err);
	free(copy);
	return rc;
}

#define FRONT "---\nid: t\ntitle: T\norder: 1\nsummary: S\n---\n"

/* Parses FRONT followed by body (the body's first line is line 7). */
static int parse_body(const char *body, struct lesson *l)
{
	size_t n = strlen(FRONT) + strlen(body) + 1;
	char *text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%s%s", FRONT, body);
	int rc = parse_string(text, l);
	free(text);
	return rc;
}

/* Asserts that the lesson is all zeroes, as lesson_parse leaves it on error. */
static void assert_zeroed(const struct lesson *l)
{
	static const struct lesson zero;
	assert_memory_equal(l, &zero, sizeof zero);
}

/* Asserts that err is "<file>:<line>: ..." on one line and mentions needle. */
static void assert_err(const char *file, int line, const char *needle)
{
	char prefix[600];
	snprintf(prefix, sizeof prefix, "%s:%d: ", file, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("err '%s' does not start with '%s'", err, prefix);
	if (!strstr(err, needle))
		fail_msg("err '%s' does not mention '%s'", err, needle);
	assert_null(strchr(err, '\n'));
}

/* Asserts that parsing body fails on `line` with a message mentioning needle. */
static void assert_body_fails(const char *body, int line, const char *needle)
{
	struct lesson l;
	if (parse_body(body, &l) == 0) {
		lesson_free(&l);
		fail_msg("parsed, but should fail (%s):\n%s", needle, body);
	}
	assert_zeroed(&l);
	assert_err("inline.md", line, needle);
}

/* ---- the good lesson ---------------------------------------------------- */

static struct lesson good;
static char good_path[512];

static int good_setup(void **state)
{
	(void)state;
	if (parse_fixture("good-complete.md", &good, good_path, sizeof good_path) != 0) {
		fprintf(stderr, "good-complete.md: %s\n", err);
		return -1;
	}
	return 0;
}

static int good_teardown(void **state)
{
	(void)state;
	lesson_free(&good);
	return 0;
}

static const char make_user_code[] = "class User:\n"
                                     "    def __init__(self, name):\n"
                                     "        self.name = name\n"
                                     "\n"
                                     "user = User(\"Amir\")\n"
                                     "print(user.name)\n";
static const char slots_solution[] = "class SlotsUser:\n"
                                     "    __slots__ = (\"name\",)\n"
                                     "\n"
                                     "    def __init__(self, name):\n"
                                     "        self.name = name\n";

static void test_good_front_matter(void **state)
{
	(void)state;
	assert_string_equal(good.file, good_path);
	assert_string_equal(good.id, "slots-basics");
	assert_string_equal(good.title, "Slots, the basics");
	assert_int_equal(good.order, 2);
	assert_string_equal(good.summary, "Why __slots__ saves memory.");
	assert_int_equal(good.nbuilds_on, 2);
	assert_string_equal(good.builds_on[0], "intro");
	assert_string_equal(good.builds_on[1], "objects");
}

static void test_good_step_list(void **state)
{
	(void)state;
	static const struct {
		const char *id;
		enum step_kind kind;
		int line;
		bool chain;
	} want[] = {
	    {"make-user", STEP_EXAMPLE, 17, true}, {"guess-dict", STEP_PREDICT, 32, true},
	    {"example-3", STEP_EXAMPLE, 40, true}, {"scratch", STEP_EXAMPLE, 44, false},
	    {"slots-user", STEP_GOAL, 55, true},   {"no-attr", STEP_PREDICT, 84, true},
	    {"memory", STEP_EXPERIMENT, 88, true}, {"predict-8", STEP_PREDICT, 100, true},
	};
	assert_int_equal(good.nsteps, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < good.nsteps; i++) {
		assert_string_equal(good.steps[i].id, want[i].id);
		assert_int_equal(good.steps[i].kind, want[i].kind);
		assert_int_equal(good.steps[i].line, want[i].line);
		assert_int_equal(good.steps[i].chain, want[i].chain);
	}
}

static void test_good_prose(void **state)
{
	(void)state;
	assert_string_equal(good.intro, "# Slots\n"
	                                "\n"
	                                "Every instance carries a dict.\n"
	                                "\n"
	                                "```sh\n"
	                                "pip list\n"
	                                "```\n");
	assert_string_equal(good.steps[0].prose, "");
	assert_string_equal(good.steps[1].prose, "Now guess what the dict holds.\n");
	assert_string_equal(good.steps[2].prose, "");
	assert_string_equal(good.steps[3].prose, "");
	assert_string_equal(good.steps[4].prose, "Your turn.\n"
	                                         "\n"
	                                         "```python\n"
	                                         "# a plain block stays in the prose\n"
	                                         "x = 1\n"
	                                         "```\n");
	assert_string_equal(good.steps[5].prose, "");
	assert_string_equal(good.steps[6].prose, "");
	assert_string_equal(good.steps[7].prose, "");
	assert_string_equal(good.outro, "That is all.\n");
}

/* No part's text, and no step's code, appears in any prose. */
static void test_good_parts_never_in_prose(void **state)
{
	(void)state;
	static const char *const secrets[] = {"hasattr",       "name is stored", "Look up",
	                                      "__slots__ = (", "cls = User",     "Amir\n",
	                                      "instance dict", "user.missing",   "range(N)"};
	for (size_t s = 0; s < sizeof secrets / sizeof secrets[0]; s++) {
		if (strstr(good.intro, secrets[s]) || strstr(good.outro, secrets[s]))
			fail_msg("'%s' leaks into intro or outro", secrets[s]);
		for (size_t i = 0; i < good.nsteps; i++)
			if (strstr(good.steps[i].prose, secrets[s]))
				fail_msg("'%s' leaks into step %zu's prose", secrets[s], i);
	}
}

static void test_good_examples(void **state)
{
	(void)state;
	const struct step *s = &good.steps[0];
	assert_string_equal(s->code, make_user_code);
	assert_string_equal(s->output, "Amir\n");
	assert_null(s->raises);
	assert_null(s->answer);
	assert_null(s->explain);
	assert_null(s->solution);
	assert_int_equal(s->checks.len + s->hints.len + s->variants.len + s->nsizes, 0);

	s = &good.steps[2];
	assert_string_equal(s->code, "user.missing\n");
	assert_string_equal(s->raises, "AttributeError");
	assert_null(s->output);

	s = &good.steps[3];
	assert_string_equal(s->code, "scratch = 1\n");
	assert_null(s->raises);
	assert_false(s->chain);
}

static void test_good_predicts(void **state)
{
	(void)state;
	const struct step *s = &good.steps[1];
	assert_string_equal(s->code, "user.__dict__\n");
	assert_string_equal(s->answer, "{'name': 'Amir'}");
	assert_string_equal(s->explain, "Attributes live in the instance dict.\n");
	assert_null(s->raises);
	assert_null(s->output);

	s = &good.steps[5];
	assert_string_equal(s->code, "SlotsUser(\"a\").age = 3\n");
	assert_string_equal(s->raises, "AttributeError");
	assert_null(s->answer);
	assert_null(s->explain);

	s = &good.steps[7];
	assert_string_equal(s->code, "len(users)\n");
	assert_null(s->answer);
	assert_null(s->raises);
}

static void test_good_goal(void **state)
{
	(void)state;
	const struct step *s = &good.steps[4];
	assert_string_equal(s->code, "class SlotsUser:\n    pass\n");
	assert_int_equal(s->checks.len, 2);
	assert_string_equal(s->checks.items[0].text,
	                    "assert not hasattr(SlotsUser(\"a\"), \"__dict__\")\n");
	assert_string_equal(s->checks.items[0].label, "SlotsUser has no __dict__");
	assert_int_equal(s->checks.items[0].line, 60);
	assert_string_equal(s->checks.items[1].text, "assert SlotsUser(\"a\").name == \"a\"\n");
	assert_string_equal(s->checks.items[1].label, "name is stored");
	assert_int_equal(s->checks.items[1].line, 64);
	assert_int_equal(s->hints.len, 2);
	assert_string_equal(s->hints.items[0].text, "Look up `__slots__`.\n");
	assert_null(s->hints.items[0].label);
	assert_int_equal(s->hints.items[0].line, 68);
	assert_string_equal(s->hints.items[1].text, "Write `__slots__ = (\"name\",)`.\n");
	assert_int_equal(s->hints.items[1].line, 72);
	assert_string_equal(s->solution, slots_solution);
	assert_null(s->raises);
	assert_int_equal(s->variants.len, 0);
}

static void test_good_experiment(void **state)
{
	(void)state;
	const struct step *s = &good.steps[6];
	assert_string_equal(s->code, "users = [cls(str(i)) for i in range(N)]\n");
	assert_int_equal(s->nsizes, 3);
	assert_int_equal(s->sizes[0], 1000);
	assert_int_equal(s->sizes[1], 10000);
	assert_int_equal(s->sizes[2], 100000);
	assert_int_equal(s->variants.len, 2);
	assert_string_equal(s->variants.items[0].label, "dict");
	assert_string_equal(s->variants.items[0].text, "cls = User\n");
	assert_int_equal(s->variants.items[0].line, 92);
	assert_string_equal(s->variants.items[1].label, "slots");
	assert_string_equal(s->variants.items[1].text, "cls = SlotsUser\n");
	assert_int_equal(s->variants.items[1].line, 96);
	assert_int_equal(s->checks.len + s->hints.len, 0);
}

static void assert_setup(const struct lesson *l, size_t index, const char *want)
{
	char *got = lesson_setup_for(l, index);
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("setup for step %zu:\n---\n%s---\nwant:\n---\n%s---", index, got, want);
	free(got);
}

/* Only the first example (not the raising one, not chain=no) and the goal's
 * solution chain; predicts and experiments add nothing. */
static void test_good_setup_for(void **state)
{
	(void)state;
	char both[1024];
	snprintf(both, sizeof both, "%s\n%s", make_user_code, slots_solution);
	assert_setup(&good, 0, "");
	for (size_t i = 1; i <= 4; i++)
		assert_setup(&good, i, make_user_code);
	for (size_t i = 5; i <= good.nsteps; i++)
		assert_setup(&good, i, both);
	assert_setup(&good, 1000, both);
}

static void test_step_kind_name(void **state)
{
	(void)state;
	assert_string_equal(step_kind_name(STEP_EXAMPLE), "example");
	assert_string_equal(step_kind_name(STEP_PREDICT), "predict");
	assert_string_equal(step_kind_name(STEP_GOAL), "goal");
	assert_string_equal(step_kind_name(STEP_EXPERIMENT), "experiment");
}

/* ---- broken fixtures ------------------------------------------------------ */

struct broken {
	const char *name;
	int line;
	const char *needle;
};

static struct broken broken[] = {
    {"broken-unknown-kind.md", 10, "unknown step kind 'exmaple'"},
    {"broken-unterminated.md", 10, "unterminated"},
    {"broken-unterminated-swallows-step.md", 10, "unterminated"},
    {"broken-predict-not-expression.md", 10, "expression"},
    {"broken-goal-no-check.md", 10, "no check"},
    {"broken-goal-no-solution.md", 10, "no solution"},
    {"broken-two-solutions.md", 24, "solution"},
    {"broken-empty-solution.md", 19, "empty"},
    {"broken-experiment-no-sizes.md", 10, "sizes"},
    {"broken-experiment-bad-sizes.md", 10, "lots"},
    {"broken-experiment-one-variant.md", 10, "two variant"},
    {"broken-variant-no-name.md", 14, "name="},
    {"broken-duplicate-id.md", 14, "duplicate step id 'a'"},
    {"broken-part-before-step.md", 10, "before any step"},
    {"broken-part-wrong-step.md", 14, "cannot follow"},
    {"broken-unknown-attribute.md", 10, "unknown attribute 'colour'"},
    {"broken-duplicate-attribute.md", 10, "twice"},
    {"broken-bad-chain.md", 10, "chain"},
    {"broken-empty-code.md", 10, "no code"},
    {"broken-missing-language.md", 15, "language"},
    {"broken-plain-block-attribute.md", 10, "attribute"},
    {"broken-bad-step-id.md", 10, "two words"},
    {"broken-front-matter-absent.md", 1, "front matter"},
    {"broken-front-matter-unclosed.md", 1, "not closed"},
    {"broken-front-matter-missing-key.md", 5, "no 'order'"},
    {"broken-front-matter-unknown-key.md", 5, "unknown front matter key 'author'"},
    {"broken-front-matter-duplicate-key.md", 6, "'order' is given twice"},
    {"broken-front-matter-bad-order.md", 4, "first"},
    {"broken-front-matter-empty-value.md", 3, "title"},
    {"broken-front-matter-no-colon.md", 6, "key: value"},
    {"broken-nul-byte.md", 9, "NUL"},
};

static void test_broken(void **state)
{
	const struct broken *b = *state;
	struct lesson l;
	char path[512];
	int rc = parse_fixture(b->name, &l, path, sizeof path);
	if (rc == 0) {
		lesson_free(&l);
		fail_msg("%s parsed, but should fail (%s)", b->name, b->needle);
	}
	assert_int_equal(rc, -1);
	assert_zeroed(&l);
	assert_err(path, b->line, b->needle);
}

/* Every broken-*.md fixture has its entry in the table above. */
static void test_every_broken_fixture_is_tested(void **state)
{
	(void)state;
	DIR *d = opendir(fixtures_dir());
	assert_non_null(d);
	size_t seen = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "broken-", 7) != 0)
			continue;
		bool listed = false;
		for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
			listed |= strcmp(broken[i].name, e->d_name) == 0;
		if (!listed)
			fail_msg("fixture %s has no entry in broken[]", e->d_name);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, sizeof broken / sizeof broken[0]);
}

/* ---- the predict heuristic ---------------------------------------------- */

/* Parses a lesson whose only step is `python predict<attrs>` with `code`. */
static int parse_predict(const char *attrs, const char *code, struct lesson *l)
{
	char body[2048];
	snprintf(body, sizeof body, "```python predict%s\n%s```\n", attrs, code);
	return parse_body(body, l);
}

static void test_predict_accepts_expressions(void **state)
{
	(void)state;
	static const char *const codes[] = {
	    "user.__dict__\n",
	    "len(xs)\n",
	    "f(\n    a=1,\n    b=2,\n)\n",
	    "sorted(\n    xs,\n    key=lambda v: -v,\n)[0]\n",
	    "a == b\n",
	    "a != b\n",
	    "a <= b\n",
	    "a >= b\n",
	    "a == b == c\n",
	    "x = 1\nx\n",
	    "print('a = b')\n",
	    "\"x=\" + str(1)\n",
	    "f'{x=}'\n",
	    "'''doc\nwith = sign\n'''\n",
	    "x = '''\nfoo = 1\n'''\nx.upper()\n",
	    "x = \"\"\"it's \"quoted\" = \"\"\"\nx\n",
	    "[i for i in range(3)]\n",
	    "{'a': 1}\n",
	    "x[1:2]\n",
	    "lambda: 0\n",
	    "1 if x else 2\n",
	    "not x\n",
	    "import os\nos.sep\n",
	    "def f():\n    return 1\nf()\n",
	    "class A:\n    x = 1\n\nA.x\n",
	    "for i in range(3):\n    pass\ni\n",
	    "\"a\" \\\n    \"b\"\n",
	    "classes.count(1)\n",
	    "format(x)\n",
	    "import_module('x')\n",
	    "defaults\n",
	    "with_x\n",
	    "returned\n",
	    "a = 1; a\n",
	    "x\n# y = 2\n",
	    "x\n\n\n",
	    "x  # x = 2\n",
	    "x  # it's the name\n",
	    "x\n    # indented comment = 1\n\n",
	};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		struct lesson l;
		if (parse_predict("", codes[i], &l) != 0)
			fail_msg("rejected expression:\n%s(%s)", codes[i], err);
		assert_int_equal(l.nsteps, 1);
		assert_string_equal(l.steps[0].code, codes[i]);
		lesson_free(&l);
	}
}

static void test_predict_rejects_statements(void **state)
{
	(void)state;
	static const char *const codes[] = {
	    "x = 1\n",
	    "x = '''\nabc\n'''\n",
	    "x = \"\"\"\n\"quoted\" \"\"\"\n",
	    "x += 1\n",
	    "x -= 1\n",
	    "x <<= 1\n",
	    "x >>= 1\n",
	    "x **= 2\n",
	    "x //= 2\n",
	    "x |= y\n",
	    "x @= y\n",
	    "x: int = 1\n",
	    "x: int\n",
	    "a, b = 1, 2\n",
	    "a = b = 1\n",
	    "d['k'] = 1\n",
	    "x.y = f(a == b)\n",
	    "s = 'a == b'\n",
	    "f(\n    a=1,\n)\ny = 2\n",
	    "def f():\n    return 1\n",
	    "class A:\n    pass\n",
	    "import os\n",
	    "from os import path\n",
	    "for i in range(3):\n    i\n",
	    "with open('f') as f:\n    f.read()\n",
	    "while x:\n    x\n",
	    "if x:\n    x\nelse:\n    y\n",
	    "try:\n    x\nexcept E:\n    y\n",
	    "@dec\ndef f():\n    pass\n",
	    "@dataclass(frozen=True)\nclass P:\n    x: int = 0\n",
	    "async def f():\n    pass\n",
	    "match x:\n    case 1:\n        pass\n",
	    "del x\n",
	    "pass\n",
	    "assert x\n",
	    "raise ValueError\n",
	    "return x\n",
	    "global x\n",
	    "x; y = 1\n",
	    "x  # comment\ny = 2\n",
	    "x\ny = 1  # trailing\n# comment\n\n",
	    "print(1)\nx = 1\n# comment at the end\n\n",
	    "# only a comment\n",
	};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		struct lesson l;
		if (parse_predict("", codes[i], &l) == 0) {
			lesson_free(&l);
			fail_msg("accepted a statement as an expression:\n%s", codes[i]);
		}
		assert_zeroed(&l);
		assert_err("inline.md", 7, "expression");
	}
}

/* raises= predicts may end with any statement. */
static void test_predict_raises_is_exempt(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_predict(" raises=ValueError", "x = int('a')\n", &l), 0);
	assert_string_equal(l.steps[0].raises, "ValueError");
	lesson_free(&l);
	assert_int_equal(parse_predict(" raises=json.JSONDecodeError", "import json\n", &l), 0);
	assert_string_equal(l.steps[0].raises, "json.JSONDecodeError");
	lesson_free(&l);
}

/* ---- other inline lessons ------------------------------------------------ */

/* Ids are <kind>-<n>, n counting every step of the lesson from 1. */
static void test_generated_ids(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("```python example\nx = 1\n```\n"
	                            "```python predict\nx\n```\n"
	                            "```python example id=mine\ny = 2\n```\n"
	                            "```python example\nz = 3\n```\n",
	                            &l),
	                 0);
	assert_int_equal(l.nsteps, 4);
	assert_string_equal(l.steps[0].id, "example-1");
	assert_string_equal(l.steps[1].id, "predict-2");
	assert_string_equal(l.steps[2].id, "mine");
	assert_string_equal(l.steps[3].id, "example-4");
	lesson_free(&l);
	assert_body_fails("```python example id=example-2\nx = 1\n```\n"
	                  "```python example\ny = 2\n```\n",
	                  10, "duplicate step id 'example-2'");
}

/* A lesson without steps: all the prose is the intro. */
static void test_no_steps(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("\nJust prose.\n\n```python\nx = 1\n```\n\n", &l), 0);
	assert_int_equal(l.nsteps, 0);
	assert_null(l.steps);
	assert_string_equal(l.intro, "Just prose.\n\n```python\nx = 1\n```\n");
	assert_string_equal(l.outro, "");
	assert_int_equal(l.nbuilds_on, 0);
	char *setup = lesson_setup_for(&l, 3);
	assert_string_equal(setup, "");
	free(setup);
	lesson_free(&l);
	assert_zeroed(&l);
}

/* Fences indented 1-3 spaces lose that much indentation from each body
 * line, as CommonMark renders them; 4 spaces is not a fence. */
static void test_indented_fences(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("  ```python example\n"
	                            "  if x:\n"
	                            "      y = 1\n"
	                            " z = 2\n"
	                            "  ```\n"
	                            "   ```python predict\n"
	                            "   y\n"
	                            "   ```\n"
	                            "    ```python check\n"
	                            "    not a fence\n",
	                            &l),
	                 0);
	assert_int_equal(l.nsteps, 2);
	assert_string_equal(l.steps[0].code, "if x:\n    y = 1\nz = 2\n");
	assert_string_equal(l.steps[1].code, "y\n");
	assert_string_equal(l.outro, "    ```python check\n    not a fence\n");
	lesson_free(&l);
}

/* A closing fence must use the same character, be at least as long and
 * carry no info string; longer fences can hold shorter ones. */
static void test_fence_matching(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("~~~python example\n"
	                            "s = '''\n"
	                            "```\n"
	                            "'''\n"
	                            "~~~\n"
	                            "````text output\n"
	                            "```\n"
	                            "```` \n"
	                            "```inline``` is not a fence.\n"
	                            "`````\n"
	                            "````python example\n"
	                            "`````\n"
	                            "Outro.\n",
	                            &l),
	                 0);
	assert_int_equal(l.nsteps, 1);
	assert_string_equal(l.steps[0].code, "s = '''\n```\n'''\n");
	assert_string_equal(l.steps[0].output, "```\n");
	assert_string_equal(l.outro, "```inline``` is not a fence.\n"
	                             "`````\n"
	                             "````python example\n"
	                             "`````\n"
	                             "Outro.\n");
	lesson_free(&l);
}

/* CRLF line ends, a UTF-8 byte order mark and a last line without a newline. */
static void test_crlf_bom_and_no_final_newline(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_string("\xef\xbb\xbf---\r\nid: t\r\ntitle: T\r\norder: 7\r\n"
	                              "summary: S\r\nbuilds_on: none\r\n---\r\nIntro.\r\n"
	                              "```python example\r\nx = 1\r\n```\r\nEnd.",
	                              &l),
	                 0);
	assert_int_equal(l.order, 7);
	assert_int_equal(l.nbuilds_on, 0);
	assert_string_equal(l.intro, "Intro.\n");
	assert_string_equal(l.steps[0].code, "x = 1\n");
	assert_int_equal(l.steps[0].line, 9);
	assert_string_equal(l.outro, "End.\n");
	lesson_free(&l);
	assert_int_equal(parse_string(FRONT "```python example\nx = 1\n```", &l), 0);
	assert_string_equal(l.steps[0].code, "x = 1\n");
	lesson_free(&l);
}

/* builds_on: a list, trimmed; "none" and an empty value mean no lessons; the
 * last front matter line may be followed by nothing else in the buffer. */
static void test_builds_on(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_string("---\nid: t\ntitle: T\norder: 1\nsummary: S\n"
	                              "builds_on:  a ,b,  c-d\n---\n",
	                              &l),
	                 0);
	assert_int_equal(l.nbuilds_on, 3);
	assert_string_equal(l.builds_on[0], "a");
	assert_string_equal(l.builds_on[1], "b");
	assert_string_equal(l.builds_on[2], "c-d");
	assert_string_equal(l.intro, "");
	lesson_free(&l);
	assert_int_equal(parse_string("---\nid: t\ntitle: T\norder: 1\nsummary: S\n"
	                              "builds_on:\n---\n",
	                              &l),
	                 0);
	assert_int_equal(l.nbuilds_on, 0);
	lesson_free(&l);
	assert_int_equal(parse_string("---\nid: t\ntitle: T\norder: 1\nsummary: S\n"
	                              "builds_on: none\n---\nNo commas here at all.\n",
	                              &l),
	                 0);
	assert_int_equal(l.nbuilds_on, 0);
	lesson_free(&l);
	assert_int_equal(parse_string("---\nid: t\ntitle: T\norder: 1\nsummary: S\n"
	                              "builds_on: a\nbuilds_on: b\n---\n",
	                              &l),
	                 -1);
	assert_err("inline.md", 7, "twice");
	assert_int_equal(parse_string("---\nid: t\ntitle: T\norder: 1\nsummary: S\n"
	                              "builds_on: a, b c\n---\n",
	                              &l),
	                 -1);
	assert_err("inline.md", 6, "b c");
}

/* Values are trimmed; a colon inside a value is kept. */
static void test_front_matter_values(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_string("---\n\n  title:   Slots: why  \nid:a-1\nsummary: x: y\n"
	                              "order: 0\n---\n",
	                              &l),
	                 0);
	assert_string_equal(l.title, "Slots: why");
	assert_string_equal(l.id, "a-1");
	assert_string_equal(l.summary, "x: y");
	assert_int_equal(l.order, 0);
	lesson_free(&l);
	assert_int_equal(parse_string("---\nid: a b\ntitle: T\norder: 1\nsummary: S\n---\n", &l),
	                 -1);
	assert_err("inline.md", 2, "a b");
	assert_int_equal(parse_string("---\nid: t\ntitle: T\norder: -1\nsummary: S\n---\n", &l),
	                 -1);
	assert_err("inline.md", 4, "order");
	assert_int_equal(parse_string("", &l), -1);
	assert_err("inline.md", 1, "front matter");
}

/* Attributes: quoted values with spaces and escapes; each kind takes only
 * its own attributes. */
static void test_attributes(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("```python predict id=p1 answer=\"a \\\"b\\\" = c\"\nx\n```\n"
	                            "```python example chain=yes\ny = 1\n```\n",
	                            &l),
	                 0);
	assert_string_equal(l.steps[0].id, "p1");
	assert_string_equal(l.steps[0].answer, "a \"b\" = c");
	assert_true(l.steps[1].chain);
	lesson_free(&l);
	assert_body_fails("```python example answer=1\nx = 1\n```\n", 7, "answer");
	assert_body_fails("```python goal raises=ValueError\nx = 1\n```\n", 7, "raises");
	assert_body_fails("```python experiment raises=E sizes=\"1,2\"\nx = 1\n```\n", 7, "raises");
	assert_body_fails("```python example sizes=\"1,2\"\nx = 1\n```\n", 7, "sizes");
	assert_body_fails("```python example raises=\nx = 1\n```\n", 7, "raises");
	assert_body_fails("```python example id=\nx = 1\n```\n", 7, "id");
	assert_body_fails("```python example id=\"x\nx = 1\n```\n", 7, "unterminated quoted");
	assert_body_fails("```python example stray\nx = 1\n```\n", 7, "stray");
	assert_body_fails("```python goal\nx = 1\n```\n```python check name=\"n\"\nx\n```\n", 10,
	                  "name");
	assert_body_fails("```python example\nx = 1\n```\n```text output message=\"m\"\n1\n```\n",
	                  10, "message");
	assert_body_fails("```python example a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9\nx\n```\n", 7,
	                  "attribute");
}

/* Sizes: whole numbers >= 1, separated by commas, '_' as a digit separator. */
static void test_sizes(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("```python experiment sizes=\" 10, 1_000,100000 \"\nw\n```\n"
	                            "```python variant name=\"a\"\nx\n```\n"
	                            "```python variant name=\"b\"\ny\n```\n",
	                            &l),
	                 0);
	assert_int_equal(l.steps[0].nsizes, 3);
	assert_int_equal(l.steps[0].sizes[0], 10);
	assert_int_equal(l.steps[0].sizes[1], 1000);
	assert_int_equal(l.steps[0].sizes[2], 100000);
	lesson_free(&l);
	static const char *const bad[] = {"", "0", "-5", "10,,20", "1e3", "10;20", "_1", "1__0"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char body[256];
		snprintf(body, sizeof body,
		         "```python experiment sizes=\"%s\"\nw\n```\n"
		         "```python variant name=\"a\"\nx\n```\n"
		         "```python variant name=\"b\"\ny\n```\n",
		         bad[i]);
		assert_body_fails(body, 7, "sizes");
	}
}

/* answer@X.Y= and `output python=X.Y` hold what one Python gives; the
 * plain answer and output serve the others. */
static void test_per_python_expectations(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("```python predict id=p answer=\"56\" answer@3.13=\"48\"\n"
	                            "s\n```\n"
	                            "```python example id=e\nprint(1)\n```\n"
	                            "```text output\nold\n```\n"
	                            "```text output python=3.13\nnew\n```\n",
	                            &l),
	                 0);
	assert_string_equal(step_answer_for(&l.steps[0], "3.13"), "48");
	assert_string_equal(step_answer_for(&l.steps[0], "3.11"), "56");
	assert_string_equal(step_answer_for(&l.steps[0], NULL), "56");
	assert_string_equal(step_output_for(&l.steps[1], "3.13"), "new\n");
	assert_string_equal(step_output_for(&l.steps[1], "3.11"), "old\n");
	assert_null(step_answer_for(&l.steps[1], "3.13"));
	lesson_free(&l);
	assert_int_equal(parse_body("```python predict answer@3.13=\"48\"\ns\n```\n", &l), 0);
	assert_null(step_answer_for(&l.steps[0], "3.11"));
	lesson_free(&l);
	assert_body_fails("```python predict answer@three=\"1\"\ns\n```\n", 7,
	                  "answer@three: name a Python version after '@'");
	assert_body_fails("```python predict answer@3=\"1\"\ns\n```\n", 7, "answer@3:");
	assert_body_fails("```python example\nx = 1\n```\n```text output python=new\n1\n```\n", 10,
	                  "output python=new: name a Python version");
	assert_body_fails("```python example id=e\nx = 1\n```\n```text output python=3.13\n1\n```\n"
	                  "```text output python=3.13\n2\n```\n",
	                  13, "example step 'e' already has an output block for Python 3.13");
	assert_body_fails("```python example\nx = 1\n```\n```text hint python=3.13\nh\n```\n", 10,
	                  "cannot follow example");
}

/* Asserts that block i of v has spec, body, group and line, and that its
 * [start, end) in text is the block as written, fences included. */
static void assert_version_block(const char *text, const struct python_prose_list *v, size_t i,
                                 const char *spec, const char *body, int group, int line)
{
	assert_true(i < v->len);
	const struct python_prose *b = &v->items[i];
	assert_string_equal(b->spec, spec);
	assert_string_equal(b->markdown, body);
	assert_int_equal(b->group, group);
	assert_int_equal(b->line, line);
	char want[256];
	snprintf(want, sizeof want, "```text python=%s\n%s```\n", spec, body);
	assert_true(b->end <= strlen(text) && b->start < b->end);
	assert_int_equal(b->end - b->start, strlen(want));
	assert_memory_equal(text + b->start, want, strlen(want));
}

/* ```text python=SPEC blocks stay in their prose, as written, and are
 * listed with where they are; blocks in a row (blank lines apart) are one
 * group, prose or a part between them starts another. */
static void test_version_prose_blocks(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("\n\nIntro.\n\n"
	                            "```text python=3.11\nOld *words*.\n```\n"
	                            "\n"
	                            "```text python=3.12+\nNew words.\n```\n"
	                            "Between.\n"
	                            "```text python=3.13\nAlone.\n```\n"
	                            "```python example id=e\nx = 1\n```\n"
	                            "```text python=3.11\nA.\n```\n"
	                            "```text output\n```\n"
	                            "```text python=3.11\nB.\n```\n"
	                            "```python example id=f\ny = 2\n```\n"
	                            "End.\n"
	                            "```text python=3.13\nLast.\n```\n\n\n",
	                            &l),
	                 0);
	assert_string_equal(l.intro, "Intro.\n\n```text python=3.11\nOld *words*.\n```\n\n"
	                             "```text python=3.12+\nNew words.\n```\nBetween.\n"
	                             "```text python=3.13\nAlone.\n```\n");
	assert_int_equal(l.intro_versions.len, 3);
	assert_version_block(l.intro, &l.intro_versions, 0, "3.11", "Old *words*.\n", 1, 11);
	assert_version_block(l.intro, &l.intro_versions, 1, "3.12+", "New words.\n", 1, 15);
	assert_version_block(l.intro, &l.intro_versions, 2, "3.13", "Alone.\n", 2, 19);
	/* A part between two blocks parts them: two groups, no overlap. */
	assert_int_equal(l.steps[1].prose_versions.len, 2);
	assert_version_block(l.steps[1].prose, &l.steps[1].prose_versions, 0, "3.11", "A.\n", 1,
	                     25);
	assert_version_block(l.steps[1].prose, &l.steps[1].prose_versions, 1, "3.11", "B.\n", 2,
	                     30);
	assert_int_equal(l.steps[0].prose_versions.len, 0);
	/* The outro's trailing blank lines go; its block ends with the text. */
	assert_string_equal(l.outro, "End.\n```text python=3.13\nLast.\n```\n");
	assert_version_block(l.outro, &l.outro_versions, 0, "3.13", "Last.\n", 1, 37);
	lesson_free(&l);
	/* A lesson without steps: the blocks are the intro's. */
	assert_int_equal(parse_body("```text python=3.13\nOnly.\n```\n", &l), 0);
	assert_version_block(l.intro, &l.intro_versions, 0, "3.13", "Only.\n", 1, 7);
	assert_int_equal(l.outro_versions.len, 0);
	lesson_free(&l);
}

/* A version block names a version or a version and a plus, in a text
 * block, alone, not empty; blocks in a row never match one Python twice. */
static void test_version_prose_errors(void **state)
{
	(void)state;
	assert_body_fails("```text python=3.x\nP.\n```\n", 7,
	                  "python=3.x: name a Python version like python=3.13 or python=3.12+");
	assert_body_fails("```text python=\nP.\n```\n", 7, "python=: name a Python version");
	assert_body_fails("```text python=3.12++\nP.\n```\n", 7, "python=3.12++: name");
	assert_body_fails("```text python=3\nP.\n```\n", 7, "python=3: name");
	assert_body_fails("```text python=3.13 id=x\nP.\n```\n", 7,
	                  "unknown attribute 'id' on a python=3.13 block");
	assert_body_fails("```markdown python=3.13\nP.\n```\n", 7,
	                  "open it with ```text python=3.13");
	assert_body_fails("```text python=3.13\n  \n```\n", 7, "the python=3.13 block is empty");
	assert_body_fails("```text python=3.13\nP.\n", 7, "unterminated");
	assert_body_fails("```text python=3.12+\nA.\n```\n\n```text python=3.13\nB.\n```\n", 11,
	                  "python=3.13 overlaps python=3.12+ of line 7");
	assert_body_fails("```text python=3.13\nA.\n```\n```text python=3.11\nB.\n```\n"
	                  "```text python=3.13\nC.\n```\n",
	                  13, "python=3.13 overlaps python=3.13 of line 7");
	assert_body_fails("```text python=3.11+\nA.\n```\n```text python=3.13+\nB.\n```\n", 10,
	                  "overlaps");
	/* The same spec after a line of prose is another group. */
	struct lesson l;
	assert_int_equal(
	    parse_body("```text python=3.13\nA.\n```\nSo.\n```text python=3.13\nB.\n```\n", &l), 0);
	assert_int_equal(l.intro_versions.items[1].group, 2);
	lesson_free(&l);
	/* python= on a step or a part is not a version block. */
	assert_body_fails("```python example python=3.13\nx\n```\n", 7,
	                  "unknown attribute 'python'");
	assert_body_fails("```python predict\nx\n```\n```text explain python=3.13\ne\n```\n", 10,
	                  "unknown attribute 'python' for 'explain'");
}

/* Specs: "3.13" is that Python, "3.12+" that one and later; overlap is
 * some Python matching both. */
static void test_version_specs(void **state)
{
	(void)state;
	assert_true(pyversion_valid("3.13"));
	assert_false(pyversion_valid("3.13+"));
	assert_false(pyversion_valid("3"));
	assert_false(pyversion_valid("3.1234"));
	assert_false(pyversion_valid("0.1"));
	assert_true(pyversion_spec_valid("3.12+"));
	assert_false(pyversion_spec_valid("3.12-"));
	assert_false(pyversion_spec_valid(NULL));
	assert_true(pyversion_spec_matches("3.13", "3.13"));
	assert_true(pyversion_spec_matches("3.13", "3.13.5"));
	assert_false(pyversion_spec_matches("3.13", "3.11"));
	assert_false(pyversion_spec_matches("3.13", "3.130"));
	assert_true(pyversion_spec_matches("3.12+", "3.13"));
	assert_true(pyversion_spec_matches("3.12+", "3.12"));
	assert_true(pyversion_spec_matches("3.12+", "4.0"));
	assert_false(pyversion_spec_matches("3.12+", "3.11.2"));
	assert_false(pyversion_spec_matches("3.12+", "3.12x"));
	assert_true(pyversion_specs_overlap("3.12+", "3.13"));
	assert_true(pyversion_specs_overlap("3.13", "3.12+"));
	assert_true(pyversion_specs_overlap("3.12+", "3.12"));
	assert_false(pyversion_specs_overlap("3.12+", "3.11"));
	assert_false(pyversion_specs_overlap("3.11", "3.12+"));
	assert_true(pyversion_specs_overlap("3.11+", "3.14+"));
	assert_true(pyversion_specs_overlap("3.13", "3.13"));
	assert_false(pyversion_specs_overlap("3.11", "3.13"));
}

/* Parts attach to the step just before them, prose between is the next
 * step's; every part kind refuses the wrong step. */
static void test_parts_attach_to_previous_step(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("```python goal\ng\n```\n"
	                            "Between goal and check.\n"
	                            "```python check\nc1\n```\n"
	                            "```python solution\ns\n```\n"
	                            "After the solution.\n"
	                            "```python check\nc2\n```\n"
	                            "```python example\ne\n```\n",
	                            &l),
	                 0);
	assert_int_equal(l.steps[0].checks.len, 2);
	assert_null(l.steps[0].checks.items[0].label);
	assert_string_equal(l.steps[0].checks.items[1].text, "c2\n");
	assert_string_equal(l.steps[1].prose, "Between goal and check.\nAfter the solution.\n");
	lesson_free(&l);
	assert_body_fails("```python example\nx = 1\n```\n```python check\nc\n```\n", 10,
	                  "'check' block belongs to a goal and cannot follow example");
	assert_body_fails("```python predict\nx\n```\n```python solution\ns\n```\n", 10,
	                  "cannot follow predict");
	assert_body_fails("```python goal\nx\n```\n```text hint\nh\n```\n"
	                  "```python example\ny = 1\n```\n```text hint\nh\n```\n",
	                  16, "cannot follow example");
	assert_body_fails("```python goal\nx\n```\n```python variant name=\"v\"\nv\n```\n", 10,
	                  "belongs to an experiment");
	assert_body_fails("```python predict\nx\n```\n```text output\n1\n```\n", 10,
	                  "belongs to an example");
	assert_body_fails("```python example\nx = 1\n```\n```text explain\nbecause\n```\n", 10,
	                  "belongs to a predict");
	assert_body_fails("```python example\nx = 1\n```\n```text output\n1\n```\n"
	                  "```text output\n1\n```\n",
	                  13, "already has an 'output' block");
	assert_body_fails("```python predict\nx\n```\n```text explain\na\n```\n"
	                  "```text explain\nb\n```\n",
	                  13, "already has an 'explain' block");
	assert_body_fails("```python goal\nx\n```\n```python check\n```\n", 10, "empty");
	assert_body_fails("```python goal\nx\n```\n```text hint\n  \n```\n", 10, "empty");
	assert_body_fails("```python experiment sizes=\"1,2\"\nx\n```\n"
	                  "```python variant name=\"\"\nv\n```\n",
	                  10, "name=");
	/* An empty output is allowed: the example prints nothing. */
	assert_int_equal(parse_body("```python example\nx = 1\n```\n```text output\n```\n", &l), 0);
	assert_string_equal(l.steps[0].output, "");
	lesson_free(&l);
}

/* A plain block left open swallows the next step: that is an error too. */
static void test_unterminated_plain_block(void **state)
{
	(void)state;
	assert_body_fails("Prose.\n```python\nx = 1\n\n```python example\ny = 2\n```\n", 8,
	                  "unterminated");
	assert_body_fails("```\nnever closed\n", 7, "unterminated");
}

/* The setup joins chaining code with one blank line between chunks. */
static void test_setup_for_joins(void **state)
{
	(void)state;
	struct lesson l;
	assert_int_equal(parse_body("```python example\na = 1\n```\n"
	                            "```python example chain=no\nb = 2\n```\n"
	                            "```python goal chain=no\ng\n```\n"
	                            "```python check\nc\n```\n"
	                            "```python solution\nsol = 1\n```\n"
	                            "```python example raises=E\nraise E\n```\n"
	                            "```python example\nd = 4\n```\n"
	                            "```python predict\na\n```\n",
	                            &l),
	                 0);
	assert_setup(&l, 0, "");
	assert_setup(&l, 1, "a = 1\n");
	assert_setup(&l, 4, "a = 1\n");
	assert_setup(&l, 5, "a = 1\n\nd = 4\n");
	lesson_free(&l);
}

/* Errors never overflow the buffer and are cut, NUL-terminated. */
/* Experiment points go to the pool largest N first, each variant in turn,
 * and every series position exactly once. */
static void test_point_order_largest_first(void **state)
{
	(void)state;
	long sizes[] = {100, 1000, 10, 1000};
	struct step st = {.kind = STEP_EXPERIMENT, .sizes = sizes, .nsizes = 4};
	st.variants.len = 2;
	/* positions: variant * 4 + size index */
	size_t want[] = {1, 5, 3, 7, 0, 4, 2, 6};
	bool seen[8] = {false};
	for (size_t k = 0; k < 8; k++) {
		size_t i = step_point_order(&st, k);
		assert_int_equal(i, want[k]);
		assert_false(seen[i]);
		seen[i] = true;
	}
}

static void test_small_error_buffer(void **state)
{
	(void)state;
	struct lesson l;
	char small[12];
	memset(small, 'x', sizeof small);
	assert_int_equal(lesson_parse("a-long-file-name.md", "oops", 4, &l, small, sizeof small),
	                 -1);
	assert_string_equal(small, "a-long-file");
	assert_zeroed(&l);
}

#define NBROKEN (sizeof broken / sizeof broken[0])

int main(void)
{
	const struct CMUnitTest good_tests[] = {
	    cmocka_unit_test(test_good_front_matter),
	    cmocka_unit_test(test_point_order_largest_first),
	    cmocka_unit_test(test_good_step_list),
	    cmocka_unit_test(test_good_prose),
	    cmocka_unit_test(test_good_parts_never_in_prose),
	    cmocka_unit_test(test_good_examples),
	    cmocka_unit_test(test_good_predicts),
	    cmocka_unit_test(test_good_goal),
	    cmocka_unit_test(test_good_experiment),
	    cmocka_unit_test(test_good_setup_for),
	};
	/* One test per broken fixture, named after it. */
	struct CMUnitTest broken_tests[NBROKEN + 1];
	for (size_t i = 0; i < NBROKEN; i++)
		broken_tests[i] =
		    (struct CMUnitTest){broken[i].name, test_broken, NULL, NULL, &broken[i]};
	broken_tests[NBROKEN] =
	    (struct CMUnitTest)cmocka_unit_test(test_every_broken_fixture_is_tested);
	const struct CMUnitTest inline_tests[] = {
	    cmocka_unit_test(test_step_kind_name),
	    cmocka_unit_test(test_predict_accepts_expressions),
	    cmocka_unit_test(test_predict_rejects_statements),
	    cmocka_unit_test(test_predict_raises_is_exempt),
	    cmocka_unit_test(test_generated_ids),
	    cmocka_unit_test(test_no_steps),
	    cmocka_unit_test(test_indented_fences),
	    cmocka_unit_test(test_fence_matching),
	    cmocka_unit_test(test_crlf_bom_and_no_final_newline),
	    cmocka_unit_test(test_builds_on),
	    cmocka_unit_test(test_front_matter_values),
	    cmocka_unit_test(test_attributes),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_parts_attach_to_previous_step),
	    cmocka_unit_test(test_per_python_expectations),
	    cmocka_unit_test(test_version_prose_blocks),
	    cmocka_unit_test(test_version_prose_errors),
	    cmocka_unit_test(test_version_specs),
	    cmocka_unit_test(test_unterminated_plain_block),
	    cmocka_unit_test(test_setup_for_joins),
	    cmocka_unit_test(test_small_error_buffer),
	};
	int failed =
	    cmocka_run_group_tests_name("good lesson", good_tests, good_setup, good_teardown);
	failed += cmocka_run_group_tests_name("broken lessons", broken_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("inline lessons", inline_tests, NULL, NULL);
	return failed ? 1 : 0;
}
