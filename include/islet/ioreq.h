/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Islet ABI: the I/O request page shared by the hypervisor, the HSM and the
 * device model.
 *
 * Each User VM has one 4 KiB page of ISLET_IO_REQUEST_MAX slots of 256
 * bytes; slot n belongs to vCPU n.  When a vCPU touches a port or an MMIO
 * range that nothing in the hypervisor claims, the hypervisor describes the
 * access in the vCPU's slot, parks the vCPU and signals the Service VM.  The
 * layout is upstream Linux's struct acrn_io_request, byte for byte.
 *
 * The state of a slot (`processed`) moves round one cycle:
 *
 *   hypervisor                 HSM (Service VM kernel)     client (device model
 *                                                          or an ioeventfd)
 *   ----------                 -----------------------     --------------------
 *   FREE
 *    | fill type and reqs,
 *    | park the vCPU,
 *    | store PENDING, upcall
 *    v
 *   PENDING  ---------------->  find PENDING slots;
 *                               turn 0xCF8/0xCFC pairs
 *                               into PCICFG requests;
 *                               pick the client by type
 *                               and address; set
 *                               kernel_handled; store
 *                               PROCESSING; wake it
 *                                |
 *                                v
 *                               PROCESSING  ------------->  emulate the access;
 *                                                           put a read's value
 *                                                           in reqs; ioctl
 *                                                           NOTIFY_REQUEST_
 *                                                           FINISH
 *                                                            |
 *                               read completion_polling; <--+
 *                               store COMPLETE;
 *                               HC_NOTIFY_REQUEST_FINISH
 *                               unless polling
 *                                |
 *   COMPLETE <-------------------+
 *    | copy a read's value into the guest,
 *    | store FREE, resume the vCPU
 *    v
 *   FREE
 *
 * Ownership: the hypervisor owns a slot in FREE and COMPLETE, the Service VM
 * (HSM, then the client) in PENDING and PROCESSING; while a slot is owned by
 * one side the other reads and writes nothing in it but the state.  The
 * state is the last thing written on a hand-over and the first thing read on
 * a take-over: stores of `processed` use release ordering and loads acquire
 * ordering, so the slot's other fields are visible before the new state is.
 * A vCPU has at most one request in flight, so there is no queue.
 *
 * completion_polling is set by the hypervisor when it will poll the slot for
 * COMPLETE itself (VMs created with ISLET_VM_FLAG_IO_COMPLETION_POLLING); the
 * HSM must read it before it stores COMPLETE, since the slot stops being the
 * Service VM's at that store.  For the same reason a client never stores the
 * state itself: it asks the HSM with the NOTIFY_REQUEST_FINISH ioctl.
 */
#ifndef ISLET_ABI_IOREQ_H
#define ISLET_ABI_IOREQ_H

#include <islet/types.h>

#define ISLET_IO_REQUEST_MAX		16
#define ISLET_IO_REQUEST_SIZE		256
#define ISLET_IO_REQUEST_PAGE_SIZE	4096

/* Slot states: islet_io_request.processed */
#define ISLET_IOREQ_STATE_PENDING	0U
#define ISLET_IOREQ_STATE_COMPLETE	1U
#define ISLET_IOREQ_STATE_PROCESSING	2U
#define ISLET_IOREQ_STATE_FREE		3U

/* Request types: islet_io_request.type.  WP (a write to a write-protected
 * guest page) is used inside the hypervisor only and never reaches the
 * Service VM. */
#define ISLET_IOREQ_TYPE_PORTIO		0U
#define ISLET_IOREQ_TYPE_MMIO		1U
#define ISLET_IOREQ_TYPE_PCICFG		2U
#define ISLET_IOREQ_TYPE_WP		3U

/* Directions: the direction field of every request kind */
#define ISLET_IOREQ_DIR_READ		0U
#define ISLET_IOREQ_DIR_WRITE		1U

/* A port access: size 1, 2 or 4 bytes; value is the data written, or the
 * place for the data read. */
