/* The PCI bus (devicemodel/hw/pci.c, pci_bar.c, pci_msix.c, the host and
 * LPC bridges), driven as the guest drives it: PCICFG requests, ECAM,
 * port and MMIO requests through io.c, with dm_irq pointed at a recorder.
 * A device type of the test's own, "pcitest", has a BAR of each kind,
 * MSI-X, a vendor capability and INTA. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <islet/ioreq.h>

#include "dm.h"
#include "pci.h"
#include "dm_unit.h"

/* ---- The test device type ---- */

struct access {
	int bar;
	uint64_t off, value;
	unsigned int size;
};

static struct {
	unsigned int reads, writes, resets, deinits, cfg_writes;
	struct access last;
} tdev;

static int tdev_init(struct dm_pci_dev *d, const char *conf,
		     struct dm_error *err)
{
	static const uint8_t vcap[8] = { DM_PCI_CAP_VENDOR, 0, 8, 0, 0, 0 };
	static const uint8_t vcap_wmask[8] = { 0, 0, 0, 0, 0xff };

	if (!strcmp(conf, "fail"))
		return dm_fail(err, "refused to start");
	dm_pci_set_ids(d, 0x1234, 0x5678, 0xff0000, 7, 0x1234, 0x0001);
	dm_pci_cfg_set8(d, DM_PCIR_INTPIN, 1);
	if (dm_pci_add_bar(d, 0, DM_BAR_IO, 256, err) ||
	    dm_pci_add_bar(d, 1, DM_BAR_MEM32, 8192, err) ||
	    dm_pci_add_bar(d, 2, DM_BAR_MEM64, 16384, err) ||
	    dm_pci_add_bar(d, 4, DM_BAR_MEM32, 4096, err))
		return -1;
	if (!dm_pci_add_cap(d, vcap, sizeof(vcap), vcap_wmask))
		return dm_fail(err, "no room");
	return dm_pci_add_msix(d, 4, 4, 0, 0x800, err);
}

static void tdev_bar_read(struct dm_pci_dev *d, int bar, uint64_t off,
			  unsigned int size, uint64_t *value)
{
	tdev.reads++;
	tdev.last = (struct access){ bar, off, 0, size };
	*value = 0xa0000000U | ((uint32_t)bar << 16) | (uint32_t)off;
}

static void tdev_bar_write(struct dm_pci_dev *d, int bar, uint64_t off,
			   unsigned int size, uint64_t value)
{
	tdev.writes++;
	tdev.last = (struct access){ bar, off, value, size };
}

static void tdev_reset(struct dm_pci_dev *d)
{
	tdev.resets++;
}

static void tdev_deinit(struct dm_pci_dev *d)
{
	tdev.deinits++;
}

static void tdev_cfg_written(struct dm_pci_dev *d, unsigned int off,
			     unsigned int size)
{
	tdev.cfg_writes++;
}

static const struct dm_pci_ops tdev_ops = {
	.name = "pcitest",
	.init = tdev_init,
	.deinit = tdev_deinit,
	.reset = tdev_reset,
	.bar_read = tdev_bar_read,
	.bar_write = tdev_bar_write,
	.cfg_written = tdev_cfg_written,
};
DM_PCI_DEVICE(tdev_ops);

/* ---- Interrupt recorder ---- */

#define REC_MAX	32

static struct {
	unsigned int ngsi, nmsi;
	unsigned int gsi[REC_MAX];
	bool level[REC_MAX];
	uint64_t addr[REC_MAX];
	uint32_t data[REC_MAX];
} rec;

static void rec_gsi(unsigned int gsi, bool level)
{
	if (rec.ngsi < REC_MAX) {
		rec.gsi[rec.ngsi] = gsi;
		rec.level[rec.ngsi] = level;
	}
	rec.ngsi++;
}

static void rec_msi(uint64_t addr, uint32_t data)
{
	if (rec.nmsi < REC_MAX) {
		rec.addr[rec.nmsi] = addr;
		rec.data[rec.nmsi] = data;
	}
	rec.nmsi++;
}

static const struct dm_irq_ops rec_ops = { .gsi = rec_gsi, .msi = rec_msi };
static const struct dm_irq_ops *saved_irq;

/* ---- Helpers ---- */

static struct dm_config cfg;
static struct dm_error err;

/* A bus made of the -s arguments in @slots (NULL-terminated). */
static int bus(const char *const *slots)
{
	dm_io_reset_all();
	dm_pci_deinit();
	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	memset(&tdev, 0, sizeof(tdev));
	memset(&rec, 0, sizeof(rec));
	if (!saved_irq)
		saved_irq = dm_irq;
	dm_irq = &rec_ops;
	for (; *slots; slots++)
		if (dm_add_slot(&cfg, *slots, &err))
			return -1;
	return dm_pci_init(&cfg, &err);
}

static void done(void)
{
	dm_pci_deinit();
	dm_io_reset_all();
	dm_irq = saved_irq;
}

static uint32_t rd(unsigned int slot, unsigned int func, unsigned int reg,
		   unsigned int size)
{
	uint32_t v = 0x5a5a5a5a;

	dm_pci_cfg_access(0, slot, func, reg, size, false, &v);
	return v;
}

static void wr(unsigned int slot, unsigned int func, unsigned int reg,
	       unsigned int size, uint32_t v)
{
	dm_pci_cfg_access(0, slot, func, reg, size, true, &v);
}

