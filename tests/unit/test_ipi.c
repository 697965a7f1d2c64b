/* hypervisor/arch/x86/ipi_dest.c: which vCPUs an IPI addresses, against
 * the SDM (vol. 3, 10.6.2 "Determining IPI Destination" for the xAPIC,
 * 10.12.9/10.12.10 for the x2APIC).  A table of hand-written cases, then
 * every MDA against every logical ID through a reference model written
 * from the SDM's text:
 *  - shorthands ignore the destination field: self, all, all but self;
 *  - physical: the APIC id equals the destination, or the destination is
 *    the broadcast (0xff in xAPIC, 0xffffffff in x2APIC mode);
 *  - x2APIC logical: the logical x2APIC ID is derived from the APIC id,
 *    (id[19:4] << 16) | 1 << id[3:0]; the destination's cluster (31:16)
 *    must equal it and its bit mask (15:0) must share a bit; 0xffffffff is
 *    a broadcast in logical mode too;
 *  - xAPIC logical, flat model (DFR[31:28] = 1111b): MDA & LDR[31:24];
 *    all ones selects every APIC (whose logical ID is not 0);
 *  - xAPIC logical, cluster model (DFR[31:28] = 0000b): MDA[7:4] equals
 *    LDR[31:28] and MDA[3:0] & LDR[27:24]; all ones "guarantees a match on
 *    all clusters and selects all APICs in each cluster". */
#include <stdio.h>
#include "unit.h"
#include <asm/apic.h>
#include <asm/ipi.h>

#define DFR_FLAT	0xffffffffU	/* the reset value */
#define DFR_CLUSTER	0x0fffffffU
#define BCAST_X		0xffU
#define BCAST_X2	0xffffffffU

/* A fixed IPI (vector 0x40) with the given shorthand and destination mode. */
static u64 icr_of(u32 shorthand, bool logical)
{
	return 0x40 | ((u64)shorthand << 18) | (logical ? ICR_LOGICAL : 0);
}

static struct vcpu vcpu_with(u32 apic_id, u32 ldr, u32 dfr)
{
	struct vcpu v = { .apic_id = apic_id, .apic_ldr = ldr, .apic_dfr = dfr };

	return v;
}

/* Whether an IPI from another vCPU, through the destination field,
 * selects @t. */
static bool selects(const struct vcpu *t, bool logical, u32 dest, bool x2apic)
{
	struct vcpu sender = vcpu_with(0x77, 0, DFR_FLAT);

	return ipi_selects(&sender, t, icr_of(ICR_DEST_FIELD, logical), dest,
			   x2apic);
}

/* ---- the reference model, from the SDM's text ---- */

static u32 ref_x2apic_ldr(u32 apic_id)
{
	return (((apic_id >> 4) & 0xffff) << 16) | (1U << (apic_id & 15));
}

static bool ref_x2apic_logical(u32 apic_id, u32 dest)
{
	u32 ldr = ref_x2apic_ldr(apic_id);

	if (dest == BCAST_X2)
		return true;
	return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff) != 0;
}

static bool ref_flat(u8 ldr_id, u8 mda)
{
	return (mda & ldr_id) != 0;
}

static bool ref_cluster(u8 ldr_id, u8 mda)
{
	bool cluster = mda == BCAST_X || (mda >> 4) == (ldr_id >> 4);

	return cluster && (mda & ldr_id & 0xf) != 0;
}

/* ---- the table ---- */

enum { PHYS, X2_LOGICAL, FLAT, CLUSTER };

