/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's run-time state of one VM and the interfaces between its
 * parts: guest memory (mem.c), port and MMIO dispatch (io.c), the event
 * loop (mevent.c), vCPU threads (vcpu.c), the VM's life (vm.c).
 *
 * Guest-physical memory: RAM from 0 up to DM_LOWMEM_TOP at most; the rest
 * of it from 4 GiB.  Between DM_LOWMEM_TOP and 4 GiB is the PCI hole:
 * 32-bit BARs, the PCI configuration space (ECAM), the IOAPIC and LAPIC.
 */
#ifndef DM_H
#define DM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct islet_vm;
struct islet_io_request;

#define DM_LOWMEM_TOP		0xc0000000ULL	/* 3 GiB */
#define DM_HIGHMEM_BASE		0x100000000ULL	/* 4 GiB */

/* ---- Guest memory (mem.c) ---- */

struct dm_mem {
	uint8_t *base;		/* all of it, one mapping */
	uint64_t size;
	uint64_t lowmem;	/* bytes at GPA 0 */
	uint64_t highmem;	/* bytes at DM_HIGHMEM_BASE */
};

/* The split of @size bytes around the PCI hole (pure). */
void dm_mem_layout(struct dm_mem *m, uint64_t size);
/* Host address of [gpa, gpa + len) if it is all RAM, else NULL. */
void *dm_gpa(const struct dm_mem *m, uint64_t gpa, uint64_t len);

/* ---- Port and MMIO dispatch (io.c) ---- */

/*
 * A device's accessors for a range of ports or MMIO addresses.  @addr is
 * the address accessed (not an offset), @size 1, 2, 4 (or 8 for MMIO);
 * read stores the value, zero-extended.  Called from vCPU threads, so a
 * device with state shared with other threads locks it itself.
 */
struct dm_io_ops {
	void (*read)(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value);
	void (*write)(void *dev, uint64_t addr, unsigned int size,
		      uint64_t value);
};

enum dm_io_space { DM_PIO, DM_MMIO };

/* The bits an access of @size bytes carries (all of them from 8 up). */
static inline uint64_t dm_size_mask(uint64_t size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* 0, or -1 with errno EEXIST when the range overlaps another. */
int dm_io_register(enum dm_io_space space, uint64_t base, uint64_t len,
		   const struct dm_io_ops *ops, void *dev, const char *name);
int dm_io_unregister(enum dm_io_space space, uint64_t base);
/* Serves @req: PORTIO and MMIO by address, PCICFG through the PCI bus
 * (pci.h); where nothing answers, a read gives all-ones. */
void dm_io_dispatch(struct islet_io_request *req);
void dm_io_reset_all(void);

/* ---- Interrupts and doorbells (irq.c) ---- */

/*
 * How devices reach the VM's interrupt controllers: a GSI's level (GSI
 * 0-15 are the ISA IRQs, wired to both the PIC and the IOAPIC; 16-47 the
 * IOAPIC only) and MSIs; and doorbells: with ioeventfd assigned, a guest
 * write of @len bytes at MMIO @gpa is completed by the HSM and signals
 * eventfd @fd instead of coming as a request (0, or -errno: the device
 * then keeps serving those writes as requests).  By default libislet's
 * calls on dm_vm.vm; the host unit tests point dm_irq at their own
 * recorder, whose ioeventfd may be NULL (no doorbells).
 */
struct dm_irq_ops {
	void (*gsi)(unsigned int gsi, bool level);
	void (*msi)(uint64_t addr, uint32_t data);
	int (*ioeventfd)(int fd, uint64_t gpa, unsigned int len, bool assign);
};
extern const struct dm_irq_ops *dm_irq;

/* ---- Event loop (mevent.c) ---- */

typedef void (*dm_event_fn)(int fd, void *arg);
int dm_event_init(void);
int dm_event_add(int fd, dm_event_fn fn, void *arg);
void dm_event_del(int fd);
/* Runs callbacks until dm_event_stop(); returns 0, or -errno. */
int dm_event_run(void);
/* One round: waits up to @timeout_ms (-1: for ever) for watched fds and
 * runs their callbacks (host unit tests drive the loop this way). */
int dm_event_poll(int timeout_ms);
void dm_event_stop(void);

/* ---- Character backends: a UART's or virtio-console's (tty.c) ---- */

/* stdin raw when it is a terminal, for the one backend that gives its
 * keys to the guest; as it was again with dm_stdin_restore() and at
 * exit. */
void dm_stdin_raw(void);
void dm_stdin_restore(void);

#define DM_PTY_NAME_MAX	64
/*
 * A new pseudo-terminal for @who's backend: its master side, raw,
 * non-blocking and close-on-exec, its name printed on stderr
 * ("islet-dm: WHO is /dev/pts/N") and, with @name, copied there
 * (DM_PTY_NAME_MAX bytes).  With @slave, the slave side is held open in
 * *@slave too: the master then never reads as hung up (EIO), as it does
 * for good once the last program that opened the slave has closed it.
 * The master's descriptor, or -1 with @err.
 */
int dm_pty_open(const char *who, char *name, int *slave,
		struct dm_error *err);
/* @path opened for output appended to it (created if need be): the
 * descriptor, or -1 with @err naming @who and the file. */
int dm_output_file(const char *who, const char *path, struct dm_error *err);

/* ---- The VM (vm.c) ---- */

enum dm_request {
	DM_REQ_NONE,
	DM_REQ_POWEROFF,	/* S5, or the hypervisor stopped the VM */
	DM_REQ_RESET,		/* the guest reset the machine */
	DM_REQ_EXIT,		/* --debugexit: exit with dm_vm.exit_status */
};

struct dm_vm {
	const struct dm_config *cfg;
	struct islet_vm *vm;
	struct dm_mem mem;
	unsigned int nvcpus;
	pthread_t threads[DM_MAX_CPUS];
	bool threads_running;
	int request_fd;			/* eventfd: a request for main */
	int request;			/* enum dm_request, atomic */
	int exit_status;
	unsigned int resets;
};

extern struct dm_vm dm_vm;

/* From any thread: ask the main loop to power off, reset or exit; the
 * first request wins. */
void dm_request(enum dm_request req, int exit_status);

/* Runs the VM of @cfg to its end; the process's exit status. */
int dm_vm_run(const struct dm_config *cfg);

/* vcpu.c: one thread per vCPU, serving its request slot. */
int dm_vcpus_start(struct dm_vm *vm);
/* Takes the request client away and joins the threads. */
void dm_vcpus_stop(struct dm_vm *vm);

#endif /* DM_H */
