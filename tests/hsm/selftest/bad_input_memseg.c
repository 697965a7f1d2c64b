/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bad-input, SET_MEMSEG and UNSET_MEMSEG on a VM without memory:
 *   misaligned GPA, user address or length; zero length; a GPA range that
 *   wraps or lies beyond any physical address; bad attribute bits; MMIO
 *   and unknown types                                          EINVAL
 *   user memory that is unmapped, partly unmapped, read-only, or a
 *   kernel address                                             EFAULT
 *   a range overlapping a mapped one (same, inside, across)    EEXIST
 * and the good cases around them: adjacent segments, UNSET then SET of
 * the same range.  After a partly unmapped buffer fails, its mapped part
 * maps (the failed call pinned and mapped nothing it kept).  UNSET_MEMSEG
 * must name one segment exactly: anything else, a range not mapped or
 * part of a segment, is EINVAL.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "hsm_lib.h"
#include "selftest.h"

#define SEG	0x10000ULL	/* 64 KiB */

static int set(struct hsm_vm *vm, struct islet_vm_memmap m)
{
	return hsm_ioctl(vm->fd, ISLET_IOCTL_SET_MEMSEG, &m);
}

static int unset(struct hsm_vm *vm, struct islet_vm_memmap m)
{
	return hsm_ioctl(vm->fd, ISLET_IOCTL_UNSET_MEMSEG, &m);
}

static void invalid(struct hsm_vm *vm, uint8_t *buf)
{
	struct islet_vm_memmap m;

#define EXPECT(want, what, ...) do {					\
	m = hsm_ram(0, buf, SEG);					\
	__VA_ARGS__;							\
	check_errno(set(vm, m), want, "SET_MEMSEG with %s", what);	\
} while (0)
	EXPECT(EINVAL, "a GPA not 4 KiB aligned", m.user_vm_pa = 0x800);
	EXPECT(EINVAL, "a user address not 4 KiB aligned", m.vma_base += 0x10);
	EXPECT(EINVAL, "a length not 4 KiB aligned", m.len = 0x1800);
	EXPECT(EINVAL, "length 0", m.len = 0);
	EXPECT(EINVAL, "a GPA range that wraps",
	       m.user_vm_pa = 0xfffffffffffff000ULL; m.len = 0x2000);
	EXPECT(EINVAL, "a GPA at 2^52 (beyond any physical address)",
	       m.user_vm_pa = 1ULL << 52; m.len = 0x1000);
	EXPECT(EINVAL, "type MMIO (not for User VM RAM)",
	       m.type = ISLET_MEMMAP_MMIO);
	EXPECT(EINVAL, "type 2 (no such type)", m.type = 2);
	EXPECT(EINVAL, "type 0xffffffff", m.type = 0xffffffff);
	EXPECT(EINVAL, "attr bit 3 (undefined)", m.attr |= 0x8);
	EXPECT(EINVAL, "attr bit 31 (undefined)", m.attr |= 0x80000000U);
#undef EXPECT
}

static void faults(struct hsm_vm *vm, uint8_t *buf)
{
	struct islet_vm_memmap m;
	uint8_t *hole, *half, *ro;

	hole = hsm_map(SEG);
	munmap(hole, SEG);
	m = hsm_ram(0, hole, SEG);
	check_errno(set(vm, m), EFAULT, "SET_MEMSEG of unmapped user memory");

	/* Mapped, then not: the call must undo what it did for the first
	 * half (its pins and EPT entries). */
	half = hsm_map(2 * SEG);
	munmap(half + SEG, SEG);
	m = hsm_ram(0, half, 2 * SEG);
	check_errno(set(vm, m), EFAULT, "SET_MEMSEG of memory whose second "
		    "half is unmapped");
	m = hsm_ram(0, half, SEG);
	check_errno(set(vm, m), 0, "SET_MEMSEG of that memory's mapped half "
		    "at the same GPA");
	check_errno(unset(vm, m), 0, "UNSET_MEMSEG of it");
	munmap(half, SEG);

	ro = hsm_map(SEG);
	mprotect(ro, SEG, PROT_READ);
	m = hsm_ram(0, ro, SEG);
	check_errno(set(vm, m), EFAULT, "SET_MEMSEG of read-only memory as "
		    "writable RAM");
	munmap(ro, SEG);

	m = hsm_ram(0, (void *)0xffff888000000000ULL, SEG);
	check_errno(set(vm, m), EFAULT, "SET_MEMSEG of a kernel address");
	(void)buf;
}

static void overlaps(struct hsm_vm *vm, uint8_t *buf)
{
	uint8_t *more = hsm_map(SEG);
	struct islet_vm_memmap base = hsm_ram(0, buf, SEG), m;

	check_errno(set(vm, base), 0, "SET_MEMSEG of 64 KiB at GPA 0");
	check_errno(set(vm, base), EEXIST, "the same SET_MEMSEG again");
	m = hsm_ram(SEG / 2, more, SEG);
	check_errno(set(vm, m), EEXIST, "SET_MEMSEG across its end");
	m = hsm_ram(0x1000, more, 0x1000);
	check_errno(set(vm, m), EEXIST, "SET_MEMSEG of a page inside it");
	m = hsm_ram(SEG, more, SEG);
	check_errno(set(vm, m), 0, "SET_MEMSEG of the next 64 KiB (adjacent)");
	check_errno(unset(vm, m), 0, "UNSET_MEMSEG of the adjacent segment");

	m = hsm_ram(0x100000, more, 0x1000);
	check_errno(unset(vm, m), EINVAL, "UNSET_MEMSEG of a range that is "
		    "not mapped");
	m = hsm_ram(0, buf, 0x1000);
	check_errno(unset(vm, m), EINVAL, "UNSET_MEMSEG of the first page of "
		    "a segment");

	check_errno(unset(vm, base), 0, "UNSET_MEMSEG of the first segment");
	check_errno(set(vm, base), 0, "SET_MEMSEG of it again after the "
		    "UNSET");
	munmap(more, SEG);
}

void bad_input_memseg(void)
{
	struct hsm_vm vm;
	uint8_t *buf;

	step("SET_MEMSEG and UNSET_MEMSEG refusals");
	vm_create(&vm, test_cpu(0), VM_NO_RAM);
	buf = hsm_map(SEG);
	invalid(&vm, buf);
	faults(&vm, buf);
	overlaps(&vm, buf);
	vm_close(&vm);
	munmap(buf, SEG);
}
