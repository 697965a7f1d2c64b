/* Fetching the instruction behind an exit through the guest's paging. */
#include "lib.h"
#include "vcpu_vendor.h"

static int read8(void *ctx, u64 gpa, u64 *val)
{
	return gpa_read(ctx, gpa, val, sizeof(*val));
}

int vcpu_fetch_insn(struct vcpu *vcpu, u8 *buf)
{
	struct vcpu_insn_ctx ctx;
	u64 gva, gpa;
	int got = 0;

	vendor_insn_ctx(vcpu, &ctx);
	gva = ctx.rip_linear;
	while (got < 15) {
		int n = (int)MIN(15 - (u64)got, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));

		if (guest_translate(&ctx.paging, gva, read8, vcpu->vm, &gpa) ||
		    gpa_read(vcpu->vm, gpa, buf + got, (u64)n))
			break;
		got += n;
		gva += (u64)n;
	}
	return got ? got : -EFAULT;
}
