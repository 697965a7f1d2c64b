/* The BIOS e820 memory map: the one format the hypervisor uses for memory,
 * whatever the boot path (multiboot2 mmap tag or the EFI memory map). */
#ifndef ISLET_E820_H
#define ISLET_E820_H

#include "types.h"

#define E820_RAM	1
#define E820_RESERVED	2
#define E820_ACPI	3
#define E820_NVS	4
#define E820_UNUSABLE	5
#define E820_PMEM	7

/* Same layout as Linux's struct boot_e820_entry (20 bytes, packed). */
struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

#define E820_MAX	128	/* what the Linux zero page holds */

struct e820_map {
	u32 nr;
	struct e820_entry e[E820_MAX];
};

/* Make the map canonical: sorted by address, no overlaps (where entries
 * overlap, the higher-numbered type wins, so reserved beats RAM), adjacent
 * entries of the same type merged, empty entries and type 0 dropped, a
 * range wrapping past 2^64 cut at 2^64-1.  Returns 0, or
 * -E2BIG if splitting overlaps would exceed E820_MAX. */
int e820_sanitize(struct e820_map *m);

/* Set [addr, addr+size) to @type, splitting entries as needed; the range
 * need not be covered by the map before.  Keeps the map canonical.
 * Returns 0, -EINVAL for an empty or wrapping range or type 0, -E2BIG if
 * full. */
int e820_set_range(struct e820_map *m, u64 addr, u64 size, u32 type);

/* Append one entry without sorting (callers then sanitize).  An entry that
 * continues the last one with the same type is merged into it, an empty
 * one is ignored, and a full map is sanitized to make room (so firmware
 * maps longer than E820_MAX still fit once merged).  -EINVAL for a
 * wrapping range or type 0, -E2BIG if still full. */
int e820_add(struct e820_map *m, u64 addr, u64 size, u32 type);

/* True if [addr, addr+size) is entirely covered by entries of @type (false
 * for an empty or wrapping range, so that it is safe as a check). */
bool e820_range_is(const struct e820_map *m, u64 addr, u64 size, u32 type);

/* End of the highest entry of @type (0 if none); type 0 means any type. */
u64 e820_top(const struct e820_map *m, u32 type);

/* Total bytes of @type; type 0 means any type. */
u64 e820_total(const struct e820_map *m, u32 type);

/* The Service VM's map: the machine's map with the hypervisor's own range
 * [hv_base, hv_base+hv_size) turned into E820_RESERVED. */
int e820_service_vm(const struct e820_map *machine, u64 hv_base, u64 hv_size,
		    struct e820_map *out);

/* Convert a UEFI memory map (as returned by GetMemoryMap, valid after
 * ExitBootServices: boot-services memory counts as RAM) to a canonical
 * e820 map.  desc_size is the firmware's descriptor stride, which may be
 * larger than the struct; a map whose sizes do not add up is -EINVAL. */
int efi_mmap_to_e820(const void *map, u64 map_size, u64 desc_size,
		     struct e820_map *out);

#endif
