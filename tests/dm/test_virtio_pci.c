/*
 * The virtio PCI transport (devicemodel/virtio/virtio.c) with virtio-rnd
 * on the real PCI bus, driven as Linux's virtio_pci_modern driver drives
 * it: PCICFG accesses and MMIO requests through io.c, on the machine of
 * vdev_driver.h (guest RAM faked over a malloc'd buffer in dm_vm.mem),
 * with rings of the test's own and every interrupt recorded through
 * dm_irq.  A device type of the test's own, "virtio-test", has device
 * configuration and completes its requests from another thread, as
 * virtio-blk will.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "pci.h"
#include "virtio.h"
#include "vdev_driver.h"
#include "dm_unit.h"

#define SLOT		VDRV_SLOT
#define DESC_GPA	0x10000U
#define AVAIL_GPA	0x11000U
#define USED_GPA	0x12000U
#define BUF_GPA		0x20000U
#define QSIZE		16
#define INTX_GSI	DM_PCI_INTX_GSI(SLOT, 1)
#define MSI_ADDR	0xfee00000U

/* ---- Fake interrupt controllers ---- */

static struct {
	unsigned int msis;
	uint64_t addr;
	uint32_t data;
	bool gsi[64];
} irq;

static void rec_gsi(unsigned int gsi, bool level)
{
	if (gsi < 64)
		irq.gsi[gsi] = level;
}

static void rec_msi(uint64_t addr, uint32_t data)
{
	irq.msis++;
	irq.addr = addr;
	irq.data = data;
}

static const struct dm_irq_ops recorder = { .gsi = rec_gsi, .msi = rec_msi };

/* ---- virtio-test: holds a chain for a worker thread ---- */

static struct {
	struct virtio_dev *v;
	struct virtq_chain held;
	unsigned int held_n, resets, config_writes;
	uint8_t config[8];
} vt;

static void vt_notify(struct virtio_dev *v, unsigned int q)
{
	struct virtq_seg segs[4];

	if (virtio_queue_pop(v, q, segs, 4, &vt.held) > 0)
		vt.held_n++;
}

static void vt_reset(struct virtio_dev *v)
{
	vt.resets++;
}

static void vt_config_read(struct virtio_dev *v, unsigned int off,
			   unsigned int size, uint64_t *value)
{
	*value = 0;
	memcpy(value, vt.config + off, size);
}

static void vt_config_write(struct virtio_dev *v, unsigned int off,
			    unsigned int size, uint64_t value)
{
	vt.config_writes++;
	memcpy(vt.config + off, &value, size);
}

