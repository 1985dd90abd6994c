/* test_demote.c: the CPU-use policy and the /proc plumbing behind it. */
#include "pool/demote.h"

#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

/* Each threshold moves a run one level down; 0 switches a level off. */
static void test_level(void **state)
{
	(void)state;
	assert_int_equal(demote_level(0, 10, 500), DEMOTE_NONE);
	assert_int_equal(demote_level(9.9, 10, 500), DEMOTE_NONE);
	assert_int_equal(demote_level(10, 10, 500), DEMOTE_NICE);
	assert_int_equal(demote_level(499, 10, 500), DEMOTE_NICE);
	assert_int_equal(demote_level(500, 10, 500), DEMOTE_IDLE);
	assert_int_equal(demote_level(1e6, 0, 0), DEMOTE_NONE);
	assert_int_equal(demote_level(1e6, 10, 0), DEMOTE_NICE);
	assert_int_equal(demote_level(600, 0, 500), DEMOTE_IDLE);
}

/* A child that waits until killed; returns its pid. */
static pid_t sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	assert_true(pid > 0);
	return pid;
}

/* A pidfd names the same process as the pid fork returned. */
static void test_host_pid(void **state)
{
	(void)state;
	pid_t pid = sleeper();
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	assert_true(pidfd >= 0);
	assert_int_equal(demote_host_pid(pidfd), pid);
	assert_int_equal(demote_host_pid(-1), 0);
	close(pidfd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* CPU use grows as a process works and is -1 once it is gone. */
static void test_cpu_ms(void **state)
{
	(void)state;
	double before = demote_cpu_ms(getpid());
	assert_true(before >= 0);
	volatile unsigned long spin = 0;
	for (unsigned long i = 0; i < 50000000ul; i++)
		spin += i;
	assert_true(demote_cpu_ms(getpid()) > before);
	pid_t pid = sleeper();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(demote_cpu_ms(pid) < 0);
}

/* Applying a level changes the process: nice 10, then SCHED_IDLE. */
static void test_apply(void **state)
{
	(void)state;
	pid_t pid = sleeper();
	int base = getpriority(PRIO_PROCESS, (id_t)pid); /* 0, unless the tests run niced */
	int policy = sched_getscheduler(pid);
	demote_apply(pid, DEMOTE_NONE);
	assert_int_equal(getpriority(PRIO_PROCESS, (id_t)pid), base);
	demote_apply(pid, DEMOTE_NICE);
	if (base <= DEMOTED_NICE)
		assert_int_equal(getpriority(PRIO_PROCESS, (id_t)pid), DEMOTED_NICE);
	assert_int_equal(sched_getscheduler(pid), policy);
	demote_apply(pid, DEMOTE_IDLE);
	assert_int_equal(sched_getscheduler(pid), SCHED_IDLE);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	demote_apply(pid, DEMOTE_IDLE); /* gone: ignored */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_level),
	    cmocka_unit_test(test_host_pid),
	    cmocka_unit_test(test_cpu_ms),
	    cmocka_unit_test(test_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