static uint64_t mmio_rd(uint64_t addr, unsigned int size)
{
	return dm_unit_mmio(addr, size, false, 0);
}

static void mmio_wr(uint64_t addr, unsigned int size, uint64_t v)
{
	dm_unit_mmio(addr, size, true, v);
}

static uint64_t ecam(unsigned int slot, unsigned int func, unsigned int reg)
{
	return DM_PCI_ECAM_BASE + ((uint64_t)slot << 15) +
	       ((uint64_t)func << 12) + reg;
}

static uint64_t bar_addr(unsigned int slot, int i)
{
	uint64_t a = rd(slot, 0, DM_PCIR_BAR(i), 4);

	if ((a & 0x7) == 0x4)
		a |= (uint64_t)rd(slot, 0, DM_PCIR_BAR(i + 1), 4) << 32;
	return a & ((a & 1) ? ~0x3ULL : ~0xfULL);
}

/* The offset of capability @id, walking the list as an OS does. */
static unsigned int find_cap(unsigned int slot, uint8_t id)
{
	unsigned int p = rd(slot, 0, DM_PCIR_CAP_PTR, 1);

	for (int n = 0; p && n < 48; n++) {
		if (rd(slot, 0, p, 1) == id)
			return p;
		p = rd(slot, 0, p + 1, 1);
	}
	return 0;
}

static const char *const test_slots[] = { "3,pcitest", NULL };
static const struct dm_io_ops no_ops;

/* ---- Tests ---- */

static void test_linker_set(void)
{
	CU_ASSERT_PTR_NOT_NULL(dm_pci_find_type("hostbridge"));
	CU_ASSERT_PTR_NOT_NULL(dm_pci_find_type("lpc"));
	CU_ASSERT_PTR_EQUAL(dm_pci_find_type("pcitest"), &tdev_ops);
	CU_ASSERT_PTR_NULL(dm_pci_find_type("nope"));
}

static void test_absent(void)
{
	static const char *const none[] = { NULL };
	uint32_t v;

	CU_ASSERT_EQUAL_FATAL(bus(none), 0);
	CU_ASSERT_EQUAL(rd(5, 0, 0, 4), 0xffffffff);
	CU_ASSERT_EQUAL(rd(0, 1, 0, 4), 0xffffffff);
	CU_ASSERT_EQUAL(rd(32, 0, 0, 4), 0xffffffff);
	CU_ASSERT_EQUAL(rd(0, 8, 0, 4), 0xffffffff);
	v = 0;
	dm_pci_cfg_access(1, 0, 0, 0, 4, false, &v);	/* bus 1 */
	CU_ASSERT_EQUAL(v, 0xffffffff);
	wr(5, 0, 4, 2, 0xffff);
	CU_ASSERT_EQUAL(rd(5, 0, 4, 2), 0xffffffff);
	CU_ASSERT_PTR_NULL(dm_pci_get(5, 0));
	CU_ASSERT_PTR_NULL(dm_pci_get(99, 0));
	/* Through ECAM too. */
	CU_ASSERT_EQUAL(mmio_rd(ecam(5, 0, 0), 4), 0xffffffff);
	done();
}

static void test_bridges(void)
{
	static const char *const acrn[] = { "0:0,hostbridge", "1:0,lpc",
					    NULL };
	static const char *const none[] = { NULL };

	CU_ASSERT_EQUAL_FATAL(bus(none), 0);
	CU_ASSERT_EQUAL(rd(0, 0, DM_PCIR_VENDOR, 4), 0x12378086);
	CU_ASSERT_EQUAL(rd(0, 0, DM_PCIR_REVID, 4) >> 8, 0x060000);
	CU_ASSERT_EQUAL(rd(0, 0, DM_PCIR_HDRTYPE, 1), 0);
	CU_ASSERT_EQUAL(rd(31, 0, DM_PCIR_VENDOR, 4), 0x70008086);
	CU_ASSERT_EQUAL(rd(31, 0, DM_PCIR_REVID, 4) >> 8, 0x060100);
	for (int i = 0; i < DM_PCI_NBARS; i++)
		CU_ASSERT_EQUAL(rd(0, 0, DM_PCIR_BAR(i), 4), 0);
	/* acrn-dm's launch lines place them: no second copy. */
	CU_ASSERT_EQUAL_FATAL(bus(acrn), 0);
	CU_ASSERT_EQUAL(rd(0, 0, DM_PCIR_VENDOR, 4), 0x12378086);
	CU_ASSERT_EQUAL(rd(1, 0, DM_PCIR_VENDOR, 4), 0x70008086);
	CU_ASSERT_EQUAL(rd(31, 0, DM_PCIR_VENDOR, 4), 0xffffffff);
	done();
}

