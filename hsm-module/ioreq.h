/* SPDX-License-Identifier: GPL-2.0 */
/*
 * islet_hsm: what ioreq.c, ioeventfd.c and irqfd.c share with each other
 * and with no other file (islet_drv.h holds what the rest of the module
 * calls).
 */
#ifndef ISLET_HSM_IOREQ_H
#define ISLET_HSM_IOREQ_H

#include <linux/types.h>

struct hsm_vm;
struct islet_io_request;

/*
 * ioeventfd.c, for the dispatcher (ioreq.c), which holds its VM's ioreq
 * lock (a spinlock): if @req is a port or MMIO write that one of @vm's
 * ioeventfds matches, signal that eventfd and return true; the caller then
 * completes the request in the kernel.  Anything else: false.  Reads only
 * @req, never writes it.
 */
bool hsm_ioeventfd_signal(struct hsm_vm *vm,
			  const struct islet_io_request *req);

/*
 * irqfd.c, for hsm_ioreq_shutdown() (vm->lock held): tear down every irqfd
 * of @vm and wait until none injects any more.  An irqfd injects with the
 * vmid it was assigned under, and HC_DESTROY_VM frees that vmid for the
 * next HC_CREATE_VM of any file, so irqfds must be gone before the
 * hypercall, not only after it (hsm_irqfd_release()).
 */
void hsm_irqfd_shutdown(struct hsm_vm *vm);

#endif /* ISLET_HSM_IOREQ_H */
