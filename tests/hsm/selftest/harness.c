/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsm-selftest: userspace tests of /dev/acrn_hsm and the hypervisor behind
 * it, run in the Service VM on CPUs it gave up (tests/hsm/selftest/run.sh,
 * machine test islet-hsm).
 *
 * usage: hsm-selftest [OPTIONS] [TEST...]     (no TEST: all of them)
 * This file: the command line, the test table, running each test in a
 * child process with a time limit, and the output (selftest.h).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hsm_lib.h"
#include "selftest.h"

struct selftest_opts opts = {
	.device = "/dev/acrn_hsm",
	.perf_exits = 1000,
	.leak_cycles = 1000,
	.timeout = 120,
};

static const struct selftest tests[] = {
	{ "life-cycle", test_life_cycle, 1, 1,
	  "create, destroy, close; start, pause, reset, start again; "
	  "ATTACH woken by the client's or the VM's end" },
	{ "guest-io", test_guest_io, 1, 1,
	  "a guest's port and MMIO accesses served, its exit status; the "
	  "round trip of a port write (HSM-PERF)" },
	{ "two-vms", test_two_vms, 2, 1,
	  "two VMs from two files at once, served by two threads" },
	{ "triple-fault", test_triple_fault, 2, 1,
	  "a guest's triple fault arrives as the stop report while another "
	  "VM runs on; the stopped VM resets and runs again" },
	{ "bad-input", test_bad_input, 1, 1,
	  "every class of bad input on every ioctl, with its errno" },
	{ "leak", test_leak, 1, 5,
	  "open, CREATE_VM, SET_MEMSEG, close in a loop: no memory, VM slot "
	  "or CPU lost" },
	{ "kill-running", test_kill_running, 1, 1,
	  "SIGKILL of a process whose VM runs gives the CPU back" },
	{ "ioeventfd-irqfd", test_ioeventfd_irqfd, 1, 1,
	  "guest writes an ioeventfd completes in the kernel; irqfd assign "
	  "and deassign" },
	{ "modes", test_modes, 1, 1,
	  "a guest in real mode and one in long mode, set up by "
	  "SET_VCPU_REGS alone; OR/AND/XOR/XCHG/CMP/TEST/BT/MOVSX on "
	  "MMIO" },
	{ "irq", test_irq, 1, 1,
	  "INJECT_MSI and IRQFD deliver their vector to a halted guest; "
	  "nothing after the deassign" },
};
#define NTESTS	(sizeof(tests) / sizeof(tests[0]))

/* ---- Output ---------------------------------------------------------------- */

/*
 * The state of the running test, in a shared page: the child writes it,
 * the parent reads it after the child is gone (also after a time-out).
 */
struct result {
	int checks;
	int failures;
	char first[256];	/* the first failure */
	char step[160];		/* what the test was doing */
};
static struct result *result;
static const char *current = "hsm-selftest";
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool record(const char *file, int line, bool ok, const char *what)
{
	pthread_mutex_lock(&out_lock);
	result->checks++;
	if (!ok) {
		result->failures++;
		if (!result->first[0])
			snprintf(result->first, sizeof(result->first),
				 "%s (%s:%d)", what, base_name(file), line);
		emit("HSM-CHECK: %s: FAIL %s (%s:%d)", current, what,
		     base_name(file), line);
	} else if (opts.verbose) {
		emit("HSM-CHECK: %s: ok %s", current, what);
	}
	pthread_mutex_unlock(&out_lock);
	return ok;
}

bool check_at(const char *file, int line, bool ok, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	if (ok && !opts.verbose) {
		pthread_mutex_lock(&out_lock);
		result->checks++;
		pthread_mutex_unlock(&out_lock);
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return record(file, line, ok, what);
}

bool check_errno_at(const char *file, int line, int err, int want,
		    const char *fmt, ...)
{
	char what[400];
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	len = strlen(what);
	if (err != want)
		snprintf(what + len, sizeof(what) - len, ": got %s, expected %s",
			 errno_name(err), errno_name(want));
	else
		snprintf(what + len, sizeof(what) - len, ": %s",
			 errno_name(want));
	return record(file, line, err == want, what);
}

void test_abort(void)
{
	_exit(1);
}

void info(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&out_lock);
	emit("HSM-INFO: %s: %s", current, text);
	pthread_mutex_unlock(&out_lock);
}

void perf(const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&out_lock);
	emit("HSM-PERF: %s", text);
	pthread_mutex_unlock(&out_lock);
}

void step(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vsnprintf(result->step, sizeof(result->step), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&out_lock);
}

const char *errno_name(int err)
{
	static const struct { int err; const char *name; } names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ENOTTY, "ENOTTY" },
		{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
	};
	static __thread char other[32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(other, sizeof(other), "errno %d", err);
	return other;
}