static void test_read_only(void)
{
	struct dm_pci_dev *d;
	unsigned int vcap;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	d = dm_pci_get(3, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	wr(3, 0, DM_PCIR_VENDOR, 4, 0);
	wr(3, 0, DM_PCIR_REVID, 4, 0xffffffff);
	wr(3, 0, DM_PCIR_SUBVEND, 4, 0);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_VENDOR, 4), 0x56781234);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_REVID, 4), 0xff000007);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_SUBVEND, 4), 0x00011234);
	/* COMMAND keeps only what it has. */
	wr(3, 0, DM_PCIR_COMMAND, 2, 0xffff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_COMMAND, 2), 0x0547);
	wr(3, 0, DM_PCIR_COMMAND, 2, 0);
	/* STATUS: CAP_LIST stays, an error bit is cleared by a 1 only. */
	d->cfg[DM_PCIR_STATUS + 1] |= 0x20;
	wr(3, 0, DM_PCIR_STATUS, 2, 0x0010);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_STATUS, 2), 0x2010);
	wr(3, 0, DM_PCIR_STATUS, 2, 0x2000);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_STATUS, 2), 0x0010);
	/* Interrupt line is the guest's, the pin is not. */
	wr(3, 0, DM_PCIR_INTLINE, 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_INTLINE, 4), 0x000001ff);
	/* A capability's ID and next pointer stay; its writable byte
	 * takes. */
	vcap = find_cap(3, DM_PCI_CAP_VENDOR);
	CU_ASSERT_NOT_EQUAL_FATAL(vcap, 0);
	wr(3, 0, vcap, 4, 0x00ffffff);
	CU_ASSERT_EQUAL(rd(3, 0, vcap, 2) & 0xff, DM_PCI_CAP_VENDOR);
	CU_ASSERT_EQUAL(rd(3, 0, vcap + 1, 1), find_cap(3, DM_PCI_CAP_MSIX));
	wr(3, 0, vcap + 4, 4, 0x12345678);
	CU_ASSERT_EQUAL(rd(3, 0, vcap + 4, 4), 0x78);
	CU_ASSERT(tdev.cfg_writes > 0);
	done();
}

static void test_access_sizes(void)
{
	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	CU_ASSERT_EQUAL(rd(3, 0, 0, 1), 0x34);
	CU_ASSERT_EQUAL(rd(3, 0, 1, 1), 0x12);
	CU_ASSERT_EQUAL(rd(3, 0, 2, 2), 0x5678);
	CU_ASSERT_EQUAL(rd(3, 0, 3, 1), 0x56);
	CU_ASSERT_EQUAL(rd(3, 0, 1, 2), 0x7812);	/* inside the dword */
	/* A word at 0x0c is cache line size and latency timer. */
	wr(3, 0, DM_PCIR_CACHELINE, 2, 0x4010);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_CACHELINE, 1), 0x10);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_LATENCY, 1), 0x40);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_CACHELINE, 4), 0x00004010);
	wr(3, 0, DM_PCIR_LATENCY, 1, 0x20);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_CACHELINE, 2), 0x2010);
	/* A byte write into COMMAND's high half: INTX_DISABLE only. */
	wr(3, 0, DM_PCIR_COMMAND + 1, 1, 0xff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_COMMAND, 4) & 0xffff, 0x0500);
	done();
}

static void test_hostile(void)
{
	uint8_t before[DM_PCI_CFG_SIZE];
	struct dm_pci_dev *d;
	uint64_t b4;
	uint32_t v;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	d = dm_pci_get(3, 0);
	memcpy(before, d->cfg, sizeof(before));
	CU_ASSERT_EQUAL(rd(3, 0, 0, 3), 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, 0, 8), 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, 0, 0), 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, 0xfff, 1), 0);		/* extended: 0 */
	CU_ASSERT_EQUAL(rd(3, 0, 0xfff, 4), 0xffffffff);	/* crosses */
	CU_ASSERT_EQUAL(rd(3, 0, 0x1000, 4), 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, 0x3e, 4), 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, 0x03, 2), 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, 0xff, 2), 0xffffffff);
	wr(3, 0, 0x04, 3, 0xffffff);
	wr(3, 0, 0x0b, 4, 0xffffffff);
	wr(3, 0, 0x3f, 2, 0xffff);
	wr(3, 0, 0xfff, 4, 0xffffffff);
	wr(3, 0, ~0U, 1, 0xff);
	wr(3, 0, 0x100, 4, 0xffffffff);
	CU_ASSERT_EQUAL(memcmp(before, d->cfg, sizeof(before)), 0);
	/* A PCICFG request with a size the 64-bit field makes 1 only
	 * when truncated. */
	{
		struct islet_io_request r;

		memset(&r, 0, sizeof(r));
		r.type = ISLET_IOREQ_TYPE_PCICFG;
		r.reqs.pci_request.direction = ISLET_IOREQ_DIR_WRITE;
		r.reqs.pci_request.size = 0x100000002ULL;
		r.reqs.pci_request.dev = 3;
		r.reqs.pci_request.reg = DM_PCIR_COMMAND;
		r.reqs.pci_request.value = 0xffff;
		dm_io_dispatch(&r);
	}
	CU_ASSERT_EQUAL(memcmp(before, d->cfg, sizeof(before)), 0);
	/* Random accesses anywhere (the sanitizers watch): to config space,
	 * ECAM, and the MSI-X BAR; the identity registers survive. */
	b4 = bar_addr(3, 4);
	srand(1);
	for (int i = 0; i < 20000; i++) {
		unsigned int reg = (unsigned int)rand() % 0x1100;
		unsigned int size = (unsigned int)rand() % 9;

		v = (uint32_t)rand() * 2654435761U;
		wr(3, 0, reg, size, v);
		(void)rd(3, 0, reg, size);
		mmio_wr(ecam(3, 0, 0) + (unsigned int)rand() % 0x2000,
			(unsigned int)rand() % 9, v);
		(void)mmio_rd(ecam(3, 0, 0) + (unsigned int)rand() % 0x2000,
			      (unsigned int)rand() % 9);
	}
	dm_pci_reset();
	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_MEM);
	wr(3, 0, find_cap(3, DM_PCI_CAP_MSIX) + 2, 2, DM_PCI_MSIX_CTRL_ENABLE);
	CU_ASSERT_TRUE(d->bar[4].registered);
	for (int i = 0; i < 20000; i++) {
		uint64_t a = b4 + (unsigned int)rand() % 0x1010 - 8;

		mmio_wr(a, (unsigned int)rand() % 9,
			(uint64_t)rand() << 32 | (unsigned int)rand());
		(void)mmio_rd(a, (unsigned int)rand() % 9);
		dm_pci_msix_send(d, (unsigned int)rand() % 8);
	}
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_VENDOR, 4), 0x56781234);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_INTPIN, 1), 1);
	done();
}

