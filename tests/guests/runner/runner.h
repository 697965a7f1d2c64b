/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-guest-run: runs the guest test kernels (tests/guests/) as User
 * VMs through /dev/acrn_hsm, one after the other, as guests.cfg lists
 * them (doc/testing.md, "Guest tests").
 *
 * Guest-physical memory of each VM: GUEST_MEM_SIZE of RAM at GPA 0, the
 * kernel and its multiboot information placed by islet-dm's loader
 * (devicemodel/boot/boot.h has the layout; 0x8000 stays free for the
 * kernels' AP trampoline).
 */
#ifndef GUEST_RUNNER_H
#define GUEST_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "hsm_lib.h"

#define GUEST_MEM_SIZE		(16U << 20)

#define MAX_TESTS		64

/* One [section] of guests.cfg. */
struct guest_test {
	char name[32];
	char file[128];		/* relative to the configuration's directory */
	char args[256];		/* the multiboot command line */
	unsigned int smp;	/* vCPUs: 1 or 2 */
	unsigned int timeout;	/* seconds */
};

/* config.c: 0, or -1 after a message on stderr. */
int config_parse(const char *path, struct guest_test *tests,
		 unsigned int *ntests);

/* load.c: the kernel at @path into @ram (GUEST_MEM_SIZE bytes), with the
 * multiboot information for @args; fills the registers of vCPU 0 (islet-dm's
 * loader).
 * 0, or -1 with a reason in @why. */
int guest_load(const char *path, const char *args, uint8_t *ram,
	       struct islet_vcpu_regs *regs, char *why, size_t whylen);

/* The outcome of one test, in memory shared with the parent. */
struct guest_outcome {
	bool exited;		/* the guest wrote the exit port */
	uint32_t exit_code;
	unsigned int checks, failed;	/* its PASS:/FAIL: lines */
	unsigned long requests;	/* I/O requests served */
	unsigned long unmapped;	/* accesses to nothing (all ones) */
	char why[256];		/* a failure of the runner's side */
};

/* devices.c: the devices of a test VM. */
struct guest_devs {
	const char *name;
	struct guest_outcome *out;
	char line[512];		/* COM1 output not yet printed */
	unsigned int linelen;
	uint32_t msi_addr;
	uint8_t window[4096];	/* the MMIO window's contents */
	struct hsm_vm *vm;
	int fd;			/* for SET_IRQLINE / INJECT_MSI */
};
extern const struct io_handlers guest_devs_handlers;
/* Prints what is left of the serial line. */
void guest_devs_flush(struct guest_devs *d);

#endif /* GUEST_RUNNER_H */
