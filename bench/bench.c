/* bench.c: a small HTTP/1.1 load client for lessond. Each connection is a
 * thread with one keep-alive TCP connection to 127.0.0.1 that POSTs the same
 * body again and again, one request at a time. A response counts as good
 * when it is HTTP 200 and its body contains the expected text (by default
 * "status":"ok"). Warm-up requests run first and are not measured; then
 * every thread starts the measured phase together. --header adds a request
 * header (a learner's Cookie, a teacher's Authorization). Prints one JSON line:
 *
 *   {"requests":2000,"failures":0,"connections":1,"seconds":0.41,"rps":4870.2,
 *    "mean_ms":0.2,"p50_ms":0.19,"p90_ms":0.23,"p99_ms":0.4,"max_ms":1.3,...}
 *
 * Latencies are taken with CLOCK_MONOTONIC from just before the request is
 * written to just after the last byte of the response is read. Exit status:
 * 0 when every measured request was good, 1 when some failed, 2 on bad use. */
#include "common/io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_HEAD_MAX 16384
#define IO_TIMEOUT_S      30
#define HEADERS_MAX       8    /* --header options */
#define REQUEST_HEAD_MAX  4096 /* bytes of the request head we build */

struct options {
	const char *host;
	int port;
	const char *method;
	const char *path;
	const char *body_file;
	const char *expect;
	const char *samples; /* file for every measured latency, or NULL */
	int connections;
	long requests;
	long warmup;
	long pause_us;                    /* idle time between two requests of one connection */
	const char *headers[HEADERS_MAX]; /* "Name: value", sent as given */
	int nheaders;
};

/* Shared by every worker. The request text is built once and only read. */
struct shared {
	const struct options *opt;
	struct sockaddr_in addr;
	char *request; /* head + body, owned */
	size_t request_len;
	atomic_long next_warmup, next_measured;
	double *latency_ms; /* one slot per measured request, NAN until done */
	atomic_long failures, warmup_failures;
	atomic_long connects; /* TCP connections opened, warm-up included */
	pthread_barrier_t start;
	pthread_mutex_t err_lock;
	char first_error[256];
};

/* One connection and its receive buffer. */
struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Remembers the first failure's description, for stderr at the end. */
static void note_error(struct shared *sh, const char *what, const char *detail)
{
	pthread_mutex_lock(&sh->err_lock);
	if (!sh->first_error[0])
		snprintf(sh->first_error, sizeof sh->first_error, "%s%s%.160s", what,
		         detail ? ": " : "", detail ? detail : "");
	pthread_mutex_unlock(&sh->err_lock);
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Opens the connection with Nagle off and I/O timeouts. Returns 0 or -1. */
static int conn_open(struct conn *c, struct shared *sh)
{
	conn_close(c);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct timeval tv = {IO_TIMEOUT_S, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (const struct sockaddr *)&sh->addr, sizeof sh->addr) < 0) {
		note_error(sh, "connect", strerror(errno));
		close(fd);
		return -1;
	}
	c->fd = fd;
	return 0;
}

/* Reads more bytes into the buffer, growing it. Returns bytes read, 0 on
 * EOF, -1 on error or timeout. */
static ssize_t fill(struct conn *c)
{
	if (c->len == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		char *nb = realloc(c->buf, cap);
		if (!nb)
			return -1;
		c->buf = nb;
		c->cap = cap;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			c->len += (size_t)n;
		return n;
	}
}

/* Finds a header's value in the head [p, end) (case-insensitive name).
 * Returns a pointer to the value (spaces skipped) or NULL. */