static const struct ipi_case {
	int kind;
	bool x2apic;
	u32 apic_id, ldr, dest;
	bool want;
} cases[] = {
	/* physical, xAPIC: 8-bit ids, 0xff broadcast */
	{ PHYS, false, 3, 0, 3, true },
	{ PHYS, false, 3, 0, 4, false },
	{ PHYS, false, 0, 0, 0, true },
	{ PHYS, false, 0, 0, 1, false },
	{ PHYS, false, 1, 0, 0, false },
	{ PHYS, false, 0xfe, 0, 0xfe, true },
	{ PHYS, false, 0x13, 0, 0x03, false },
	{ PHYS, false, 3, 0, BCAST_X, true },
	{ PHYS, false, 0, 0, BCAST_X, true },
	{ PHYS, false, 0xfe, 0, BCAST_X, true },
	/* the LDR plays no part in physical mode */
	{ PHYS, false, 3, 0x04000000, 2, false },
	{ PHYS, false, 3, 0xff000000, 3, true },
	/* physical, x2APIC: 32-bit ids, only 0xffffffff broadcasts */
	{ PHYS, true, 0x123, 0, 0x123, true },
	{ PHYS, true, 0x123, 0, 0x23, false },
	{ PHYS, true, 0x23, 0, 0x123, false },
	{ PHYS, true, 0, 0, 0, true },
	{ PHYS, true, 5, 0, BCAST_X2, true },
	{ PHYS, true, 0, 0, BCAST_X2, true },
	{ PHYS, true, 5, 0, 0xff, false },
	{ PHYS, true, 0xff, 0, 0xff, true },
	{ PHYS, true, 5, 0, 0x105, false },
	{ PHYS, true, 5, 0, 0xffff, false },
	{ PHYS, true, 0xfffffffe, 0, 0xfffffffe, true },
	{ PHYS, true, 0xfffffffe, 0, BCAST_X2, true },
	/* x2APIC logical: id 0 is cluster 0, bit 0 */
	{ X2_LOGICAL, true, 0, 0, 0x00000001, true },
	{ X2_LOGICAL, true, 0, 0, 0x00000002, false },
	{ X2_LOGICAL, true, 0, 0, 0x0000ffff, true },
	{ X2_LOGICAL, true, 0, 0, 0x00010001, false },
	{ X2_LOGICAL, true, 0, 0, 0, false },
	/* id 0x23: cluster 2, bit 3 */
	{ X2_LOGICAL, true, 0x23, 0, 0x00020008, true },
	{ X2_LOGICAL, true, 0x23, 0, 0x0002000c, true },
	{ X2_LOGICAL, true, 0x23, 0, 0x0002fff7, false },
	{ X2_LOGICAL, true, 0x23, 0, 0x0002ffff, true },
	{ X2_LOGICAL, true, 0x23, 0, 0x00030008, false },
	{ X2_LOGICAL, true, 0x23, 0, 0x00000008, false },
	{ X2_LOGICAL, true, 0x23, 0, 0x00000023, false },	/* not physical */
	{ X2_LOGICAL, true, 0x23, 0, 0x00020000, false },
	/* id 0x1f: cluster 1, bit 15; id 0x10: cluster 1, bit 0 */
	{ X2_LOGICAL, true, 0x1f, 0, 0x00018000, true },
	{ X2_LOGICAL, true, 0x1f, 0, 0x00017fff, false },
	{ X2_LOGICAL, true, 0x10, 0, 0x00010001, true },
	{ X2_LOGICAL, true, 0x10, 0, 0x00000001, false },
	/* a large cluster; the cluster id is x2APIC ID[19:4] */
	{ X2_LOGICAL, true, 0xffff0, 0, 0xffff0001, true },
	{ X2_LOGICAL, true, 0xffff1, 0, 0xffff0001, false },
	{ X2_LOGICAL, true, 0x12345, 0, 0x12340020, true },
	{ X2_LOGICAL, true, 0x100023, 0, 0x00020008, true },
	{ X2_LOGICAL, true, 0x100023, 0, 0x10020008, false },
	/* 0xffffffff broadcasts in logical mode too (SDM 10.12.9) */
	{ X2_LOGICAL, true, 0, 0, BCAST_X2, true },
	{ X2_LOGICAL, true, 0x23, 0, BCAST_X2, true },
	{ X2_LOGICAL, true, 0x1f, 0, BCAST_X2, true },
	/* ... but no other all-ones cluster or mask is a wildcard */
	{ X2_LOGICAL, true, 0x23, 0, 0xffff0008, false },
	{ X2_LOGICAL, true, 0x23, 0, 0xfffffff7, false },
	/* the guest's xAPIC LDR does not count in x2APIC mode */
	{ X2_LOGICAL, true, 0x23, 0x01000000, 0x00000001, false },
	/* xAPIC flat model: MDA & LDR[31:24] */
	{ FLAT, false, 0, 0x01000000, 0x01, true },
	{ FLAT, false, 0, 0x01000000, 0x02, false },
	{ FLAT, false, 0, 0x01000000, 0x03, true },
	{ FLAT, false, 0, 0x01000000, 0xfe, false },
	{ FLAT, false, 0, 0x01000000, BCAST_X, true },
	{ FLAT, false, 0, 0x80000000, 0x80, true },
	{ FLAT, false, 0, 0x80000000, 0x7f, false },
	{ FLAT, false, 0, 0x03000000, 0x02, true },
	{ FLAT, false, 0, 0x01000000, 0, false },
	/* the logical id, not the APIC id */
	{ FLAT, false, 2, 0x01000000, 0x02, false },
	{ FLAT, false, 1, 0x04000000, 0x04, true },
	/* LDR bits 23:0 are reserved */
	{ FLAT, false, 0, 0x01ffffff, 0x02, false },
	{ FLAT, false, 0, 0x00ffffff, 0xff, false },
	/* a logical id of 0 is in no group, not even the broadcast */
	{ FLAT, false, 0, 0, 0x01, false },
	{ FLAT, false, 0, 0, BCAST_X, false },
	/* xAPIC cluster model: LDR 0x21 is cluster 2, member bit 0 */
	{ CLUSTER, false, 0, 0x21000000, 0x21, true },
	{ CLUSTER, false, 0, 0x21000000, 0x23, true },
	{ CLUSTER, false, 0, 0x21000000, 0x2f, true },
	{ CLUSTER, false, 0, 0x21000000, 0x22, false },
	{ CLUSTER, false, 0, 0x21000000, 0x20, false },
	{ CLUSTER, false, 0, 0x21000000, 0x11, false },
	{ CLUSTER, false, 0, 0x21000000, 0x01, false },
	{ CLUSTER, false, 0, 0x21000000, 0x31, false },
	{ CLUSTER, false, 0, 0x18000000, 0x18, true },
	{ CLUSTER, false, 0, 0x18000000, 0x17, false },
	{ CLUSTER, false, 0, 0x01000000, 0x01, true },
	{ CLUSTER, false, 0, 0x01000000, 0x11, false },
	{ CLUSTER, false, 0, 0xe4000000, 0xe4, true },
	{ CLUSTER, false, 0, 0xe4000000, 0xec, true },
	{ CLUSTER, false, 0, 0xe4000000, 0xd4, false },
	/* all ones: every cluster, every APIC in each */
	{ CLUSTER, false, 0, 0x21000000, BCAST_X, true },
	{ CLUSTER, false, 0, 0x01000000, BCAST_X, true },
	{ CLUSTER, false, 0, 0xe8000000, BCAST_X, true },
	{ CLUSTER, false, 0, 0x00000000, BCAST_X, false },
	/* cluster 15 is not a cluster address, only part of the broadcast */
	{ CLUSTER, false, 0, 0x21000000, 0xf1, false },
	{ CLUSTER, false, 0, 0x21000000, 0xfe, false },
	/* the same LDR in the flat model: a plain AND */
	{ FLAT, false, 0, 0x21000000, 0x01, true },
	{ FLAT, false, 0, 0x21000000, 0x20, true },
	{ FLAT, false, 0, 0x21000000, 0x22, true },
};

