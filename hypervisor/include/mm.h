/* The hypervisor's memory: its own image plus a fixed page pool in .bss,
 * identity-mapped.  Nothing is allocated from memory the VMs own. */
#ifndef ISLET_MM_H
#define ISLET_MM_H

#include "types.h"
#include "paging.h"
#include "e820.h"

extern char __hv_start[], __hv_end[];

static inline u64 hv_base(void) { return (u64)__hv_start; }
static inline u64 hv_size(void) { return (u64)(__hv_end - __hv_start); }

/* Zeroed 4 KiB page from the pool, or NULL when it is exhausted. */
void *page_alloc(void);
void page_free(void *page);
unsigned page_pool_free(void);
unsigned page_pool_total(void);

/* pt_ops over the pool (identity: virtual == physical). */
extern const struct pt_ops hv_pt_ops;

/* Build and load the hypervisor's own page tables: identity map of
 * [0, max(4 GiB, top of the e820 map)), write-back over RAM, uncached
 * elsewhere. */
int hv_paging_init(const struct e820_map *mem);

/* Identity map of [0, top): @attr over e820 RAM, ACPI and NVS ranges,
 * @attr | PT_UC elsewhere (MMIO). */
int identity_map(struct page_table *pt, const struct e820_map *mem, u64 top,
		 u64 attr);

/* End of the address space the hypervisor and the Service VM map. */
u64 phys_space_top(const struct e820_map *mem);

#endif