static int vt_virtio_init(struct virtio_dev *v, const char *conf,
			  struct dm_error *err)
{
	memset(&vt, 0, sizeof(vt));
	memcpy(vt.config, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	vt.v = v;
	return 0;
}

static const struct virtio_ops vt_virtio_ops = {
	.device_id = 42,
	.class_code = 0xff0000,
	.features = 1ULL << 3,
	.nqueues = 2,
	.queue_size = 16,
	.config_size = 8,
	.init = vt_virtio_init,
	.reset = vt_reset,
	.config_read = vt_config_read,
	.config_write = vt_config_write,
	.queue_notify = vt_notify,
};

static int vt_init(struct dm_pci_dev *d, const char *conf,
		   struct dm_error *err)
{
	return virtio_pci_init(d, &vt_virtio_ops, conf, err);
}

static const struct dm_pci_ops vt_pci_ops = {
	.name = "virtio-test",
	.init = vt_init,
	.deinit = virtio_pci_deinit,
	.reset = virtio_pci_reset,
	.bar_read = virtio_pci_bar_read,
	.bar_write = virtio_pci_bar_write,
	.cfg_written = virtio_pci_cfg_written,
};
DM_PCI_DEVICE(vt_pci_ops);

/* ---- The machine ---- */

static uint8_t *ram;
static uint64_t bar;		/* BAR 4's address */
static uint16_t avail_idx;

static uint32_t cfg_read(unsigned int reg, unsigned int size)
{
	uint32_t v = 0;

	dm_pci_cfg_access(0, SLOT, 0, reg, size, false, &v);
	return v;
}

static void cfg_write(unsigned int reg, unsigned int size, uint32_t v)
{
	dm_pci_cfg_access(0, SLOT, 0, reg, size, true, &v);
}

/* The machine of vdev_driver.h with device type @dev, its interrupts
 * recorded here in detail. */
static void setup_dev(const char *dev)
{
	struct dm_error err = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(vdrv_start(dev, "", &err), 0);
	memset(&irq, 0, sizeof(irq));
	dm_irq = &recorder;	/* vdrv_stop() puts the real one back */
	ram = vdrv_ram(0);
	avail_idx = 0;
	bar = dm_unit_virtio_bar(SLOT);
}

static void setup(void)
{
	setup_dev("virtio-rnd");
}

static void teardown(void)
{
	vdrv_stop();
	ram = NULL;
}

/* Queue 0 at the test's rings, vector @vec, enabled; then DRIVER_OK. */
static void setup_queue(uint16_t vec)
{
	vdrv_common_wr(VIRTIO_COMMON_Q_SELECT, 2, 0);
	vdrv_common_wr(VIRTIO_COMMON_Q_SIZE, 2, QSIZE);
	vdrv_common_wr(VIRTIO_COMMON_Q_MSIX, 2, vec);
	vdrv_common_wr(VIRTIO_COMMON_Q_DESC, 4, DESC_GPA);	/* two halves */
	vdrv_common_wr(VIRTIO_COMMON_Q_DESC + 4, 4, 0);
	vdrv_common_wr(VIRTIO_COMMON_Q_AVAIL, 8, AVAIL_GPA);
	vdrv_common_wr(VIRTIO_COMMON_Q_USED, 8, USED_GPA);
	vdrv_common_wr(VIRTIO_COMMON_Q_ENABLE, 2, 1);
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE |
		  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		  VIRTIO_STATUS_DRIVER_OK);
}

