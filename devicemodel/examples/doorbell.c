// SPDX-License-Identifier: BSD-3-Clause
/*
 * A custom device backend on libislet with a doorbell and an interrupt
 * that both bypass the request loop: islet_vm_ioeventfd() and
 * islet_vm_irqfd().
 *
 *   port 0x510  write: the doorbell.  An ioeventfd completes the write in
 *               the kernel and signals an eventfd: it never becomes an
 *               I/O request.
 *   MSI 0x40    the answer.  Writing an eventfd that an irqfd ties to the
 *               MSI makes the kernel inject it.
 *   port 0x511  write: the guest's "got it" from its interrupt handler, an
 *               ordinary request served by islet_ioreq_serve().
 *
 * Fast virtio backends work this way: the queue notification is an
 * ioeventfd, the completion interrupt an irqfd, and the thread doing the
 * work waits on eventfds, not on the vCPU's requests.
 *
 * The guest (doorbell_guest.S) switches to 32-bit protected mode, puts a
 * gate for vector 0x40 in its IDT, software-enables its local APIC, rings
 * and halts; its handler writes the EOI, then 0x40 to port 0x511.
 *
 * Two threads.  A vCPU thread serves vCPU 0's requests: a request keeps
 * the vCPU stopped until it is completed, so it must not wait on anything
 * else.  The main thread waits for the doorbell's eventfd, writes the
 * irqfd's, and waits for the vCPU thread to see the answer, all within
 * TIMEOUT_MS, so a lost ring or interrupt ends the run with a message
 * instead of a hang.
 *
 *   usage: islet-example-doorbell CPU
 *
 * CPU must have been given up by the Service VM
 * (echo CPU > /sys/devices/virtual/misc/acrn_hsm/remove_cpu).  Exit status
 * 0 when the guest answered the interrupt and the doorbell never came as
 * a request; otherwise 1 (2 for a usage error) and one line on stderr.
 * Build: make (see Makefile).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libislet.h>

#define DOORBELL_PORT	0x510
#define ANSWER_PORT	0x511
#define GUEST_RAM	(1U << 20)
#define GUEST_CODE	0x1000
/* The MSI, as a PCI device would write it: address 0xfee00000 is
 * destination APIC ID 0 (bits 19:12), physical mode (bit 2 clear); data
 * is the vector, fixed delivery (bits 10:8 zero), edge (bit 15 clear). */
#define MSI_ADDR	0xfee00000ULL
#define MSI_VECTOR	0x40
#define MSI_DATA	MSI_VECTOR
/* For the guest's ring and answer together.  Generous: the test machine
 * is an emulator. */
#define TIMEOUT_MS	60000

/* doorbell_guest.S: the guest, assembled to run at GUEST_CODE. */
extern const uint8_t doorbell_guest[], doorbell_guest_end[];

/* Why islet_ioreq_serve() stopped: the handler's return values. */
enum {
	SERVE_ANSWERED = 1,	/* the write to ANSWER_PORT came */
	SERVE_RANG_AS_REQUEST,	/* the doorbell reached us: no ioeventfd */
	SERVE_STOPPED,		/* the VM stopped (a triple fault, S5) */
};

/* Shared with the vCPU thread, which writes it; the main thread reads it
 * after pthread_join(). */
struct doorbell {
	struct islet_vm *vm;
	int done_fd;		/* signalled when serving ends */
	int served;		/* islet_ioreq_serve()'s result */
	unsigned int rang_as_request;	/* doorbell requests: must stay 0 */
	uint32_t answer;
	bool rang;		/* the main thread's: the eventfd said so */
};

/* The first failure is the one reported: what follows it is usually its
 * consequence.  Only the main thread calls this. */
static char failure[200];

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
}

/* The device: called by islet_ioreq_serve() for each request of vCPU 0;
 * non-zero stops serving. */
static int serve(struct islet_vm *vm, unsigned int vcpu,
		 struct islet_io_request *req, void *ctx)
{
	struct islet_pio_request *pio = &req->reqs.pio_request;
	struct doorbell *d = ctx;

