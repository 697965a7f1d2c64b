/* The virtio device suites' fake guest (vdev_driver.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dm.h"
#include "pci.h"
#include "vdev_driver.h"
#include "dm_unit.h"

/* Each queue's rings (up to 256 entries) in a 32 KiB area of its own;
 * buffers above them. */
#define RING_BASE	0x10000U
#define RING_AREA	0x8000U
#define MAX_QUEUES	4U
#define BUF_BASE	0x100000U
#define INTX_GSI	DM_PCI_INTX_GSI(VDRV_SLOT, 1)

struct drv_queue {
	uint16_t size;
	uint16_t avail_idx, used_seen, next_desc;
};

static uint8_t *ram;
static uint64_t bar, next_buf;
static struct drv_queue queues[MAX_QUEUES];
static const struct dm_irq_ops *saved_irq;
static const struct dm_config *saved_cfg;
static struct dm_mem saved_mem;
static struct dm_config cfg;
static bool line;
static unsigned int edges;

/* Device threads (virtio-blk's worker) raise interrupts too. */
static void rec_gsi(unsigned int gsi, bool level)
{
	if (gsi != INTX_GSI)
		return;
	if (level && !__atomic_exchange_n(&line, level, __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&edges, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_store_n(&line, level, __ATOMIC_SEQ_CST);
}

static void rec_msi(uint64_t addr, uint32_t data)
{
}

/* The HSM's ioeventfds, as the device assigns them (its rules: one per
 * address, deassign names what was assigned). */
struct bell {
	int fd;
	uint64_t gpa;
	unsigned int len;
};
#define MAX_BELLS	8U
static struct bell bells[MAX_BELLS];
static unsigned int nbells, rung;
static bool refuse_bells;

static int rec_ioeventfd(int fd, uint64_t gpa, unsigned int len, bool assign)
{
	if (refuse_bells)
		return -ENOTTY;
	for (unsigned int i = 0; i < nbells; i++) {
		if (bells[i].gpa != gpa)
			continue;
		if (assign)
			return -EEXIST;
		if (bells[i].fd != fd || bells[i].len != len)
			return -ENOENT;
		bells[i] = bells[--nbells];
		return 0;
	}
	if (!assign)
		return -ENOENT;
	if (nbells == MAX_BELLS)
		return -ENOSPC;
	bells[nbells++] = (struct bell){ fd, gpa, len };
	return 0;
}

static const struct dm_irq_ops recorder = {
	.gsi = rec_gsi, .msi = rec_msi, .ioeventfd = rec_ioeventfd,
};

unsigned int vdrv_doorbells(uint64_t *gpa, unsigned int max)
{
	for (unsigned int i = 0; i < nbells && i < max; i++)
		gpa[i] = bells[i].gpa;
	return nbells;
}

void vdrv_refuse_doorbells(bool refuse)
{
	refuse_bells = refuse;
}

unsigned int vdrv_rung(void)
{
	return rung;
}

uint64_t vdrv_common_rd(unsigned int off, unsigned int size)
{
	return dm_unit_mmio(bar + VIRTIO_COMMON_OFF + off, size, false, 0);
}

void vdrv_common_wr(unsigned int off, unsigned int size, uint64_t v)
{
	dm_unit_mmio(bar + VIRTIO_COMMON_OFF + off, size, true, v);
}

int vdrv_start(const char *dev, const char *conf, struct dm_error *err)
{
	char slot[DM_CONF_MAX + 64];
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.name, "vdrv-vm");
	memset(queues, 0, sizeof(queues));
	nbells = rung = 0;
	refuse_bells = false;
	line = false;
	edges = 0;
	next_buf = BUF_BASE;
	ram = aligned_alloc(4096, VDRV_RAM_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ram);
	memset(ram, 0, VDRV_RAM_SIZE);
	saved_irq = dm_irq;
	dm_irq = &recorder;
	saved_mem = dm_vm.mem;
	dm_vm.mem = (struct dm_mem){ .base = ram, .size = VDRV_RAM_SIZE,
				     .lowmem = VDRV_RAM_SIZE };
	saved_cfg = dm_vm.cfg;
	dm_vm.cfg = &cfg;
	dm_event_init();	/* backends watch their input */
	dm_io_reset_all();
	snprintf(slot, sizeof(slot), "%d,%s%s%s", VDRV_SLOT, dev,
		 conf[0] ? "," : "", conf);
	ret = dm_add_slot(&cfg, slot, err) || dm_pci_init(&cfg, err);
	if (ret) {
		vdrv_stop();
		return -1;
	}
	bar = dm_unit_virtio_bar(VDRV_SLOT);
	return 0;
}

void vdrv_stop(void)
{
	dm_pci_deinit();
	/* The device gave back every doorbell it had. */
	CU_ASSERT_EQUAL(nbells, 0);
	nbells = 0;
	dm_io_reset_all();
	dm_vm.mem = saved_mem;
	dm_vm.cfg = saved_cfg;
	dm_irq = saved_irq;
	free(ram);
	ram = NULL;
}

struct virtio_dev *vdrv_dev(void)
{
	struct dm_pci_dev *d = dm_pci_get(VDRV_SLOT, 0);

	return d ? d->priv : NULL;
}

uint8_t *vdrv_ram(uint64_t gpa)
{
	return ram + gpa;
}

uint64_t vdrv_alloc(uint32_t len)
{
	uint64_t gpa = next_buf;

	next_buf = (next_buf + len + 15) & ~15ULL;
	CU_ASSERT_FATAL(next_buf <= VDRV_RAM_SIZE);
	memset(ram + gpa, 0, len);
	return gpa;
}

uint64_t vdrv_device_features(void)
{
	uint64_t f;

	vdrv_common_wr(VIRTIO_COMMON_DFSELECT, 4, 0);
	f = vdrv_common_rd(VIRTIO_COMMON_DF, 4);
	vdrv_common_wr(VIRTIO_COMMON_DFSELECT, 4, 1);
	return f | vdrv_common_rd(VIRTIO_COMMON_DF, 4) << 32;
}

uint8_t vdrv_negotiate(uint64_t features)
{
	uint8_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, 0);
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, s);
	vdrv_common_wr(VIRTIO_COMMON_GFSELECT, 4, 0);
	vdrv_common_wr(VIRTIO_COMMON_GF, 4, (uint32_t)features);
	vdrv_common_wr(VIRTIO_COMMON_GFSELECT, 4, 1);
	vdrv_common_wr(VIRTIO_COMMON_GF, 4, (uint32_t)(features >> 32));
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, s | VIRTIO_STATUS_FEATURES_OK);
	return vdrv_status();
}