static void test_bar_sizing(void)
{
	uint64_t b0, b1, b2, b4;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	b0 = bar_addr(3, 0);
	b1 = bar_addr(3, 1);
	b2 = bar_addr(3, 2);
	b4 = bar_addr(3, 4);
	/* In the windows, naturally aligned, apart. */
	CU_ASSERT(b0 >= DM_PCI_IO_BASE && b0 + 256 - 1 <= DM_PCI_IO_LIMIT);
	CU_ASSERT_EQUAL(b0 % 256, 0);
	CU_ASSERT(b1 >= DM_PCI_MMIO_BASE &&
		  b1 + 8192 <= DM_PCI_MMIO_BASE + DM_PCI_MMIO_SIZE);
	CU_ASSERT_EQUAL(b1 % 8192, 0);
	CU_ASSERT_EQUAL(b2 % 16384, 0);
	CU_ASSERT(b2 >= DM_PCI_MMIO_BASE);
	CU_ASSERT_EQUAL(b4 % 4096, 0);
	CU_ASSERT(b4 + 4096 <= b1 || b1 + 8192 <= b4);
	CU_ASSERT(b2 + 16384 <= b1 || b1 + 8192 <= b2);

	wr(3, 0, DM_PCIR_BAR(0), 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_BAR(0), 4), 0xffffff01);
	wr(3, 0, DM_PCIR_BAR(1), 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_BAR(1), 4), 0xffffe000);
	wr(3, 0, DM_PCIR_BAR(2), 4, 0xffffffff);
	wr(3, 0, DM_PCIR_BAR(3), 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_BAR(2), 4), 0xffffc004);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_BAR(3), 4), 0xffffffff);
	/* Type bits survive a write of 0; no BAR 5, no ROM. */
	wr(3, 0, DM_PCIR_BAR(0), 4, 0);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_BAR(0), 4), 0x1);
	wr(3, 0, DM_PCIR_BAR(5), 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_BAR(5), 4), 0);
	wr(3, 0, DM_PCIR_ROM, 4, 0xffffffff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_ROM, 4), 0);
	/* Byte writes into a BAR: the bytes below the size stay 0. */
	wr(3, 0, DM_PCIR_BAR(1), 4, (uint32_t)b1);
	wr(3, 0, DM_PCIR_BAR(1) + 1, 1, 0xff);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_BAR(1), 4),
			(uint32_t)b1 | 0xe000);
	/* Back where they were. */
	wr(3, 0, DM_PCIR_BAR(0), 4, (uint32_t)b0);
	wr(3, 0, DM_PCIR_BAR(2), 4, (uint32_t)b2);
	wr(3, 0, DM_PCIR_BAR(3), 4, 0);
	CU_ASSERT_EQUAL(bar_addr(3, 0), b0);
	CU_ASSERT_EQUAL(bar_addr(3, 2), b2);
	done();
}