static const char *find_header(const char *p, const char *end, const char *name)
{
	size_t nl = strlen(name);
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

/* Reads one response. On success returns 0 and sets *status, *body and
 * *body_len (pointing into c->buf) and *total (head and body bytes);
 * *keep is false when the server will close the connection. Returns -1
 * with *why set on any protocol or I/O error. */
static int read_response(struct conn *c, int *status, const char **body, size_t *body_len,
                         size_t *total, bool *keep, const char **why)
{
	char *head_end = NULL;
	while (!(head_end = memmem(c->buf ? c->buf : "", c->len, "\r\n\r\n", 4))) {
		if (c->len > RESPONSE_HEAD_MAX) {
			*why = "response head too long";
			return -1;
		}
		ssize_t n = fill(c);
		if (n <= 0) {
			*why = n == 0 ? "connection closed by the server" : "read error or timeout";
			return -1;
		}
	}
	size_t head_len = (size_t)(head_end - c->buf) + 4;
	int major, minor, code;
	if (sscanf(c->buf, "HTTP/%d.%d %d", &major, &minor, &code) != 3) {
		*why = "malformed status line";
		return -1;
	}
	const char *first_eol = memmem(c->buf, head_len, "\r\n", 2);
	const char *hdrs = first_eol + 2, *hend = head_end + 2;
	const char *cl = find_header(hdrs, hend, "Content-Length");
	if (!cl) {
		*why = "response has no Content-Length";
		return -1;
	}
	char *endp;
	errno = 0;
	unsigned long long clen = strtoull(cl, &endp, 10);
	if (errno || endp == cl || clen > (1ull << 30)) {
		*why = "bad Content-Length";
		return -1;
	}
	const char *connection = find_header(hdrs, hend, "Connection");
	*keep = !(connection && strncasecmp(connection, "close", 5) == 0) &&
	        !(major == 1 && minor == 0);
	while (c->len < head_len + clen) {
		ssize_t n = fill(c);
		if (n <= 0) {
			*why = n == 0 ? "connection closed mid-body" : "read error or timeout";
			return -1;
		}
	}
	*status = code;
	*body = c->buf + head_len;
	*body_len = (size_t)clen;
	*total = head_len + (size_t)clen;
	return 0;
}

/* Sends one request and checks its response. Returns the latency in ms, or
 * a negative number on failure (the connection is then closed). */
static double one_request(struct conn *c, struct shared *sh)
{
	if (c->fd < 0) {
		if (conn_open(c, sh) < 0)
			return -1;
		atomic_fetch_add(&sh->connects, 1);
	}
	double t0 = now_ms();
	if (io_write_full(c->fd, sh->request, sh->request_len) < 0) {
		note_error(sh, "send", strerror(errno));
		conn_close(c);
		return -1;
	}
	int status = 0;
	const char *body = NULL, *why = NULL;
	size_t body_len = 0, total = 0;
	bool keep = false;
	if (read_response(c, &status, &body, &body_len, &total, &keep, &why) < 0) {
		note_error(sh, why, NULL);
		conn_close(c);
		return -1;
	}
	double t1 = now_ms();
	bool good = status == 200 &&
	            memmem(body, body_len, sh->opt->expect, strlen(sh->opt->expect)) != NULL;
	if (!good) {
		char what[32];
		snprintf(what, sizeof what, "HTTP %d", status);
		char detail[161];
		snprintf(detail, sizeof detail, "%.*s", (int)(body_len < 160 ? body_len : 160),
		         body);
		note_error(sh, what, detail);
	}
	/* Keep whatever follows (nothing, as we never pipeline). */
	memmove(c->buf, c->buf + total, c->len - total);
	c->len -= total;
	if (!keep)
		conn_close(c);
	return good ? t1 - t0 : -1;
}

static void *worker(void *arg)
{
	struct shared *sh = arg;
	struct conn c = {-1, NULL, 0, 0}; /* opened by the first request */
	while (atomic_fetch_add(&sh->next_warmup, 1) < sh->opt->warmup)
		if (one_request(&c, sh) < 0)
			atomic_fetch_add(&sh->warmup_failures, 1);
	pthread_barrier_wait(&sh->start);
	long i;
	while ((i = atomic_fetch_add(&sh->next_measured, 1)) < sh->opt->requests) {
		if (sh->opt->pause_us)
			usleep((useconds_t)sh->opt->pause_us);
		double ms = one_request(&c, sh);
		if (ms < 0)
			atomic_fetch_add(&sh->failures, 1);
		else
			sh->latency_ms[i] = ms;
	}
	conn_close(&c);
	free(c.buf);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double percentile(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return NAN;
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	return sorted[rank > n ? n - 1 : rank - 1];
}

/* Reads a whole file into a new buffer (caller frees). */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void usage(FILE *out)
{
	fputs("usage: bench --port P --body-file F [--connections C] [--requests N]\n"
	      "             [--warmup W] [--path /api/run] [--host 127.0.0.1]\n"
	      "             [--expect '\"status\":\"ok\"'] [--method POST] [--pause-us 0]\n"
	      "             [--samples FILE] [--header 'Name: value']...\n"
	      "POSTs F (application/json) N times over C keep-alive connections after W\n"
	      "unmeasured warm-up requests, and prints one JSON line of results. A\n"
	      "response is good when it is HTTP 200 and its body contains the --expect\n"
	      "text (give '' to accept any 200). --method GET sends no body, which\n"
	      "measures the HTTP floor, e.g. --method GET --path /api/health. --pause-us\n"
	      "idles each connection between requests (latency with the server at rest;\n"
	      "seconds and rps then include the pauses). --samples writes every measured\n"
	      "latency in ms to FILE, one a line, sorted (to pool several runs).\n"
	      "--header adds a request header (up to 8), e.g. a learner's cookie:\n"
	      "--header 'Cookie: lessond_learner=<32 hex digits>'.\n",
	      out);
}

/* Parses a whole number in [min, max]. Returns 0 or -1. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Fills opt from argv. Returns 0, or -1 after printing why. */
static int parse_args(int argc, char **argv, struct options *opt)
{
	*opt = (struct options){.host = "127.0.0.1",
	                        .method = "POST",
	                        .path = "/api/run",
	                        .expect = "\"status\":\"ok\"",
	                        .connections = 1,
	                        .requests = 1000,
	                        .warmup = 100};
	for (int a = 1; a < argc; a++) {
		const char *k = argv[a];
		if (strcmp(k, "--help") == 0 || strcmp(k, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (a + 1 >= argc) {
			fprintf(stderr, "bench: %s needs a value\n", k);
			return -1;
		}
		const char *v = argv[++a];
		long n = 0;
		int bad = 0;
		if (strcmp(k, "--port") == 0)
			bad = parse_long(v, 1, 65535, &n) || ((opt->port = (int)n), 0);
		else if (strcmp(k, "--connections") == 0)
			bad = parse_long(v, 1, 1024, &n) || ((opt->connections = (int)n), 0);
		else if (strcmp(k, "--requests") == 0)
			bad = parse_long(v, 1, 100000000, &opt->requests);
		else if (strcmp(k, "--warmup") == 0)
			bad = parse_long(v, 0, 100000000, &opt->warmup);
		else if (strcmp(k, "--pause-us") == 0)
			bad = parse_long(v, 0, 10000000, &opt->pause_us);
		else if (strcmp(k, "--body-file") == 0)
			opt->body_file = v;
		else if (strcmp(k, "--path") == 0)
			opt->path = v;
		else if (strcmp(k, "--method") == 0)
			opt->method = v;
		else if (strcmp(k, "--host") == 0)
			opt->host = v;
		else if (strcmp(k, "--expect") == 0)
			opt->expect = v;
		else if (strcmp(k, "--samples") == 0)
			opt->samples = v;
		else if (strcmp(k, "--header") == 0)
			bad = opt->nheaders == HEADERS_MAX || !strchr(v, ':') ||
			      strpbrk(v, "\r\n") || ((opt->headers[opt->nheaders++] = v), 0);
		else {
			fprintf(stderr, "bench: unknown option '%s'\n", k);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "bench: %s: bad value '%s'\n", k, v);
			return -1;
		}
	}
	if (!opt->port || (!opt->body_file && strcmp(opt->method, "GET") != 0)) {
		fprintf(stderr, "bench: --port is required, and --body-file unless --method GET\n");
		return -1;
	}
	return 0;
}

/* Writes the n sorted latencies to path, one a line. Returns 0 or -1. */
static int write_samples(const char *path, const double *sorted, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%.4f\n", sorted[i]);
	return fclose(f) == 0 ? 0 : -1;
}

/* Builds the request text (head, the --header lines, body) into sh.
 * Returns 0, or -1 when the head is too long or memory runs out. */
static int build_request(struct shared *sh, const char *body, size_t body_len)
{
	const struct options *opt = sh->opt;
	char head[REQUEST_HEAD_MAX];
	int hl = snprintf(head, sizeof head,
	                  "%s %s HTTP/1.1\r\n"
	                  "Host: %s:%d\r\n"
	                  "User-Agent: lessond-bench\r\n"
	                  "Accept: application/json\r\n"
	                  "Content-Type: application/json\r\n"
	                  "Content-Length: %zu\r\n",
	                  opt->method, opt->path, opt->host, opt->port, body_len);
	for (int i = 0; i < opt->nheaders && hl >= 0 && (size_t)hl < sizeof head; i++)
		hl += snprintf(head + hl, sizeof head - (size_t)hl, "%s\r\n", opt->headers[i]);
	if (hl >= 0 && (size_t)hl < sizeof head)
		hl += snprintf(head + hl, sizeof head - (size_t)hl, "\r\n");
	if (hl < 0 || (size_t)hl >= sizeof head)
		return -1;
	sh->request_len = (size_t)hl + body_len;
	sh->request = malloc(sh->request_len);
	if (!sh->request)
		return -1;
	memcpy(sh->request, head, (size_t)hl);
	memcpy(sh->request + hl, body, body_len);
	return 0;
}

int main(int argc, char **argv)
{
	struct options opt;
	signal(SIGPIPE, SIG_IGN); /* a closed connection is an error to count, not a death */
	if (parse_args(argc, argv, &opt) < 0) {
		usage(stderr);
		return 2;
	}
	static struct shared sh;
	sh.opt = &opt;
	sh.addr.sin_family = AF_INET;
	sh.addr.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.host, &sh.addr.sin_addr) != 1) {
		fprintf(stderr, "bench: --host must be an IPv4 address\n");
		return 2;
	}
	size_t body_len = 0;
	char *body = opt.body_file ? read_file(opt.body_file, &body_len) : calloc(1, 1);
	if (!body) {
		fprintf(stderr, "bench: cannot read %s: %s\n", opt.body_file, strerror(errno));
		return 2;
	}
	int rc = build_request(&sh, body, body_len);
	free(body);
	if (rc < 0) {
		fprintf(stderr, "bench: the request head is over %d bytes, or memory ran out\n",
		        REQUEST_HEAD_MAX);
		return 2;
	}
	sh.latency_ms = malloc((size_t)opt.requests * sizeof *sh.latency_ms);
	pthread_t *threads = calloc((size_t)opt.connections, sizeof *threads);
	if (!sh.latency_ms || !threads) {
		fprintf(stderr, "bench: out of memory\n");
		return 2;
	}
	for (long i = 0; i < opt.requests; i++)
		sh.latency_ms[i] = NAN;
	pthread_mutex_init(&sh.err_lock, NULL);
	pthread_barrier_init(&sh.start, NULL, (unsigned)opt.connections + 1);
	for (int t = 0; t < opt.connections; t++)
		if (pthread_create(&threads[t], NULL, worker, &sh) != 0) {
			fprintf(stderr, "bench: cannot start thread %d\n", t);
			return 2;
		}
	pthread_barrier_wait(&sh.start);
	double start = now_ms();
	for (int t = 0; t < opt.connections; t++)
		pthread_join(threads[t], NULL);
	double seconds = (now_ms() - start) / 1e3;

	size_t ok = 0;
	double sum = 0;
	for (long i = 0; i < opt.requests; i++)
		if (!isnan(sh.latency_ms[i])) {
			sum += sh.latency_ms[i];
			sh.latency_ms[ok++] = sh.latency_ms[i];
		}
	qsort(sh.latency_ms, ok, sizeof *sh.latency_ms, cmp_double);
	long failures = atomic_load(&sh.failures);
	double mean = ok ? sum / (double)ok : NAN;
	printf("{\"requests\":%ld,\"ok\":%zu,\"failures\":%ld,\"warmup_failures\":%ld,"
	       "\"connections\":%d,\"connects\":%ld,\"seconds\":%.6f,\"rps\":%.1f,\"mean_ms\":%.4f,"
	       "\"min_ms\":%.4f,\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f}\n",
	       opt.requests, ok, failures, atomic_load(&sh.warmup_failures), opt.connections,
	       atomic_load(&sh.connects), seconds, seconds > 0 ? (double)ok / seconds : 0.0,
	       ok ? mean : 0.0, ok ? sh.latency_ms[0] : 0.0,
	       ok ? percentile(sh.latency_ms, ok, 50) : 0.0,
	       ok ? percentile(sh.latency_ms, ok, 90) : 0.0,
	       ok ? percentile(sh.latency_ms, ok, 99) : 0.0, ok ? sh.latency_ms[ok - 1] : 0.0);
	if (opt.samples && write_samples(opt.samples, sh.latency_ms, ok) < 0) {
		fprintf(stderr, "bench: cannot write %s: %s\n", opt.samples, strerror(errno));
		failures = failures ? failures : 1;
	}
	if (failures || atomic_load(&sh.warmup_failures))
		fprintf(stderr, "bench: %ld of %ld measured requests failed; first error: %s\n",
		        failures, opt.requests, sh.first_error);
	free(sh.request);
	free(sh.latency_ms);
	free(threads);
	pthread_barrier_destroy(&sh.start);
	pthread_mutex_destroy(&sh.err_lock);
	return failures ? 1 : 0;
}
