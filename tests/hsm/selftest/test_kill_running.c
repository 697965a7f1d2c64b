/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kill-running: a device model killed while its VM runs must give the CPU
 * back (the file's release destroys the VM, CONTRACT: "an error path
 * leaves nothing behind").
 *
 * A child process creates a VM on a given-up CPU, starts a guest and
 * serves it; it tells this process through a pipe when the guest's first
 * request arrived.  This process then SIGKILLs it, waits for it, and
 * checks that the CPU is free: CREATE_VM on it succeeds at once, and a VM
 * there runs the guest-io guest to a correct end.  Twice:
 *   spin   the SPIN guest: one request, then a loop in the guest; the kill
 *          finds the vCPU running guest code;
 *   storm  the TICK guest: requests without end; the kill finds one in
 *          flight, or the vCPU waiting for its completion.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_dev.h"
#include "selftest.h"

struct child_dev {
	struct guest_dev dev;	/* first: the handlers' context */
	int pipe_fd;
	bool told;
};

/* Every port write goes to the guest's devices; the first one is also
 * told to the parent. */
static enum io_verdict tell_pio(struct hsm_vm *vm, unsigned int vcpu,
				struct islet_pio_request *req, void *ctx)
{
	struct child_dev *c = ctx;
	char byte = 'r';

	if (!c->told) {
		c->told = true;
		if (write(c->pipe_fd, &byte, 1) != 1)
			_exit(3);
	}
	guest_dev_pio(vm, vcpu, req, &c->dev);
	return IO_CONTINUE;
}

static const struct io_handlers tell_handlers = { .pio = tell_pio };

/* The child: never returns.  Its checks count for the test (the result
 * page is shared); its exit status says how it ended, if not killed. */
static void child(unsigned int cpu, unsigned int entry, int pipe_fd)
{
	static struct child_dev c;
	struct hsm_vm vm;
	enum serve_end end;

	/* Should the test die first, so does this child (and its VM). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	c.pipe_fd = pipe_fd;
	vm_launch(&vm, cpu, entry, NULL);
	end = vm_serve(&vm, &tell_handlers, &c);
	check(0, "the child's serving ended: %s", serve_end_name(end, &vm));
	_exit(2);
}

/* After the kill: the CPU takes a new VM, which runs the guest-io guest. */
static void cpu_is_free(unsigned int cpu, const char *variant)
{
	static struct guest_dev dev;
	struct guest_args args = { .ebx = 0 };
	void *page = hsm_map(ISLET_IO_REQUEST_PAGE_SIZE);
	struct hsm_vm vm;
	int fd = hsm_open();
	unsigned int ok;

	step("%s: a new VM on CPU %u", variant, cpu);
	ok = expect_create_ok(fd, 1ULL << cpu, page, variant);
	close(fd);
	munmap(page, ISLET_IO_REQUEST_PAGE_SIZE);
	if (!ok)
		return;

	memset(&dev, 0, sizeof(dev));
	vm_launch(&vm, cpu, GUEST_HELLO, &args);
	if (guest_run_to_exit(&vm, &dev, NULL, variant))
		guest_check_hello(&dev, 0);
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "%s: PAUSE_VM of the new VM", variant);
	vm_close(&vm);
}

static void kill_while_running(unsigned int cpu, unsigned int entry,
			       const char *variant)
{
	int fds[2], status;
	char byte;
	ssize_t got;
	pid_t pid;

	require(!pipe(fds), "pipe: %s", strerror(errno));
	step("%s: starting the child's VM", variant);
	pid = fork();
	require(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		child(cpu, entry, fds[1]);
	}
	close(fds[1]);

	step("%s: waiting for the guest's first request", variant);
	do
		got = read(fds[0], &byte, 1);
	while (got < 0 && errno == EINTR);
	close(fds[0]);
	if (!check(got == 1, "%s: the child's guest made no request (the "
		   "child ended first)", variant)) {
		waitpid(pid, &status, 0);
		return;
	}
	/* Let it run on a little: the storm has requests in flight. */
	usleep(100000);

	step("%s: killing the child", variant);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "%s: the child died of SIGKILL (status 0x%x)", variant, status);
	info("%s: killed the process of a running VM on CPU %u", variant,
	     cpu);
	cpu_is_free(cpu, variant);
}

void test_kill_running(void)
{
	kill_while_running(test_cpu(0), GUEST_SPIN, "spin");
	kill_while_running(test_cpu(0), GUEST_TICK, "storm");
}
