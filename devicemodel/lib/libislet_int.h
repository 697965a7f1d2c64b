/* SPDX-License-Identifier: BSD-3-Clause */
/* libislet's own state: what the public header keeps opaque. */
#ifndef LIBISLET_INT_H
#define LIBISLET_INT_H

#include "libislet.h"

struct islet_vm {
	int fd;					/* the HSM file: one VM */
	uint16_t vmid;
	unsigned int vcpus;
	struct islet_io_request_buffer *ioreq;	/* the request page */
};

/* ioctl on the VM's file: 0 or -errno.  Retried on EINTR except for the
 * request wait, whose caller wants to see signals. */
int islet_ioctl(struct islet_vm *vm, unsigned long cmd, const void *arg);

#endif /* LIBISLET_INT_H */
