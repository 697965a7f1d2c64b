/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-guest-run: the guest test kernels as User VMs (runner.h).
 *
 * usage: islet-guest-run [-c CONFIG] [--cpu N]... [-l] [TEST...]
 *
 * Each test runs in a child process of its own with the test's time limit
 * (SIGALRM ends it; closing the HSM file destroys its VM), on the first
 * given-up CPU, or on the first two for smp = 2.  Output, one line each:
 *   GUEST-START: <test>: <n> vCPU(s) on CPUs <list>, timeout <s> s
 *   GUEST: <test>: <line>           the guest's serial output
 *   GUEST-RUNNER: ...               the runner's own failures
 *   GUEST-RESULT: <test> PASS | FAIL <why> (<checks> checks, <failed> failed)
 *   GUEST-SUMMARY: <p> passed, <f> failed
 * Exit status: 0 when every test passed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "selftest.h"

extern char *glue_why;
extern size_t glue_whylen;

static unsigned int cpus[2] = { 1, 2 };
static unsigned int ncpus;

/* The child: one VM, served until the guest exits or stops. */
static void run_child(const struct guest_test *t, const char *dir,
		      struct guest_outcome *out)
{
	static struct guest_devs devs;
	struct islet_vcpu_regs regs;
	struct islet_vm_creation c;
	struct islet_vm_memmap m;
	struct hsm_vm vm;
	char path[400];
	uint64_t mask = 0;
	enum serve_end end;
	int err;

	glue_why = out->why;
	glue_whylen = sizeof(out->why);
	memset(&vm, 0, sizeof(vm));
	for (unsigned int i = 0; i < t->smp; i++)
		mask |= 1ULL << cpus[i];
	vm.fd = hsm_open();
	vm.ioreq = hsm_map(ISLET_IO_REQUEST_PAGE_SIZE);
	c = hsm_creation(mask, vm.ioreq);
	err = hsm_ioctl(vm.fd, ISLET_IOCTL_CREATE_VM, &c);
	require(!err && c.vcpu_num == t->smp, "CREATE_VM on CPUs 0x%llx: %s, "
		"%u vCPUs", (unsigned long long)mask, errno_name(err),
		c.vcpu_num);
	vm.vmid = c.vmid;
	vm.vcpu_num = c.vcpu_num;

	vm.ram = hsm_map(GUEST_MEM_SIZE);
	snprintf(path, sizeof(path), "%s/%s", dir, t->file);
	require(!guest_load(path, t->args, vm.ram, &regs, out->why,
			    sizeof(out->why)), "loading %s: %s", path, out->why);
	m = hsm_ram(0, vm.ram, GUEST_MEM_SIZE);
	err = hsm_ioctl(vm.fd, ISLET_IOCTL_SET_MEMSEG, &m);
	require(!err, "SET_MEMSEG of %u MiB at GPA 0: %s",
		GUEST_MEM_SIZE >> 20, errno_name(err));
	err = hsm_ioctl(vm.fd, ISLET_IOCTL_CREATE_IOREQ_CLIENT, NULL);
	require(!err, "CREATE_IOREQ_CLIENT: %s", errno_name(err));
	err = hsm_ioctl(vm.fd, ISLET_IOCTL_SET_VCPU_REGS, &regs);
	require(!err, "SET_VCPU_REGS of vCPU 0: %s", errno_name(err));

	devs.name = t->name;
	devs.out = out;
	devs.vm = &vm;
	devs.fd = vm.fd;
	vm_start(&vm);
	end = vm_serve(&vm, &guest_devs_handlers, &devs);
	guest_devs_flush(&devs);
	out->requests = vm.served;
	if (!out->exited && !out->why[0])
		snprintf(out->why, sizeof(out->why), "%s",
			 serve_end_name(end, &vm));
	/* The process exits: the file closes, the VM is destroyed. */
}

