/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * two-vms: two VMs from two files at once, on two given-up CPUs, each
 * served by a thread of its own.  Each runs the PRINT guest with a string
 * of its own, written into its RAM by this program, three times over.
 * Checked: distinct vmids, each VM's text complete and only its own (no
 * byte of the other VM's), each guest's exit.  Printed: whether their
 * requests overlapped in time (they should, but that is the scheduler's
 * business, not a check).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "guest_dev.h"
#include "selftest.h"

#define REPEAT	3

struct vm_thread {
	struct guest_dev dev;	/* first: the handlers' context */
	struct hsm_vm vm;
	char name[8];
	char text[96];
	pthread_barrier_t *go;
	uint64_t first_tick, last_tick;
	bool exited;
};

static enum io_verdict timed_pio(struct hsm_vm *vm, unsigned int vcpu,
				 struct islet_pio_request *req, void *ctx)
{
	struct vm_thread *t = ctx;
	uint64_t now = rdtsc();

	if (!t->first_tick)
		t->first_tick = now;
	t->last_tick = now;
	return guest_dev_pio(vm, vcpu, req, &t->dev);
}

static const struct io_handlers timed_handlers = {
	.pio = timed_pio,
	.mmio = guest_dev_mmio,
};

static void *serve(void *arg)
{
	struct vm_thread *t = arg;

	pthread_barrier_wait(t->go);
	vm_start(&t->vm);
	t->exited = guest_run_to_exit(&t->vm, &t->dev, &timed_handlers,
				      t->name);
	return NULL;
}

static void prepare(struct vm_thread *t, char letter, unsigned int cpu,
		    pthread_barrier_t *go)
{
	struct guest_args args = { .ecx = REPEAT, .esi = GUEST_DATA_GPA };

	snprintf(t->name, sizeof(t->name), "VM %c", letter);
	snprintf(t->text, sizeof(t->text), "%c%c%c VM %c on CPU %u: pack my "
		 "box with five dozen liquor jugs\n", letter, letter, letter,
		 letter, cpu);
	t->go = go;
	step("creating %s on CPU %u", t->name, cpu);
	vm_create(&t->vm, cpu, 0);
	vm_load(&t->vm);
	vm_put_string(&t->vm, GUEST_DATA_GPA, t->text);
	vm_set_entry(&t->vm, GUEST_PRINT, &args);
}

static void check_text(const struct vm_thread *t, const struct vm_thread *other)
{
	char want[REPEAT * sizeof(t->text)];
	size_t i;

	want[0] = 0;
	for (i = 0; i < REPEAT; i++)
		strcat(want, t->text);
	check(!strcmp(t->dev.console, want), "%s printed %lu bytes, expected "
	      "its text %d times (%zu bytes), whole and alone", t->name,
	      t->dev.console_len, REPEAT, strlen(want));
	check(!strchr(t->dev.console, other->text[0]), "%s's text has bytes "
	      "of %s's", t->name, other->name);
}

void test_two_vms(void)
{
	static struct vm_thread a, b;
	pthread_barrier_t go;
	pthread_t ta, tb;

	pthread_barrier_init(&go, NULL, 2);
	prepare(&a, 'A', test_cpu(0), &go);
	prepare(&b, 'B', test_cpu(1), &go);
	check(a.vm.vmid != b.vm.vmid, "two VMs, two vmids (%u, %u)",
	      a.vm.vmid, b.vm.vmid);
	info("VM A is VM %u on CPU %u, VM B is VM %u on CPU %u", a.vm.vmid,
	     a.vm.cpu, b.vm.vmid, b.vm.cpu);

	step("running both VMs");
	require(!pthread_create(&ta, NULL, serve, &a) &&
		!pthread_create(&tb, NULL, serve, &b), "pthread_create");
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);

	if (a.exited && b.exited) {
		check_text(&a, &b);
		check_text(&b, &a);
		check(a.dev.exit_value == 0 && b.dev.exit_value == 0,
		      "exit values %u and %u, expected 0", a.dev.exit_value,
		      b.dev.exit_value);
	}
	info("VM A: %lu requests, ticks %llu..%llu; VM B: %lu requests, ticks "
	     "%llu..%llu; overlapping in time: %s", a.vm.served,
	     (unsigned long long)a.first_tick, (unsigned long long)a.last_tick,
	     b.vm.served, (unsigned long long)b.first_tick,
	     (unsigned long long)b.last_tick,
	     a.first_tick < b.last_tick && b.first_tick < a.last_tick ?
	     "yes" : "no");

	step("pausing both VMs");
	check_errno(hsm_ioctl(a.vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM of VM A");
	check_errno(hsm_ioctl(b.vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "PAUSE_VM of VM B");
	vm_close(&a.vm);
	vm_close(&b.vm);
	pthread_barrier_destroy(&go);
}