/* MSI-X on, entry @vec sending @data, unmasked. */
static void msix_on(unsigned int cap, unsigned int vec, uint32_t data)
{
	uint64_t e = bar + VIRTIO_MSIX_TABLE_OFF + 16ULL * vec;

	dm_unit_mmio(e, 4, true, MSI_ADDR);
	dm_unit_mmio(e + 4, 4, true, 0);
	dm_unit_mmio(e + 8, 4, true, data);
	dm_unit_mmio(e + 12, 4, true, 0);
	cfg_write(cap + 2, 2, DM_PCI_MSIX_CTRL_ENABLE | (cfg_read(cap + 2, 2) &
							 0x7ff));
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(ram + gpa, &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram + gpa, 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

/* A request: descriptor 0 -> @len writable bytes at BUF_GPA, next to
 * itself when @loop (a hostile driver). */
static void request(uint32_t len, bool loop)
{
	uint64_t addr = BUF_GPA;
	uint16_t flags = VIRTQ_DESC_F_WRITE | (loop ? VIRTQ_DESC_F_NEXT : 0);
	uint16_t next = 0;

	memcpy(ram + DESC_GPA, &addr, 8);
	memcpy(ram + DESC_GPA + 8, &len, 4);
	memcpy(ram + DESC_GPA + 12, &flags, 2);
	memcpy(ram + DESC_GPA + 14, &next, 2);
	put16(AVAIL_GPA + 4 + 2 * (avail_idx % QSIZE), 0);
	avail_idx++;
	put16(AVAIL_GPA + 2, avail_idx);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- Tests ---- */

struct vcap {
	unsigned int pos;
	uint8_t bar;
	uint32_t offset, length, extra;
};

/* The capability list as Linux walks it: from CAP_PTR along next
 * pointers, the first vendor capability of each cfg_type. */
static unsigned int walk_caps(struct vcap found[6], unsigned int *msix)
{
	unsigned int pos = cfg_read(DM_PCIR_CAP_PTR, 1), n = 0;

	memset(found, 0, 6 * sizeof(*found));
	*msix = 0;
	while (pos && n++ < 48) {
		uint8_t id = (uint8_t)cfg_read(pos, 1);

		CU_ASSERT_EQUAL(pos % 4, 0);
		if (id == DM_PCI_CAP_MSIX)
			*msix = pos;
		if (id == DM_PCI_CAP_VENDOR) {
			uint8_t type = (uint8_t)cfg_read(pos + 3, 1);

			if (type >= 1 && type <= 5 && !found[type].pos)
				found[type] = (struct vcap){
					pos, (uint8_t)cfg_read(pos + 4, 1),
					cfg_read(pos + 8, 4),
					cfg_read(pos + 12, 4),
					cfg_read(pos + 2, 1) >= 20 ?
					cfg_read(pos + 16, 4) : 0 };
		}
		pos = cfg_read(pos + 1, 1);
	}
	return n;
}

static void test_identity_and_caps(void)
{
	struct dm_pci_dev *d;
	struct vcap c[6];
	unsigned int msix;

	setup();
	d = dm_pci_get(SLOT, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_VENDOR, 2), 0x1af4);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_DEVICE, 2), 0x1044);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_REVID, 1), 1);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_SUBVEND, 2), 0x1af4);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_SUBDEV, 2), 4);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_INTPIN, 1), 1);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_BAR(VIRTIO_BAR), 4) & 0x7, 0x4);
	CU_ASSERT_EQUAL(d->bar[VIRTIO_BAR].size, VIRTIO_BAR_SIZE);
	CU_ASSERT(cfg_read(DM_PCIR_STATUS, 2) & DM_PCI_STS_CAP_LIST);

	CU_ASSERT(walk_caps(c, &msix) < 48);	/* the list ends */
	for (int t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_ISR_CFG;
	     t++) {
		CU_ASSERT_NOT_EQUAL(c[t].pos, 0);
		CU_ASSERT_EQUAL(c[t].bar, VIRTIO_BAR);
		/* Linux maps each structure from the BAR's resource. */
		CU_ASSERT(c[t].offset + c[t].length <= VIRTIO_BAR_SIZE);
	}
	CU_ASSERT(c[VIRTIO_PCI_CAP_COMMON_CFG].length >= 0x38);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_COMMON_CFG].offset, VIRTIO_COMMON_OFF);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_ISR_CFG].offset, VIRTIO_ISR_OFF);
	CU_ASSERT(c[VIRTIO_PCI_CAP_ISR_CFG].length >= 1);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_NOTIFY_CFG].offset,
			VIRTIO_NOTIFY_OFF);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_NOTIFY_CFG].extra, 4);	/* mult */
	CU_ASSERT(c[VIRTIO_PCI_CAP_NOTIFY_CFG].length >= 2);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_DEVICE_CFG].pos, 0);	/* rng: none */
	CU_ASSERT_NOT_EQUAL(c[VIRTIO_PCI_CAP_PCI_CFG].pos, 0);
	/* The order: common, notify, ISR, then the window. */
	CU_ASSERT(c[1].pos < c[2].pos && c[2].pos < c[3].pos &&
		  c[3].pos < c[5].pos);
	/* MSI-X: a vector for the queue and one for the configuration,
	 * table and PBA in the same BAR. */
	CU_ASSERT_NOT_EQUAL_FATAL(msix, 0);
	CU_ASSERT_EQUAL(cfg_read(msix + 2, 2) & 0x7ff, 1);
	CU_ASSERT_EQUAL(cfg_read(msix + 4, 4),
			VIRTIO_MSIX_TABLE_OFF | VIRTIO_BAR);
	CU_ASSERT_EQUAL(cfg_read(msix + 8, 4),
			VIRTIO_MSIX_PBA_OFF | VIRTIO_BAR);
	/* Capabilities are read-only, but for the window's fields. */
	cfg_write(c[1].pos + 8, 4, 0x1234);
	CU_ASSERT_EQUAL(cfg_read(c[1].pos + 8, 4), VIRTIO_COMMON_OFF);
	teardown();
}

