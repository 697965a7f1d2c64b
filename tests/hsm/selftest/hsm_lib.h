/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest's library over /dev/acrn_hsm: what a device model does,
 * in a few calls, so that each test is short.
 *
 *   struct hsm_vm vm;
 *   vm_create(&vm, cpu, 0);                 open, request page, CREATE_VM,
 *                                           RAM at GPA 0, ioreq client
 *   vm_load(&vm);                           the guest image into its RAM
 *   vm_set_entry(&vm, GUEST_HELLO, &args);  SET_VCPU_REGS: flat 32-bit
 *   vm_start(&vm);
 *   vm_serve(&vm, &handlers, ctx);          ATTACH, handle, NOTIFY, ...
 *   vm_pause(&vm);
 *   vm_close(&vm);                          close: the VM is destroyed
 *
 * The vm_* calls that set a VM up require success: a failure is recorded
 * as a check and ends the test (the KVM selftests' way).  The hsm_* calls
 * only do the ioctl and return 0 or the errno, for the tests of errors.
 */
#ifndef HSM_SELFTEST_LIB_H
#define HSM_SELFTEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <islet/hsm.h>

#include "guest_abi.h"

/* CR0 bits of the guests' initial state. */
#define X86_CR0_PE	0x00000001ULL
#define X86_CR0_ET	0x00000010ULL
#define X86_CR0_NE	0x00000020ULL
/* A present, accessed, readable 32-bit code segment of 4 KiB granularity
 * (VMX access-rights format). */
#define GUEST_CS_AR	0xc09bU

struct hsm_vm {
	int fd;
	uint16_t vmid;
	uint16_t vcpu_num;
	unsigned int cpu;
	struct islet_io_request_buffer *ioreq;	/* the request page */
	uint8_t *ram;				/* GUEST_RAM_SIZE at GPA 0 */

	/* What vm_serve() saw. */
	unsigned long served;		/* requests handled */
	unsigned long not_polling;	/* of them, completion_polling != 1 */
	/* TSC ticks from ATTACH's return to NOTIFY_REQUEST_FINISH, summed
	 * over the requests served alone (the userspace part of a round
	 * trip), and how many. */
	uint64_t user_ticks;
	unsigned long user_reqs;
	int serve_err;			/* errno of the ioctl that failed */
	bool stopped;			/* the hypervisor's stop report came */
	struct islet_io_request stop;	/* that request, as it came */
};

/* vm_create() flags */
#define VM_NO_RAM	0x1	/* no SET_MEMSEG */
#define VM_NO_CLIENT	0x2	/* no CREATE_IOREQ_CLIENT */

/* Register parameters of a guest entry (guest_abi.h). */
struct guest_args {
	uint32_t ebx, ecx, esi;
};

/* ---- Raw ioctls: 0 or the errno --------------------------------------- */

int hsm_open(void);			/* requires success */
int hsm_ioctl(int fd, unsigned long cmd, const void *arg);
int hsm_ioctl_value(int fd, unsigned long cmd, unsigned long value);
/* Anonymous read-write memory (page aligned); requires success. */
void *hsm_map(size_t len);
/* A CREATE_VM argument for the CPUs of @cpus with request page @page. */
struct islet_vm_creation hsm_creation(uint64_t cpus, const void *page);
/* A SET_MEMSEG argument: RAM at @gpa backed by @buf, RWX. */
struct islet_vm_memmap hsm_ram(uint64_t gpa, const void *buf, uint64_t len);
/* NOTIFY_REQUEST_FINISH of slot @vcpu. */
int hsm_finish(int fd, uint16_t vmid, uint32_t vcpu);

/* ---- VMs --------------------------------------------------------------- */

void vm_create(struct hsm_vm *vm, unsigned int cpu, unsigned int flags);
void vm_load(struct hsm_vm *vm);
/* The page-table root the LONG entry runs with (after the header's entry
 * table): identity-maps the first 2 MiB. */
uint32_t guest_long_cr3(void);
/* The initial state of vCPU 0 for entry @entry (GUEST_*) of the image. */
void vm_guest_regs(unsigned int entry, const struct guest_args *args,
		   struct islet_vcpu_regs *regs);
void vm_set_entry(struct hsm_vm *vm, unsigned int entry,
		  const struct guest_args *args);
/* Copies @s (with its NUL) into guest RAM at @gpa. */
void vm_put_string(struct hsm_vm *vm, uint32_t gpa, const char *s);
void vm_start(struct hsm_vm *vm);
void vm_pause(struct hsm_vm *vm);
void vm_reset(struct hsm_vm *vm);
/* vm_create(), vm_load(), vm_set_entry(), vm_start() */
void vm_launch(struct hsm_vm *vm, unsigned int cpu, unsigned int entry,
	       const struct guest_args *args);
/* Closes the file (which destroys the VM) and unmaps its memory. */
void vm_close(struct hsm_vm *vm);

/* ---- Serving I/O requests ------------------------------------------------ */

enum io_verdict { IO_CONTINUE, IO_STOP };

/*
 * One callback per request type, called with the slot's request (a read's
 * value goes into it); NULL: a request of that type is a failed check.
 * The return value says whether vm_serve() goes on after completing it.
 */
struct io_handlers {
	enum io_verdict (*pio)(struct hsm_vm *vm, unsigned int vcpu,
			       struct islet_pio_request *req, void *ctx);
	enum io_verdict (*mmio)(struct hsm_vm *vm, unsigned int vcpu,
				struct islet_mmio_request *req, void *ctx);
	enum io_verdict (*pci)(struct hsm_vm *vm, unsigned int vcpu,
			       struct islet_pci_request *req, void *ctx);
};

enum serve_end {
	SERVE_HANDLER_STOP,	/* a handler returned IO_STOP */
	SERVE_VM_STOPPED,	/* the stop report (triple fault, ...) came */
	SERVE_CLIENT_GONE,	/* ATTACH: ENODEV, the client or VM went away */
	SERVE_ERROR,		/* ATTACH or NOTIFY failed: vm->serve_err */
};

/*
 * The device model's loop: ATTACH_IOREQ_CLIENT (wait for requests); for
 * each slot in PROCESSING that the kernel did not take (load-acquire of
 * the state), the handler, then NOTIFY_REQUEST_FINISH; until a handler
 * says stop, the hypervisor's stop report comes (a PORTIO write to
 * ISLET_VM_PM1A_CNT_PORT, kept in vm->stop and completed), or an ioctl
 * fails.
 */
enum serve_end vm_serve(struct hsm_vm *vm, const struct io_handlers *h,
			void *ctx);
const char *serve_end_name(enum serve_end end, const struct hsm_vm *vm);

/* One line on stdout in one write(), then wait until the UART has sent
 * it: COM1 is shared with the hypervisor, whose lines would otherwise land
 * in the middle of ours.  No stdio: child processes must not inherit
 * buffers. */
void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run @fn(@arg) in a child process in its own process group, killed by
 * SIGALRM after @seconds; wait for it, kill what is left of its group,
 * and return its wait status, or -1 (errno set) if it could not be
 * forked.  The child exits with @fn's return value. */
int run_in_child(int (*fn)(void *), void *arg, unsigned int seconds);

/* ---- Checked steps shared by the tests ---------------------------------- */

/* CREATE_VM on @fd for the CPUs of @cpus with request page @page must
 * succeed: vmid 1..7, one vCPU per CPU, the input fields unchanged.
 * Returns the vmid, or 0 after a failed check. */
unsigned int expect_create_ok(int fd, uint64_t cpus, const void *page,
			      const char *what);
/* CREATE_VM with @c must fail with @want and leave the struct as it was. */
void expect_create_fails(int fd, struct islet_vm_creation c, int want,
			 const char *what);

/* Is @req the hypervisor's report that the VM stopped (CONTRACT, ACRN's
 * convention: SLP_EN | SLP_TYP(S5) written to PM1a control)? */
bool is_stop_report(const struct islet_io_request *req);

#endif /* HSM_SELFTEST_LIB_H */
