/* protocol.h: messages between the server and the zygote (SOCK_SEQPACKET,
 * one struct per message) and the job frame the server writes to a child. */
#ifndef LESSOND_PROTOCOL_H
#define LESSOND_PROTOCOL_H

#include <stdint.h>

enum zmsg_type {
	ZMSG_HELLO = 1, /* zygote -> server: ready; python version, layers */
	ZMSG_WANT = 2,  /* server -> zygote: fork `count` more waiting children */
	ZMSG_CHILD = 3, /* zygote -> server: a waiting child; fds: pidfd, job_wr, result_rd,
	                 * stdout and stderr memfds (read when the child dies mid-run);
	                 * pid -1 and no fds: the child could not be made */
	ZMSG_EXIT = 4,  /* zygote -> server: a child was reaped: wstatus, cpu_us */
};

#define ZMSG_MAX_FDS 5

struct zmsg {
	uint32_t type;
	int32_t pid;
	int32_t count;
	int32_t wstatus;
	int64_t cpu_us;
	uint32_t layers;
	int32_t landlock_abi;
	char text[64]; /* HELLO: python version, or the reason the zygote failed */
};

/* Job frame: header, then code_len bytes of code, setup_len bytes of setup,
 * and extra_len bytes of a verdict request (JSON; empty for a plain run). */
#define JOB_MAGIC 0x4c534e31u /* "LSN1" */
struct job_header {
	uint32_t magic;
	uint32_t code_len;
	uint32_t setup_len;
	uint32_t extra_len;
	uint64_t memory_bytes; /* the run's Python heap limit (memcount.c); the child lowers its
	                        * address space to config_address_space() of it */
	uint32_t cpu_seconds;  /* the run's CPU limit; the child lowers its own */
	uint32_t reserved;
};

/* Result frame from a child: a uint32 length, then that many bytes of JSON. */

/* Child exit codes with a meaning of their own. */
#define CHILD_EXIT_SANDBOX 97 /* a required sandbox layer could not be applied */
#define CHILD_EXIT_NOJOB   98 /* the job pipe closed or carried a bad frame */

/* The fd numbers inside a child. */
#define CHILD_FD_JOB     0
#define CHILD_FD_STDOUT  1
#define CHILD_FD_STDERR  2
#define CHILD_FD_RESULT  3
#define CHILD_FD_RULESET 4

#endif