static void test_table(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct ipi_case *c = &cases[i];
		u32 dfr = c->kind == CLUSTER ? DFR_CLUSTER : DFR_FLAT;
		struct vcpu t = vcpu_with(c->apic_id, c->ldr, dfr);
		bool got = selects(&t, c->kind != PHYS, c->dest, c->x2apic);

		if (got != c->want)
			fprintf(stderr, "\n  case %zu: kind %d x2apic %d id 0x%x ldr 0x%x dest 0x%x: got %d\n",
				i, c->kind, c->x2apic, c->apic_id, c->ldr, c->dest, got);
		CU_ASSERT_EQUAL(got, c->want);
	}
}

/* ---- shorthands ---- */

/* The destination field, the destination mode and the other ICR fields
 * play no part. */
static void test_shorthands(void)
{
	struct vcpu v[3] = {
		vcpu_with(0, 0x01000000, DFR_FLAT),
		vcpu_with(1, 0x02000000, DFR_FLAT),
		vcpu_with(0x23, 0x21000000, DFR_CLUSTER),
	};
	const u32 dests[] = { 0, 1, 0x23, 0x7e, BCAST_X, BCAST_X2 };
	const u64 extra[] = {
		0, ICR_LEVEL | ICR_ASSERT | (ICR_MODE_INIT << 8),
		ICR_MODE_SIPI << 8 | 0x9a, ICR_MODE_NMI << 8,
		(u64)0xffffffff << 32,		/* x2APIC destination bits */
	};

	for (int x2 = 0; x2 < 2; x2++)
	for (int logical = 0; logical < 2; logical++)
	for (size_t d = 0; d < ARRAY_SIZE(dests); d++)
	for (size_t e = 0; e < ARRAY_SIZE(extra); e++)
	for (int s = 0; s < 3; s++)
	for (int t = 0; t < 3; t++) {
		const struct vcpu *self = &v[s], *tv = &v[t];
		u32 dest = dests[d];

		CU_ASSERT_EQUAL(ipi_selects(self, tv, icr_of(ICR_SELF, logical) | extra[e],
					    dest, x2), s == t);
		CU_ASSERT_TRUE(ipi_selects(self, tv, icr_of(ICR_ALL, logical) | extra[e],
					   dest, x2));
		CU_ASSERT_EQUAL(ipi_selects(self, tv,
					    icr_of(ICR_ALL_BUT_SELF, logical) | extra[e],
					    dest, x2), s != t);
	}
}

