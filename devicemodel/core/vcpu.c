// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: one thread per vCPU, each serving its own request slot
 * (libislet's islet_ioreq_wait), dispatching to the devices (io.c).  The
 * threads end when the request client goes away (islet_ioreq_wait returns
 * -ENODEV), which is how the main thread stops them for a reset or the
 * end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "libislet.h"

#include "dm.h"

struct vcpu_arg {
	struct dm_vm *vm;
	unsigned int vcpu;
};

static struct vcpu_arg args[DM_MAX_CPUS];

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct islet_vm *vm = a->vm->vm;
	struct islet_io_request *req;
	char name[16];
	int err;

	snprintf(name, sizeof(name), "vcpu%u", a->vcpu);
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		err = islet_ioreq_wait(vm, a->vcpu, &req);
		if (err == -EINTR)
			continue;
		if (err) {
			if (err != -ENODEV)
				fprintf(stderr, "islet-dm: vCPU %u: waiting for "
					"requests: %s\n", a->vcpu,
					strerror(-err));
			break;
		}
		dm_io_dispatch(req);
		err = islet_ioreq_complete(vm, a->vcpu);
		if (err && err != -EINVAL) {
			fprintf(stderr, "islet-dm: vCPU %u: completing a "
				"request: %s\n", a->vcpu, strerror(-err));
			break;
		}
	}
	return NULL;
}

int dm_vcpus_start(struct dm_vm *vm)
{
	sigset_t all, old;
	int err = 0;
	unsigned int i;

	/* The threads take no signals: the main thread's signalfd does. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < vm->nvcpus; i++) {
		args[i] = (struct vcpu_arg){ vm, i };
		err = pthread_create(&vm->threads[i], NULL, vcpu_thread,
				     &args[i]);
		if (err)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		/* The ones started end with the client. */
		islet_ioreq_client_destroy(vm->vm);
		while (i--)
			pthread_join(vm->threads[i], NULL);
		return -err;
	}
	vm->threads_running = true;
	return 0;
}

void dm_vcpus_stop(struct dm_vm *vm)
{
	if (!vm->threads_running)
		return;
	islet_ioreq_client_destroy(vm->vm);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		pthread_join(vm->threads[i], NULL);
	vm->threads_running = false;
}