static void test_features(void)
{
	uint64_t offered;

	/* (CU_ASSERT takes an int: 64-bit masks are compared with 0.) */
	setup();
	vdrv_common_wr(VIRTIO_COMMON_DFSELECT, 4, 0);
	offered = vdrv_common_rd(VIRTIO_COMMON_DF, 4);
	vdrv_common_wr(VIRTIO_COMMON_DFSELECT, 4, 1);
	offered |= vdrv_common_rd(VIRTIO_COMMON_DF, 4) << 32;
	vdrv_common_wr(VIRTIO_COMMON_DFSELECT, 4, 2);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_DF, 4), 0);
	CU_ASSERT((offered & (1ULL << VIRTIO_F_VERSION_1)) != 0);
	CU_ASSERT((offered & (1ULL << VIRTIO_F_INDIRECT_DESC)) != 0);
	CU_ASSERT((offered & (1ULL << VIRTIO_F_EVENT_IDX)) != 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_NUMQ, 2), 1);

	/* A legacy driver's features (no VERSION_1): refused. */
	vdrv_negotiate(1ULL << VIRTIO_F_INDIRECT_DESC);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1),
			VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* Nor will DRIVER_OK stick without FEATURES_OK. */
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE |
		  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1) &
			VIRTIO_STATUS_DRIVER_OK, 0);
	/* A feature that was not offered: refused. */
	vdrv_negotiate((1ULL << VIRTIO_F_VERSION_1) | (1ULL << 5));
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1) &
			VIRTIO_STATUS_FEATURES_OK, 0);
	/* VERSION_1 and EVENT_IDX: accepted, and then fixed. */
	vdrv_negotiate((1ULL << VIRTIO_F_VERSION_1) |
		       (1ULL << VIRTIO_F_EVENT_IDX));
	CU_ASSERT(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_FEATURES_OK);
	vdrv_common_wr(VIRTIO_COMMON_GFSELECT, 4, 0);
	vdrv_common_wr(VIRTIO_COMMON_GF, 4, 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_GF, 4),
			1U << VIRTIO_F_EVENT_IDX);
	/* Wrong widths read 0 and write nothing. */
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 2), 0);
	vdrv_common_wr(VIRTIO_COMMON_STATUS - 1, 2, 0);
	CU_ASSERT(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_FEATURES_OK);
	teardown();
}

