/* prefault.c: learns, once per zygote, which pages a run touches, and
 * faults them in for each waiting child before its job arrives.
 *
 * A forked child shares the zygote's pages copy-on-write, and CPython writes
 * to nearly every object it uses (reference counts), so a run's first
 * touches cost a few hundred page faults. Paying them before the job
 * arrives keeps them off the run's latency. Running a warm-up snippet in
 * each child did that, at the price of a whole extra run per child. Here a
 * single probe child runs the exercise once, reads /proc/self/pagemap before
 * and after, and reports the pages it wrote (now private to it) and the
 * file pages it read in. Every later child asks the kernel for exactly
 * those pages with MADV_POPULATE_WRITE / MADV_POPULATE_READ: the same
 * copies, without running Python. Children are forks of the same zygote
 * with the same heap, so the addresses are the same in each. */
#include "zygote/prefault.h"

#include "common/io.h"
#include "common/log.h"
#include "zygote/pyrun.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE             4096u
#define MAX_VMAS         512
#define MAX_VMA_BYTES    (1ul << 30) /* larger mappings (ASan's shadow) are not scanned */
#define MAX_RANGES       8192
#define PROBE_TIMEOUT_MS 20000

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT   (1ull << 63)
#define PM_FILE      (1ull << 61)
#define PM_EXCLUSIVE (1ull << 56)

/* A page's state as the probe sees it, one byte per page. */
#define ST_PRESENT 1u /* mapped */
#define ST_OWN     2u /* an anonymous page mapped only here: written since the fork */

struct vma {
	uintptr_t start, end;
};

struct range {
	uint64_t start, len;
	int32_t advice; /* MADV_POPULATE_WRITE or MADV_POPULATE_READ */
	int32_t pad;
};

static struct range *plan; /* mmap'd by the zygote; children inherit it */
static size_t plan_len, plan_write_pages, plan_read_pages;

/* Reads the private, readable mappings of this process from /proc/self/maps
 * into vmas (at most MAX_VMAS), without malloc: the heap must stay as it was
 * shaped. Skips the kernel's special mappings and huge reservations.
 * Returns the count, or -1. */