static void test_bar_decode(void)
{
	struct dm_pci_dev *d;
	uint64_t b0, b1;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	d = dm_pci_get(3, 0);
	b0 = bar_addr(3, 0);
	b1 = bar_addr(3, 1);
	/* Not decoding: nobody there. */
	CU_ASSERT_EQUAL(mmio_rd(b1 + 0x10, 4), 0xffffffff);
	CU_ASSERT_EQUAL(dm_unit_pio(b0, 1, false, 0), 0xff);
	CU_ASSERT_EQUAL(tdev.reads, 0);
	CU_ASSERT_FALSE(d->bar[1].registered);

	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_MEM);
	CU_ASSERT_TRUE(d->bar[1].registered);
	CU_ASSERT_FALSE(d->bar[0].registered);	/* ports still off */
	CU_ASSERT_EQUAL(mmio_rd(b1 + 0x10, 4), 0xa0010010);
	CU_ASSERT_EQUAL(tdev.last.bar, 1);
	CU_ASSERT_EQUAL(tdev.last.off, 0x10);
	CU_ASSERT_EQUAL(tdev.last.size, 4);
	mmio_wr(b1 + 0x1ff8, 8, 0x1122334455667788ULL);
	CU_ASSERT_EQUAL(tdev.writes, 1);
	CU_ASSERT_EQUAL(tdev.last.off, 0x1ff8);
	CU_ASSERT_EQUAL(tdev.last.value, 0x1122334455667788ULL);
	/* Past the end of the BAR: not the device's. */
	mmio_wr(b1 + 0x1ffc, 8, 1);
	CU_ASSERT_EQUAL(tdev.writes, 1);

	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_MEM | DM_PCI_CMD_IO);
	CU_ASSERT_EQUAL(dm_unit_pio(b0 + 3, 1, false, 0), 0x03);
	CU_ASSERT_EQUAL(tdev.last.bar, 0);
	CU_ASSERT_EQUAL(tdev.last.off, 3);

	/* Moved while decoding: the new place answers, the old does not. */
	tdev.reads = 0;
	wr(3, 0, DM_PCIR_BAR(1), 4, 0xd0000000);
	CU_ASSERT_EQUAL(mmio_rd(0xd0000020, 4), 0xa0010020);
	CU_ASSERT_EQUAL(tdev.reads, 1);
	CU_ASSERT_EQUAL(mmio_rd(b1 + 0x20, 4), 0xffffffff);
	CU_ASSERT_EQUAL(tdev.reads, 1);
	/* Sizing while decoding: neither all-ones nor 0 is a place. */
	wr(3, 0, DM_PCIR_BAR(1), 4, 0xffffffff);
	CU_ASSERT_FALSE(d->bar[1].registered);
	CU_ASSERT_EQUAL(mmio_rd(0xffffe000, 4), 0xffffffff);
	CU_ASSERT_EQUAL(mmio_rd(0xd0000020, 4), 0xffffffff);
	wr(3, 0, DM_PCIR_BAR(1), 4, 0);
	CU_ASSERT_FALSE(d->bar[1].registered);
	CU_ASSERT_EQUAL(mmio_rd(0, 4), 0xffffffff);
	CU_ASSERT_EQUAL(tdev.reads, 1);
	/* Onto something else (ECAM): left out, ECAM unharmed. */
	wr(3, 0, DM_PCIR_BAR(1), 4, (uint32_t)DM_PCI_ECAM_BASE);
	CU_ASSERT_FALSE(d->bar[1].registered);
	CU_ASSERT_EQUAL(mmio_rd(ecam(3, 0, 0), 4), 0x56781234);
	/* Moved through ECAM itself, while decoding. */
	mmio_wr(ecam(3, 0, DM_PCIR_BAR(1)), 4, 0xd0100000);
	CU_ASSERT_TRUE(d->bar[1].registered);
	CU_ASSERT_EQUAL(mmio_rd(0xd0100004, 4), 0xa0010004);
	/* A 64-bit BAR above 4 GiB, placed one half at a time. */
	wr(3, 0, DM_PCIR_BAR(3), 4, 0x1);
	CU_ASSERT_EQUAL(bar_addr(3, 2) >> 32, 1);
	CU_ASSERT_TRUE(d->bar[2].registered);
	CU_ASSERT_EQUAL(mmio_rd(bar_addr(3, 2) + 8, 4), 0xa0020008);
	/* Decoding off: all gone. */
	wr(3, 0, DM_PCIR_COMMAND, 2, 0);
	for (int i = 0; i < DM_PCI_NBARS; i++)
		CU_ASSERT_FALSE(d->bar[i].registered);
	CU_ASSERT_EQUAL(mmio_rd(0xd0100004, 4), 0xffffffff);
	done();
}

/* One vCPU moves BAR 1 back and forth through ECAM while another reads
 * both places: no deadlock, and a read gets the device's answer for the
 * right offset or all-ones, never another offset's. */
#define RACE_A		0xd0000000U
#define RACE_B		0xd0200000U
#define RACE_ROUNDS	4000

static bool race_stop;

static void *race_mover(void *arg)
{
	for (int i = 0; i < RACE_ROUNDS; i++)
		mmio_wr(ecam(3, 0, DM_PCIR_BAR(1)), 4,
			i & 1 ? RACE_A : RACE_B);
	__atomic_store_n(&race_stop, true, __ATOMIC_RELEASE);
	return NULL;
}

static void test_bar_race(void)
{
	unsigned int bad = 0;
	pthread_t t;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_MEM);
	__atomic_store_n(&race_stop, false, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, race_mover, NULL), 0);
	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		for (unsigned int off = 0; off < 0x2000; off += 0x7f8) {
			uint64_t va = mmio_rd(RACE_A + off, 4);
			uint64_t vb = mmio_rd(RACE_B + off, 4);

			bad += va != 0xffffffff && va != (0xa0010000U | off);
			bad += vb != 0xffffffff && vb != (0xa0010000U | off);
		}
	}
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(bad, 0);
	/* Where the last move left it (how many reads hit on the way is
	 * up to the scheduler). */
	CU_ASSERT_EQUAL(mmio_rd(RACE_A + 8, 4), 0xa0010008);
	CU_ASSERT_EQUAL(mmio_rd(RACE_B + 8, 4), 0xffffffff);
	done();
}

/* MSI-X table entry @vec's dword @field, through BAR 4. */
static uint64_t table(unsigned int vec, unsigned int field)
{
	return bar_addr(3, 4) + vec * 16 + field;
}