static void test_queue_setup(void)
{
	setup();
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	vdrv_common_wr(VIRTIO_COMMON_Q_SELECT, 2, 0);
	/* The maximum */
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_SIZE, 2), 64);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_NOFF, 2), 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_MSIX, 2),
			VIRTIO_MSI_NO_VECTOR);
	/* Sizes: a power of two up to the maximum, else ignored. */
	vdrv_common_wr(VIRTIO_COMMON_Q_SIZE, 2, 128);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_SIZE, 2), 64);
	vdrv_common_wr(VIRTIO_COMMON_Q_SIZE, 2, 24);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_SIZE, 2), 64);
	vdrv_common_wr(VIRTIO_COMMON_Q_SIZE, 2, QSIZE);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_SIZE, 2), QSIZE);
	/* Vectors: 0 and 1 exist; out of range reads back NO_VECTOR. */
	vdrv_common_wr(VIRTIO_COMMON_Q_MSIX, 2, 1);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_MSIX, 2), 1);
	vdrv_common_wr(VIRTIO_COMMON_Q_MSIX, 2, 2);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_MSIX, 2),
			VIRTIO_MSI_NO_VECTOR);
	vdrv_common_wr(VIRTIO_COMMON_MSIX, 2, 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_MSIX, 2), 0);
	vdrv_common_wr(VIRTIO_COMMON_MSIX, 2, 7);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_MSIX, 2),
			VIRTIO_MSI_NO_VECTOR);
	/* Addresses, by halves and whole. */
	vdrv_common_wr(VIRTIO_COMMON_Q_DESC, 4, 0x89abc000);
	vdrv_common_wr(VIRTIO_COMMON_Q_DESC + 4, 4, 0x1);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_DESC, 8),
			0x189abc000ULL);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_DESC + 4, 4), 1);
	/* Past RAM: enabling fails and the device needs a reset. */
	vdrv_common_wr(VIRTIO_COMMON_Q_ENABLE, 2, 1);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_ENABLE, 2), 0);
	CU_ASSERT(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_NEEDS_RESET);
	/* After a reset, good addresses work. */
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(VIRTIO_MSI_NO_VECTOR);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_ENABLE, 2), 1);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_AVAIL, 8), AVAIL_GPA);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1),
			VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	/* Fixed while enabled. */
	vdrv_common_wr(VIRTIO_COMMON_Q_USED, 8, 0x40000);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_USED, 8), USED_GPA);
	/* A queue that does not exist. */
	vdrv_common_wr(VIRTIO_COMMON_Q_SELECT, 2, 1);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_SIZE, 2), 0);
	vdrv_common_wr(VIRTIO_COMMON_Q_ENABLE, 2, 1);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_ENABLE, 2), 0);
	teardown();
}

static void test_rnd_msix(void)
{
	struct vcap c[6];
	unsigned int msix;

	setup();
	walk_caps(c, &msix);
	msix_on(msix, 1, 0x41);
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(1);
	request(64, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	CU_ASSERT_EQUAL(get32(USED_GPA + 4), 0);	/* id */
	CU_ASSERT_EQUAL(get32(USED_GPA + 8), 64);	/* len */
	CU_ASSERT_FALSE(all_zero(ram + BUF_GPA, 64));
	CU_ASSERT(all_zero(ram + BUF_GPA + 64, 64));	/* no more */
	CU_ASSERT_EQUAL(irq.msis, 1);
	CU_ASSERT_EQUAL(irq.addr, MSI_ADDR);
	CU_ASSERT_EQUAL(irq.data, 0x41);
	CU_ASSERT_FALSE(irq.gsi[INTX_GSI]);
	/* A notify with nothing new does nothing. */
	vdrv_kick(0);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	CU_ASSERT_EQUAL(irq.msis, 1);
	/* A doorbell past the queues is ignored. */
	request(8, false);
	vdrv_kick(1);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	teardown();
}

static void test_rnd_intx(void)
{
	setup();
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	/* Filled before DRIVER_OK: taken when it comes. */
	vdrv_common_wr(VIRTIO_COMMON_Q_SELECT, 2, 0);
	request(16, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 0);
	setup_queue(VIRTIO_MSI_NO_VECTOR);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	CU_ASSERT_EQUAL(get32(USED_GPA + 8), 16);
	CU_ASSERT_EQUAL(irq.msis, 0);
	CU_ASSERT_TRUE(irq.gsi[INTX_GSI]);
	CU_ASSERT(cfg_read(DM_PCIR_STATUS, 2) & DM_PCI_STS_INTX);
	/* Reading the ISR acknowledges. */
	CU_ASSERT_EQUAL(dm_unit_mmio(bar + VIRTIO_ISR_OFF, 1, false, 0),
			VIRTIO_ISR_QUEUE);
	CU_ASSERT_FALSE(irq.gsi[INTX_GSI]);
	CU_ASSERT_EQUAL(dm_unit_mmio(bar + VIRTIO_ISR_OFF, 1, false, 0), 0);
	teardown();
}

static void test_broken_and_reset(void)
{
	struct vcap c[6];
	unsigned int msix;

	setup();
	walk_caps(c, &msix);
	msix_on(msix, 0, 0x30);		/* configuration changes */
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	vdrv_common_wr(VIRTIO_COMMON_MSIX, 2, 0);
	setup_queue(VIRTIO_MSI_NO_VECTOR);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_MSIX, 2), 0);
	request(32, true);		/* a descriptor looping on itself */
	vdrv_kick(0);
	CU_ASSERT(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_NEEDS_RESET);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 0);
	CU_ASSERT_EQUAL(irq.msis, 1);
	CU_ASSERT_EQUAL(irq.data, 0x30);
	/* Stopped: a good request is not served until the reset. */
	request(32, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 0);
	CU_ASSERT_EQUAL(irq.msis, 1);
	/* Writing 0 resets the device and its queues. */
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1), 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_MSIX, 2),
			VIRTIO_MSI_NO_VECTOR);
	vdrv_common_wr(VIRTIO_COMMON_Q_SELECT, 2, 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_ENABLE, 2), 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_SIZE, 2), 64);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_DESC, 8), 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_Q_MSIX, 2),
			VIRTIO_MSI_NO_VECTOR);
	vdrv_common_wr(VIRTIO_COMMON_GFSELECT, 4, 1);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_GF, 4), 0);
	/* And works again from scratch. */
	memset(ram + USED_GPA, 0, 0x1000);
	memset(ram + AVAIL_GPA, 0, 0x1000);
	avail_idx = 0;
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(VIRTIO_MSI_NO_VECTOR);
	request(32, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	teardown();
}