static int read_vmas(struct vma *vmas)
{
	static char text[1 << 16];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t got;
	while (len < sizeof text - 1 && (got = read(fd, text + len, sizeof text - 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	text[len] = '\0';
	int n = 0;
	for (char *line = text; *line && n < MAX_VMAS;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		unsigned long start, end;
		char perms[8], path[16] = "";
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %15s", &start, &end, perms, path) >= 3 &&
		    perms[0] == 'r' && perms[3] == 'p' && strncmp(path, "[v", 2) != 0 &&
		    end - start <= MAX_VMA_BYTES)
			vmas[n++] = (struct vma){start, end};
		line = next ? next : line + strlen(line);
	}
	return n;
}

/* Fills state[] (one byte per page of every vma, in order) from pagemap.
 * `buf` is scratch space for PAGE / 8 entries. Returns 0 or -1. */
static int scan(int pagemap, const struct vma *vmas, int nvmas, uint8_t *state, uint64_t *buf)
{
	size_t at = 0;
	for (int i = 0; i < nvmas; i++) {
		uintptr_t page = vmas[i].start / PAGE, last = vmas[i].end / PAGE;
		while (page < last) {
			size_t want = last - page < PAGE / 8 ? last - page : PAGE / 8;
			ssize_t got = pread(pagemap, buf, want * 8, (off_t)(page * 8));
			if (got <= 0 || got % 8)
				return -1;
			for (size_t k = 0; k < (size_t)got / 8; k++) {
				uint64_t e = buf[k];
				uint8_t s = 0;
				if (e & PM_PRESENT)
					s |= ST_PRESENT;
				if ((e & PM_PRESENT) && (e & PM_EXCLUSIVE) && !(e & PM_FILE))
					s |= ST_OWN;
				state[at++] = s;
			}
			page += (size_t)got / 8;
		}
	}
	return 0;
}

/* The advice for one page, from its state before and after the exercise:
 * written since the fork, read in since the fork, or neither (0). */
static int page_advice(uint8_t before, uint8_t after)
{
	if ((after & ST_OWN) && !(before & ST_OWN))
		return MADV_POPULATE_WRITE;
	if ((after & ST_PRESENT) && !(before & ST_PRESENT))
		return MADV_POPULATE_READ;
	return 0;
}

/* Turns the before/after states into ranges of equal advice (in `out`,
 * room for MAX_RANGES) and writes them to fd as a count and an array.
 * Returns 0 or -1. */
static int report_ranges(int fd, const struct vma *vmas, int nvmas, const uint8_t *before,
                         const uint8_t *after, struct range *out)
{
	uint64_t n = 0;
	size_t at = 0;
	for (int i = 0; i < nvmas; i++) {
		for (uintptr_t addr = vmas[i].start; addr < vmas[i].end; addr += PAGE, at++) {
			int advice = page_advice(before[at], after[at]);
			if (!advice)
				continue;
			struct range *last = n ? &out[n - 1] : NULL;
			if (last && last->advice == advice && last->start + last->len == addr)
				last->len += PAGE;
			else if (n < MAX_RANGES)
				out[n++] = (struct range){addr, PAGE, advice, 0};
		}
	}
	if (io_write_full(fd, &n, sizeof n) < 0)
		return -1;
	return io_write_full(fd, out, (size_t)n * sizeof *out);
}

/* The probe child: records page states, runs the exercise with its output
 * on throw-away memfds, records again, reports on fd and exits. Its scratch
 * memory is a fresh mapping, outside the mappings it scans. */
static void probe_main(int fd, const struct vma *vmas, int nvmas) __attribute__((noreturn));
static void probe_main(int fd, const struct vma *vmas, int nvmas)
{
	size_t pages = 0;
	for (int i = 0; i < nvmas; i++)
		pages += (vmas[i].end - vmas[i].start) / PAGE;
	size_t scratch_len = PAGE + MAX_RANGES * sizeof(struct range) + 2 * pages;
	uint8_t *scratch =
	    mmap(NULL, scratch_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int out = memfd_create("probe-out", 0), err = memfd_create("probe-err", 0);
	if (scratch == MAP_FAILED || pagemap < 0 || out < 0 || err < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0)
		_exit(1);
	uint64_t *buf = (uint64_t *)scratch;
	struct range *ranges = (struct range *)(scratch + PAGE); /* aligned: PAGE */
	uint8_t *before = (uint8_t *)(ranges + MAX_RANGES), *after = before + pages;
	if (scan(pagemap, vmas, nvmas, before, buf) < 0)
		_exit(1);
	pyrun_exercise();
	if (scan(pagemap, vmas, nvmas, after, buf) < 0 ||
	    report_ranges(fd, vmas, nvmas, before, after, ranges) < 0)
		_exit(1);
	_exit(0);
}

/* Reads the probe's report from fd into plan, a mapping of its own: the
 * zygote's malloc heap stays exactly as the probe saw it. Returns 0 or -1. */
static int read_report(int fd)
{
	long long deadline = io_clock_ms() + PROBE_TIMEOUT_MS;
	uint64_t n;
	if (io_read_until(fd, &n, sizeof n, deadline) < 0 || n == 0 || n > MAX_RANGES)
		return -1;
	size_t len = (size_t)n * sizeof(struct range);
	struct range *r =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return -1;
	if (io_read_until(fd, r, len, deadline) < 0) {
		munmap(r, len);
		return -1;
	}
	plan = r;
	plan_len = (size_t)n;
	for (size_t i = 0; i < plan_len; i++)
		*(plan[i].advice == MADV_POPULATE_WRITE ? &plan_write_pages : &plan_read_pages) +=
		    plan[i].len / PAGE;
	return 0;
}

/* Takes every free chunk malloc has below its top chunk and keeps it for
 * good (after malloc_trim there are a few hundred, about 100 KiB). A child's
 * allocations then come from the top of the heap, and its frees merge only
 * with its own chunks, instead of walking and splitting free lists whose
 * chunks lie all over the inherited heap: that cost about 90 copy-on-write
 * page faults per child. Chunks that mmap serves, and allocators other than
 * glibc's (ASan's), return blocks above the top and end the loop at once. */
static void fill_heap_holes(void)
{
	struct mallinfo2 mi = mallinfo2();
	uintptr_t top = (uintptr_t)sbrk(0) - mi.keepcost;
	for (size_t size = 64u << 10; size >= 16; size /= 2)
		for (;;) {
			void *p = malloc(size);
			if (!p)
				return;
			if ((uintptr_t)p >= top) {
				free(p);
				break;
			}
			/* kept: one hole filled */
		}
}

int prefault_learn(void)
{
	/* Shape malloc's heap before anything else, so every child inherits
	 * the heap the probe saw: free chunks consolidated and whole free
	 * pages returned, then the remaining holes filled. */
	malloc_trim(0);
	fill_heap_holes();
	static struct vma vmas[MAX_VMAS];
	int nvmas = read_vmas(vmas);
	int fds[2];
	if (nvmas <= 0 || pipe2(fds, O_CLOEXEC) < 0) {
		log_warn(
		    "cannot learn the pages a run touches (%s); children run a warm-up instead",
		    strerror(errno));
		return -1;
	}
	pid_t pid = pyrun_fork();
	if (pid == 0) {
		close(fds[0]);
		probe_main(fds[1], vmas, nvmas);
	}
	close(fds[1]);
	int rc = pid < 0 ? -1 : read_report(fds[0]);
	close(fds[0]);
	int st = 0;
	if (pid > 0) {
		if (rc < 0)
			kill(pid, SIGKILL);
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = -1;
	}
	if (rc < 0)
		log_warn("cannot learn the pages a run touches; children run a warm-up instead");
	else
		log_info("a run touches %zu pages to copy and %zu to map in, in %zu ranges",
		         plan_write_pages, plan_read_pages, plan_len);
	return rc;
}

int prefault_apply(void)
{
	if (!plan_len)
		return -1;
	for (size_t i = 0; i < plan_len; i++)
		if (madvise((void *)(uintptr_t)plan[i].start, plan[i].len, plan[i].advice) < 0 &&
		    i == 0 && errno == EINVAL)
			return -1; /* no MADV_POPULATE_* (Linux < 5.14) */
	return 0;
}
