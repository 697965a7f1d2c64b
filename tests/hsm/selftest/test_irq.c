/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * irq: interrupts into a running guest.  The IRQ guest halts with
 * interrupts on; INJECT_MSI delivers a vector (the halted vCPU wakes), an
 * IRQFD delivers its MSI each time its eventfd is signalled, and after
 * the deassign a signal delivers nothing more.  The guest reports each
 * vector it takes on GUEST_PORT_IRQ.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "guest_dev.h"
#include "selftest.h"

struct irq_test {
	struct guest_dev dev;
	unsigned int vectors[8];
	unsigned int n;
};

static enum io_verdict irq_pio(struct hsm_vm *vm, unsigned int vcpu,
			       struct islet_pio_request *req, void *ctx)
{
	struct irq_test *t = ctx;

	if (req->direction == ISLET_IOREQ_DIR_WRITE &&
	    req->address == GUEST_PORT_IRQ) {
		if (t->n < sizeof(t->vectors) / sizeof(t->vectors[0]))
			t->vectors[t->n] = req->value;
		t->n++;
		return IO_STOP;
	}
	return guest_dev_pio(vm, vcpu, req, &t->dev);
}

static const struct io_handlers irq_handlers = {
	.pio = irq_pio,
	.mmio = guest_dev_mmio,
};

static struct islet_msi_entry msi(unsigned int vector)
{
	struct islet_msi_entry m = {
		.msi_addr = 0xfee00000,		/* physical, APIC id 0: vCPU 0 */
		.msi_data = vector,		/* fixed delivery */
	};
	return m;
}

/* Serve until the guest reports an interrupt; check it was @vector. */
static void expect_vector(struct hsm_vm *vm, struct irq_test *t,
			  unsigned int vector, const char *what)
{
	unsigned int before = t->n;
	enum serve_end end = vm_serve(vm, &irq_handlers, t);

	if (!check(end == SERVE_HANDLER_STOP && t->n == before + 1,
		   "%s: serving ended with %s after %u interrupts", what,
		   serve_end_name(end, vm), t->n - before))
		return;
	check(t->vectors[before] == vector, "%s: the guest took vector 0x%x, "
	      "expected 0x%x", what, t->vectors[before], vector);
}

void test_irq(void)
{
	static struct irq_test t;
	struct islet_msi_entry m;
	struct islet_irqfd irqfd;
	struct hsm_vm vm;
	uint64_t one = 1;
	int efd;

	memset(&t, 0, sizeof(t));
	t.dev.stop_on_ready = true;
	step("starting the IRQ guest");
	vm_launch(&vm, test_cpu(0), GUEST_IRQ, NULL);
	if (!check(vm_serve(&vm, &irq_handlers, &t) == SERVE_HANDLER_STOP &&
		   t.dev.ready_value == GUEST_READY_IRQ,
		   "the IRQ guest did not say it was ready"))
		goto out;

	step("INJECT_MSI");
	m = msi(GUEST_IRQ_FIRST + 1);
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_INJECT_MSI, &m), 0,
		    "INJECT_MSI of vector 0x%x", GUEST_IRQ_FIRST + 1);
	expect_vector(&vm, &t, GUEST_IRQ_FIRST + 1, "INJECT_MSI");

	step("IRQFD");
	efd = eventfd(0, EFD_CLOEXEC);
	if (!check(efd >= 0, "eventfd: %s", strerror(errno)))
		goto out;
	memset(&irqfd, 0, sizeof(irqfd));
	irqfd.fd = efd;
	irqfd.msi = msi(GUEST_IRQ_FIRST + 2);
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_IRQFD, &irqfd), 0,
		    "IRQFD assign");
	check(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write");
	expect_vector(&vm, &t, GUEST_IRQ_FIRST + 2, "IRQFD");
	check(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write");
	expect_vector(&vm, &t, GUEST_IRQ_FIRST + 2, "IRQFD, second signal");

	/* Deassigned: a signal injects nothing; the next MSI proves the
	 * guest took nothing in between. */
	irqfd.flags = ISLET_IRQFD_FLAG_DEASSIGN;
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_IRQFD, &irqfd), 0,
		    "IRQFD deassign");
	check(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write");
	m = msi(GUEST_IRQ_FIRST + 3);
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_INJECT_MSI, &m), 0,
		    "INJECT_MSI of vector 0x%x", GUEST_IRQ_FIRST + 3);
	expect_vector(&vm, &t, GUEST_IRQ_FIRST + 3,
		      "INJECT_MSI after the IRQFD deassign");
	close(efd);

	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM of the IRQ guest");
out:
	vm_close(&vm);
}
