/* seccomp.c: the syscall allowlist. Built once with libseccomp in the zygote
 * and exported as a BPF program; a child only loads it (~80 µs instead of
 * ~600 µs to build). Anything not listed fails with EPERM so Python raises a
 * readable error; a few dangerous calls kill the process outright. A foreign
 * architecture, and x32 numbers on x86_64, kill the process. */
#include "sandbox/sandbox.h"

#include "common/log.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static const char *const allowed[] = {
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "close",
    "fstat",
    "newfstatat",
    "statx",
    "lstat",
    "stat",
    "lseek",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "brk",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "getpid",
    "gettid",
    "getppid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getgroups",
    "getpgrp",
    "getcwd",
    "open",
    "openat",
    "getdents64",
    "readlink",
    "readlinkat",
    "fcntl",
    "dup",
    "dup2",
    "dup3",
    "access",
    "faccessat",
    "faccessat2",
    "exit",
    "exit_group",
    "futex",
    "getrandom",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "nanosleep",
    "clock_nanosleep",
    "sched_yield",
    "sched_getaffinity",
    "getrusage",
    "times",
    "sysinfo",
    "uname",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "rseq",
    "set_robust_list",
    "set_tid_address",
    "ftruncate",
    "fsync",
    "fdatasync",
    "umask",
};

static const char *const killed[] = {
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "reboot",
    "swapon",
    "swapoff",
    "open_by_handle_at",
    "name_to_handle_at",
};

/* Adds `action` for each named syscall; unknown names (older kernels) are skipped. */
static int add_rules(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		int rc = seccomp_rule_add(ctx, action, nr, 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Exports the filter into prog: prog->filter is a new array the caller
 * frees. Returns 0 or -errno. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = seccomp_export_bpf(ctx, fd);
	off_t size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (rc == 0 && (size <= 0 || size % (off_t)sizeof(struct sock_filter)))
		rc = -EINVAL;
	struct sock_filter *code = rc == 0 ? malloc((size_t)size) : NULL;
	if (rc == 0 && (!code || pread(fd, code, (size_t)size, 0) != size))
		rc = -EIO;
	close(fd);
	if (rc) {
		free(code);
		return rc;
	}
	prog->filter = code;
	prog->len = (unsigned short)((size_t)size / sizeof(struct sock_filter));
	return 0;
}

int seccomp_build(struct sock_fprog *prog)
{
	prog->filter = NULL;
	prog->len = 0;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return -ENOMEM;
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree instead of a list of comparisons: loading the filter
	 * makes the kernel evaluate it for every syscall number (its action
	 * cache), which took ~100 µs per child with the list. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0)
		rc = add_rules(ctx, SCMP_ACT_ALLOW, allowed, sizeof allowed / sizeof *allowed);
	if (rc == 0)
		rc = add_rules(ctx, SCMP_ACT_KILL_PROCESS, killed, sizeof killed / sizeof *killed);
	/* ioctl only to ask whether an fd is a terminal (Python does at start). */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		                      SCMP_A1(SCMP_CMP_EQ, TCGETS));
	/* prlimit64 only on the caller itself (resource.getrlimit); limits are hard == soft. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
		                      SCMP_A0(SCMP_CMP_EQ, 0));
	if (rc == 0)
		rc = export_program(ctx, prog);
	seccomp_release(ctx);
	return rc;
}

int seccomp_enforce(const struct sock_fprog *prog)
{
	if (!prog->filter)
		return -EINVAL;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0)
		return -errno;
	return 0;
}