static void test_msix(void)
{
	struct dm_pci_dev *d;
	unsigned int cap;
	uint64_t pba;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	d = dm_pci_get(3, 0);
	pba = bar_addr(3, 4) + 0x800;
	cap = find_cap(3, DM_PCI_CAP_MSIX);
	CU_ASSERT_NOT_EQUAL_FATAL(cap, 0);
	CU_ASSERT_EQUAL(rd(3, 0, cap + 2, 2), 3);	/* 4 vectors */
	CU_ASSERT_EQUAL(rd(3, 0, cap + 4, 4), 4);	/* table 0, BIR 4 */
	CU_ASSERT_EQUAL(rd(3, 0, cap + 8, 4), 0x804);
	wr(3, 0, cap + 4, 4, 0xffffffff);		/* read-only */
	CU_ASSERT_EQUAL(rd(3, 0, cap + 4, 4), 4);

	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_MEM | DM_PCI_CMD_MASTER);
	/* Entries come up masked; the table takes 4 and 8 bytes. */
	CU_ASSERT_EQUAL(mmio_rd(table(1, 12), 4), 1);
	mmio_wr(table(1, 0), 8, 0x00000000fee01000ULL);
	mmio_wr(table(1, 8), 4, 0x4041);
	CU_ASSERT_EQUAL(mmio_rd(table(1, 0), 8), 0xfee01000);
	CU_ASSERT_EQUAL(mmio_rd(table(1, 8), 8), 0x100004041ULL);
	CU_ASSERT_EQUAL(mmio_rd(table(1, 8), 2), 0);	/* size 2 */
	CU_ASSERT_EQUAL(mmio_rd(table(1, 2), 4), 0);	/* unaligned */
	mmio_wr(table(1, 8), 2, 0xffff);
	mmio_wr(table(1, 4), 8, ~0ULL);			/* unaligned */
	CU_ASSERT_EQUAL(mmio_rd(table(1, 8), 4), 0x4041);
	CU_ASSERT_EQUAL(mmio_rd(table(1, 4), 4), 0);
	CU_ASSERT_EQUAL(tdev.reads + tdev.writes, 0);	/* not the device's */

	/* Disabled: nothing sent, nothing pending. */
	dm_pci_msix_send(d, 1);
	CU_ASSERT_EQUAL(rec.nmsi, 0);
	CU_ASSERT_EQUAL(mmio_rd(pba, 8), 0);
	wr(3, 0, cap + 2, 2, DM_PCI_MSIX_CTRL_ENABLE);
	CU_ASSERT_TRUE(dm_pci_msix_enabled(d));
	CU_ASSERT_EQUAL(rd(3, 0, cap + 2, 2), DM_PCI_MSIX_CTRL_ENABLE | 3);

	/* Masked: pending; unmasked: sent exactly once. */
	dm_pci_msix_send(d, 1);
	CU_ASSERT_EQUAL(rec.nmsi, 0);
	CU_ASSERT_EQUAL(mmio_rd(pba, 4), 0x2);
	mmio_wr(pba, 4, 0);				/* read-only */
	CU_ASSERT_EQUAL(mmio_rd(pba, 4), 0x2);
	mmio_wr(table(1, 12), 4, 0);
	CU_ASSERT_EQUAL(rec.nmsi, 1);
	CU_ASSERT_EQUAL(rec.addr[0], 0xfee01000);
	CU_ASSERT_EQUAL(rec.data[0], 0x4041);
	CU_ASSERT_EQUAL(mmio_rd(pba, 4), 0);
	mmio_wr(table(1, 12), 4, 0);			/* no second one */
	CU_ASSERT_EQUAL(rec.nmsi, 1);
	dm_pci_msix_send(d, 1);
	CU_ASSERT_EQUAL(rec.nmsi, 2);
	dm_pci_msix_send(d, 4);				/* out of range */
	dm_pci_msix_send(d, 1000);
	CU_ASSERT_EQUAL(rec.nmsi, 2);

	/* The function mask holds every vector. */
	wr(3, 0, cap + 3, 1, (DM_PCI_MSIX_CTRL_ENABLE |
			      DM_PCI_MSIX_CTRL_MASK) >> 8);
	dm_pci_msix_send(d, 1);
	dm_pci_msix_send(d, 1);
	CU_ASSERT_EQUAL(rec.nmsi, 2);
	CU_ASSERT_EQUAL(mmio_rd(pba, 8), 0x2);
	wr(3, 0, cap + 2, 2, DM_PCI_MSIX_CTRL_ENABLE);
	CU_ASSERT_EQUAL(rec.nmsi, 3);
	CU_ASSERT_EQUAL(mmio_rd(pba, 8), 0);

	/* Disabled again: INTx comes back. */
	dm_pci_intx(d, true);
	CU_ASSERT_EQUAL(rec.ngsi, 0);
	wr(3, 0, cap + 2, 2, 0);
	CU_ASSERT_EQUAL(rec.ngsi, 1);
	CU_ASSERT_TRUE(rec.level[0]);
	dm_pci_msix_send(d, 1);
	CU_ASSERT_EQUAL(rec.nmsi, 3);
	wr(3, 0, cap + 2, 2, DM_PCI_MSIX_CTRL_ENABLE);
	CU_ASSERT_EQUAL(rec.ngsi, 2);
	CU_ASSERT_FALSE(rec.level[1]);
	done();
}

