/* Port and MMIO dispatch (devicemodel/core/io.c). */
#include <errno.h>
#include <string.h>

#include <islet/ioreq.h>

#include "dm.h"
#include "dm_unit.h"

struct fake {
	uint64_t last_addr, last_value;
	unsigned int last_size, reads, writes;
};

static void fake_read(void *dev, uint64_t addr, unsigned int size,
		      uint64_t *value)
{
	struct fake *f = dev;

	f->reads++;
	f->last_addr = addr;
	f->last_size = size;
	*value = 0x1122334455667788ULL;
}

static void fake_write(void *dev, uint64_t addr, unsigned int size,
		       uint64_t value)
{
	struct fake *f = dev;

	f->writes++;
	f->last_addr = addr;
	f->last_size = size;
	f->last_value = value;
}

static const struct dm_io_ops ops = { fake_read, fake_write };
static const struct dm_io_ops write_only = { NULL, fake_write };

static void test_register(void)
{
	struct fake a = { 0 };

	dm_io_reset_all();
	CU_ASSERT_EQUAL(dm_io_register(DM_PIO, 0x100, 8, &ops, &a, "a"), 0);
	CU_ASSERT_EQUAL(dm_io_register(DM_PIO, 0x108, 8, &ops, &a, "b"), 0);
	CU_ASSERT_EQUAL(dm_io_register(DM_PIO, 0xf8, 8, &ops, &a, "c"), 0);
	errno = 0;
	CU_ASSERT_EQUAL(dm_io_register(DM_PIO, 0x107, 1, &ops, &a, "x"), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_EQUAL(dm_io_register(DM_PIO, 0xf0, 9, &ops, &a, "x"), -1);
	CU_ASSERT_EQUAL(dm_io_register(DM_PIO, 0x0, 0, &ops, &a, "x"), -1);
	CU_ASSERT_EQUAL(dm_io_register(DM_MMIO, ~0ULL - 1, 4, &ops, &a, "x"),
			-1);
	/* Another space: no conflict. */
	CU_ASSERT_EQUAL(dm_io_register(DM_MMIO, 0x100, 8, &ops, &a, "m"), 0);
	CU_ASSERT_EQUAL(dm_io_unregister(DM_PIO, 0x108), 0);
	CU_ASSERT_EQUAL(dm_io_unregister(DM_PIO, 0x108), -1);
	CU_ASSERT_EQUAL(dm_io_register(DM_PIO, 0x108, 8, &ops, &a, "b"), 0);
	dm_io_reset_all();
}

static void test_dispatch(void)
{
	struct fake a = { 0 }, b = { 0 };
	struct islet_io_request r;

	dm_io_reset_all();
	dm_io_register(DM_PIO, 0x3f8, 8, &ops, &a, "a");
	dm_io_register(DM_PIO, 0x400, 4, &write_only, &b, "b");

	/* Size 1: the low byte of what the device gives. */
	CU_ASSERT_EQUAL(dm_unit_pio(0x3fd, 1, false, 0), 0x88);
	CU_ASSERT_EQUAL(a.last_addr, 0x3fd);
	dm_unit_pio(0x3f8, 4, true, 0xabcd);
	CU_ASSERT_EQUAL(a.last_value, 0xabcd);
	CU_ASSERT_EQUAL(a.last_size, 4);
	/* Straddling the end of a range: nobody's. */
	CU_ASSERT_EQUAL(dm_unit_pio(0x3fe, 4, false, 0), 0xffffffff);
	CU_ASSERT_EQUAL(a.reads, 1);
	/* Unclaimed: all-ones of the access size. */
	CU_ASSERT_EQUAL(dm_unit_pio(0x80, 2, false, 0), 0xffff);
	/* A range without read: all-ones. */
	CU_ASSERT_EQUAL(dm_unit_pio(0x400, 2, false, 0), 0xffff);
	/* A bad size from a broken request: refused, not passed on, even
	 * one the 64-bit field makes 4 only when truncated. */
	dm_unit_pio(0x3f8, 8, true, 1);
	CU_ASSERT_EQUAL(a.writes, 1);
	memset(&r, 0, sizeof(r));
	r.type = ISLET_IOREQ_TYPE_PORTIO;
	r.reqs.pio_request.address = 0x3f8;
	r.reqs.pio_request.size = 0x100000004ULL;
	dm_io_dispatch(&r);
	CU_ASSERT_EQUAL(a.reads, 1);
	CU_ASSERT_EQUAL(r.reqs.pio_request.value, 0xffffffff);

	dm_io_register(DM_MMIO, 0xd0000000, 0x1000, &ops, &a, "m");
	CU_ASSERT_EQUAL(dm_unit_mmio(0xd0000ff8, 8, false, 0),
			0x1122334455667788ULL);
	CU_ASSERT_EQUAL(dm_unit_mmio(0xd0000ffc, 8, false, 0), ~0ULL);

	memset(&r, 0, sizeof(r));
	r.type = ISLET_IOREQ_TYPE_PCICFG;
	dm_io_dispatch(&r);
	CU_ASSERT_EQUAL(r.reqs.pci_request.value, 0xffffffff);
	dm_io_reset_all();
}

static const struct unit_test tests[] = {
	{ "registration and overlaps", test_register },
	{ "dispatch by address and size", test_dispatch },
};

int register_io_tests(void)
{
	return UNIT_SUITE("dm I/O dispatch", tests);
}
