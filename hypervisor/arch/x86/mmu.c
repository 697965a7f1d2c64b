/* The hypervisor's own page tables. */
#include "mm.h"
#include "printk.h"
#include <asm/cpu.h>

static struct page_table hv_pt;

u64 phys_space_top(const struct e820_map *mem)
{
	return ALIGN_UP(MAX(4 * GiB, e820_top(mem, 0)), GiB);
}

/* Map [0, top) uncached, then RAM-like ranges write-back: the builder
 * splits large pages where a range boundary is not 2 MiB aligned. */
int identity_map(struct page_table *pt, const struct e820_map *mem, u64 top,
		 u64 attr)
{
	int ret = pt_map(pt, 0, 0, top, attr | PT_UC);

	for (u32 i = 0; !ret && i < mem->nr; i++) {
		const struct e820_entry *e = &mem->e[i];
		u64 start = ALIGN_UP(e->addr, PAGE_SIZE);
		u64 end = ALIGN_DOWN(e->addr + e->size, PAGE_SIZE);

		if (e->type != E820_RAM && e->type != E820_ACPI &&
		    e->type != E820_NVS)
			continue;
		if (end > start)
			ret = pt_map(pt, start, start, end - start, attr);
	}
	return ret;
}

int hv_paging_init(const struct e820_map *mem)
{
	int ret = pt_init(&hv_pt, &pt_ia32e, &hv_pt_ops);

	if (!ret)
		ret = identity_map(&hv_pt, mem, phys_space_top(mem), PT_RWX);
	if (ret)
		return ret;
	write_cr3((u64)hv_pt.root);
	return 0;
}
