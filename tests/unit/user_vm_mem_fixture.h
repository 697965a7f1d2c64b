/* The fixture of the HC_VM_SET_MEMORY_REGIONS tests (test_user_vm_mem.c,
 * test_user_vm_mem_refuse.c), in user_vm_mem_fixture.c: a Service VM
 * with the memory below (fake_service_vm.h's sv, its e820 map and an EPT
 * built in host memory), User VMs from the real HC_CREATE_VM, batches
 * written into the Service VM's memory and sent through
 * hypercall_dispatch(), and ways to look at a User VM's EPT and the page
 * pool.  Service VM addresses are only numbers: the hypercall never
 * touches the memory it maps. */
#ifndef ISLET_UNIT_USER_VM_MEM_FIXTURE_H
#define ISLET_UNIT_USER_VM_MEM_FIXTURE_H

#include <string.h>
#include "vm.h"
#include "user_vm.h"
#include <islet/hypercall.h>

/* Where batches go in the fake Service VM's memory. */
#define BATCH_GPA	0UL
#define REGIONS_GPA	PAGE_SIZE		/* up to 512 * 32 bytes */
#define CREATE_GPA	(7 * PAGE_SIZE)

/* The Service VM's physical memory, 2 MiB windows of each kind. */
#define SV_RAM		(256 * MiB)	/* RAM, identity-mapped RWX, WB */
#define SV_RAM_END	(1 * GiB)
#define SV_HOLE		(512 * MiB)	/* RAM in e820, not in the EPT */
#define SV_ALIAS	(520 * MiB)	/* mapped to another address */
#define SV_ALIAS_TO	(100 * MiB)
#define SV_RO		(524 * MiB)	/* mapped read + execute only */
#define SV_UC		(528 * MiB)	/* mapped uncached */
#define SV_RESERVED	(1 * GiB)	/* identity-mapped, e820 reserved */
#define SV_RESERVED_END	(1 * GiB + 16 * MiB)
#define WINDOW		(2 * MiB)

#define LIMIT		USER_VM_GPA_LIMIT
#define RWX		ISLET_MEM_ACCESS_RWX
#define R		ISLET_MEM_ACCESS_READ
#define W		ISLET_MEM_ACCESS_WRITE
#define X		ISLET_MEM_ACCESS_EXEC

/* ---- the fixture ---- */

/* vendor_vm_flush() calls: how many, the last VM, page_pool_free() then. */
extern u32 mem_nr_flushes;
extern struct vm *mem_flushed_vm;
extern unsigned mem_pool_at_flush;

/* The hypervisor's range widened to 2 MiB pages with one more on each
 * side: RAM in the e820 map and identity-mapped. */
u64 mem_hv_window_lo(void);
u64 mem_hv_window_hi(void);

/* A fresh Service VM, CPUs 1-7 given up, no User VM, no flush seen. */
void mem_setup(void);
/* Every User VM destroyed, the Service VM's EPT freed. */
void mem_teardown(void);
struct vcpu *mem_caller(void);
/* A User VM on CPU @cpu (1..7): its vmid, or 0. */
u16 mem_create_vm(u32 cpu);

/* Writes the batch @b at Service VM GPA @gpa (when it fits) and @n
 * regions at REGIONS_GPA, and makes the hypercall. */
s64 mem_submit_raw(u64 gpa, const struct vm_memory_region_batch *b,
		   const struct vm_memory_region *r, u32 n);
s64 mem_submit(u16 vmid, const struct vm_memory_region *r, u32 n);
s64 mem_submit1(u16 vmid, struct vm_memory_region r);

/* pt_lookup() in the User VM's EPT. */
int mem_look(u16 vmid, u64 gpa, u64 *pa, u64 *attr);
/* Every page of [gpa, gpa + size) maps sgpa + offset with @attr. */
bool mem_maps(u16 vmid, u64 gpa, u64 sgpa, u64 size, u64 attr);
bool mem_unmapped(u16 vmid, u64 gpa, u64 size);

/* What a VM maps in the GPAs the tests use, and the pool's free count. */
struct mem_snapshot;
struct mem_snapshot *mem_snap(u16 vmid);
/* Whether the VM and the pool are as @before saw them; frees @before. */
bool mem_same(u16 vmid, struct mem_snapshot *before);
/* A refused batch: @err, and nothing changed, no flush. */
void mem_refused(u16 vmid, const struct vm_memory_region *r, u32 n,
		 s64 err);
void mem_refused1(u16 vmid, struct vm_memory_region r, s64 err);

/* Take pool pages until @left remain; give them back. */
void mem_drain(unsigned left);
void mem_undrain(void);

/* ---- regions and batches ---- */

static inline struct vm_memory_region region(u32 type, u64 gpa, u64 sgpa, u64 size,
				      u32 prot)
{
	return (struct vm_memory_region){
		.type = type, .prot = prot, .gpa = gpa,
		.service_vm_gpa = sgpa, .size = size,
	};
}

static inline struct vm_memory_region add(u64 gpa, u64 sgpa, u64 size)
{
	return region(MR_ADD, gpa, sgpa, size, RWX);
}

static inline struct vm_memory_region del(u64 gpa, u64 size)
{
	return region(MR_DEL, gpa, 0, size, 0);
}

static inline struct vm_memory_region modify(u64 gpa, u64 size, u32 prot)
{
	return region(MR_MODIFY, gpa, 0, size, prot);
}

static inline struct vm_memory_region_batch batch(u16 vmid, u32 n)
{
	struct vm_memory_region_batch b;

	memset(&b, 0, sizeof(b));
	b.vmid = vmid;
	b.regions_num = n;
	b.regions_gpa = REGIONS_GPA;
	return b;
}

#endif
