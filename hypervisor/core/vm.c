/* Vendor-neutral VM services: port handler registration, guest memory
 * access through the EPT, exit statistics. */
#include "lib.h"
#include "printk.h"
#include "vcpu_vendor.h"

int vm_register_io(struct vm *vm, u16 base, u16 len,
		   int (*handle)(struct vcpu *, u16, u8, bool, u32 *))
{
	if (!len || (u32)base + len > 0x10000)
		return -EINVAL;
	if (vm->nr_io >= VM_MAX_IO_HANDLERS)
		return -ENOSPC;
	vm->io[vm->nr_io++] = (struct io_handler){ base, len, handle };
	/* A multi-byte access exits if any of its ports is trapped, so the
	 * range's own bits are enough.  User VMs trap every port (their
	 * bitmaps are all ones). */
	for (u32 p = base; vm->io_bitmap[0] && p < (u32)base + len; p++)
		vm->io_bitmap[p >> 15][(p & 0x7fff) / 8] |= (u8)BIT(p % 8);
	return 0;
}

static int gpa_copy(struct vm *vm, u64 gpa, void *buf, u64 len, bool write)
{
	u8 *b = buf;

	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		u64 n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		u64 hpa, attr;

		if (pt_lookup(&vm->ept, gpa, &hpa, &attr) ||
		    !(attr & (write ? PT_W : PT_R)) || (attr & PT_UC))
			return -EFAULT;
		if (write)
			memcpy((void *)hpa, b, n);
		else
			memcpy(b, (const void *)hpa, n);
		gpa += n;
		b += n;
		len -= n;
	}
	return 0;
}

int gpa_read(struct vm *vm, u64 gpa, void *dst, u64 len)
{
	return gpa_copy(vm, gpa, dst, len, false);
}

int gpa_write(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	return gpa_copy(vm, gpa, (void *)src, len, true);
}

void vcpu_print_exit_stats(const struct vcpu *vcpu)
{
	pr_info("exit statistics: %s vCPU %u: %lu exits\n", vcpu->vm->name,
		vcpu->id, vcpu->exits_total);
	for (u32 r = 0; r < NR_EXIT_REASONS; r++)
		if (vcpu->exits[r])
			pr_info("  exit %2u %-28s %lu\n", r,
				vendor_exit_name(r), vcpu->exits[r]);
}