	(void)vm;	/* one VM, one vCPU: neither is needed here */
	(void)vcpu;
	if (islet_ioreq_is_poweroff(req))
		return SERVE_STOPPED;
	if (req->type != ISLET_IOREQ_TYPE_PORTIO) {
		/* Nothing else here: reads see all-ones. */
		req->reqs.mmio_request.value = ~0ULL;
		return 0;
	}
	if (pio->address == DOORBELL_PORT) {
		/* The ioeventfd should have taken it in the kernel.  The
		 * main thread would wait for its eventfd in vain: stop. */
		d->rang_as_request++;
		if (pio->direction == ISLET_IOREQ_DIR_READ)
			pio->value = ~0U;
		return SERVE_RANG_AS_REQUEST;
	}
	if (pio->address == ANSWER_PORT &&
	    pio->direction == ISLET_IOREQ_DIR_WRITE && pio->size == 1) {
		/* A byte write: the bits above it are not the guest's. */
		d->answer = pio->value & 0xff;
		return SERVE_ANSWERED;
	}
	if (pio->direction == ISLET_IOREQ_DIR_READ)
		pio->value = ~0U;
	return 0;
}

/* Adds 1 to eventfd @fd; 0 or a negative errno. */
static int eventfd_ring(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static void *vcpu_thread(void *arg)
{
	struct doorbell *d = arg;

	d->served = islet_ioreq_serve(d->vm, 0, serve, d);
	/* Wakes the main thread's poll().  An eventfd write fails only
	 * when the counter would overflow, which one write cannot do. */
	eventfd_ring(d->done_fd);
	return NULL;
}

/* Milliseconds until @deadline (CLOCK_MONOTONIC), 0 once it is past. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* poll() @fds for input until @deadline: the number of fds ready, 0 at
 * the deadline, or a negative errno. */
static int wait_input(struct pollfd *fds, nfds_t n,
		      const struct timespec *deadline)
{
	int ret;

	do {
		ret = poll(fds, n, ms_left(deadline));
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

/*
 * The main thread's part, while the vCPU thread serves: wait for the ring
 * on @bell_fd, answer it through @irq_fd, wait for the vCPU thread to end.
 * If the time runs out, takes the request client away, which ends the
 * vCPU thread's islet_ioreq_wait() with -ENODEV.
 */
static void ring_back(struct doorbell *d, int bell_fd, int irq_fd)
{
	struct pollfd fds[2] = {
		{ .fd = d->done_fd, .events = POLLIN },
		{ .fd = bell_fd, .events = POLLIN },
	};
	struct timespec deadline;
	uint64_t rings;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += TIMEOUT_MS / 1000;

	/* The ring; if serving ended (too), there is no one to answer, and
	 * check_result() says why. */
	ret = wait_input(fds, 2, &deadline);
	if (ret < 0) {
		fail("waiting for the doorbell: %s", strerror(-ret));
		goto stop;
	}
	if (ret == 0) {
		fail("no doorbell: the guest did not write port 0x%x in %d s",
		     DOORBELL_PORT, TIMEOUT_MS / 1000);
		goto stop;
	}
	if (fds[1].revents) {
		/* Reading resets the counter: it says how many rings came
		 * since the last read (one here). */
		if (read(bell_fd, &rings, sizeof(rings)) != sizeof(rings)) {
			fail("reading the doorbell's eventfd: %s",
			     strerror(errno));
			goto stop;
		}
		d->rang = true;
	}
	if (fds[0].revents)
		return;
	ret = eventfd_ring(irq_fd);
	if (ret) {
		fail("writing the irqfd's eventfd: %s", strerror(-ret));
		goto stop;
	}

	/* The answer comes as a request: the vCPU thread sees it and
	 * ends. */
	ret = wait_input(fds, 1, &deadline);
	if (ret < 0) {
		fail("waiting for the answer: %s", strerror(-ret));
		goto stop;
	}
	if (ret == 0) {
		fail("no interrupt: the guest rang, the irqfd was written, but "
		     "no answer came on port 0x%x in %d s", ANSWER_PORT,
		     TIMEOUT_MS / 1000);
		goto stop;
	}
	return;

stop:
	ret = islet_ioreq_client_destroy(d->vm);
	if (ret)
		fail("stopping the vCPU thread: %s", strerror(-ret));
}

/* After the vCPU thread ended: did everything happen as it should?  (A
 * failure ring_back() recorded stays the one reported.) */
static void check_result(const struct doorbell *d)
{
	if (d->rang_as_request) {
		fail("the doorbell reached the device model as %u request(s): "
		     "the ioeventfd did not take it", d->rang_as_request);
		return;
	}
	switch (d->served) {
	case SERVE_ANSWERED:
		if (d->answer != MSI_VECTOR)
			fail("the guest answered 0x%x, not 0x%x", d->answer,
			     MSI_VECTOR);
		return;
	case SERVE_STOPPED:
		if (d->rang)
			fail("no interrupt: the VM stopped after it rang, "
			     "without answering");
		else
			fail("the VM stopped before it rang (a triple fault?)");
		return;
	default:
		fail("serving vCPU 0: %s", d->served < 0 ?
		     strerror(-d->served) : "unexpected stop");
		return;
	}
}

int main(int argc, char **argv)
{
	struct islet_vm_params params = { 0 };
	struct islet_ioeventfd_params bell = {
		.fd = -1,
		.pio = true,
		.len = 1,
		.addr = DOORBELL_PORT,
		/* .datamatch false: any value rings */
	};
	struct doorbell d = { .done_fd = -1 };
	struct islet_regs regs;
	pthread_t thread;
	uint8_t *ram = NULL;
	unsigned long cpu;
	int irq_fd = -1;
	int err;

	if (argc != 2 || (cpu = strtoul(argv[1], NULL, 0)) == 0 || cpu > 63) {
		fprintf(stderr, "usage: islet-example-doorbell CPU (a CPU the "
			"Service VM gave up, not 0)\n");
		return 2;
	}
	params.cpu_affinity = 1ULL << cpu;
	err = islet_vm_create(&params, &d.vm);
	if (err) {
		fprintf(stderr, "doorbell: creating a VM on CPU %lu: %s\n",
			cpu, strerror(-err));
		return 1;
	}

	ram = islet_mem_alloc(GUEST_RAM);
	if (!ram) {
		fail("guest memory: %s", strerror(errno));
		goto out;
	}
	memcpy(ram + GUEST_CODE, doorbell_guest,
	       (size_t)(doorbell_guest_end - doorbell_guest));
	islet_regs_real_mode(&regs, GUEST_CODE, 0x800);
	err = islet_vm_map_ram(d.vm, 0, ram, GUEST_RAM);
	if (!err)
		err = islet_vcpu_set_regs(d.vm, 0, &regs);
	if (!err)
		err = islet_ioreq_client_create(d.vm);
	if (err) {
		fail("setting up the VM: %s", strerror(-err));
		goto out;
	}

	/* Close-on-exec, as every fd a device model keeps should be. */
	bell.fd = eventfd(0, EFD_CLOEXEC);
	irq_fd = eventfd(0, EFD_CLOEXEC);
	d.done_fd = eventfd(0, EFD_CLOEXEC);
	if (bell.fd < 0 || irq_fd < 0 || d.done_fd < 0) {
		fail("eventfd: %s", strerror(errno));
		goto out;
	}
	/* Both before the start: a ring before the ioeventfd exists would
	 * be an ordinary request. */
	err = islet_vm_ioeventfd(d.vm, &bell, true);
	if (err) {
		fail("assigning the ioeventfd: %s", strerror(-err));
		goto out;
	}
	err = islet_vm_irqfd(d.vm, irq_fd, MSI_ADDR, MSI_DATA, true);
	if (err) {
		fail("assigning the irqfd: %s", strerror(-err));
		goto out_ioeventfd;
	}
	err = islet_vm_start(d.vm);
	if (err) {
		fail("starting the VM: %s", strerror(-err));
		goto out_irqfd;
	}
	err = pthread_create(&thread, NULL, vcpu_thread, &d);
	if (err) {
		fail("creating the vCPU thread: %s", strerror(err));
		goto out_pause;
	}

	ring_back(&d, bell.fd, irq_fd);
	pthread_join(thread, NULL);
	check_result(&d);

out_pause:
	islet_vm_pause(d.vm);
out_irqfd:
	/* No MSI from this eventfd once this returns. */
	err = islet_vm_irqfd(d.vm, irq_fd, MSI_ADDR, MSI_DATA, false);
	if (err)
		fail("deassigning the irqfd: %s", strerror(-err));
out_ioeventfd:
	err = islet_vm_ioeventfd(d.vm, &bell, false);
	if (err)
		fail("deassigning the ioeventfd: %s", strerror(-err));
out:
	/* Destroys the VM (and would drop the eventfds' assignments, had
	 * we not deassigned them); the guest's memory is ours to free. */
	islet_vm_close(d.vm);
	if (ram)
		islet_mem_free(ram, GUEST_RAM);
	if (bell.fd >= 0)
		close(bell.fd);
	if (irq_fd >= 0)
		close(irq_fd);
	if (d.done_fd >= 0)
		close(d.done_fd);
	if (failure[0]) {
		fprintf(stderr, "doorbell: %s\n", failure);
		return 1;
	}
	printf("doorbell: the guest rang through the ioeventfd (no request) "
	       "and answered interrupt 0x%x: right\n", d.answer);
	return 0;
}
