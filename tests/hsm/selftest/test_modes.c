/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * modes: the same kind of guest in real mode and in long mode, each set up
 * by SET_VCPU_REGS alone (the other tests run 32-bit protected mode).
 * Real mode: CS = 0, CR0.PE clear, the hypervisor makes the data segments
 * from their selectors.  Long mode: CR0.PG, CR4.PAE, EFER.LME with the
 * guest image's page tables, a 64-bit code segment; its MMIO accesses use
 * REX-prefixed instructions.  And the forms the hypervisor emulates on
 * MMIO (read-modify-write OR/AND/XOR/ADD/SUB, XCHG, BTS/BTR/BTC, CMP,
 * TEST, BT, MOVSX, REP MOVS and STOS) with their flags.
 */
#include <string.h>

#include "guest_dev.h"
#include "selftest.h"

static void run_mode(const char *what, unsigned int entry,
		     void (*adjust)(struct islet_regs *r), const char *text)
{
	static struct guest_dev dev;
	struct islet_vcpu_regs regs;
	struct hsm_vm vm;
	int err;

	memset(&dev, 0, sizeof(dev));
	step("%s: creating the VM", what);
	vm_create(&vm, test_cpu(0), 0);
	vm_load(&vm);
	vm_guest_regs(entry, NULL, &regs);
	adjust(&regs.vcpu_regs);
	err = hsm_ioctl(vm.fd, ISLET_IOCTL_SET_VCPU_REGS, &regs);
	if (check_errno(err, 0, "%s: SET_VCPU_REGS", what)) {
		vm_start(&vm);
		if (guest_run_to_exit(&vm, &dev, NULL, what)) {
			check(!strcmp(dev.console, text), "%s: the guest printed "
			      "\"%.40s\" (%lu bytes)", what, dev.console,
			      dev.console_len);
			check(dev.exit_value == 0, "%s: exit value 0x%x", what,
			      dev.exit_value);
		}
		check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
			    "%s: PAUSE_VM", what);
	}
	vm_close(&vm);
}

static void real_mode(struct islet_regs *r)
{
	r->cr0 = X86_CR0_ET;
	r->cs_sel = 0;
	r->cs_base = 0;
	r->cs_limit = 0xffff;
	r->cs_ar = 0x9b;
	r->ss_sel = r->ds_sel = r->es_sel = r->fs_sel = r->gs_sel = 0;
	r->gdt.base = 0;
	r->gdt.limit = 0xffff;
	r->idt.limit = 0x3ff;
	r->gprs.rsp = GUEST_STACK_TOP - 0x10;
}

static void long_mode(struct islet_regs *r)
{
	r->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | 0x80000000u;
	r->cr4 = 0x20;				/* PAE */
	r->cr3 = guest_long_cr3();
	r->ia32_efer = 0x500;			/* LME, LMA */
	r->cs_ar = 0xa09b;			/* L: 64-bit code */
}

/* GUEST_MMIO_ALU: plain registers (what is written is read back) at
 * byte granularity, counting the accesses. */
struct alu_dev {
	struct guest_dev dev;
	uint8_t regs[GUEST_MMIO_ALU_SIZE];
	unsigned int reads, writes, bad;
};

static enum io_verdict alu_mmio(struct hsm_vm *vm, unsigned int vcpu,
				struct islet_mmio_request *req, void *ctx)
{
	struct alu_dev *a = ctx;
	uint64_t off = req->address - GUEST_MMIO_ALU;

	if (req->address < GUEST_MMIO_ALU || off >= GUEST_MMIO_ALU_SIZE)
		return guest_dev_mmio(vm, vcpu, req, &a->dev);
	if ((req->size != 1 && req->size != 2 && req->size != 4) ||
	    off + req->size > GUEST_MMIO_ALU_SIZE) {
		a->bad++;
		return IO_CONTINUE;
	}
	if (req->direction == ISLET_IOREQ_DIR_WRITE) {
		a->writes++;
		memcpy(a->regs + off, &req->value, req->size);
	} else {
		a->reads++;
		req->value = 0;
		memcpy(&req->value, a->regs + off, req->size);
	}
	return IO_CONTINUE;
}

static enum io_verdict alu_pio(struct hsm_vm *vm, unsigned int vcpu,
			       struct islet_pio_request *req, void *ctx)
{
	return guest_dev_pio(vm, vcpu, req, &((struct alu_dev *)ctx)->dev);
}

static const struct io_handlers alu_handlers = {
	.pio = alu_pio,
	.mmio = alu_mmio,
};

/* What the ALU guest leaves in the register area: offset 0 back at
 * 0x12345678, STOS's 0xa5 at 0x10, the RAM pattern MOVS copied at 0x20,
 * the MMIO-to-MMIO MOVS's copy at 0x30, REP STOSB's 0x5a at 0x40-0xbf. */
static bool alu_regs_ok(const uint8_t *r)
{
	static const uint8_t reg0[4] = { 0x78, 0x56, 0x34, 0x12 };

	if (memcmp(r, reg0, 4) || memcmp(r + 0x20, "0123456789abcdef", 16))
		return false;
	for (unsigned int i = 0; i < 16; i++)
		if (r[0x10 + i] != 0xa5 || r[0x30 + i] != 0xa5)
			return false;
	for (unsigned int i = 0x40; i < 0xc0; i++)
		if (r[i] != 0x5a)
			return false;
	return true;
}

/* Reads and writes the guest makes (see guest.S, alu): the OR ... BT part
 * 10 and 6, BTS/BTR/BTC 4 and 4, ADD/SUB 7 and 5, REP STOSD 4 writes,
 * REP MOVSB to MMIO 16 writes, REP MOVSD from MMIO 4 reads, MMIO to MMIO
 * 4 and 4, two CMPs 2 reads, REP STOSB 128 writes (two batches). */
#define ALU_READS	(10 + 4 + 7 + 4 + 4 + 2)
#define ALU_WRITES	(6 + 4 + 5 + 4 + 16 + 4 + 128)

/* OR, AND, XOR, ADD, SUB to memory, XCHG and BTS/BTR/BTC (a read, then a
 * write), CMP, TEST and BT (a read and the flags), MOVSX, and REP MOVS
 * and STOS between RAM and MMIO, in 32-bit code on MMIO registers. */
static void run_alu(void)
{
	static struct alu_dev a;
	struct hsm_vm vm;

	memset(&a, 0, sizeof(a));
	step("alu: running the ALU guest");
	vm_launch(&vm, test_cpu(0), GUEST_ALU, NULL);
	if (guest_run_to_exit(&vm, &a.dev, &alu_handlers, "alu")) {
		check(a.dev.exit_value == 0, "alu: the guest found a wrong result "
		      "or flag (exit value 0x%x)", a.dev.exit_value);
		check(alu_regs_ok(a.regs) && a.writes == ALU_WRITES &&
		      a.reads == ALU_READS && !a.bad, "alu: the registers are "
		      "%s after %u writes and %u reads (%u bad sizes); expected "
		      "%u and %u", alu_regs_ok(a.regs) ? "right" : "wrong",
		      a.writes, a.reads, a.bad, ALU_WRITES, ALU_READS);
	}
	check_errno(hsm_ioctl(vm.fd, ISLET_IOCTL_PAUSE_VM, NULL), 0,
		    "alu: PAUSE_VM");
	vm_close(&vm);
}

void test_modes(void)
{
	run_alu();
	run_mode("real mode", GUEST_REAL, real_mode, "Hello from real mode\n");
	run_mode("long mode", GUEST_LONG, long_mode, "Hello from long mode\n");
}
