/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioeventfd-irqfd: guest writes that an ioeventfd completes in the kernel.
 *
 * Three ioeventfds, each on its own eventfd: a port (any value), a port
 * with a data match (GUEST_EVFD_DATA), and an MMIO address.  The
 * IOEVENTFD guest writes each of the plain ones K times and the matching
 * port twice (the match, then another value), then writes the sync port;
 * on that request this program reads the eventfd counters and deassigns
 * all three.  The guest then writes the port and the MMIO address once
 * more.  Checked: at the sync the counters are K, 1 and K; the client
 * never saw a write an ioeventfd took, but saw the one that did not match
 * and the two after the deassign; nothing was signalled after the
 * deassign; the guest exits with 0.
 *
 * IRQFD: assign and deassign (delivery into the guest is the irq test's;
 * the refusals are in bad-input).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "guest_dev.h"
#include "selftest.h"

#define K	8

enum { EV_PIO, EV_MATCH, EV_MMIO, EV_N };
static const char *const ev_name[EV_N] = { "port", "matching port", "MMIO" };

struct evfd_test {
	struct guest_dev dev;	/* first: the handlers' context */
	int efd[EV_N];
	bool synced;
	uint64_t at_sync[EV_N];		/* counters read at the sync */
	int deassign_err[EV_N];
	/* Writes the client saw, to the ioeventfds' addresses, before and
	 * after the sync; and of the matching port, with the match. */
	unsigned long seen[2][EV_N];
	unsigned long seen_match_value;
};

static struct islet_ioeventfd ioeventfd(const struct evfd_test *t, int ev,
					bool deassign)
{
	struct islet_ioeventfd e;

	memset(&e, 0, sizeof(e));
	e.fd = (uint32_t)t->efd[ev];
	e.len = 4;
	switch (ev) {
	case EV_PIO:
		e.flags = ISLET_IOEVENTFD_FLAG_PIO;
		e.addr = GUEST_PORT_EVFD;
		break;
	case EV_MATCH:
		e.flags = ISLET_IOEVENTFD_FLAG_PIO |
			  ISLET_IOEVENTFD_FLAG_DATAMATCH;
		e.addr = GUEST_PORT_EVFD_MATCH;
		e.data = GUEST_EVFD_DATA;
		break;
	default:
		e.addr = GUEST_MMIO_EVFD;
		break;
	}
	if (deassign)
		e.flags |= ISLET_IOEVENTFD_FLAG_DEASSIGN;
	return e;
}

