// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the ACPI tables a guest finds at DM_ACPI_BASE (acpi.h).  A
 * User VM has no firmware, so islet-dm writes what a PC's BIOS would
 * leave in memory: where the power management ports are (FADT), which
 * CPUs, interrupt controllers and interrupt overrides there are (MADT),
 * where PCI configuration space is (MCFG) and the devices that cannot be
 * enumerated (the DSDT, compiled from hw/dsdt.asl).
 *
 * Everything but the CPUs is the fixed platform: the PM registers of
 * pm.h, the ECAM window of pci.h, one IOAPIC whose pins 0-15 are the ISA
 * IRQs unchanged (so the only override is the SCI's, which is level and
 * active high rather than ISA's edge) and the PIC pair (PCAT_COMPAT).
 * The CPUs' APIC IDs are the physical CPUs', not 0..n-1, so they come in
 * as parameters.
 */
#include <stdbool.h>
#include <string.h>

#include "acpi.h"
#include "pci.h"
#include "pm.h"

#define OEM_ID			"ISLET"
#define OEM_TABLE_ID		"ISLETDM"
#define OEM_REVISION		1
#define CREATOR_ID		"ISLT"
#define CREATOR_REVISION	1

#define FADT_REVISION		6	/* ACPI 6.3: major 6 ... */
#define FADT_MINOR		3	/* ... minor 3 */
#define MADT_REVISION		5
#define FACS_VERSION		2

#define CMOS_CENTURY		0x32	/* the RTC's century byte */
/* Latencies above these say "C2/C3 not supported". */
#define NO_C2_LATENCY		101
#define NO_C3_LATENCY		1001

/* xAPIC IDs stop at 254 (255 is the broadcast); higher IDs need the
 * MADT's x2APIC entries. */
#define XAPIC_MAX_ID		0xfe
#define LINT1			1
#define ALL_PROCESSORS		0xff

#define XSDT_ENTRIES		3	/* FADT, MADT, MCFG */

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

/* The header's checksum makes the whole table sum to 0. */
static void seal(uint8_t *table)
{
	struct acpi_header *h = (struct acpi_header *)table;

	h->checksum = 0;
	h->checksum = checksum(table, h->length);
}

static void header(struct acpi_header *h, const char *sig, size_t len,
		   uint8_t revision)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = (uint32_t)len;
	h->revision = revision;
	/* Padded with NULs, as iasl pads the DSDT's. */
	memcpy(h->oem_id, OEM_ID, sizeof(OEM_ID) - 1);
	memcpy(h->oem_table_id, OEM_TABLE_ID, sizeof(OEM_TABLE_ID) - 1);
	h->oem_revision = OEM_REVISION;
	memcpy(h->creator_id, CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = CREATOR_REVISION;
}

static struct acpi_gas io_gas(uint16_t port, unsigned int len,
			      uint8_t access)
{
	return (struct acpi_gas){
		.space_id = ACPI_GAS_IO,
		.bit_width = (uint8_t)(len * 8),
		.access_size = access,
		.address = port,
	};
}

static bool needs_x2apic(uint32_t apic_id)
{
	return apic_id > XAPIC_MAX_ID;
}

/* Where each table goes: offsets in the buffer, and lengths. */
struct layout {
	size_t rsdp, xsdt, fadt, facs, madt, mcfg, dsdt, end;
	size_t madt_len, dsdt_len;
	bool x2apic;		/* an x2APIC entry, hence an x2APIC NMI */
};

static size_t align(size_t off, size_t a)
{
	return (off + a - 1) & ~(a - 1);
}

static void plan(const struct dm_acpi_params *p, struct layout *l)
{
	l->x2apic = false;
	l->madt_len = sizeof(struct acpi_madt);
	for (unsigned int i = 0; i < p->ncpus; i++) {
		if (needs_x2apic(p->apic_id[i])) {
			l->x2apic = true;
			l->madt_len += sizeof(struct acpi_madt_x2apic);
		} else {
			l->madt_len += sizeof(struct acpi_madt_lapic);
		}
	}
	l->madt_len += sizeof(struct acpi_madt_ioapic) +
		       sizeof(struct acpi_madt_override) +
		       sizeof(struct acpi_madt_lapic_nmi);
	if (l->x2apic)
		l->madt_len += sizeof(struct acpi_madt_x2apic_nmi);
	l->dsdt_len = (size_t)(dm_dsdt_aml_end - dm_dsdt_aml);

	l->rsdp = 0;
	l->xsdt = align(l->rsdp + sizeof(struct acpi_rsdp), 16);
	l->fadt = align(l->xsdt + sizeof(struct acpi_header) +
			XSDT_ENTRIES * sizeof(uint64_t), 16);
	/* The FACS is the one table with an alignment rule: 64 bytes. */
	l->facs = align(l->fadt + sizeof(struct acpi_fadt), 64);
	l->madt = align(l->facs + sizeof(struct acpi_facs), 16);
	l->mcfg = align(l->madt + l->madt_len, 16);
	l->dsdt = align(l->mcfg + sizeof(struct acpi_mcfg) +
			sizeof(struct acpi_mcfg_entry), 16);
	l->end = l->dsdt + l->dsdt_len;
}

static void build_rsdp(uint8_t *t, uint64_t xsdt)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", sizeof(r.signature));
	memcpy(r.oem_id, OEM_ID, sizeof(OEM_ID) - 1);
	r.revision = 2;
	/* No RSDT: an OS that knows revision 2 takes the XSDT. */
	r.length = sizeof(r);
	r.xsdt_address = xsdt;
	r.checksum = checksum((const uint8_t *)&r, ACPI_RSDP_V1_LEN);
	r.ext_checksum = checksum((const uint8_t *)&r, sizeof(r));
	memcpy(t, &r, sizeof(r));
}

