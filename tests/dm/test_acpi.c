/*
 * The ACPI tables (devicemodel/hw/acpi.c, hw/dsdt.asl) and the power
 * button (hw/pm.c).  The tables are found as an OS finds them, from the
 * RSDP on, and checked against the constants the emulation uses (pm.h,
 * pci.h); iasl then disassembles each one and compiles it back, which
 * must give the same bytes with no error or warning, and acpiexec runs
 * the DSDT's _OSC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "dm.h"
#include "hw.h"
#include "pci.h"
#include "pm.h"
#include "acpi_tools.h"
#include "dm_unit.h"

static uint8_t buf[DM_ACPI_SIZE];
static size_t used;

static int build(const uint32_t *ids, unsigned int n)
{
	struct dm_acpi_params p = { .ncpus = n };
	struct dm_error err = { { 0 } };

	memcpy(p.apic_id, ids, n * sizeof(ids[0]));
	memset(buf, 0xa5, sizeof(buf));	/* the builder must clear it */
	return dm_acpi_build(&p, DM_ACPI_BASE, buf, sizeof(buf), &used,
			     &err);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* The bytes at guest-physical @gpa, if [gpa, gpa + len) was built. */
static const uint8_t *at(uint64_t gpa, uint64_t len)
{
	if (gpa < DM_ACPI_BASE || gpa - DM_ACPI_BASE > used ||
	    len > used - (gpa - DM_ACPI_BASE))
		return NULL;
	return buf + (gpa - DM_ACPI_BASE);
}

/* A table with a standard header at @gpa, whole and checksummed. */
static const uint8_t *table_at(uint64_t gpa)
{
	const uint8_t *t = at(gpa, sizeof(struct acpi_header));

	if (!t || !at(gpa, le32(t + 4)) || le32(t + 4) < 36)
		return NULL;
	return sum(t, le32(t + 4)) == 0 ? t : NULL;
}

static const struct acpi_rsdp *rsdp(void)
{
	return (const struct acpi_rsdp *)buf;
}

/* An XSDT table by signature (FADT "FACP", MADT "APIC", MCFG), as an OS
 * looks it up. */
