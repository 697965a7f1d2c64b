/* What the hypervisor reads from the firmware's ACPI tables. */
#ifndef ISLET_ACPI_H
#define ISLET_ACPI_H

#include "types.h"

struct acpi_info {
	u8 revision;		/* of the RSDP */
	char oem[7];
	u64 root;		/* XSDT (or RSDT) physical address */
	u32 nr_tables;
	u32 nr_cpus;		/* enabled or online-capable local APICs */
	u32 apic_ids[32];
	u16 pm1a_cnt;		/* PM1a control port, 0 if none */
	u16 pm1b_cnt;
	u16 reset_port;		/* FADT reset register if in I/O space */
	u8 reset_value;
};

/* Parse the tables behind a copy of the RSDP.  Every table's signature,
 * length and checksum is verified.  Returns 0, -EINVAL or -ENOENT. */
int acpi_parse(const u8 *rsdp, u32 len, struct acpi_info *out);

#endif