static void build_xsdt(uint8_t *t, const uint64_t *entries, unsigned int n)
{
	struct acpi_header h;

	header(&h, "XSDT", sizeof(h) + n * sizeof(uint64_t), 1);
	memcpy(t, &h, sizeof(h));
	/* The pointers are not 8-byte aligned: copied, not stored. */
	memcpy(t + sizeof(h), entries, n * sizeof(uint64_t));
	seal(t);
}

static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	static const char vendor[8] = "ISLET";
	struct acpi_fadt f;

	memset(&f, 0, sizeof(f));
	header(&f.h, "FACP", sizeof(f), FADT_REVISION);
	f.minor_version = FADT_MINOR;
	/*
	 * ACPI 6.3 5.2.9: with FIRMWARE_CTRL set, X_FIRMWARE_CTRL must be
	 * 0 (the FACS is below 4 GiB); X_DSDT, if set, is the one used, so
	 * both DSDT fields hold the same address.
	 */
	f.firmware_ctrl = (uint32_t)facs;
	f.dsdt = (uint32_t)dsdt;
	f.x_dsdt = dsdt;

	f.sci_int = DM_SCI_GSI;
	/* No SMI_CMD: there is no SMM, and the machine is in ACPI mode from
	 * the start (SCI_EN always reads 1). */
	f.smi_cmd = 0;
	f.pm1a_evt_blk = DM_PM1A_EVT_PORT;
	f.pm1a_cnt_blk = DM_PM1A_CNT_PORT;
	f.pm_tmr_blk = DM_PM_TMR_PORT;
	f.pm1_evt_len = DM_PM1A_EVT_LEN;
	f.pm1_cnt_len = DM_PM1A_CNT_LEN;
	f.pm_tmr_len = DM_PM_TMR_LEN;
	/* The same blocks in their 64-bit form; the widths must agree with
	 * the lengths above, or Linux complains and uses its own. */
	f.x_pm1a_evt_blk = io_gas(DM_PM1A_EVT_PORT, DM_PM1A_EVT_LEN,
				  ACPI_ACCESS_WORD);
	f.x_pm1a_cnt_blk = io_gas(DM_PM1A_CNT_PORT, DM_PM1A_CNT_LEN,
				  ACPI_ACCESS_WORD);
	f.x_pm_tmr_blk = io_gas(DM_PM_TMR_PORT, DM_PM_TMR_LEN,
				ACPI_ACCESS_DWORD);

	f.p_lvl2_lat = NO_C2_LATENCY;
	f.p_lvl3_lat = NO_C3_LATENCY;
	f.century = CMOS_CENTURY;
	/*
	 * ISA devices (COM1/2, RTC, PIT) but no 8042: only port 0x64's
	 * reset command is there, and a driver probing a keyboard behind it
	 * would wait for nothing.  No VGA either.
	 */
	f.iapc_boot_arch = ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_NO_VGA;
	/*
	 * PWR_BUTTON clear: the power button is the fixed-feature one
	 * (pm.c's PWRBTN_STS).  No sleep button, no RTC wake status; the PM
	 * timer has 32 bits; resets go through RESET_REG.
	 */
	f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 |
		  ACPI_FADT_SLP_BUTTON | ACPI_FADT_FIX_RTC |
		  ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP;
	f.reset_reg = io_gas(DM_RESET_PORT, 1, ACPI_ACCESS_BYTE);
	f.reset_value = DM_RESET_VALUE;
	memcpy(&f.hypervisor_vendor, vendor, sizeof(vendor));
	memcpy(t, &f, sizeof(f));
	seal(t);
}