static void test_intx(void)
{
	static const char *const two[] = { "3:0,pcitest", "3:1,pcitest",
					   NULL };
	unsigned int gsi = DM_PCI_INTX_GSI(3, 1);
	struct dm_pci_dev *d, *d1;

	CU_ASSERT_EQUAL_FATAL(bus(two), 0);
	d = dm_pci_get(3, 0);
	d1 = dm_pci_get(3, 1);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_INTPIN, 1), 1);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_INTLINE, 1), gsi);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_HDRTYPE, 1), DM_PCI_HDR_MULTIFUNC);
	CU_ASSERT_EQUAL(rd(3, 1, DM_PCIR_HDRTYPE, 1), 0);

	dm_pci_intx(d, true);
	CU_ASSERT_EQUAL_FATAL(rec.ngsi, 1);
	CU_ASSERT_EQUAL(rec.gsi[0], gsi);
	CU_ASSERT_TRUE(rec.level[0]);
	CU_ASSERT(rd(3, 0, DM_PCIR_STATUS, 2) & DM_PCI_STS_INTX);
	dm_pci_intx(d, true);				/* no change */
	CU_ASSERT_EQUAL(rec.ngsi, 1);
	/* INTX_DISABLE lowers the line, STATUS still shows the level. */
	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_INTX_DISABLE);
	CU_ASSERT_EQUAL_FATAL(rec.ngsi, 2);
	CU_ASSERT_FALSE(rec.level[1]);
	CU_ASSERT(rd(3, 0, DM_PCIR_STATUS, 2) & DM_PCI_STS_INTX);
	wr(3, 0, DM_PCIR_COMMAND, 2, 0);
	CU_ASSERT_EQUAL_FATAL(rec.ngsi, 3);
	CU_ASSERT_TRUE(rec.level[2]);
	dm_pci_intx(d, false);
	CU_ASSERT_EQUAL_FATAL(rec.ngsi, 4);
	CU_ASSERT_FALSE(rec.level[3]);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_STATUS, 2) & DM_PCI_STS_INTX, 0);
	/* Disabled while low: raising does nothing to the line. */
	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_INTX_DISABLE);
	dm_pci_intx(d, true);
	CU_ASSERT_EQUAL(rec.ngsi, 4);
	dm_pci_intx(d, false);
	wr(3, 0, DM_PCIR_COMMAND, 2, 0);
	CU_ASSERT_EQUAL(rec.ngsi, 4);

	/* Two functions on one GSI: it stays high while either holds it. */
	dm_pci_intx(d, true);
	dm_pci_intx(d1, true);
	CU_ASSERT_EQUAL(rec.ngsi, 5);
	dm_pci_intx(d, false);
	CU_ASSERT_EQUAL(rec.ngsi, 5);
	dm_pci_intx(d1, false);
	CU_ASSERT_EQUAL_FATAL(rec.ngsi, 6);
	CU_ASSERT_FALSE(rec.level[5]);
	done();
}

static void test_caps(void)
{
	static const uint8_t body[32] = { 0x0a };
	struct dm_pci_dev *d;
	unsigned int p, n = 0, added = 0, off;
	bool seen_msix = false;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	d = dm_pci_get(3, 0);
	CU_ASSERT(rd(3, 0, DM_PCIR_STATUS, 2) & DM_PCI_STS_CAP_LIST);
	/* Fill the rest of config space; the bus says when it is full. */
	while ((off = dm_pci_add_cap(d, body, sizeof(body), NULL)) != 0) {
		CU_ASSERT(off + sizeof(body) <= DM_PCI_CFG_SIZE);
		added++;
	}
	CU_ASSERT(added > 0);
	CU_ASSERT_EQUAL(dm_pci_add_cap(d, body, 1, NULL), 0);
	for (p = rd(3, 0, DM_PCIR_CAP_PTR, 1); p && n < 64; n++) {
		CU_ASSERT(p >= DM_PCI_CAP_START && p < DM_PCI_CFG_SIZE);
		CU_ASSERT_EQUAL(p % 4, 0);
		seen_msix |= rd(3, 0, p, 1) == DM_PCI_CAP_MSIX;
		p = rd(3, 0, p + 1, 1);
	}
	CU_ASSERT_EQUAL(n, 2 + added);	/* vendor, MSI-X, ours */
	CU_ASSERT_TRUE(seen_msix);
	/* The hostbridge has none. */
	CU_ASSERT_EQUAL(rd(0, 0, DM_PCIR_STATUS, 2) & DM_PCI_STS_CAP_LIST, 0);
	CU_ASSERT_EQUAL(rd(0, 0, DM_PCIR_CAP_PTR, 1), 0);
	done();
}

static void test_ecam(void)
{
	static const unsigned int fns[][2] = { { 0, 0 }, { 3, 0 },
					       { 31, 0 } };
	struct islet_io_request r;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	for (unsigned int f = 0; f < 3; f++) {
		unsigned int s = fns[f][0];

		for (unsigned int reg = 0; reg < DM_PCI_CFG_SIZE; reg++) {
			CU_ASSERT_EQUAL(mmio_rd(ecam(s, 0, reg), 1),
					rd(s, 0, reg, 1));
			if (reg % 2 == 0)
				CU_ASSERT_EQUAL(mmio_rd(ecam(s, 0, reg), 2),
						rd(s, 0, reg, 2));
			if (reg % 4 == 0)
				CU_ASSERT_EQUAL(mmio_rd(ecam(s, 0, reg), 4),
						rd(s, 0, reg, 4));
		}
	}
	CU_ASSERT_EQUAL(mmio_rd(ecam(3, 0, 0x100), 4), 0);
	CU_ASSERT_EQUAL(mmio_rd(ecam(3, 0, 0), 8), ~0ULL);
	mmio_wr(ecam(3, 0, DM_PCIR_INTLINE), 1, 0x0b);
	CU_ASSERT_EQUAL(rd(3, 0, DM_PCIR_INTLINE, 1), 0x0b);
	/* The HSM's PCICFG requests, through io.c. */
	memset(&r, 0, sizeof(r));
	r.type = ISLET_IOREQ_TYPE_PCICFG;
	r.reqs.pci_request.direction = ISLET_IOREQ_DIR_READ;
	r.reqs.pci_request.size = 2;
	r.reqs.pci_request.dev = 3;
	r.reqs.pci_request.reg = 2;
	dm_io_dispatch(&r);
	CU_ASSERT_EQUAL(r.reqs.pci_request.value, 0x5678);
	r.reqs.pci_request.direction = ISLET_IOREQ_DIR_WRITE;
	r.reqs.pci_request.size = 1;
	r.reqs.pci_request.reg = DM_PCIR_INTLINE;
	r.reqs.pci_request.value = 0x0c;
	dm_io_dispatch(&r);
	CU_ASSERT_EQUAL(mmio_rd(ecam(3, 0, DM_PCIR_INTLINE), 1), 0x0c);
	done();
}

