/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The devices the selftest's guests talk to (guest_abi.h), as a device
 * model serves them: a console port, the debug-exit port, two scratch
 * registers (a port and an MMIO address: a read returns the last value
 * written ^ ~0, so a read that nobody served cannot look right), a report
 * port, the timed port, the tick counter and the ready port.
 *
 * guest_dev_handlers serves them all with a struct guest_dev as context;
 * a test with devices of its own wraps guest_dev_pio()/guest_dev_mmio().
 * Everything else is an unexpected access: recorded, and a read of it
 * returns all ones, as from a missing device.
 */
#ifndef HSM_SELFTEST_GUEST_DEV_H
#define HSM_SELFTEST_GUEST_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "hsm_lib.h"

/* One access to a scratch register, as the request described it. */
struct dev_access {
	uint32_t type;		/* ISLET_IOREQ_TYPE_PORTIO or _MMIO */
	uint32_t direction;
	uint64_t address;
	uint64_t size;
	uint64_t value;		/* written, or returned to the guest */
};

#define DEV_LOG_MAX	16
#define DEV_CONSOLE_MAX	2048
#define DEV_REPORTS_MAX	8

struct guest_dev {
	char console[DEV_CONSOLE_MAX + 1];	/* NUL-terminated */
	unsigned long console_len;
	unsigned long console_bad;	/* console accesses not 1-byte writes */

	bool exited;
	uint32_t exit_value;

	uint32_t scratch_pio, scratch_mmio;	/* the registers' contents */
	uint32_t pci_reg;		/* 00:03.0's register GUEST_PCI_REG */
	struct dev_access log[DEV_LOG_MAX];	/* scratch accesses, in order */
	unsigned int nlog;

	uint32_t reports[DEV_REPORTS_MAX];
	unsigned int nreports;
	unsigned long perf_writes;

	/* The ready port: how often, the last value; stop serving on it? */
	unsigned long ready;
	uint32_t ready_value;
	bool stop_on_ready;

	/* The tick port (atomic: other threads watch it): how many writes,
	 * and how many did not carry the next number.  Serving stops at
	 * the first tick after *stop_ticks becomes true, if set. */
	unsigned long ticks;
	unsigned long tick_errors;
	uint32_t next_tick;
	const bool *stop_ticks;

	unsigned long unexpected;
	char first_unexpected[160];
};

extern const struct io_handlers guest_dev_handlers;

enum io_verdict guest_dev_pio(struct hsm_vm *vm, unsigned int vcpu,
			      struct islet_pio_request *req, void *ctx);
enum io_verdict guest_dev_pci(struct hsm_vm *vm, unsigned int vcpu,
			      struct islet_pci_request *req, void *ctx);
enum io_verdict guest_dev_mmio(struct hsm_vm *vm, unsigned int vcpu,
			       struct islet_mmio_request *req, void *ctx);
/* Records an access no device claims (first one described). */
void guest_dev_unexpected(struct guest_dev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Serves @vm with @h (NULL: guest_dev_handlers) and context @d until the
 * guest writes the exit port, and checks that this is how serving ended
 * and that nothing unexpected came.  Returns whether the guest exited.
 */
bool guest_run_to_exit(struct hsm_vm *vm, struct guest_dev *d,
		       const struct io_handlers *h, const char *what);

/*
 * The guest-io checks of a HELLO guest that exited (d after
 * guest_run_to_exit()): the console text, the scratch registers' access
 * sequences, the exit value; and, if @timed round trips were asked for,
 * the three reports.  Returns the round-trip ticks (0 if not timed).
 */
uint64_t guest_check_hello(const struct guest_dev *d, unsigned long timed);

#endif /* HSM_SELFTEST_GUEST_DEV_H */