unsigned int test_cpu(unsigned int n)
{
	return opts.cpus[n];
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- Running the tests ------------------------------------------------------ */

enum verdict { PASSED, FAILED, SKIPPED };

/* The test's own process. */
static int test_child(void *arg)
{
	const struct selftest *t = arg;

	current = t->name;
	t->run();
	return result->failures ? 1 : 0;
}

static enum verdict run_test(const struct selftest *t)
{
	unsigned int limit = opts.timeout * t->timeout_scale;
	int status;

	if (t->cpus > opts.ncpus) {
		emit("HSM-TEST: %s: SKIP needs %u given-up CPUs (--cpu), "
		     "have %u", t->name, t->cpus, opts.ncpus);
		return SKIPPED;
	}
	memset(result, 0, sizeof(*result));
	snprintf(result->step, sizeof(result->step), "starting");
	status = run_in_child(test_child, (void *)t, limit);
	if (status < 0) {
		emit("HSM-TEST: %s: FAIL fork: %s", t->name, strerror(errno));
		return FAILED;
	}
	/* What the test left behind was killed; this process is their
	 * subreaper, so they are reaped here. */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;

	if (opts.verbose || result->failures)
		emit("HSM-INFO: %s: %d checks, %d failed", t->name,
		     result->checks, result->failures);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    !result->failures) {
		emit("HSM-TEST: %s: PASS", t->name);
		return PASSED;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		emit("HSM-TEST: %s: FAIL timed out after %u s while %s%s%s",
		     t->name, limit, result->step,
		     result->first[0] ? "; first failure: " : "", result->first);
	else if (WIFSIGNALED(status))
		emit("HSM-TEST: %s: FAIL killed by signal %d (%s) while %s",
		     t->name, WTERMSIG(status), strsignal(WTERMSIG(status)),
		     result->step);
	else
		emit("HSM-TEST: %s: FAIL %s", t->name,
		     result->first[0] ? result->first : "exit status non-zero");
	return FAILED;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"usage: hsm-selftest [OPTIONS] [TEST...]\n"
"Tests of /dev/acrn_hsm on Islet, run in the Service VM after it gave up\n"
"CPUs (echo N > /sys/devices/virtual/misc/acrn_hsm/remove_cpu).\n"
"No TEST: all of them, in this order.\n\n"
"  -c, --cpu N          a CPU the Service VM gave up (repeat; default 1)\n"
"  -d, --device PATH    the HSM device (default /dev/acrn_hsm)\n"
"  -p, --perf-exits N   guest-io: timed port round trips (default 1000)\n"
"  -n, --leak-cycles N  leak: iterations (default 1000)\n"
"  -t, --timeout S      seconds per test (leak: 5 times that; default 120)\n"
"  -v, --verbose        print every check, not only the failed ones\n"
"  -l, --list           list the tests\n"
"  -h, --help           this text\n\ntests (given-up CPUs needed):\n");
	for (i = 0; i < NTESTS; i++)
		fprintf(f, "  %-16s (%u) %s\n", tests[i].name, tests[i].cpus,
			tests[i].summary);
	fprintf(f, "\nExit status: 0 when no test failed, 1 otherwise, "
		"2 for a bad command line.\n");
}

static unsigned long number(const char *arg, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || end == arg || *end) {
		fprintf(stderr, "hsm-selftest: bad %s '%s'\n", what, arg);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'd' },
		{ "perf-exits", required_argument, NULL, 'p' },
		{ "leak-cycles", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool selected[NTESTS] = { false };
	unsigned int passed = 0, failed = 0, skipped = 0;
	bool any = false;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "c:d:p:n:t:vlh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			if (opts.ncpus == MAX_CPUS) {
				fprintf(stderr, "hsm-selftest: at most %d "
					"--cpu\n", MAX_CPUS);
				return 2;
			}
			opts.cpus[opts.ncpus++] =
				(unsigned int)number(optarg, "CPU");
			break;
		case 'd':
			opts.device = optarg;
			break;
		case 'p':
			opts.perf_exits = number(optarg, "--perf-exits");
			break;
		case 'n':
			opts.leak_cycles = number(optarg, "--leak-cycles");
			break;
		case 't':
			opts.timeout = (unsigned int)number(optarg, "--timeout");
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'l':
			for (i = 0; i < NTESTS; i++)
				printf("%s\n", tests[i].name);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opts.ncpus)
		opts.cpus[opts.ncpus++] = 1;
	if (!opts.timeout || opts.perf_exits > 0x7fffffff) {
		fprintf(stderr, "hsm-selftest: --timeout must be > 0 and "
			"--perf-exits below 2^31\n");
		return 2;
	}
	for (; optind < argc; optind++) {
		for (i = 0; i < NTESTS; i++)
			if (!strcmp(argv[optind], tests[i].name))
				break;
		if (i == NTESTS) {
			fprintf(stderr, "hsm-selftest: no test '%s' (--list)\n",
				argv[optind]);
			return 2;
		}
		selected[i] = any = true;
	}

	result = mmap(NULL, sizeof(*result), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED) {
		perror("hsm-selftest: mmap");
		return 1;
	}
	/* Orphans of a test (a child it forked) come back here to be
	 * killed and reaped before the next test. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(stdout);

	for (i = 0; i < NTESTS; i++) {
		if (any && !selected[i])
			continue;
		switch (run_test(&tests[i])) {
		case PASSED: passed++; break;
		case FAILED: failed++; break;
		case SKIPPED: skipped++; break;
		}
	}
	emit("HSM-SUMMARY: %u passed, %u failed, %u skipped", passed, failed,
	     skipped);
	return failed ? 1 : 0;
}