static void test_pci_cfg_window(void)
{
	struct vcap c[6];
	unsigned int msix, w;

	setup();
	walk_caps(c, &msix);
	w = c[VIRTIO_PCI_CAP_PCI_CFG].pos;
	CU_ASSERT_NOT_EQUAL_FATAL(w, 0);
	/* Point the window at device_status and write through it. */
	cfg_write(w + 4, 1, VIRTIO_BAR);
	cfg_write(w + 8, 4, VIRTIO_COMMON_OFF + VIRTIO_COMMON_STATUS);
	cfg_write(w + 12, 4, 1);
	cfg_write(w + 16, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1),
			VIRTIO_STATUS_ACKNOWLEDGE);
	/* num_queues, read through it. */
	cfg_write(w + 8, 4, VIRTIO_COMMON_OFF + VIRTIO_COMMON_NUMQ);
	cfg_write(w + 12, 4, 2);
	CU_ASSERT_EQUAL(cfg_read(w + 16, 2), 1);
	/* A length that is not 1, 2 or 4, or a place outside the BAR: the
	 * data is not written anywhere. */
	cfg_write(w + 8, 4, VIRTIO_COMMON_OFF + VIRTIO_COMMON_STATUS);
	cfg_write(w + 12, 4, 3);
	cfg_write(w + 16, 1, 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1),
			VIRTIO_STATUS_ACKNOWLEDGE);
	cfg_write(w + 8, 4, 0xfffffffc);
	cfg_write(w + 12, 4, 4);
	cfg_write(w + 16, 4, 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1),
			VIRTIO_STATUS_ACKNOWLEDGE);
	/* Nor through another BAR than the device's, even at an offset that
	 * is device_status's in its own. */
	cfg_write(w + 4, 1, 0);
	cfg_write(w + 8, 4, VIRTIO_COMMON_OFF + VIRTIO_COMMON_STATUS);
	cfg_write(w + 12, 4, 1);
	cfg_write(w + 16, 1, 0);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1),
			VIRTIO_STATUS_ACKNOWLEDGE);
	teardown();
}

static void *complete_held(void *len)
{
	virtio_queue_complete(vt.v, 0, &vt.held, (uint32_t)(uintptr_t)len);
	return NULL;
}

/* Completes the held chain with @len from a thread of its own. */
static void worker_completes(uint32_t len)
{
	pthread_t t;

	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, complete_held,
					     (void *)(uintptr_t)len), 0);
	pthread_join(t, NULL);
}