static void build_facs(uint8_t *t)
{
	struct acpi_facs f;

	/* Nothing to share with a firmware: no waking vector (no S3), no
	 * global lock users. */
	memset(&f, 0, sizeof(f));
	memcpy(f.signature, "FACS", sizeof(f.signature));
	f.length = sizeof(f);
	f.version = FACS_VERSION;
	memcpy(t, &f, sizeof(f));
}

/* The MADT's entries that describe the platform, not the CPUs. */
static const struct acpi_madt_ioapic madt_ioapic = {
	.type = ACPI_MADT_IOAPIC,
	.length = sizeof(madt_ioapic),
	.id = DM_IOAPIC_ID,
	.address = DM_IOAPIC_BASE,
	.gsi_base = 0,
};

/* ISA IRQ n is GSI n with ISA's polarity and trigger, except the SCI,
 * which is a PCI-style level. */
static const struct acpi_madt_override madt_sci = {
	.type = ACPI_MADT_OVERRIDE,
	.length = sizeof(madt_sci),
	.bus = 0,
	.source = DM_SCI_GSI,
	.gsi = DM_SCI_GSI,
	.flags = ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_LEVEL,
};

/* Every LAPIC's LINT1 is the NMI input, as on a PC; the x2APIC form
 * covers the processors that only have x2APIC entries. */
static const struct acpi_madt_lapic_nmi madt_nmi = {
	.type = ACPI_MADT_LAPIC_NMI,
	.length = sizeof(madt_nmi),
	.uid = ALL_PROCESSORS,
	.flags = ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_EDGE,
	.lint = LINT1,
};

static const struct acpi_madt_x2apic_nmi madt_x2nmi = {
	.type = ACPI_MADT_X2APIC_NMI,
	.length = sizeof(madt_x2nmi),
	.flags = ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_EDGE,
	.uid = ~0U,
	.lint = LINT1,
};

/* Appends @len bytes of @e at @off: the offset after them. */
static size_t put(uint8_t *t, size_t off, const void *e, size_t len)
{
	memcpy(t + off, e, len);
	return off + len;
}

/* vCPU @i's entry; its ACPI processor UID is its index. */
static size_t put_cpu(uint8_t *t, size_t off, unsigned int i, uint32_t id)
{
	struct acpi_madt_x2apic x2 = {
		.type = ACPI_MADT_X2APIC,
		.length = sizeof(x2),
		.x2apic_id = id,
		.flags = ACPI_MADT_ENABLED,
		.uid = i,
	};
	struct acpi_madt_lapic x = {
		.type = ACPI_MADT_LAPIC,
		.length = sizeof(x),
		.uid = (uint8_t)i,
		.apic_id = (uint8_t)id,
		.flags = ACPI_MADT_ENABLED,
	};

	if (needs_x2apic(id))
		return put(t, off, &x2, sizeof(x2));
	return put(t, off, &x, sizeof(x));
}

