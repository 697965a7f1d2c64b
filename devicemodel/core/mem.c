// SPDX-License-Identifier: BSD-3-Clause
/* islet-dm: the guest's memory layout and address translation (dm.h). */
#include "dm.h"

void dm_mem_layout(struct dm_mem *m, uint64_t size)
{
	m->size = size;
	m->lowmem = size < DM_LOWMEM_TOP ? size : DM_LOWMEM_TOP;
	m->highmem = size - m->lowmem;
}

void *dm_gpa(const struct dm_mem *m, uint64_t gpa, uint64_t len)
{
	if (!m->base)
		return NULL;
	if (gpa < m->lowmem && len <= m->lowmem - gpa)
		return m->base + gpa;
	if (gpa >= DM_HIGHMEM_BASE && gpa - DM_HIGHMEM_BASE < m->highmem &&
	    len <= m->highmem - (gpa - DM_HIGHMEM_BASE))
		return m->base + m->lowmem + (gpa - DM_HIGHMEM_BASE);
	return NULL;
}