/* Through the destination field, the sender is among the destinations if
 * it matches, like any other APIC. */
static void test_sender_included(void)
{
	struct vcpu a = vcpu_with(4, 0x04000000, DFR_FLAT);
	struct vcpu b = vcpu_with(0x23, 0, DFR_FLAT);

	CU_ASSERT_TRUE(ipi_selects(&a, &a, icr_of(ICR_DEST_FIELD, false), 4, false));
	CU_ASSERT_TRUE(ipi_selects(&a, &a, icr_of(ICR_DEST_FIELD, false), BCAST_X, false));
	CU_ASSERT_FALSE(ipi_selects(&a, &a, icr_of(ICR_DEST_FIELD, false), 5, false));
	CU_ASSERT_TRUE(ipi_selects(&a, &a, icr_of(ICR_DEST_FIELD, true), 0x04, false));
	CU_ASSERT_TRUE(ipi_selects(&b, &b, icr_of(ICR_DEST_FIELD, true), 0x00020008, true));
	CU_ASSERT_TRUE(ipi_selects(&b, &b, icr_of(ICR_DEST_FIELD, false), BCAST_X2, true));
}

/* Vector, delivery mode, level and trigger do not change the selection;
 * the destination mode bit does. */
static void test_other_icr_fields(void)
{
	struct vcpu t = vcpu_with(2, 0x01000000, DFR_FLAT);
	struct vcpu sender = vcpu_with(9, 0, DFR_FLAT);
	const u32 modes[] = { ICR_MODE_FIXED, ICR_MODE_LOWEST, ICR_MODE_NMI,
			      ICR_MODE_INIT, ICR_MODE_SIPI };

	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		for (u32 vec = 0; vec < 256; vec += 51) {
			u64 bits = vec | (modes[m] << 8) | ICR_LEVEL | ICR_ASSERT;

			CU_ASSERT_TRUE(ipi_selects(&sender, &t, bits, 2, false));
			CU_ASSERT_FALSE(ipi_selects(&sender, &t, bits, 1, false));
			CU_ASSERT_TRUE(ipi_selects(&sender, &t, bits | ICR_LOGICAL, 1, false));
			CU_ASSERT_FALSE(ipi_selects(&sender, &t, bits | ICR_LOGICAL, 2, false));
		}
	}
}

/* ---- exhaustive, against the reference model ---- */

