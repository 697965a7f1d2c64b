// SPDX-License-Identifier: BSD-3-Clause
/*
 * libislet: serving I/O requests, one slot per vCPU (libislet.h,
 * <islet/ioreq.h> for the slot life cycle).
 *
 * Each vCPU's thread sleeps in Islet's ATTACH_IOREQ_VCPU on its own slot,
 * so a request wakes the thread that serves it and no other; the slot is
 * then PROCESSING and the device model's until NOTIFY_REQUEST_FINISH.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "libislet.h"
#include "libislet_int.h"

int islet_ioreq_client_create(struct islet_vm *vm)
{
	return islet_ioctl(vm, ISLET_IOCTL_CREATE_IOREQ_CLIENT, NULL);
}

int islet_ioreq_client_destroy(struct islet_vm *vm)
{
	return islet_ioctl(vm, ISLET_IOCTL_DESTROY_IOREQ_CLIENT, NULL);
}

int islet_ioreq_clear(struct islet_vm *vm)
{
	return islet_ioctl(vm, ISLET_IOCTL_CLEAR_VM_IOREQ, NULL);
}

int islet_ioreq_wait(struct islet_vm *vm, unsigned int vcpu,
		     struct islet_io_request **req)
{
	struct islet_io_request *slot;

	if (vcpu >= vm->vcpus)
		return -EINVAL;
	slot = &vm->ioreq->req_slot[vcpu];
	for (;;) {
		/* The ioctl takes the vCPU index as its value. */
		if (ioctl(vm->fd, ISLET_IOCTL_ATTACH_IOREQ_VCPU,
			  (unsigned long)vcpu) < 0)
			return -errno;
		/* The HSM stored PROCESSING with release semantics before it
		 * woke us: acquire pairs with it, so the request's fields
		 * are visible.  kernel_handled 1 belongs to an in-kernel
		 * client, which finishes it itself. */
		if (__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) ==
		    ISLET_IOREQ_STATE_PROCESSING && !slot->kernel_handled) {
			*req = slot;
			return 0;
		}
	}
}

int islet_ioreq_complete(struct islet_vm *vm, unsigned int vcpu)
{
	struct islet_ioreq_notify n = {
		.vmid = vm->vmid,
		.vcpu = vcpu,
	};

	return islet_ioctl(vm, ISLET_IOCTL_NOTIFY_REQUEST_FINISH, &n);
}

bool islet_ioreq_is_poweroff(const struct islet_io_request *req)
{
	const struct islet_pio_request *pio = &req->reqs.pio_request;
	const uint32_t s5 = ISLET_VM_PM1A_SLP_EN | ISLET_VM_PM1A_SLP_TYP_S5;

	return req->type == ISLET_IOREQ_TYPE_PORTIO &&
	       pio->direction == ISLET_IOREQ_DIR_WRITE &&
	       pio->address == ISLET_VM_PM1A_CNT_PORT && pio->size == 2 &&
	       (pio->value & (ISLET_VM_PM1A_SLP_EN | (7U << 10))) == s5;
}

int islet_ioreq_serve(struct islet_vm *vm, unsigned int vcpu,
		      islet_ioreq_handler handle, void *ctx)
{
	struct islet_io_request *req;
	int ret, err;

	for (;;) {
		err = islet_ioreq_wait(vm, vcpu, &req);
		if (err == -EINTR)
			continue;
		if (err)
			return err;
		ret = handle(vm, vcpu, req, ctx);
		err = islet_ioreq_complete(vm, vcpu);
		if (ret)
			return ret;
		if (err)
			return err;
	}
}