static uint64_t desc_gpa(unsigned int q)
{
	return RING_BASE + (uint64_t)RING_AREA * q;
}

static uint64_t avail_gpa(unsigned int q)
{
	return desc_gpa(q) + 0x1000;
}

static uint64_t used_gpa(unsigned int q)
{
	return desc_gpa(q) + 0x2000;
}

void vdrv_queue(unsigned int q, uint16_t size)
{
	CU_ASSERT_FATAL(q < MAX_QUEUES && size <= 256);
	memset(ram + desc_gpa(q), 0, RING_AREA);
	queues[q] = (struct drv_queue){ .size = size };
	vdrv_common_wr(VIRTIO_COMMON_Q_SELECT, 2, q);
	vdrv_common_wr(VIRTIO_COMMON_Q_SIZE, 2, size);
	vdrv_common_wr(VIRTIO_COMMON_Q_DESC, 8, desc_gpa(q));
	vdrv_common_wr(VIRTIO_COMMON_Q_AVAIL, 8, avail_gpa(q));
	vdrv_common_wr(VIRTIO_COMMON_Q_USED, 8, used_gpa(q));
	vdrv_common_wr(VIRTIO_COMMON_Q_ENABLE, 2, 1);
}

void vdrv_driver_ok(void)
{
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, vdrv_status() |
		  VIRTIO_STATUS_DRIVER_OK);
}

uint8_t vdrv_status(void)
{
	return (uint8_t)vdrv_common_rd(VIRTIO_COMMON_STATUS, 1);
}

void vdrv_reset(void)
{
	vdrv_common_wr(VIRTIO_COMMON_STATUS, 1, 0);
	memset(queues, 0, sizeof(queues));
}

uint64_t vdrv_config(unsigned int off, unsigned int size)
{
	return dm_unit_mmio(bar + VIRTIO_DEVCFG_OFF + off, size, false, 0);
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(ram + gpa, &v, 2);
}

uint16_t vdrv_add(unsigned int q, const struct vdrv_buf *bufs, unsigned int n)
{
	struct drv_queue *dq = &queues[q];
	uint16_t head = dq->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % dq->size);
		uint16_t next = (uint16_t)((head + i + 1) % dq->size);
		uint16_t flags = (bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
		uint8_t *d = ram + desc_gpa(q) + 16ULL * idx;

		memcpy(d, &bufs[i].gpa, 8);
		memcpy(d + 8, &bufs[i].len, 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
	}
	dq->next_desc = (uint16_t)((head + n) % dq->size);
	put16(avail_gpa(q) + 4 + 2ULL * (dq->avail_idx % dq->size), head);
	dq->avail_idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	put16(avail_gpa(q) + 2, dq->avail_idx);
	return head;
}

void vdrv_kick(unsigned int q)
{
	uint64_t gpa = bar + VIRTIO_NOTIFY_OFF + VIRTIO_NOTIFY_MULT * q;
	uint64_t one = 1;

	/* The HSM completes a 16-bit write to an ioeventfd's address and
	 * signals it; islet-dm's event loop takes it from there. */
	for (unsigned int i = 0; i < nbells; i++) {
		if (bells[i].gpa == gpa && bells[i].len == 2) {
			CU_ASSERT_EQUAL(write(bells[i].fd, &one, 8), 8);
			CU_ASSERT_EQUAL(dm_event_poll(0), 0);
			rung++;
			return;
		}
	}
	dm_unit_mmio(gpa, 2, true, q);
}

bool vdrv_used(unsigned int q, uint32_t *id, uint32_t *len)
{
	struct drv_queue *dq = &queues[q];
	uint16_t idx = __atomic_load_n((uint16_t *)(ram + used_gpa(q) + 2),
				       __ATOMIC_ACQUIRE);
	uint8_t *e;

	if (!dq->size || idx == dq->used_seen)
		return false;
	e = ram + used_gpa(q) + 4 + 8ULL * (dq->used_seen % dq->size);
	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
	dq->used_seen++;
	return true;
}

bool vdrv_wait_used(unsigned int q, uint32_t *id, uint32_t *len)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 5000; i++) {
		if (vdrv_used(q, id, len))
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

unsigned int vdrv_interrupts(void)
{
	return __atomic_load_n(&edges, __ATOMIC_SEQ_CST);
}