struct islet_pio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address;
	uint64_t size;
	uint32_t value;
	uint32_t pad0;		/* implicit tail padding upstream */
};
ISLET_ABI_SIZE(struct islet_pio_request, 32);
ISLET_ABI_OFFSET(struct islet_pio_request, address, 8);
ISLET_ABI_OFFSET(struct islet_pio_request, size, 16);
ISLET_ABI_OFFSET(struct islet_pio_request, value, 24);

/* An MMIO access: size 1, 2, 4 or 8 bytes at guest-physical address. */
struct islet_mmio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address;
	uint64_t size;
	uint64_t value;
};
ISLET_ABI_SIZE(struct islet_mmio_request, 32);
ISLET_ABI_OFFSET(struct islet_mmio_request, address, 8);
ISLET_ABI_OFFSET(struct islet_mmio_request, size, 16);
ISLET_ABI_OFFSET(struct islet_mmio_request, value, 24);

/*
 * A PCI configuration access, decoded by the HSM from a 0xCF8 address and
 * a 0xCFC-0xCFF data access: reg is the byte offset in the function's
 * configuration space.  direction, size and value sit where they sit in
 * islet_pio_request, so a PORTIO request can be turned into a PCICFG one in
 * place.
 */
struct islet_pci_request {
	uint32_t direction;
	uint32_t reserved[3];
	uint64_t size;
	uint32_t value;
	uint32_t bus;
	uint32_t dev;
	uint32_t func;
	uint32_t reg;
	uint32_t pad0;		/* implicit tail padding upstream */
};
ISLET_ABI_SIZE(struct islet_pci_request, 48);
ISLET_ABI_OFFSET(struct islet_pci_request, size, 16);
ISLET_ABI_OFFSET(struct islet_pci_request, value, 24);
ISLET_ABI_OFFSET(struct islet_pci_request, bus, 28);
ISLET_ABI_OFFSET(struct islet_pci_request, reg, 40);

/* One slot.  kernel_handled is 1 when the HSM gave the request to a client
 * inside the kernel (an ioeventfd) and 0 when it gave it to the device
 * model. */
struct islet_io_request {
	uint32_t type;
	uint32_t completion_polling;
	uint32_t reserved0[14];
	union {
		struct islet_pio_request pio_request;
		struct islet_pci_request pci_request;
		struct islet_mmio_request mmio_request;
		uint64_t data[8];
	} reqs;
	uint32_t reserved1;
	uint32_t kernel_handled;
	uint32_t processed;
	uint32_t pad0[29];	/* implicit (aligned(256)) padding upstream */
} ISLET_ABI_ALIGNED(256);
ISLET_ABI_SIZE(struct islet_io_request, ISLET_IO_REQUEST_SIZE);
ISLET_ABI_ALIGN(struct islet_io_request, 256);
ISLET_ABI_OFFSET(struct islet_io_request, type, 0);
ISLET_ABI_OFFSET(struct islet_io_request, completion_polling, 4);
ISLET_ABI_OFFSET(struct islet_io_request, reserved0, 8);
ISLET_ABI_OFFSET(struct islet_io_request, reqs, 64);
ISLET_ABI_OFFSET(struct islet_io_request, reserved1, 128);
ISLET_ABI_OFFSET(struct islet_io_request, kernel_handled, 132);
ISLET_ABI_OFFSET(struct islet_io_request, processed, 136);
ISLET_ABI_OFFSET(struct islet_io_request, pad0, 140);

/* The whole page. */
struct islet_io_request_buffer {
	union {
		struct islet_io_request req_slot[ISLET_IO_REQUEST_MAX];
		uint8_t reserved[ISLET_IO_REQUEST_PAGE_SIZE];
	};
};
ISLET_ABI_SIZE(struct islet_io_request_buffer, ISLET_IO_REQUEST_PAGE_SIZE);
ISLET_ABI_OFFSET(struct islet_io_request_buffer, req_slot[1], 256);
ISLET_ABI_OFFSET(struct islet_io_request_buffer, req_slot[15].processed,
		 15 * 256 + 136);

#endif /* ISLET_ABI_IOREQ_H */