static void test_slot_errors(void)
{
	static const char *const unknown[] = { "3:0,foo", NULL };
	static const char *const no_fn0[] = { "4:1,pcitest", NULL };
	static const char *const failing[] = { "2,pcitest",
					       "5:0,pcitest,fail", NULL };

	CU_ASSERT_EQUAL(bus(unknown), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "-s 3:0,foo: no device type foo");
	CU_ASSERT_EQUAL(bus(no_fn0), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "-s 4:1,pcitest: slot 4 has no "
			       "function 0");
	CU_ASSERT_EQUAL(bus(failing), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "-s 5:0,pcitest: refused to start");
	/* Nothing left behind: the one that started was taken down, and
	 * the windows are free. */
	CU_ASSERT_EQUAL(tdev.deinits, 1);
	CU_ASSERT_PTR_NULL(dm_pci_get(0, 0));
	CU_ASSERT_PTR_NULL(dm_pci_get(2, 0));
	CU_ASSERT_EQUAL(dm_io_register(DM_MMIO, DM_PCI_ECAM_BASE,
				       DM_PCI_ECAM_SIZE, &no_ops, NULL, "x"),
			0);
	done();
}

static void test_reset(void)
{
	uint8_t power_on[DM_PCI_CFG_SIZE];
	struct dm_pci_dev *d;
	unsigned int cap;
	uint64_t b1;

	CU_ASSERT_EQUAL_FATAL(bus(test_slots), 0);
	d = dm_pci_get(3, 0);
	memcpy(power_on, d->cfg, sizeof(power_on));
	b1 = bar_addr(3, 1);
	cap = find_cap(3, DM_PCI_CAP_MSIX);
	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_MEM | DM_PCI_CMD_IO);
	wr(3, 0, DM_PCIR_BAR(1), 4, 0xd0000000);
	wr(3, 0, DM_PCIR_INTLINE, 1, 5);
	wr(3, 0, cap + 2, 2, DM_PCI_MSIX_CTRL_ENABLE);
	mmio_wr(table(0, 12), 4, 0);
	wr(3, 0, cap + 2, 2, DM_PCI_MSIX_CTRL_ENABLE | DM_PCI_MSIX_CTRL_MASK);
	dm_pci_msix_send(d, 0);
	wr(3, 0, cap + 2, 2, 0);
	dm_pci_intx(d, true);
	CU_ASSERT_EQUAL(rec.ngsi, 1);
	CU_ASSERT(d->bar[1].registered);

	dm_pci_reset();
	CU_ASSERT_EQUAL(memcmp(power_on, d->cfg, sizeof(power_on)), 0);
	CU_ASSERT_EQUAL(bar_addr(3, 1), b1);
	for (int i = 0; i < DM_PCI_NBARS; i++)
		CU_ASSERT_FALSE(d->bar[i].registered);
	CU_ASSERT_EQUAL(mmio_rd(0xd0000000, 4), 0xffffffff);
	CU_ASSERT_EQUAL(d->msix.pending, 0);
	CU_ASSERT_EQUAL(d->msix.entry[0].ctrl, DM_PCI_MSIX_VEC_MASKED);
	CU_ASSERT_FALSE(d->intx_level);
	CU_ASSERT_EQUAL_FATAL(rec.ngsi, 2);
	CU_ASSERT_FALSE(rec.level[1]);
	CU_ASSERT_EQUAL(tdev.resets, 1);
	/* And it works as at power-on. */
	wr(3, 0, DM_PCIR_COMMAND, 2, DM_PCI_CMD_MEM);
	CU_ASSERT_EQUAL(mmio_rd(b1, 4), 0xa0010000);
	done();
	CU_ASSERT_EQUAL(tdev.deinits, 1);
}

static const struct unit_test tests[] = {
	{ "device types linked in", test_linker_set },
	{ "absent functions read all-ones", test_absent },
	{ "host bridge and LPC bridge", test_bridges },
	{ "read-only and write-1-to-clear bits", test_read_only },
	{ "byte, word and dword accesses", test_access_sizes },
	{ "hostile configuration accesses", test_hostile },
	{ "BAR placement and sizing", test_bar_sizing },
	{ "BAR decoding, moves and routing", test_bar_decode },
	{ "BAR moves racing accesses", test_bar_race },
	{ "MSI-X table, masks and pending bits", test_msix },
	{ "INTx, INTX_DISABLE and shared lines", test_intx },
	{ "capability list", test_caps },
	{ "ECAM and PCICFG requests", test_ecam },
	{ "-s errors", test_slot_errors },
	{ "reset to the power-on image", test_reset },
};

int register_pci_tests(void)
{
	return UNIT_SUITE("pci", tests);
}
