/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsm-selftest's framework: the test table, checks, and what a test
 * prints.  In the manner of the Linux KVM selftests: each test is a
 * function that drives the ioctl ABI through a small library (hsm_lib.h)
 * and checks every result exactly.
 *
 * Each test runs in a child process of its own (harness.c), in its own
 * process group and with a time limit, so that a test that crashes, hangs
 * or leaves files open cannot disturb the next one: when the child is
 * gone its files are closed, and closing a file destroys its VM.
 *
 * Output, one line each, drained to the console before the program goes
 * on (the hypervisor prints on the same serial port):
 *   HSM-TEST: <test>: PASS | FAIL <first failure> | SKIP <why>
 *   HSM-CHECK: <test>: FAIL <what> (<file>:<line>)   each failed check
 *   HSM-INFO: <test>: <text>                          what a test saw
 *   HSM-PERF: <what>: <figure>                        timings (printed, never asserted)
 *   HSM-SUMMARY: <p> passed, <f> failed, <s> skipped  last
 */
#ifndef HSM_SELFTEST_H
#define HSM_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS	8

/* The command line, for the tests. */
struct selftest_opts {
	const char *device;		/* /dev/acrn_hsm */
	unsigned int cpus[MAX_CPUS];	/* CPUs the Service VM gave up */
	unsigned int ncpus;
	unsigned long perf_exits;	/* guest-io's timed round trips */
	unsigned long leak_cycles;	/* leak's iterations */
	unsigned int timeout;		/* seconds per test (leak: 5x) */
	bool verbose;			/* print passing checks too */
};
extern struct selftest_opts opts;

struct selftest {
	const char *name;
	void (*run)(void);
	unsigned int cpus;	/* given-up CPUs it needs */
	unsigned int timeout_scale;
	const char *summary;	/* for --help */
};

/* The tests (test_*.c), in the order they run. */
void test_life_cycle(void);
void test_guest_io(void);
void test_two_vms(void);
void test_triple_fault(void);
void test_bad_input(void);
void test_leak(void);
void test_kill_running(void);
void test_ioeventfd_irqfd(void);
void test_irq(void);
void test_modes(void);

/* Parts of bad-input, one file each. */
void bad_input_no_vm(void);
void bad_input_create(void);
void bad_input_pointers(void);
void bad_input_vcpu_regs(void);
void bad_input_memseg(void);
void bad_input_states(void);
void bad_input_ioreq(void);
void bad_input_eventfds(void);
void bad_input_numbers(void);

/*
 * check(ok, ...) records one check of the running test; a failure prints
 * an HSM-CHECK line with the printf-style description and where.
 * Returns ok, so a test can skip what depends on it.  Thread-safe.
 */
#define check(ok, ...) check_at(__FILE__, __LINE__, !!(ok), __VA_ARGS__)
bool check_at(const char *file, int line, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* check_errno(err, want, what...): err (0 or an errno) is want. */
#define check_errno(err, want, ...) \
	check_errno_at(__FILE__, __LINE__, (err), (want), __VA_ARGS__)
bool check_errno_at(const char *file, int line, int err, int want,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A check the test cannot go on without: records the failure and ends
 * the test (the child process: its files close, its VMs go). */
#define require(ok, ...) do {						\
	if (!check(ok, __VA_ARGS__))					\
		test_abort();						\
} while (0)
void test_abort(void) __attribute__((noreturn));

/* An HSM-INFO line for the running test. */
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An HSM-PERF line. */
void perf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What the test is doing now: named in the FAIL line if it times out. */
void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The name of an errno value ("EINVAL"), "0" for 0. */
const char *errno_name(int err);

/* The n-th given-up CPU (the tests ask only for as many as they need). */
unsigned int test_cpu(unsigned int n);

/* Emulated ticks: the TSC, which in the test machine counts instructions. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Monotonic milliseconds, for the tests' own waits. */
uint64_t now_ms(void);

#endif /* HSM_SELFTEST_H */