static void test_worker_completion(void)
{
	struct vcap c[6];
	unsigned int msix, resets;

	setup_dev("virtio-test");
	walk_caps(c, &msix);
	msix_on(msix, 1, 0x51);
	vdrv_negotiate((1ULL << VIRTIO_F_VERSION_1) | (1ULL << 3));
	CU_ASSERT(vdrv_common_rd(VIRTIO_COMMON_STATUS, 1) &
		  VIRTIO_STATUS_FEATURES_OK);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_NUMQ, 2), 2);
	setup_queue(1);
	request(8, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL_FATAL(vt.held_n, 1);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 0);	/* not yet */
	CU_ASSERT_EQUAL(irq.msis, 0);
	worker_completes(5);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	CU_ASSERT_EQUAL(get32(USED_GPA + 8), 5);
	CU_ASSERT_EQUAL(irq.msis, 1);
	CU_ASSERT_EQUAL(irq.data, 0x51);
	/* A chain taken before a reset, completed after it: dropped. */
	request(8, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL_FATAL(vt.held_n, 2);
	resets = vt.resets;
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, 0);
	CU_ASSERT_EQUAL(vt.resets, resets + 1);
	/* The driver starts over with fresh rings. */
	memset(ram + AVAIL_GPA, 0, 0x1000);
	memset(ram + USED_GPA, 0, 0x1000);
	avail_idx = 0;
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(1);
	worker_completes(5);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 0);
	CU_ASSERT_EQUAL(irq.msis, 1);
	/* The new life works. */
	request(8, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL_FATAL(vt.held_n, 3);
	worker_completes(3);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	CU_ASSERT_EQUAL(get32(USED_GPA + 8), 3);
	CU_ASSERT_EQUAL(irq.msis, 2);
	teardown();
}

/* Doorbells as ioeventfds in vdev_driver's fake HSM: assigned exactly
 * while the device runs with its BAR mapped, at each queue's doorbell;
 * a kick through one is served by the event loop. */
static void test_doorbells(void)
{
	struct dm_error err = { { 0 } };
	uint64_t gpa[4];
	uint32_t cmd;

	CU_ASSERT_EQUAL_FATAL(vdrv_start("virtio-rnd", "", &err), 0);
	ram = vdrv_ram(0);
	avail_idx = 0;
	bar = dm_unit_virtio_bar(SLOT);
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	CU_ASSERT_EQUAL(vdrv_doorbells(gpa, 4), 0);	/* not running yet */
	setup_queue(VIRTIO_MSI_NO_VECTOR);
	CU_ASSERT_EQUAL_FATAL(vdrv_doorbells(gpa, 4), 1);
	CU_ASSERT_EQUAL(gpa[0], bar + VIRTIO_NOTIFY_OFF);
	request(32, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL(vdrv_rung(), 1);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	CU_ASSERT_EQUAL(get32(USED_GPA + 8), 32);
	/* Memory decoding off: the BAR is gone, and so are the doorbells;
	 * back on, they are back. */
	cmd = cfg_read(DM_PCIR_COMMAND, 2);
	cfg_write(DM_PCIR_COMMAND, 2, cmd & ~DM_PCI_CMD_MEM);
	CU_ASSERT_EQUAL(vdrv_doorbells(gpa, 4), 0);
	cfg_write(DM_PCIR_COMMAND, 2, cmd);
	CU_ASSERT_EQUAL(vdrv_doorbells(gpa, 4), 1);
	/* A device reset takes them away until DRIVER_OK again. */
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, 0);
	CU_ASSERT_EQUAL(vdrv_doorbells(gpa, 4), 0);
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(VIRTIO_MSI_NO_VECTOR);
	CU_ASSERT_EQUAL(vdrv_doorbells(gpa, 4), 1);
	vdrv_stop();			/* checks that deinit gave it back */
	ram = NULL;
}

/* An HSM that refuses ioeventfds: doorbell writes are requests, served
 * the same. */
