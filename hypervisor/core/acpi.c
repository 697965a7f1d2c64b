/* ACPI discovery: RSDP -> XSDT/RSDT -> MADT (CPUs) and FADT (power-off and
 * reset registers).  Tables are read through the identity map. */
#include "acpi.h"
#include "lib.h"

struct acpi_header {
	char sig[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem[6];
	char oem_table[8];
	u32 oem_rev;
	u32 creator;
	u32 creator_rev;
} __packed;

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

static void parse_madt(const struct acpi_header *h, struct acpi_info *out)
{
	const u8 *p = (const u8 *)h + 44, *end = (const u8 *)h + h->length;

	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		u32 id = 0, flags = 0;
		bool cpu = false;

		if (p[0] == 0 && p[1] >= 8) {		/* local APIC */
			id = p[3];
			memcpy(&flags, p + 4, 4);
			cpu = true;
		} else if (p[0] == 9 && p[1] >= 16) {	/* local x2APIC */
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			cpu = true;
		}
		if (cpu && (flags & 3)) {	/* enabled or online capable */
			if (out->nr_cpus < ARRAY_SIZE(out->apic_ids))
				out->apic_ids[out->nr_cpus] = id;
			out->nr_cpus++;
		}
		p += p[1];
	}
}

static void parse_fadt(const struct acpi_header *h, struct acpi_info *out)
{
	const u8 *f = (const u8 *)h;
	u32 v;

	if (h->length >= 68) {
		memcpy(&v, f + 64, 4);
		out->pm1a_cnt = (u16)v;
		memcpy(&v, f + 68, 4);
		out->pm1b_cnt = (u16)v;
	}
	/* Reset register: a generic address at 116, value at 128; only the
	 * I/O-space form (address space id 1) is used. */
	if (h->length >= 129 && f[116] == 1) {
		u64 a;

		memcpy(&a, f + 120, 8);
		out->reset_port = (u16)a;
		out->reset_value = f[128];
	}
}

int acpi_parse(const u8 *rsdp, u32 len, struct acpi_info *out)
{
	const struct acpi_header *root;
	u32 entry_size;
	u64 xsdt = 0;
	u32 rsdt;

	memset(out, 0, sizeof(*out));
	if (len < 20 || memcmp(rsdp, "RSD PTR ", 8) || !checksum_ok(rsdp, 20))
		return -EINVAL;
	out->revision = rsdp[15];
	memcpy(out->oem, rsdp + 9, 6);
	memcpy(&rsdt, rsdp + 16, 4);
	if (out->revision >= 2 && len >= 36 && checksum_ok(rsdp, 36))
		memcpy(&xsdt, rsdp + 24, 8);
	root = table_at(xsdt);
	entry_size = 8;
	if (!root || memcmp(root->sig, "XSDT", 4)) {
		root = table_at(rsdt);
		entry_size = 4;
		if (!root || memcmp(root->sig, "RSDT", 4))
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
		if (!memcmp(t->sig, "APIC", 4))
			parse_madt(t, out);
		else if (!memcmp(t->sig, "FACP", 4))
			parse_fadt(t, out);
	}
	return 0;
}