static void build_madt(uint8_t *t, const struct dm_acpi_params *p,
		       const struct layout *l)
{
	struct acpi_madt m;
	size_t off;

	header(&m.h, "APIC", l->madt_len, MADT_REVISION);
	m.lapic_address = DM_LAPIC_BASE;
	m.flags = ACPI_MADT_PCAT_COMPAT;
	off = put(t, 0, &m, sizeof(m));
	for (unsigned int i = 0; i < p->ncpus; i++)
		off = put_cpu(t, off, i, p->apic_id[i]);
	off = put(t, off, &madt_ioapic, sizeof(madt_ioapic));
	off = put(t, off, &madt_sci, sizeof(madt_sci));
	off = put(t, off, &madt_nmi, sizeof(madt_nmi));
	if (l->x2apic)
		put(t, off, &madt_x2nmi, sizeof(madt_x2nmi));
	seal(t);
}

static void build_mcfg(uint8_t *t)
{
	struct acpi_mcfg m;
	struct acpi_mcfg_entry e = {
		.base = DM_PCI_ECAM_BASE,
		.segment = 0,
		.start_bus = 0,
		.end_bus = 0,	/* ECAM covers bus 0 only */
	};

	header(&m.h, "MCFG", sizeof(m) + sizeof(e), 1);
	m.reserved = 0;
	memcpy(t, &m, sizeof(m));
	memcpy(t + sizeof(m), &e, sizeof(e));
	seal(t);
}

static int check_params(const struct dm_acpi_params *p, struct dm_error *err)
{
	if (p->ncpus < 1 || p->ncpus > DM_MAX_CPUS)
		return dm_fail(err, "ACPI: %u vCPUs (1 to %u)", p->ncpus,
			       DM_MAX_CPUS);
	for (unsigned int i = 0; i < p->ncpus; i++) {
		if (p->apic_id[i] == ~0U)
			return dm_fail(err, "ACPI: vCPU %u has the broadcast "
				       "APIC ID", i);
		for (unsigned int j = 0; j < i; j++)
			if (p->apic_id[j] == p->apic_id[i])
				return dm_fail(err, "ACPI: vCPUs %u and %u "
					       "have the same APIC ID %u", j,
					       i, p->apic_id[i]);
	}
	return 0;
}

int dm_acpi_build(const struct dm_acpi_params *p, uint64_t gpa, uint8_t *buf,
		  size_t size, size_t *used, struct dm_error *err)
{
	struct layout l;
	uint64_t xsdt[XSDT_ENTRIES];

	if (check_params(p, err))
		return -1;
	plan(p, &l);
	if (l.dsdt_len < sizeof(struct acpi_header))
		return dm_fail(err, "ACPI: the embedded DSDT is truncated");
	/* The RSDP's 16-byte alignment, and 32-bit table pointers. */
	if (gpa & 15 || gpa + size < gpa || gpa + size > 0x100000000ULL)
		return dm_fail(err, "ACPI: tables at %#llx: not 16-byte "
			       "aligned or above 4 GiB",
			       (unsigned long long)gpa);
	if (l.end > size)
		return dm_fail(err, "ACPI: the tables need %zu bytes, not %zu",
			       l.end, size);

	memset(buf, 0, size);
	xsdt[0] = gpa + l.fadt;
	xsdt[1] = gpa + l.madt;
	xsdt[2] = gpa + l.mcfg;
	build_rsdp(buf + l.rsdp, gpa + l.xsdt);
	build_xsdt(buf + l.xsdt, xsdt, XSDT_ENTRIES);
	build_fadt(buf + l.fadt, gpa + l.facs, gpa + l.dsdt);
	build_facs(buf + l.facs);
	build_madt(buf + l.madt, p, &l);
	build_mcfg(buf + l.mcfg);
	/* As iasl made it, checksum included. */
	memcpy(buf + l.dsdt, dm_dsdt_aml, l.dsdt_len);
	*used = l.end;
	return 0;
}

uint64_t dm_acpi_install(const struct dm_mem *mem,
			 const struct dm_acpi_params *p, struct dm_error *err)
{
	uint8_t *buf = dm_gpa(mem, DM_ACPI_BASE, DM_ACPI_SIZE);
	size_t used;

	if (!buf) {
		dm_fail(err, "ACPI: no guest RAM at %#llx",
			(unsigned long long)DM_ACPI_BASE);
		return 0;
	}
	if (dm_acpi_build(p, DM_ACPI_BASE, buf, DM_ACPI_SIZE, &used, err))
		return 0;
	return DM_ACPI_BASE;	/* the RSDP comes first */
}
