/* ACPI discovery: RSDP -> XSDT/RSDT -> MADT (CPUs) and FADT (power-off and
 * reset registers).  Tables are read through the identity map; their
 * layouts (include/acpi/tables.h) are those islet-dm writes for a User VM. */
#include <acpi/tables.h>

#include "acpi.h"
#include "lib.h"

/* Whether a table of @len bytes holds all of @member of its @type. */
#define HAS_FIELD(type, member, len) \
	((len) >= offsetof(type, member) + sizeof(((type *)0)->member))

static bool checksum_ok(const void *p, u32 len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (u32 i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct acpi_header *table_at(u64 pa)
{
	const struct acpi_header *h = (const void *)(uintptr_t)pa;

	if (!pa || pa >= 4 * GiB || h->length < sizeof(*h) ||
	    h->length > 16 * MiB || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

/* The MADT's entries follow its fixed part, each starting with its type
 * and its length. */
static void parse_madt(const struct acpi_header *h, struct acpi_info *out)
{
	const u8 *p = (const u8 *)h + sizeof(struct acpi_madt);
	const u8 *end = (const u8 *)h + h->length;

	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		const struct acpi_madt_lapic *lapic = (const void *)p;
		const struct acpi_madt_x2apic *x2apic = (const void *)p;
		u32 id = 0, flags = 0;
		bool cpu = false;

		if (p[0] == ACPI_MADT_LAPIC && p[1] >= sizeof(*lapic)) {
			id = lapic->apic_id;
			flags = lapic->flags;
			cpu = true;
		} else if (p[0] == ACPI_MADT_X2APIC &&
			   p[1] >= sizeof(*x2apic)) {
			id = x2apic->x2apic_id;
			flags = x2apic->flags;
			cpu = true;
		}
		if (cpu && (flags & (ACPI_MADT_ENABLED |
				     ACPI_MADT_ONLINE_CAPABLE))) {
			if (out->nr_cpus < ARRAY_SIZE(out->apic_ids))
				out->apic_ids[out->nr_cpus] = id;
			out->nr_cpus++;
		}
		p += p[1];
	}
}

/* The fields of older, shorter FADTs come first: each is read only if
 * the table holds it. */
static void parse_fadt(const struct acpi_header *h, struct acpi_info *out)
{
	const struct acpi_fadt *f = (const void *)h;

	if (HAS_FIELD(struct acpi_fadt, pm1b_cnt_blk, h->length)) {
		out->pm1a_cnt = (u16)f->pm1a_cnt_blk;
		out->pm1b_cnt = (u16)f->pm1b_cnt_blk;
	}
	/* Only a reset register in I/O space is used. */
	if (HAS_FIELD(struct acpi_fadt, reset_value, h->length) &&
	    f->reset_reg.space_id == ACPI_GAS_IO) {
		out->reset_port = (u16)f->reset_reg.address;
		out->reset_value = f->reset_value;
	}
}

int acpi_parse(const u8 *rsdp, u32 len, struct acpi_info *out)
{
	const struct acpi_header *root;
	struct acpi_rsdp r;
	u32 entry_size;
	u64 xsdt = 0;

	memset(out, 0, sizeof(*out));
	if (len < ACPI_RSDP_V1_LEN || memcmp(rsdp, "RSD PTR ", 8) ||
	    !checksum_ok(rsdp, ACPI_RSDP_V1_LEN))
		return -EINVAL;
	/* A revision 0 RSDP stops after the RSDT's address. */
	memset(&r, 0, sizeof(r));
	memcpy(&r, rsdp, MIN(len, sizeof(r)));
	out->revision = r.revision;
	memcpy(out->oem, r.oem_id, sizeof(r.oem_id));
	if (r.revision >= 2 && len >= sizeof(r) && checksum_ok(rsdp, sizeof(r)))
		xsdt = r.xsdt_address;
	root = table_at(xsdt);
	entry_size = 8;
	if (!root || memcmp(root->signature, "XSDT", 4)) {
		root = table_at(r.rsdt_address);
		entry_size = 4;
		if (!root || memcmp(root->signature, "RSDT", 4))
			return -ENOENT;
	}
	out->root = (u64)(uintptr_t)root;
	out->nr_tables = (root->length - sizeof(*root)) / entry_size;
	for (u32 i = 0; i < out->nr_tables; i++) {
		const u8 *e = (const u8 *)root + sizeof(*root) + i * entry_size;
		const struct acpi_header *t;
		u64 pa = 0;

		memcpy(&pa, e, entry_size);
		t = table_at(pa);
		if (!t)
			continue;
		if (!memcmp(t->signature, "APIC", 4))
			parse_madt(t, out);
		else if (!memcmp(t->signature, "FACP", 4))
			parse_fadt(t, out);
	}
	return 0;
}