/* The eventfd's counter (reset by the read); 0 if it was never signalled. */
static uint64_t counter(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static enum io_verdict evfd_pio(struct hsm_vm *vm, unsigned int vcpu,
				struct islet_pio_request *req, void *ctx)
{
	struct evfd_test *t = ctx;
	struct islet_ioeventfd e;
	int ev;

	if (req->direction != ISLET_IOREQ_DIR_WRITE)
		return guest_dev_pio(vm, vcpu, req, &t->dev);
	switch (req->address) {
	case GUEST_PORT_EVFD:
		t->seen[t->synced][EV_PIO]++;
		return IO_CONTINUE;
	case GUEST_PORT_EVFD_MATCH:
		t->seen[t->synced][EV_MATCH]++;
		if (req->value == GUEST_EVFD_DATA)
			t->seen_match_value++;
		return IO_CONTINUE;
	case GUEST_PORT_SYNC:
		for (ev = 0; ev < EV_N; ev++) {
			t->at_sync[ev] = counter(t->efd[ev]);
			e = ioeventfd(t, ev, true);
			t->deassign_err[ev] = hsm_ioctl(vm->fd,
							ISLET_IOCTL_IOEVENTFD,
							&e);
		}
		t->synced = true;
		return IO_CONTINUE;
	}
	return guest_dev_pio(vm, vcpu, req, &t->dev);
}

static enum io_verdict evfd_mmio(struct hsm_vm *vm, unsigned int vcpu,
				 struct islet_mmio_request *req, void *ctx)
{
	struct evfd_test *t = ctx;

	if (req->address == GUEST_MMIO_EVFD &&
	    req->direction == ISLET_IOREQ_DIR_WRITE) {
		t->seen[t->synced][EV_MMIO]++;
		return IO_CONTINUE;
	}
	return guest_dev_mmio(vm, vcpu, req, &t->dev);
}

static const struct io_handlers evfd_handlers = {
	.pio = evfd_pio,
	.mmio = evfd_mmio,
};

static void check_ioeventfds(const struct evfd_test *t)
{
	/* What the client saw before the sync, and after. */
	static const unsigned long want_seen[2][EV_N] = {
		{ 0, 1, 0 },	/* only the value that did not match */
		{ 1, 0, 1 },	/* deassigned: everything */
	};
	static const uint64_t want_count[EV_N] = { K, 1, K };
	int ev, phase;

	check(t->synced, "the guest never reached the sync port");
	for (ev = 0; ev < EV_N; ev++) {
		check(t->at_sync[ev] == want_count[ev], "the %s ioeventfd's "
		      "eventfd counted %llu writes, expected %llu",
		      ev_name[ev], (unsigned long long)t->at_sync[ev],
		      (unsigned long long)want_count[ev]);
		check_errno(t->deassign_err[ev], 0, "IOEVENTFD deassign of "
			    "the %s ioeventfd while its guest waits",
			    ev_name[ev]);
		check(counter(t->efd[ev]) == 0, "the %s ioeventfd's eventfd "
		      "was signalled after its deassign", ev_name[ev]);
		for (phase = 0; phase < 2; phase++)
			check(t->seen[phase][ev] == want_seen[phase][ev],
			      "%s the deassign, the client saw %lu writes to "
			      "the %s ioeventfd's address, expected %lu",
			      phase ? "after" : "before", t->seen[phase][ev],
			      ev_name[ev], want_seen[phase][ev]);
	}
	check(!t->seen_match_value, "the client saw the matching port's "
	      "write of the matched value");
	check(t->dev.exit_value == 0, "the guest's exit value %u",
	      t->dev.exit_value);
}

static void irqfd_assign_deassign(struct hsm_vm *vm)
{
	struct islet_irqfd f;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	require(efd >= 0, "eventfd: %s", strerror(errno));
	memset(&f, 0, sizeof(f));
	f.fd = efd;
	f.msi.msi_addr = 0xfee00000;
	f.msi.msi_data = 0x31;
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_IRQFD, &f), 0,
		    "IRQFD assign");
	f.flags = ISLET_IRQFD_FLAG_DEASSIGN;
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_IRQFD, &f), 0,
		    "IRQFD deassign");
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_IRQFD, &f), ENOENT,
		    "IRQFD deassign again");
	f.flags = 0;
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_IRQFD, &f), 0,
		    "IRQFD assign again after the deassign");
	/* Left assigned: closing the VM's file releases it. */
	close(efd);
}

void test_ioeventfd_irqfd(void)
{
	struct guest_args args = { .ecx = K };
	static struct evfd_test t;
	struct islet_ioeventfd e;
	struct hsm_vm vm;
	int ev, err;

	step("creating a VM with three ioeventfds");
	vm_create(&vm, test_cpu(0), 0);
	vm_load(&vm);
	vm_set_entry(&vm, GUEST_IOEVENTFD, &args);
	for (ev = 0; ev < EV_N; ev++) {
		t.efd[ev] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		require(t.efd[ev] >= 0, "eventfd: %s", strerror(errno));
		e = ioeventfd(&t, ev, false);
		err = hsm_ioctl(vm.fd, ISLET_IOCTL_IOEVENTFD, &e);
		require(!err, "IOEVENTFD assign of the %s ioeventfd: %s",
			ev_name[ev], errno_name(err));
	}
	vm_start(&vm);
	if (guest_run_to_exit(&vm, &t.dev, &evfd_handlers, "ioeventfd"))
		check_ioeventfds(&t);
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM");

	step("IRQFD assign and deassign");
	irqfd_assign_deassign(&vm);
	vm_close(&vm);
	for (ev = 0; ev < EV_N; ev++)
		close(t.efd[ev]);
}