static void test_doorbells_refused(void)
{
	struct dm_error err = { { 0 } };
	uint64_t gpa[4];

	CU_ASSERT_EQUAL_FATAL(vdrv_start("virtio-rnd", "", &err), 0);
	ram = vdrv_ram(0);
	avail_idx = 0;
	bar = dm_unit_virtio_bar(SLOT);
	vdrv_refuse_doorbells(true);
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	setup_queue(VIRTIO_MSI_NO_VECTOR);
	CU_ASSERT_EQUAL(vdrv_doorbells(gpa, 4), 0);
	request(16, false);
	vdrv_kick(0);
	CU_ASSERT_EQUAL(vdrv_rung(), 0);
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
	CU_ASSERT_EQUAL(get32(USED_GPA + 8), 16);
	vdrv_stop();
	ram = NULL;
}

static void test_device_config(void)
{
	struct vcap c[6];
	unsigned int msix;
	uint64_t cfg;

	setup_dev("virtio-test");
	cfg = bar + VIRTIO_DEVCFG_OFF;
	walk_caps(c, &msix);
	CU_ASSERT_EQUAL(cfg_read(DM_PCIR_DEVICE, 2), 0x1040 + 42);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_DEVICE_CFG].bar, VIRTIO_BAR);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_DEVICE_CFG].offset,
			VIRTIO_DEVCFG_OFF);
	CU_ASSERT_EQUAL(c[VIRTIO_PCI_CAP_DEVICE_CFG].length, 8);
	CU_ASSERT_EQUAL(cfg_read(msix + 2, 2) & 0x7ff, 2);	/* 3 vectors */
	CU_ASSERT_EQUAL(dm_unit_mmio(cfg + 4, 4, false, 0), 0x88776655);
	CU_ASSERT_EQUAL(dm_unit_mmio(cfg, 8, false, 0), 0x8877665544332211ULL);
	dm_unit_mmio(cfg + 2, 2, true, 0xbeef);
	CU_ASSERT_EQUAL(vt.config_writes, 1);
	CU_ASSERT_EQUAL(dm_unit_mmio(cfg, 4, false, 0), 0xbeef2211);
	/* Past the device's 8 bytes: nothing reaches it. */
	CU_ASSERT_EQUAL(dm_unit_mmio(cfg + 6, 4, false, 0), 0);
	dm_unit_mmio(cfg + 8, 1, true, 0);
	CU_ASSERT_EQUAL(vt.config_writes, 1);
	/* A change: the generation moves and the driver is told. */
	msix_on(msix, 2, 0x60);
	vdrv_negotiate(1ULL << VIRTIO_F_VERSION_1);
	vdrv_common_wr(VIRTIO_COMMON_MSIX, 2, 2);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_CFGGEN, 1), 0);
	virtio_config_changed(vt.v);
	CU_ASSERT_EQUAL(vdrv_common_rd(VIRTIO_COMMON_CFGGEN, 1), 1);
	CU_ASSERT_EQUAL(irq.msis, 1);
	CU_ASSERT_EQUAL(irq.data, 0x60);
	teardown();
}

static const struct unit_test tests[] = {
	{ "identity and the capability list", test_identity_and_caps },
	{ "feature negotiation", test_features },
	{ "queue set-up through common config", test_queue_setup },
	{ "virtio-rnd request with MSI-X", test_rnd_msix },
	{ "virtio-rnd request with INTx and the ISR", test_rnd_intx },
	{ "a broken queue, then reset by status 0", test_broken_and_reset },
	{ "the PCI configuration access window", test_pci_cfg_window },
	{ "a chain completed by a worker thread", test_worker_completion },
	{ "device configuration and its changes", test_device_config },
	{ "doorbells as ioeventfds", test_doorbells },
	{ "doorbells refused: requests instead", test_doorbells_refused },
};

int register_virtio_pci_tests(void)
{
	return UNIT_SUITE("virtio-pci", tests);
}