static void test_physical_all(void)
{
	unsigned int bad = 0;

	for (u32 id = 0; id < 256; id++) {
		struct vcpu t = vcpu_with(id, 0xff000000, DFR_FLAT);

		for (u32 dest = 0; dest < 256; dest++) {
			bad += selects(&t, false, dest, false) !=
			       (id == dest || dest == BCAST_X);
		}
	}
	/* x2APIC: ids and destinations around the 8- and 16-bit limits */
	{
		const u32 vals[] = { 0, 1, 0x23, 0xfe, 0xff, 0x100, 0x123, 0xffff,
				     0x10000, 0x12345678, 0xfffffffe, BCAST_X2 };

		for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
			struct vcpu t = vcpu_with(vals[i], 0, DFR_FLAT);

			if (vals[i] == BCAST_X2)
				continue;	/* not a valid APIC id */
			for (size_t j = 0; j < ARRAY_SIZE(vals); j++) {
				bad += selects(&t, false, vals[j], true) !=
				       (vals[i] == vals[j] || vals[j] == BCAST_X2);
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_x2apic_logical_all(void)
{
	const u16 masks[] = { 0, 0xffff, 0x5555, 0xaaaa, 0x00ff, 0xff00 };
	unsigned int bad = 0, hits = 0;

	for (u32 id = 0; id < 0x400; id++) {
		struct vcpu t = vcpu_with(id, 0, DFR_FLAT);

		for (u32 cl = 0; cl < 0x48; cl++) {
			for (u32 b = 0; b < 16 + ARRAY_SIZE(masks); b++) {
				u32 mask = b < 16 ? 1U << b : masks[b - 16];
				u32 dest = (cl << 16) | mask;
				bool want = ref_x2apic_logical(id, dest);

				hits += want;
				bad += selects(&t, true, dest, true) != want;
			}
		}
		bad += !selects(&t, true, BCAST_X2, true);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(hits > 0x400);	/* the model is not trivially false */
}

static void test_xapic_flat_all(void)
{
	unsigned int bad = 0;

	for (u32 ldr = 0; ldr < 256; ldr++) {
		struct vcpu t = vcpu_with(ldr ^ 0x5a, (ldr << 24) | 0x00abcdef,
					  DFR_FLAT);

		for (u32 mda = 0; mda < 256; mda++)
			bad += selects(&t, true, mda, false) != ref_flat((u8)ldr, (u8)mda);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_xapic_cluster_all(void)
{
	unsigned int bad = 0;

	for (u32 ldr = 0; ldr < 256; ldr++) {
		struct vcpu t = vcpu_with(ldr ^ 0x5a, (ldr << 24) | 0x00abcdef,
					  DFR_CLUSTER);

		for (u32 mda = 0; mda < 256; mda++)
			bad += selects(&t, true, mda, false) != ref_cluster((u8)ldr, (u8)mda);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Only DFR[31:28] (the model) counts: 1111b flat, 0000b cluster. */
static void test_dfr_model_bits(void)
{
	const struct { u32 dfr; bool flat; } dfrs[] = {
		{ DFR_FLAT, true }, { 0xf0000000, true },
		{ DFR_CLUSTER, false }, { 0x00000000, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(dfrs); i++) {
		/* LDR 0x21: flat selects it with 0x01, cluster does not */
		struct vcpu t = vcpu_with(0, 0x21000000, dfrs[i].dfr);

		CU_ASSERT_EQUAL(selects(&t, true, 0x01, false), dfrs[i].flat);
		CU_ASSERT_TRUE(selects(&t, true, 0x21, false));
		CU_ASSERT_FALSE(selects(&t, true, 0x02, false));
	}
}

static const struct unit_test tests[] = {
	{ "table of destinations (SDM 10.6.2, 10.12.9-10)", test_table },
	{ "shorthands ignore the destination", test_shorthands },
	{ "destination field includes a matching sender", test_sender_included },
	{ "other ICR fields do not matter", test_other_icr_fields },
	{ "physical: every id and destination", test_physical_all },
	{ "x2APIC logical cluster: against the model", test_x2apic_logical_all },
	{ "xAPIC flat model: every LDR and MDA", test_xapic_flat_all },
	{ "xAPIC cluster model: every LDR and MDA", test_xapic_cluster_all },
	{ "DFR: only the model bits count", test_dfr_model_bits },
};

int register_ipi_tests(void)
{
	return UNIT_SUITE("ipi destination", tests);
}
