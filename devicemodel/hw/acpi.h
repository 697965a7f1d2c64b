/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's ACPI tables (acpi.c): how a guest OS learns the machine it
 * runs on without a firmware to tell it.  The builder is pure: parameters
 * in, the tables laid out for a guest-physical base in a buffer out; the
 * installer puts them into guest RAM, in the BIOS area where Linux also
 * looks for the RSDP, and gives the RSDP's address to the Linux loader
 * (boot_params.acpi_rsdp_addr).
 *
 * The tables, in order from DM_ACPI_BASE: RSDP (revision 2), XSDT (FADT,
 * MADT, MCFG), FADT (revision 6), FACS, MADT, MCFG, DSDT (hw/dsdt.asl,
 * compiled by iasl at build time).  The layouts below are the ACPI 6.3
 * specification's (include/acpi/tables.h).
 */
#ifndef DM_ACPI_H
#define DM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include <acpi/tables.h>

#include "config.h"
#include "dm.h"

/* Where the tables live in guest RAM; the RSDP comes first. */
#define DM_ACPI_BASE		0xf0000ULL
#define DM_ACPI_SIZE		0x10000ULL

#define DM_LAPIC_BASE		0xfee00000U
#define DM_IOAPIC_BASE		0xfec00000U
#define DM_IOAPIC_ID		0
#define DM_IOAPIC_PINS		48

struct dm_acpi_params {
	unsigned int ncpus;		/* 1 .. DM_MAX_CPUS */
	uint32_t apic_id[DM_MAX_CPUS];	/* vCPU i's (x2)APIC ID, distinct */
};

/*
 * Lays the tables out as they will be at guest-physical @gpa (16-byte
 * aligned, below 4 GiB) into @buf of @size bytes, all of which it
 * overwrites (zero beyond the tables).  0 with the bytes used in @used,
 * or -1 with @err.
 */
int dm_acpi_build(const struct dm_acpi_params *p, uint64_t gpa, uint8_t *buf,
		  size_t size, size_t *used, struct dm_error *err);

/* Builds the tables into guest RAM at DM_ACPI_BASE: the RSDP's address,
 * or 0 with @err. */
uint64_t dm_acpi_install(const struct dm_mem *mem,
			 const struct dm_acpi_params *p, struct dm_error *err);

/* The DSDT as iasl compiled it (dsdt_aml.S). */
extern const uint8_t dm_dsdt_aml[];
extern const uint8_t dm_dsdt_aml_end[];

#endif /* DM_ACPI_H */
