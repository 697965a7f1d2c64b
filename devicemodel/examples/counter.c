// SPDX-License-Identifier: BSD-3-Clause
/*
 * A custom device backend on libislet, in one file: a User VM whose only
 * device is a counter served by this program.
 *
 *   port 0x510  read: the counter's value, which then goes up by one
 *   port 0x511  write: the guest's answer; the program checks it and ends
 *
 * The guest is 17 bytes of real-mode code: it reads the counter three
 * times and writes the sum.  With the counter starting at 40 the answer is
 * 40 + 41 + 42 = 123.
 *
 *   usage: islet-example-counter CPU
 *
 * CPU must have been given up by the Service VM
 * (echo CPU > /sys/devices/virtual/misc/acrn_hsm/remove_cpu).  Exit status
 * 0 when the guest's answer is right.  Build: make (see Makefile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libislet.h>

#define COUNTER_PORT	0x510
#define ANSWER_PORT	0x511
#define GUEST_RAM	(1U << 20)
#define GUEST_CODE	0x1000

static const uint8_t guest_code[] = {
	0xba, 0x10, 0x05,	/* mov dx, 0x510 */
	0xed,			/* in ax, dx */
	0x89, 0xc3,		/* mov bx, ax */
	0xed,			/* in ax, dx */
	0x01, 0xc3,		/* add bx, ax */
	0xed,			/* in ax, dx */
	0x01, 0xc3,		/* add bx, ax */
	0x89, 0xd8,		/* mov ax, bx */
	0x42,			/* inc dx */
	0xef,			/* out dx, ax */
	0xf4,			/* hlt */
};

struct counter {
	uint32_t value;
	unsigned int reads;
	uint32_t answer;
};

/* The device: called by islet_ioreq_serve() for each request of the
 * vCPU; returns non-zero to stop serving. */
static int serve(struct islet_vm *vm, unsigned int vcpu,
		 struct islet_io_request *req, void *ctx)
{
	struct islet_pio_request *pio = &req->reqs.pio_request;
	struct counter *c = ctx;

	(void)vm;	/* one VM, one vCPU: neither is needed here */
	(void)vcpu;
	if (islet_ioreq_is_poweroff(req))
		return -1;	/* the hypervisor stopped the VM */
	if (req->type != ISLET_IOREQ_TYPE_PORTIO) {
		/* Nothing else here: reads see all-ones. */
		req->reqs.mmio_request.value = ~0ULL;
		return 0;
	}
	if (pio->address == COUNTER_PORT &&
	    pio->direction == ISLET_IOREQ_DIR_READ) {
		pio->value = c->value++;
		c->reads++;
		return 0;
	}
	if (pio->address == ANSWER_PORT &&
	    pio->direction == ISLET_IOREQ_DIR_WRITE) {
		c->answer = pio->value;
		return 1;
	}
	if (pio->direction == ISLET_IOREQ_DIR_READ)
		pio->value = ~0U;
	return 0;
}

int main(int argc, char **argv)
{
	struct islet_vm_params params = { 0 };
	struct counter c = { .value = 40 };
	struct islet_regs regs;
	struct islet_vm *vm;
	uint8_t *ram;
	unsigned long cpu;
	int err, ret;

	if (argc != 2 || (cpu = strtoul(argv[1], NULL, 0)) == 0 || cpu > 63) {
		fprintf(stderr, "usage: islet-example-counter CPU (a CPU the "
			"Service VM gave up, not 0)\n");
		return 2;
	}
	params.cpu_affinity = 1ULL << cpu;
	err = islet_vm_create(&params, &vm);
	if (err) {
		fprintf(stderr, "counter: creating a VM on CPU %lu: %s\n", cpu,
			strerror(-err));
		return 1;
	}
	ram = islet_mem_alloc(GUEST_RAM);
	if (!ram) {
		perror("counter: guest memory");
		islet_vm_close(vm);
		return 1;
	}
	memcpy(ram + GUEST_CODE, guest_code, sizeof(guest_code));
	islet_regs_real_mode(&regs, GUEST_CODE, 0x800);
	err = islet_vm_map_ram(vm, 0, ram, GUEST_RAM);
	if (!err)
		err = islet_vcpu_set_regs(vm, 0, &regs);
	if (!err)
		err = islet_ioreq_client_create(vm);
	if (!err)
		err = islet_vm_start(vm);
	if (err) {
		fprintf(stderr, "counter: setting up the VM: %s\n",
			strerror(-err));
		islet_vm_close(vm);
		islet_mem_free(ram, GUEST_RAM);
		return 1;
	}

	ret = islet_ioreq_serve(vm, 0, serve, &c);
	islet_vm_pause(vm);
	islet_vm_close(vm);
	islet_mem_free(ram, GUEST_RAM);
	if (ret != 1) {
		fprintf(stderr, "counter: the guest stopped without an answer "
			"(%d)\n", ret);
		return 1;
	}
	printf("counter: the guest read %u values and answered %u: %s\n",
	       c.reads, c.answer, c.answer == 40 + 41 + 42 ? "right" : "WRONG");
	return c.answer == 40 + 41 + 42 ? 0 : 1;
}