static const uint8_t *find(const char *sig)
{
	const uint8_t *x = table_at(rsdp()->xsdt_address);

	if (!x)
		return NULL;
	for (uint32_t off = 36; off + 8 <= le32(x + 4); off += 8) {
		uint64_t gpa;
		const uint8_t *t;

		memcpy(&gpa, x + off, 8);
		t = table_at(gpa);
		if (t && !memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

static struct acpi_fadt fadt(void)
{
	struct acpi_fadt f;
	const uint8_t *t = find("FACP");

	memset(&f, 0, sizeof(f));
	if (t)
		memcpy(&f, t, sizeof(f));
	return f;
}

static const uint8_t *dsdt(void)
{
	return table_at(fadt().x_dsdt);
}

static const uint32_t small_ids[] = { 0, 1, 2, 3 };
/* Physical CPUs' IDs need not be dense; 254 is the last xAPIC one. */
static const uint32_t mixed_ids[] = { 6, 0, 254, 255, 300, 0x10000 };

static void test_rsdp_xsdt(void)
{
	const uint8_t *x;
	uint64_t ranges[8][2];
	unsigned int n = 0;

	CU_ASSERT_EQUAL_FATAL(build(small_ids, 4), 0);
	CU_ASSERT(used <= DM_ACPI_SIZE);
	CU_ASSERT_EQUAL(memcmp(rsdp()->signature, "RSD PTR ", 8), 0);
	CU_ASSERT_EQUAL(rsdp()->revision, 2);
	CU_ASSERT_EQUAL(rsdp()->length, 36);
	CU_ASSERT_EQUAL(sum(buf, 20), 0);
	CU_ASSERT_EQUAL(sum(buf, 36), 0);
	CU_ASSERT_EQUAL(memcmp(rsdp()->oem_id, "ISLET", 5), 0);
	ranges[n][0] = DM_ACPI_BASE;
	ranges[n++][1] = DM_ACPI_BASE + 36;

	x = table_at(rsdp()->xsdt_address);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(memcmp(x, "XSDT", 4), 0);
	CU_ASSERT_EQUAL(le32(x + 4), 36 + 3 * 8);
	ranges[n][0] = rsdp()->xsdt_address;
	ranges[n++][1] = rsdp()->xsdt_address + le32(x + 4);
	/* Each pointer lands on a whole table with a good checksum. */
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t gpa;
		const uint8_t *t;

		memcpy(&gpa, x + 36 + 8 * i, 8);
		t = table_at(gpa);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_EQUAL(memcmp(t + 10, "ISLET", 5), 0);
		ranges[n][0] = gpa;
		ranges[n++][1] = gpa + le32(t + 4);
	}
	CU_ASSERT_PTR_NOT_NULL(find("FACP"));
	CU_ASSERT_PTR_NOT_NULL(find("APIC"));
	CU_ASSERT_PTR_NOT_NULL(find("MCFG"));
	CU_ASSERT_PTR_NULL(find("DSDT"));	/* through the FADT only */

	CU_ASSERT_PTR_NOT_NULL_FATAL(dsdt());
	CU_ASSERT_EQUAL(memcmp(dsdt(), "DSDT", 4), 0);
	CU_ASSERT_EQUAL(le32(dsdt() + 4),
			(uint32_t)(dm_dsdt_aml_end - dm_dsdt_aml));
	ranges[n][0] = fadt().x_dsdt;
	ranges[n++][1] = fadt().x_dsdt + le32(dsdt() + 4);
	ranges[n][0] = fadt().firmware_ctrl;
	ranges[n++][1] = fadt().firmware_ctrl + sizeof(struct acpi_facs);

	/* No two tables overlap, and all lie in the area. */
	for (unsigned int i = 0; i < n; i++) {
		CU_ASSERT(ranges[i][0] >= DM_ACPI_BASE);
		CU_ASSERT(ranges[i][1] <= DM_ACPI_BASE + used);
		for (unsigned int j = 0; j < i; j++)
			CU_ASSERT(ranges[i][1] <= ranges[j][0] ||
				  ranges[j][1] <= ranges[i][0]);
	}
	/* Beyond the tables, zeros, not what the buffer held. */
	CU_ASSERT_EQUAL(buf[used], 0);
	CU_ASSERT_EQUAL(buf[sizeof(buf) - 1], 0);
}

static void check_io_gas(const struct acpi_gas *g, uint32_t port,
			 uint8_t len)
{
	CU_ASSERT_EQUAL(g->space_id, ACPI_GAS_IO);
	CU_ASSERT_EQUAL(g->address, port);
	CU_ASSERT_EQUAL(g->bit_width, len * 8);
	CU_ASSERT_EQUAL(g->bit_offset, 0);
}

static void test_fadt(void)
{
	struct acpi_fadt f;
	const uint8_t *facs;

	CU_ASSERT_EQUAL_FATAL(build(small_ids, 4), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(find("FACP"));
	f = fadt();
	CU_ASSERT_EQUAL(f.h.length, sizeof(f));
	CU_ASSERT_EQUAL(f.h.revision, 6);
	CU_ASSERT_EQUAL(f.sci_int, DM_SCI_GSI);
	CU_ASSERT_EQUAL(f.smi_cmd, 0);
	CU_ASSERT_EQUAL(f.pm1a_evt_blk, DM_PM1A_EVT_PORT);
	CU_ASSERT_EQUAL(f.pm1a_cnt_blk, DM_PM1A_CNT_PORT);
	CU_ASSERT_EQUAL(f.pm_tmr_blk, DM_PM_TMR_PORT);
	CU_ASSERT_EQUAL(f.pm1_evt_len, 4);
	CU_ASSERT_EQUAL(f.pm1_cnt_len, 2);
	CU_ASSERT_EQUAL(f.pm_tmr_len, 4);
	CU_ASSERT_EQUAL(f.pm1b_evt_blk | f.pm1b_cnt_blk | f.pm2_cnt_blk |
			f.gpe0_blk | f.gpe1_blk, 0);
	CU_ASSERT_EQUAL(f.century, 0x32);
	CU_ASSERT_EQUAL(f.iapc_boot_arch & ACPI_BOOT_LEGACY_DEVICES,
			ACPI_BOOT_LEGACY_DEVICES);
	CU_ASSERT_EQUAL(f.iapc_boot_arch & ACPI_BOOT_8042, 0);
	CU_ASSERT_EQUAL(f.iapc_boot_arch & ACPI_BOOT_NO_CMOS_RTC, 0);
	CU_ASSERT_EQUAL(f.flags & ACPI_FADT_PWR_BUTTON, 0);
	CU_ASSERT_EQUAL(f.flags & ACPI_FADT_HW_REDUCED, 0);
	CU_ASSERT_EQUAL(f.flags & ACPI_FADT_TMR_VAL_EXT,
			ACPI_FADT_TMR_VAL_EXT);
	CU_ASSERT_EQUAL(f.flags & ACPI_FADT_RESET_REG_SUP,
			ACPI_FADT_RESET_REG_SUP);
	check_io_gas(&f.reset_reg, DM_RESET_PORT, 1);
	CU_ASSERT_EQUAL(f.reset_value, DM_RESET_VALUE);

	/* The 64-bit fields say what the 32-bit ones say. */
	check_io_gas(&f.x_pm1a_evt_blk, f.pm1a_evt_blk, f.pm1_evt_len);
	check_io_gas(&f.x_pm1a_cnt_blk, f.pm1a_cnt_blk, f.pm1_cnt_len);
	check_io_gas(&f.x_pm_tmr_blk, f.pm_tmr_blk, f.pm_tmr_len);
	CU_ASSERT_EQUAL(f.x_pm1b_evt_blk.address | f.x_pm1b_cnt_blk.address |
			f.x_pm2_cnt_blk.address | f.x_gpe0_blk.address |
			f.x_gpe1_blk.address, 0);
	CU_ASSERT_EQUAL(f.x_dsdt, f.dsdt);
	CU_ASSERT_EQUAL(f.x_firmware_ctrl, 0);

	facs = at(f.firmware_ctrl, sizeof(struct acpi_facs));
	CU_ASSERT_PTR_NOT_NULL_FATAL(facs);
	CU_ASSERT_EQUAL(f.firmware_ctrl % 64, 0);
	CU_ASSERT_EQUAL(memcmp(facs, "FACS", 4), 0);
	CU_ASSERT_EQUAL(le32(facs + 4), 64);
	CU_ASSERT_EQUAL(facs[32], 2);	/* version */
}

/* Walks the MADT's entries: each ID of @ids once, as the entry type its
 * size needs, the IOAPIC, the SCI's override and the NMIs. */
static void check_madt(const uint32_t *ids, unsigned int n)
{
	const uint8_t *m;
	unsigned int seen[DM_MAX_CPUS] = { 0 };
	unsigned int ioapics = 0, overrides = 0, nmis = 0, x2nmis = 0;
	bool x2apic = false;
	uint32_t len, off;

	CU_ASSERT_EQUAL_FATAL(build(ids, n), 0);
	m = find("APIC");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	len = le32(m + 4);
	CU_ASSERT_EQUAL(le32(m + 36), DM_LAPIC_BASE);
	CU_ASSERT_EQUAL(le32(m + 40), ACPI_MADT_PCAT_COMPAT);
	for (off = 44; off + 2 <= len; off += m[off + 1]) {
		const uint8_t *e = m + off;

		CU_ASSERT_FATAL(e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case ACPI_MADT_LAPIC:
			CU_ASSERT_EQUAL_FATAL(e[1], 8);
			CU_ASSERT_FATAL(e[2] < n);	/* UID: the index */
			CU_ASSERT_EQUAL(e[3], ids[e[2]]);
			CU_ASSERT(e[3] < 255);	/* 255: the broadcast */
			CU_ASSERT_EQUAL(le32(e + 4), 1);
			seen[e[2]]++;
			break;
		case ACPI_MADT_X2APIC:
			CU_ASSERT_EQUAL_FATAL(e[1], 16);
			CU_ASSERT_FATAL(le32(e + 12) < n);
			CU_ASSERT_EQUAL(le32(e + 4), ids[le32(e + 12)]);
			/* Only IDs an xAPIC entry cannot hold. */
			CU_ASSERT(le32(e + 4) >= 255);
			CU_ASSERT_EQUAL(le32(e + 8), 1);
			seen[le32(e + 12)]++;
			x2apic = true;
			break;
		case ACPI_MADT_IOAPIC:
			CU_ASSERT_EQUAL_FATAL(e[1], 12);
			CU_ASSERT_EQUAL(e[2], DM_IOAPIC_ID);
			CU_ASSERT_EQUAL(le32(e + 4), DM_IOAPIC_BASE);
			CU_ASSERT_EQUAL(le32(e + 8), 0);
			ioapics++;
			break;
		case ACPI_MADT_OVERRIDE:
			/* Only the SCI's: IRQ 0 (the PIT) is GSI 0. */
			CU_ASSERT_EQUAL_FATAL(e[1], 10);
			CU_ASSERT_EQUAL(e[2], 0);
			CU_ASSERT_EQUAL(e[3], DM_SCI_GSI);
			CU_ASSERT_EQUAL(le32(e + 4), DM_SCI_GSI);
			CU_ASSERT_EQUAL(le16(e + 8), 0xd);  /* level, high */
			overrides++;
			break;
		case ACPI_MADT_LAPIC_NMI:
			CU_ASSERT_EQUAL_FATAL(e[1], 6);
			CU_ASSERT_EQUAL(e[2], 0xff);
			CU_ASSERT_EQUAL(e[5], 1);	/* LINT1 */
			nmis++;
			break;
		case ACPI_MADT_X2APIC_NMI:
			CU_ASSERT_EQUAL_FATAL(e[1], 12);
			CU_ASSERT_EQUAL(le32(e + 4), ~0U);
			CU_ASSERT_EQUAL(e[8], 1);
			x2nmis++;
			break;
		default:
			CU_FAIL("unexpected MADT entry type");
		}
	}
	CU_ASSERT_EQUAL(off, len);
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	CU_ASSERT_EQUAL(ioapics, 1);
	CU_ASSERT_EQUAL(overrides, 1);
	CU_ASSERT_EQUAL(nmis, 1);
	CU_ASSERT_EQUAL(x2nmis, x2apic ? 1 : 0);
}

static void test_madt(void)
{
	static uint32_t many[DM_MAX_CPUS];

	check_madt(small_ids, 4);
	check_madt(mixed_ids, sizeof(mixed_ids) / sizeof(mixed_ids[0]));
	for (unsigned int i = 0; i < DM_MAX_CPUS; i++)
		many[i] = 2 * i + 200;		/* half of them x2APIC */
	check_madt(many, DM_MAX_CPUS);
}

static void test_mcfg(void)
{
	const uint8_t *m;

	CU_ASSERT_EQUAL_FATAL(build(small_ids, 1), 0);
	m = find("MCFG");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(le32(m + 4), 44 + 16);
	CU_ASSERT_EQUAL(le32(m + 44), (uint32_t)DM_PCI_ECAM_BASE);
	CU_ASSERT_EQUAL(le32(m + 48), DM_PCI_ECAM_BASE >> 32);
	CU_ASSERT_EQUAL(le16(m + 52), 0);	/* segment */
	CU_ASSERT_EQUAL(m[54], 0);		/* buses 0 .. */
	CU_ASSERT_EQUAL(m[55], 0);		/* .. 0 */
	/* ECAM maps 1 MiB per bus: one bus, DM_PCI_ECAM_SIZE. */
	CU_ASSERT_EQUAL((m[55] - m[54] + 1) << 20, DM_PCI_ECAM_SIZE);
}

static void test_bad_params(void)
{
	static uint8_t small[1024];
	struct dm_acpi_params p = { .ncpus = 2, .apic_id = { 1, 1 } };
	struct dm_error err = { { 0 } };
	size_t n;

	CU_ASSERT_EQUAL(dm_acpi_build(&p, DM_ACPI_BASE, buf, sizeof(buf), &n,
				      &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "same APIC ID"));
	p.ncpus = 0;
	CU_ASSERT_EQUAL(dm_acpi_build(&p, DM_ACPI_BASE, buf, sizeof(buf), &n,
				      &err), -1);
	p.ncpus = DM_MAX_CPUS + 1;
	CU_ASSERT_EQUAL(dm_acpi_build(&p, DM_ACPI_BASE, buf, sizeof(buf), &n,
				      &err), -1);
	p.ncpus = 1;
	p.apic_id[0] = ~0U;
	CU_ASSERT_EQUAL(dm_acpi_build(&p, DM_ACPI_BASE, buf, sizeof(buf), &n,
				      &err), -1);
	p.apic_id[0] = 0;
	CU_ASSERT_EQUAL(dm_acpi_build(&p, DM_ACPI_BASE + 8, buf, sizeof(buf),
				      &n, &err), -1);
	CU_ASSERT_EQUAL(dm_acpi_build(&p, 0xffff8000ULL, buf, sizeof(buf),
				      &n, &err), -1);
	/* Up to 4 GiB is fine. */
	CU_ASSERT_EQUAL(dm_acpi_build(&p, 0xffff0000ULL, buf, sizeof(buf),
				      &n, &err), 0);
	/* The DSDT alone is larger than this. */
	memset(&err, 0, sizeof(err));	/* dm_fail keeps the first error */
	CU_ASSERT_EQUAL(dm_acpi_build(&p, DM_ACPI_BASE, small, sizeof(small),
				      &n, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "need"));
	CU_ASSERT_EQUAL(dm_acpi_build(&p, DM_ACPI_BASE, buf, sizeof(buf), &n,
				      &err), 0);
}

static void test_install(void)
{
	struct dm_acpi_params p = { .ncpus = 2, .apic_id = { 0, 4 } };
	struct dm_error err = { { 0 } };
	struct dm_mem m = { 0 };

	dm_mem_layout(&m, 2ULL << 20);
	m.base = calloc(1, m.size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.base);
	CU_ASSERT_EQUAL(dm_acpi_install(&m, &p, &err), DM_ACPI_BASE);
	CU_ASSERT_EQUAL(memcmp(m.base + DM_ACPI_BASE, "RSD PTR ", 8), 0);
	CU_ASSERT_EQUAL(sum(m.base + DM_ACPI_BASE, 36), 0);
	/* Nothing below the area touched. */
	CU_ASSERT_EQUAL(m.base[DM_ACPI_BASE - 1], 0);
	/* Too little RAM for the BIOS area: refused, nothing written. */
	dm_mem_layout(&m, 0xf8000);
	CU_ASSERT_EQUAL(dm_acpi_install(&m, &p, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no guest RAM"));
	free(m.base);
}

/* ---- The DSDT's contents against pci.h and pm.h ---- */

/* An AML integer (ZeroOp, OneOp, OnesOp, Byte/Word/DWord/QWordConst):
 * its size in bytes, 0 if it is none. */
static size_t aml_int(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	static const size_t width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4,
					[0x0e] = 8 };
	size_t w;

	if (p >= end)
		return 0;
	if (*p == 0x00 || *p == 0x01 || *p == 0xff) {
		*v = *p == 0xff ? ~0ULL : *p;
		return 1;
	}
	if (*p >= sizeof(width) / sizeof(width[0]) || !width[*p])
		return 0;
	w = width[*p];
	if ((size_t)(end - p) < 1 + w)
		return 0;
	*v = 0;
	for (size_t i = 0; i < w; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	return 1 + w;
}

/* A PkgLength: its own size in bytes, 0 if malformed. */
static size_t aml_pkglen(const uint8_t *p, const uint8_t *end, size_t *len)
{
	size_t n;

	if (p >= end)
		return 0;
	n = (size_t)(*p >> 6);
	if ((size_t)(end - p) < 1 + n)
		return 0;
	if (!n) {
		*len = *p & 0x3f;
		return 1;
	}
	*len = *p & 0x0f;
	for (size_t i = 0; i < n; i++)
		*len |= (size_t)p[1 + i] << (4 + 8 * i);
	return 1 + n;
}

/* Where "Name (@name, <@op> ..." is in the DSDT: just after the op. */
static const uint8_t *aml_name(const uint8_t *from, const char *name,
			       uint8_t op)
{
	const uint8_t *d = dsdt(), *end = d + le32(d + 4);
	uint8_t pat[6] = { 0x08 };

	memcpy(pat + 1, name, 4);
	pat[5] = op;
	for (const uint8_t *p = from ? from : d + 36; p + 6 <= end; p++)
		if (!memcmp(p, pat, 6))
			return p + 6;
	return NULL;
}

static void test_dsdt_prt(void)
{
	const uint8_t *p, *end, *d;
	size_t len, n;
	unsigned int seen[DM_MAX_SLOTS][4] = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(build(small_ids, 1), 0);
	d = dsdt();
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	p = aml_name(NULL, "_PRT", 0x12);	/* a Package */
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	n = aml_pkglen(p, d + le32(d + 4), &len);
	CU_ASSERT_FATAL(n && len >= n);
	end = p + len;
	p += n;
	CU_ASSERT_EQUAL_FATAL(*p, 128);		/* 32 slots, 4 pins */
	p++;
	for (unsigned int i = 0; i < 128; i++) {
		uint64_t v[4];

		CU_ASSERT_EQUAL_FATAL(p[0], 0x12);
		n = aml_pkglen(p + 1, end, &len);
		CU_ASSERT_FATAL(n != 0);
		CU_ASSERT_EQUAL_FATAL(p[1 + n], 4);
		p += 2 + n;
		for (int k = 0; k < 4; k++) {
			n = aml_int(p, end, &v[k]);
			CU_ASSERT_FATAL(n != 0);
			p += n;
		}
		/* Address: slot << 16 | 0xffff (any function). */
		CU_ASSERT_EQUAL(v[0] & 0xffff, 0xffff);
		CU_ASSERT_FATAL((v[0] >> 16) < DM_MAX_SLOTS && v[1] < 4);
		CU_ASSERT_EQUAL(v[2], 0);	/* a GSI, no link device */
		CU_ASSERT_EQUAL(v[3], DM_PCI_INTX_GSI(v[0] >> 16, v[1] + 1));
		CU_ASSERT(v[3] >= 16 && v[3] < DM_IOAPIC_PINS);
		seen[v[0] >> 16][v[1]]++;
	}
	CU_ASSERT_PTR_EQUAL(p, end);
	for (unsigned int s = 0; s < DM_MAX_SLOTS; s++)
		for (unsigned int pin = 0; pin < 4; pin++)
			CU_ASSERT_EQUAL(seen[s][pin], 1);
}

/* A resource descriptor of a _CRS, decoded as far as the tests need. */
struct res {
	unsigned int crs;	/* which _CRS */
	uint8_t tag;		/* small: the name; large: the whole tag */
	uint8_t type;		/* address space: 0 memory, 1 I/O, 2 bus */
	uint64_t min, max, len;
	uint16_t irqs;
};

static struct res res[64];
static unsigned int nres;

static void add_res(struct res r)
{
	if (nres < sizeof(res) / sizeof(res[0]))
		res[nres++] = r;
}

/*
 * Decodes the resource descriptor at @b (before @end) into @r: large items
 * by their whole tag (0x88 Word and 0x87 DWord address space, 0x86
 * Memory32Fixed), small ones by their name (0x8 IO, 0x4 IRQ, 0xf End).
 * Its size, or 0 if it runs past @end.
 */
static size_t decode_res(const uint8_t *b, const uint8_t *end,
			 struct res *r)
{
	size_t len, room = (size_t)(end - b);

	if (!(*b & 0x80)) {
		len = *b & 7;
		if (len >= room)
			return 0;
		r->tag = (*b >> 3) & 0xf;
		if (r->tag == 0x8 && len == 7) {
			r->min = le16(b + 2);
			r->len = b[7];
		} else if (r->tag == 0x4 && len >= 2) {
			r->irqs = le16(b + 1);
		}
		return 1 + len;
	}
	if (room < 3 || (len = le16(b + 1)) > room - 3)
		return 0;
	r->tag = *b;
	if (*b == 0x88 && len >= 13) {
		r->type = b[3];
		r->min = le16(b + 8);
		r->max = le16(b + 10);
		r->len = le16(b + 14);
	} else if (*b == 0x87 && len >= 23) {
		r->type = b[3];
		r->min = le32(b + 10);
		r->max = le32(b + 14);
		r->len = le32(b + 22);
	} else if (*b == 0x86 && len >= 9) {
		r->min = le32(b + 4);
		r->len = le32(b + 8);
	}
	return 3 + len;
}

/* Every _CRS buffer's descriptors into res[]. */
static void collect_crs(void)
{
	const uint8_t *d = dsdt(), *dend = d + le32(d + 4), *p = NULL;
	unsigned int crs = 0;

	nres = 0;
	while ((p = aml_name(p, "_CRS", 0x11))) {	/* a Buffer */
		const uint8_t *b, *end;
		size_t pl, n;
		uint64_t size;

		n = aml_pkglen(p, dend, &pl);
		CU_ASSERT_FATAL(n != 0);
		b = p + n;
		n = aml_int(b, dend, &size);
		CU_ASSERT_FATAL(n != 0 && size <= (uint64_t)(dend - b - n));
		b += n;
		end = b + size;
		while (b < end) {
			struct res r = { .crs = crs };

			n = decode_res(b, end, &r);
			CU_ASSERT_FATAL(n != 0);
			b += n;
			if (r.tag == 0xf)
				break;
			add_res(r);
		}
		crs++;
	}
	CU_ASSERT(crs >= 6);	/* PCI0, 2 COMs, RTC, PIT, MBRS */
}

static bool has_res(uint8_t tag, uint8_t type, uint64_t min, uint64_t max,
		    uint64_t len)
{
	for (unsigned int i = 0; i < nres; i++)
		if (res[i].tag == tag && res[i].type == type &&
		    res[i].min == min && res[i].max == max &&
		    res[i].len == len)
			return true;
	return false;
}

/* An ISA device's _CRS: ports [@port, + @len) and IRQ @irq. */
static bool has_isa(uint16_t port, uint8_t len, unsigned int irq)
{
	for (unsigned int i = 0; i < nres; i++)
		for (unsigned int j = 0; j < nres; j++)
			if (res[i].crs == res[j].crs && res[i].tag == 0x8 &&
			    res[i].min == port && res[i].len == len &&
			    res[j].tag == 0x4 && res[j].irqs == 1U << irq)
				return true;
	return false;
}

static void test_dsdt_resources(void)
{
	const uint8_t *s5;
	uint64_t typ;

	CU_ASSERT_EQUAL_FATAL(build(small_ids, 1), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dsdt());
	collect_crs();
	/* The root bridge: bus 0 only, and hw/pci.c's windows. */
	CU_ASSERT(has_res(0x88, 2, 0, 0, 1));
	CU_ASSERT(has_res(0x88, 1, 0, 0xcf7, 0xcf8));
	CU_ASSERT(has_res(0x88, 1, DM_PCI_IO_BASE, DM_PCI_IO_LIMIT,
			  DM_PCI_IO_LIMIT - DM_PCI_IO_BASE + 1));
	CU_ASSERT(has_res(0x87, 0, DM_PCI_MMIO_BASE,
			  DM_PCI_MMIO_BASE + DM_PCI_MMIO_SIZE - 1,
			  DM_PCI_MMIO_SIZE));
	/* The ECAM window reserved, as Linux wants before using MCFG. */
	CU_ASSERT(has_res(0x86, 0, DM_PCI_ECAM_BASE, 0, DM_PCI_ECAM_SIZE));
	/* The PM block and the reset port reserved. */
	CU_ASSERT(has_res(0x8, 0, DM_PM1A_EVT_PORT, 0,
			  DM_PM_TMR_PORT + DM_PM_TMR_LEN - DM_PM1A_EVT_PORT));
	CU_ASSERT(has_res(0x8, 0, DM_RESET_PORT, 0, 1));
	/* The ISA devices at their ports and IRQs. */
	CU_ASSERT(has_isa(0x3f8, 8, 4));
	CU_ASSERT(has_isa(0x2f8, 8, 3));
	CU_ASSERT(has_isa(0x70, 2, 8));
	CU_ASSERT(has_isa(0x40, 4, 0));
	CU_ASSERT_FALSE(has_isa(0x3f8, 8, 3));	/* the check can fail */

	/* \_S5 with pm.c's SLP_TYP, and no S3/S4 to promise. */
	s5 = aml_name(NULL, "_S5_", 0x12);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s5);
	CU_ASSERT(aml_int(s5 + 2, s5 + 8, &typ) != 0);
	CU_ASSERT_EQUAL(typ << 10, ISLET_VM_PM1A_SLP_TYP_S5);
	CU_ASSERT_PTR_NULL(aml_name(NULL, "_S3_", 0x12));
	CU_ASSERT_PTR_NULL(aml_name(NULL, "_S4_", 0x12));
}

/* ---- iasl and acpiexec (acpi_tools.c) ---- */

/* A table of ours must pass iasl_check(); says why if not. */
static void iasl_clean(const char *dir, const char *name, const uint8_t *t,
		       size_t len)
{
	const char *why = iasl_check(dir, name, t, len);

	if (why)
		printf("\n  %s: %s %s", name, why, iasl_said);
	CU_ASSERT_PTR_NULL(why);
}

static void test_iasl(void)
{
	static const char *const sigs[] = { "FACP", "APIC", "MCFG" };
	static uint8_t bad[512];
	const char *dir = acpi_tool_dir();
	const uint8_t *t;
	struct acpi_fadt f;

	if (!dir)
		return;
	CU_ASSERT_EQUAL_FATAL(build(mixed_ids, 6), 0);
	t = table_at(rsdp()->xsdt_address);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	iasl_clean(dir, "XSDT", t, le32(t + 4));
	for (unsigned int i = 0; i < 3; i++) {
		t = find(sigs[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		iasl_clean(dir, sigs[i], t, le32(t + 4));
	}
	f = fadt();
	t = at(f.firmware_ctrl, sizeof(struct acpi_facs));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	iasl_clean(dir, "FACS", t, 64);
	t = dsdt();
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	iasl_clean(dir, "DSDT", t, le32(t + 4));

	/* The checker sees the kinds of damage iasl reports: a checksum, a
	 * 32/64-bit FADT mismatch, a broken MADT entry. */
	t = find("FACP");
	memcpy(bad, t, sizeof(f));
	bad[9]++;
	CU_ASSERT_PTR_NOT_NULL(iasl_check(dir, "bad1", bad, sizeof(f)));
	bad[9]--;
	bad[offsetof(struct acpi_fadt, pm1_evt_len)] = 8;
	bad[9] = 0;
	bad[9] = (uint8_t)-sum(bad, sizeof(f));
	CU_ASSERT_PTR_NOT_NULL(iasl_check(dir, "bad2", bad, sizeof(f)));
	t = find("APIC");
	memcpy(bad, t, le32(t + 4));
	bad[45] = 0;			/* the first entry's length */
	bad[9] = 0;
	bad[9] = (uint8_t)-sum(bad, le32(t + 4));
	CU_ASSERT_PTR_NOT_NULL(iasl_check(dir, "bad3", bad, le32(t + 4)));
}

#define PCI_OSC_UUID	"(5b 4d db 33 f7 1f 1c 40 96 57 74 41 c0 3d d7 66)"
#define OTHER_UUID	"(5b 4d db 33 f7 1f 1c 40 96 57 74 41 c0 3d d7 67)"

/*
 * ACPICA's interpreter (acpiexec) loads the tables and runs the root
 * bridge's _OSC as Linux calls it: the PCI UUID, revision 1, three
 * DWORDs; the OS asks for every control and gets them all, with no error
 * bit.  Another UUID, another revision and too short a buffer are
 * refused with the bits the PCI Firmware Specification gives.
 */
static void test_osc(void)
{
	static char out[65536];
	const char *dir = acpi_tool_dir();
	const uint8_t *t;
	uint32_t cdw1, cdw3;

	if (!dir)
		return;
	CU_ASSERT_EQUAL_FATAL(build(small_ids, 2), 0);
	t = find("FACP");
	CU_ASSERT_FATAL(t && !acpi_tool_write(dir, "facp.dat", t,
					      le32(t + 4)));
	t = dsdt();
	CU_ASSERT_FATAL(t && !acpi_tool_write(dir, "dsdt.dat", t,
					      le32(t + 4)));
	CU_ASSERT_EQUAL(acpi_tool_run(dir, "acpiexec -di -b '"
		"evaluate \\_SB.PCI0._OSC " PCI_OSC_UUID " 1 3 "
		"(01 00 00 00 1f 00 00 00 ff 01 00 00);"
		"evaluate \\_SB.PCI0._OSC " OTHER_UUID " 1 3 "
		"(00 00 00 00 1f 00 00 00 1f 00 00 00);"
		"evaluate \\_SB.PCI0._OSC " PCI_OSC_UUID " 2 3 "
		"(00 00 00 00 1f 00 00 00 1f 00 00 00);"
		"evaluate \\_SB.PCI0._OSC " PCI_OSC_UUID " 1 1 "
		"(00 00 00 00)' facp.dat dsdt.dat", out, sizeof(out)), 0);
	/* ACPICA's own complaints (not acpiexec's self-tests, which try a
	 * PM2 register and GPEs the machine does not have). */
	CU_ASSERT_PTR_NULL(strstr(out, "ACPI Error"));
	CU_ASSERT_PTR_NULL(strstr(out, "ACPI Warning"));
	CU_ASSERT_PTR_NULL(strstr(out, "Firmware"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "1 ACPI AML tables successfully"));
	CU_ASSERT_FATAL(acpiexec_osc(out, 0, &cdw1, &cdw3));
	CU_ASSERT_EQUAL(cdw1, 0x01);	/* query, no error */
	CU_ASSERT_EQUAL(cdw3, 0x1ff);	/* all granted */
	CU_ASSERT_FATAL(acpiexec_osc(out, 1, &cdw1, NULL));
	CU_ASSERT_EQUAL(cdw1, 0x04);	/* unrecognized UUID */
	CU_ASSERT_FATAL(acpiexec_osc(out, 2, &cdw1, NULL));
	CU_ASSERT_EQUAL(cdw1, 0x08);	/* unrecognized revision */
	CU_ASSERT_FATAL(acpiexec_osc(out, 3, &cdw1, NULL));
	CU_ASSERT_EQUAL(cdw1, 0x02);	/* failure */
}

/* ---- The power button (pm.c) through its ports ---- */

static struct {
	unsigned int calls, gsi;
	bool level;
} sci;

static void record_gsi(unsigned int gsi, bool level)
{
	sci.calls++;
	sci.gsi = gsi;
	sci.level = level;
}

static void record_msi(uint64_t addr, uint32_t data)
{
	CU_FAIL("the PM block sends no MSI");
}

static const struct dm_irq_ops recorder = {
	.gsi = record_gsi, .msi = record_msi,
};

#define STS	DM_PM1A_EVT_PORT
#define EN	(DM_PM1A_EVT_PORT + 2)

static void test_power_button(void)
{
	static struct dm_config cfg;
	const struct dm_irq_ops *saved = dm_irq;
	struct dm_error err = { { 0 } };

	dm_irq = &recorder;
	memset(&sci, 0, sizeof(sci));
	dm_io_reset_all();
	CU_ASSERT_EQUAL_FATAL(dm_pm_init(&cfg, &err), 0);
	CU_ASSERT_EQUAL(dm_unit_pio(STS, 2, false, 0), 0);
	CU_ASSERT_EQUAL(dm_unit_pio(EN, 2, false, 0), 0);

	/* Pressed while the guest has not enabled it: status only. */
	dm_pm_power_button();
	CU_ASSERT_EQUAL(dm_unit_pio(STS, 2, false, 0), DM_PM1_PWRBTN);
	CU_ASSERT_EQUAL(sci.calls, 0);
	/* Enabling it raises the SCI on GSI 9. */
	dm_unit_pio(EN, 2, true, DM_PM1_PWRBTN);
	CU_ASSERT_EQUAL(sci.calls, 1);
	CU_ASSERT_EQUAL(sci.gsi, DM_SCI_GSI);
	CU_ASSERT_TRUE(sci.level);
	/* TMR_EN, GBL_EN and RTC_EN keep their value (ACPICA reads them
	 * back) but raise nothing; bits that do not exist read 0. */
	dm_unit_pio(EN, 2, true, DM_PM1_PWRBTN | 0x8421);
	CU_ASSERT_EQUAL(dm_unit_pio(EN, 2, false, 0), DM_PM1_PWRBTN | 0x421);
	CU_ASSERT_EQUAL(sci.calls, 1);		/* no change, no call */
	dm_unit_pio(EN, 2, true, DM_PM1_PWRBTN);
	/* Writing 0s, or 1s elsewhere, leaves the status set. */
	dm_unit_pio(STS, 2, true, 0x0001);
	CU_ASSERT_EQUAL(dm_unit_pio(STS, 2, false, 0), DM_PM1_PWRBTN);
	CU_ASSERT_TRUE(sci.level);
	/* The guest clears it (write 1): the SCI goes low. */
	dm_unit_pio(STS, 2, true, DM_PM1_PWRBTN);
	CU_ASSERT_EQUAL(dm_unit_pio(STS, 2, false, 0), 0);
	CU_ASSERT_EQUAL(sci.calls, 2);
	CU_ASSERT_FALSE(sci.level);

	/* Enabled: a press raises it at once; a 32-bit write that clears
	 * the status and keeps the enable lowers it; so does a byte
	 * write to the status's high byte. */
	dm_pm_power_button();
	CU_ASSERT_EQUAL(sci.calls, 3);
	CU_ASSERT_TRUE(sci.level);
	CU_ASSERT_EQUAL(dm_unit_pio(STS, 4, false, 0),
			DM_PM1_PWRBTN | DM_PM1_PWRBTN << 16);
	dm_unit_pio(STS, 4, true, DM_PM1_PWRBTN | DM_PM1_PWRBTN << 16);
	CU_ASSERT_FALSE(sci.level);
	CU_ASSERT_EQUAL(dm_unit_pio(EN, 2, false, 0), DM_PM1_PWRBTN);
	dm_pm_power_button();
	CU_ASSERT_TRUE(sci.level);
	dm_unit_pio(STS + 1, 1, true, DM_PM1_PWRBTN >> 8);
	CU_ASSERT_FALSE(sci.level);
	CU_ASSERT_EQUAL(sci.calls, 6);

	/* Disabling while pending lowers it; a reset clears everything. */
	dm_pm_power_button();
	CU_ASSERT_TRUE(sci.level);
	dm_unit_pio(EN, 2, true, 0);
	CU_ASSERT_FALSE(sci.level);
	dm_unit_pio(EN, 2, true, DM_PM1_PWRBTN);
	CU_ASSERT_TRUE(sci.level);
	dm_pm_reset();
	CU_ASSERT_FALSE(sci.level);
	CU_ASSERT_EQUAL(dm_unit_pio(STS, 4, false, 0), 0);
	CU_ASSERT_EQUAL(sci.calls, 10);

	dm_io_reset_all();
	dm_irq = saved;
}

int register_acpi_tests(void)
{
	static const struct unit_test tests[] = {
		{ "RSDP and XSDT", test_rsdp_xsdt },
		{ "FADT and FACS", test_fadt },
		{ "MADT", test_madt },
		{ "MCFG", test_mcfg },
		{ "bad parameters", test_bad_params },
		{ "install into guest RAM", test_install },
		{ "DSDT _PRT", test_dsdt_prt },
		{ "DSDT resources and _S5", test_dsdt_resources },
		{ "iasl round trip", test_iasl },
		{ "_OSC under acpiexec", test_osc },
		{ "power button", test_power_button },
	};

	return UNIT_SUITE("acpi", tests);
}
