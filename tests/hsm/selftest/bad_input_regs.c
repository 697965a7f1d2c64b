/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bad-input, SET_VCPU_REGS (on a VM that is not running): vCPU ids the VM
 * does not have, and each reserved field non-zero, one at a time: EINVAL.
 * The pad0 field is the compiler's padding upstream, which a program built
 * against <linux/acrn.h> cannot name: it is ignored (include/islet/
 * hypercall.h), so a non-zero pad0 is accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hsm_lib.h"
#include "selftest.h"

static void expect_regs(struct hsm_vm *vm, const struct islet_vcpu_regs *r,
			int want, const char *what)
{
	check_errno(hsm_ioctl(vm->fd, ISLET_IOCTL_SET_VCPU_REGS, r), want,
		    "SET_VCPU_REGS with %s", what);
}

void bad_input_vcpu_regs(void)
{
	static const uint16_t bad_ids[] = { 1, 15, 16, 0xffff };
	struct islet_vcpu_regs good, r;
	struct islet_regs *s = &r.vcpu_regs;
	struct hsm_vm vm;
	char what[64];
	unsigned int i;

	step("SET_VCPU_REGS refusals");
	vm_create(&vm, test_cpu(0), 0);
	vm_guest_regs(GUEST_HANG, NULL, &good);
	expect_regs(&vm, &good, 0, "a good state");

	for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		r = good;
		r.vcpu_id = bad_ids[i];
		snprintf(what, sizeof(what), "vcpu_id %u (the VM has 1 vCPU)",
			 bad_ids[i]);
		expect_regs(&vm, &r, EINVAL, what);
	}

#define RESERVED(field, n) do {						\
	for (i = 0; i < (n); i++) {					\
		r = good;						\
		field[i] = 1;						\
		snprintf(what, sizeof(what), "%s[%u] non-zero", #field, i); \
		expect_regs(&vm, &r, EINVAL, what);			\
	}								\
} while (0)
	RESERVED(r.reserved, 3);
	RESERVED(s->gdt.reserved, 3);
	RESERVED(s->idt.reserved, 3);
	RESERVED(s->reserved_64, 4);
	RESERVED(s->reserved_32, 3);
#undef RESERVED

	r = good;
	s->pad0 = 0xdeadbeef;
	expect_regs(&vm, &r, 0, "pad0 non-zero (ignored)");
	expect_regs(&vm, &good, 0, "a good state after the refusals");
	vm_close(&vm);
}