struct child_args {
	const struct guest_test *t;
	const char *dir;
	struct guest_outcome *out;
};

static int child_main(void *arg)
{
	struct child_args *a = arg;

	run_child(a->t, a->dir, a->out);
	return 0;
}

static bool run_test(const struct guest_test *t, const char *dir,
		     struct guest_outcome *out)
{
	char why[400];
	int status;

	memset(out, 0, sizeof(*out));
	emit("GUEST-START: %s: %u vCPU%s on CPU%s %u%s, timeout %u s%s%s",
	     t->name, t->smp, t->smp > 1 ? "s" : "", t->smp > 1 ? "s" : "",
	     cpus[0], t->smp > 1 ? (cpus[1] == 2 ? " 2" : " ?") : "",
	     t->timeout, t->args[0] ? ", args: " : "", t->args);
	status = run_in_child(child_main,
			      &(struct child_args){ t, dir, out }, t->timeout);
	if (status < 0) {
		emit("GUEST-RESULT: %s FAIL fork: %s", t->name, strerror(errno));
		return false;
	}
	if (out->exited && out->exit_code == 0 && !out->why[0] &&
	    !out->failed) {
		emit("GUEST-RESULT: %s PASS (%u checks, %lu requests)", t->name,
		     out->checks, out->requests);
		return true;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(why, sizeof(why), "timed out after %u s", t->timeout);
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "the runner died of signal %d",
			 WTERMSIG(status));
	else if (out->why[0])
		snprintf(why, sizeof(why), "%s", out->why);
	else if (out->exited && out->exit_code)
		snprintf(why, sizeof(why), "exit code %u", out->exit_code);
	else
		snprintf(why, sizeof(why), "%u FAIL lines", out->failed);
	emit("GUEST-RESULT: %s FAIL %s (%u checks, %u failed)", t->name, why,
	     out->checks, out->failed);
	return false;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: islet-guest-run [OPTIONS] [TEST...]\n"
"Runs the guest test kernels listed in the configuration as User VMs on\n"
"CPUs the Service VM gave up.  No TEST: all of them, in order.\n\n"
"  -c, --config FILE  the test list (default /guests/guests.cfg); the\n"
"                     kernels are next to it\n"
"  --cpu N            a given-up CPU (twice: the two CPUs of smp = 2\n"
"                     tests; default 1 and 2)\n"
"  -l, --list         list the tests\n"
"  -h, --help         this text\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct guest_test tests[MAX_TESTS];
	const char *config = "/guests/guests.cfg";
	struct guest_outcome *out;
	unsigned int ntests, passed = 0, failed = 0;
	bool list = false;
	char dir[256];
	char *slash;
	int c;

	while ((c = getopt_long(argc, argv, "c:lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			if (ncpus == 2) {
				fprintf(stderr, "islet-guest-run: at most 2 "
					"--cpu\n");
				return 2;
			}
			cpus[ncpus++] = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config_parse(config, tests, &ntests))
		return 2;
	if (list) {
		for (unsigned int i = 0; i < ntests; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", config);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	out = mmap(NULL, sizeof(*out), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (out == MAP_FAILED) {
		perror("islet-guest-run: mmap");
		return 1;
	}
	fflush(stdout);

	for (unsigned int i = 0; i < ntests; i++) {
		bool chosen = optind == argc;

		for (int a = optind; a < argc; a++)
			chosen |= !strcmp(argv[a], tests[i].name);
		if (!chosen)
			continue;
		if (tests[i].smp > 1 && ncpus == 1) {
			emit("GUEST-RESULT: %s FAIL needs 2 given-up CPUs "
			     "(--cpu twice)", tests[i].name);
			failed++;
			continue;
		}
		if (run_test(&tests[i], dir, out))
			passed++;
		else
			failed++;
	}
	emit("GUEST-SUMMARY: %u passed, %u failed", passed, failed);
	return failed ? 1 : 0;
}
