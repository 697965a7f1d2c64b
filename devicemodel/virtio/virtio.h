/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's virtio devices: the virtio 1.x PCI transport ("modern" only,
 * spec 4.1) shared by every virtio device type, and the calls a device
 * type uses to take requests from its queues and complete them.
 *
 * A device type is a const struct virtio_ops plus a struct dm_pci_ops
 * that it registers with DM_PCI_DEVICE(): its init calls
 * virtio_pci_init() and every other callback is the transport's
 * (virtio_rnd.c is the smallest example):
 *
 *	static int rnd_init(struct dm_pci_dev *d, const char *conf,
 *			    struct dm_error *err)
 *	{
 *		return virtio_pci_init(d, &rnd_virtio_ops, conf, err);
 *	}
 *	static const struct dm_pci_ops rnd_pci_ops = {
 *		.name = "virtio-rnd", .init = rnd_init,
 *		.deinit = virtio_pci_deinit, .reset = virtio_pci_reset,
 *		.bar_read = virtio_pci_bar_read,
 *		.bar_write = virtio_pci_bar_write,
 *		.cfg_written = virtio_pci_cfg_written,
 *	};
 *	DM_PCI_DEVICE(rnd_pci_ops);
 *
 * What the guest sees: vendor 0x1af4, device 0x1040 + the virtio device
 * id, revision 1, subsystem 0x1af4 / the virtio device id, INTA; one
 * 64-bit memory BAR (VIRTIO_BAR, 16 KiB) laid out as below and described
 * by vendor capabilities (common, notify, ISR, device, and the PCI
 * configuration access window), then MSI-X with one vector per queue
 * plus one for configuration changes.
 *
 * Features: VIRTIO_F_VERSION_1 is always offered and required (a driver
 * that does not accept it gets FEATURES_OK refused); the ring features
 * virtqueue.c implements (INDIRECT_DESC, EVENT_IDX) are always offered;
 * the device type adds its own.
 *
 * A misbehaving driver (a broken chain, bad ring addresses) makes the
 * device set DEVICE_NEEDS_RESET and send a configuration-change
 * interrupt; its queues then do nothing until the driver resets it
 * (writes 0 to device_status).  Nothing a driver writes can make the
 * transport touch memory outside guest RAM or its own state.
 *
 * THREADS AND LOCKS
 *
 * The transport's state (status, features, selectors, ISR, each queue's
 * vector and addresses) is under the PCI function's lock (d->lock,
 * recursive), which the bus holds around every BAR and config access.
 * Each queue also has a mutex of its own around its ring state, taken by
 * the virtio_queue_*() calls below.  Order: the function's lock, then a
 * queue's; the calls below never take the function's lock while they hold
 * a queue's, so they are safe from any thread.
 *
 *  - config_read/write(), driver_ok() and reset() run on the vCPU thread
 *    whose access caused them, with the function's lock held: other vCPUs
 *    touching this device wait meanwhile, so they must not block long (no
 *    disk I/O, no waiting on a backend).  reset() may also run on the main
 *    thread (a VM reset).  queue_notify() runs likewise, on the main
 *    thread while the doorbells are ioeventfds (below), else on the vCPU
 *    thread.
 *
 * DOORBELLS
 *
 * A queue notification is a guest write to the queue's doorbell in the
 * BAR; as a request it would hold the vCPU for a round trip through
 * islet-dm.  While the device runs and its BAR is mapped, each doorbell
 * is an ioeventfd instead (dm_irq->ioeventfd, 16-bit writes, as Linux
 * makes them): the HSM completes the write at once and signals the
 * queue's eventfd, which the event loop turns into queue_notify().  A
 * write of another width, or a kernel without ioeventfds, still arrives
 * as a request and is served the same way.
 *  - A device with slow work pops chains in queue_notify() (or its own
 *    thread), hands them to its worker thread, and the worker completes
 *    each with virtio_queue_complete() (or virtio_queue_push() for a
 *    batch followed by one virtio_queue_notify_used()).  The segments are
 *    host pointers into guest RAM, valid for the VM's whole life.
 *  - reset() must forget every chain in flight.  It must not wait for a
 *    worker that may be inside a virtio_queue_*() call (which may wait
 *    for the function's lock that reset() runs under), and need not: a
 *    chain popped before a reset is dropped when pushed after it
 *    (virtq_chain.gen), without an interrupt.  A device that must not
 *    even start such a chain asks virtio_queue_current() first; and one
 *    whose worker writes guest memory outside those calls waits for that
 *    part only (virtio_blk.c).
 */
#ifndef DM_VIRTIO_H
#define DM_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "pci.h"
#include "virtqueue.h"

#define VIRTIO_PCI_VENDOR		0x1af4
#define VIRTIO_PCI_DEVICE_BASE		0x1040	/* + virtio device id */
#define VIRTIO_PCI_REVISION		1	/* modern-only device */

/* device_status bits (spec 2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* ISR status bits */
#define VIRTIO_ISR_QUEUE		0x01
#define VIRTIO_ISR_CONFIG		0x02

#define VIRTIO_MSI_NO_VECTOR		0xffff

/* Vendor capability types (cfg_type) */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

/* The BAR and where each structure sits in it. */
#define VIRTIO_BAR			4
#define VIRTIO_BAR_SIZE			0x4000
#define VIRTIO_COMMON_OFF		0x0000
#define VIRTIO_COMMON_LEN		0x38
#define VIRTIO_ISR_OFF			0x0800
#define VIRTIO_DEVCFG_OFF		0x1000
#define VIRTIO_DEVCFG_MAX		0x1000
#define VIRTIO_NOTIFY_OFF		0x2000
#define VIRTIO_NOTIFY_MULT		4	/* bytes between doorbells */
#define VIRTIO_MSIX_TABLE_OFF		0x3000
#define VIRTIO_MSIX_PBA_OFF		0x3800

/* struct virtio_pci_common_cfg, offsets in the common structure */
#define VIRTIO_COMMON_DFSELECT		0x00	/* le32 */
#define VIRTIO_COMMON_DF		0x04	/* le32, read-only */
#define VIRTIO_COMMON_GFSELECT		0x08	/* le32 */
#define VIRTIO_COMMON_GF		0x0c	/* le32 */
#define VIRTIO_COMMON_MSIX		0x10	/* le16 */
#define VIRTIO_COMMON_NUMQ		0x12	/* le16, read-only */
#define VIRTIO_COMMON_STATUS		0x14	/* u8 */
#define VIRTIO_COMMON_CFGGEN		0x15	/* u8, read-only */
#define VIRTIO_COMMON_Q_SELECT		0x16	/* le16 */
#define VIRTIO_COMMON_Q_SIZE		0x18	/* le16 */
#define VIRTIO_COMMON_Q_MSIX		0x1a	/* le16 */
#define VIRTIO_COMMON_Q_ENABLE		0x1c	/* le16 */
#define VIRTIO_COMMON_Q_NOFF		0x1e	/* le16, read-only */
#define VIRTIO_COMMON_Q_DESC		0x20	/* le64 */
#define VIRTIO_COMMON_Q_AVAIL		0x28	/* le64 (queue_driver) */
#define VIRTIO_COMMON_Q_USED		0x30	/* le64 (queue_device) */

/* MSI-X has a vector per queue and one for configuration changes. */
#define VIRTIO_MAX_QUEUES		(DM_PCI_MSIX_MAX - 1)

struct virtio_dev;

/* A virtio device type.  Optional callbacks may be NULL. */
struct virtio_ops {
	uint16_t device_id;	/* virtio device id: 1 net, 2 blk, 4 rng */
	uint32_t class_code;	/* PCI class, subclass, prog-if */
	uint64_t features;	/* device-specific features offered */
	unsigned int nqueues;	/* at most VIRTIO_MAX_QUEUES */
	uint16_t queue_size;	/* each queue's maximum: a power of two */
	unsigned int config_size;	/* device configuration bytes */
	/*
	 * From the -s conf string (main thread, before the VM runs): may
	 * set v->priv, lower v->nqueues, change v->device_features and
	 * v->config_size.  -1 with @err.
	 */
	int (*init)(struct virtio_dev *v, const char *conf,
		    struct dm_error *err);
	void (*deinit)(struct virtio_dev *v);
	/* The driver reset the device, or the VM was reset. */
	void (*reset)(struct virtio_dev *v);
	/* Device configuration accesses, @off < config_size and @off + @size
	 * within it; @size 1, 2, 4 or 8.  Without config_read, reads come
	 * from v->config. */
	void (*config_read)(struct virtio_dev *v, unsigned int off,
			    unsigned int size, uint64_t *value);
	void (*config_write)(struct virtio_dev *v, unsigned int off,
			     unsigned int size, uint64_t value);
	/* The driver notified queue @q (enabled, device running). */
	void (*queue_notify)(struct virtio_dev *v, unsigned int q);
	/* The driver set DRIVER_OK: v->features are final. */
	void (*driver_ok)(struct virtio_dev *v);
};

struct virtio_queue {
	pthread_mutex_t lock;	/* around vq */
	struct virtq vq;
	uint16_t msix_vector;	/* under the function's lock */
	struct virtio_dev *dev;
	int kick_fd;		/* its doorbell's eventfd, -1: none */
};

struct virtio_dev {
	struct dm_pci_dev *pci;
	const struct virtio_ops *ops;
	void *priv;			/* the device type's */
	uint64_t device_features;	/* offered (set before init) */
	unsigned int nqueues;
	unsigned int config_size;
	/* The device configuration's config_size bytes (little-endian), set
	 * by init when ops->config_read is NULL. */
	const uint8_t *config;

	/* Under the function's lock: */
	uint64_t driver_features;	/* as the driver wrote them */
	uint64_t features;		/* negotiated, once FEATURES_OK */
	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint16_t queue_sel;
	uint8_t status;
	uint8_t config_gen;
	uint8_t isr;
	unsigned int pcicfg_cap;	/* the PCI_CFG capability's offset */
	uint64_t kick_gpa;		/* doorbells' ioeventfds (0: none) */
	bool kick_refused;		/* the HSM refused them once */
	struct virtio_queue *queues;	/* nqueues of them */
};

/* ---- The transport: the dm_pci_ops callbacks of every virtio type ---- */

/* Sets up @d as a virtio device of type @ops (ids, BAR, capabilities,
 * MSI-X, queues over dm_vm.mem) after ops->init.  0, or -1 with @err. */
int virtio_pci_init(struct dm_pci_dev *d, const struct virtio_ops *ops,
		    const char *conf, struct dm_error *err);
void virtio_pci_deinit(struct dm_pci_dev *d);
void virtio_pci_reset(struct dm_pci_dev *d);
void virtio_pci_bar_read(struct dm_pci_dev *d, int bar, uint64_t off,
			 unsigned int size, uint64_t *value);
void virtio_pci_bar_write(struct dm_pci_dev *d, int bar, uint64_t off,
			  unsigned int size, uint64_t value);
void virtio_pci_cfg_written(struct dm_pci_dev *d, unsigned int off,
			    unsigned int size);

/* ---- For device types: any thread ---- */

/* Whether feature @bit was negotiated. */
bool virtio_has_feature(const struct virtio_dev *v, unsigned int bit);
/*
 * The next chain of queue @q (virtq_pop()): 1, 0 when there is none or
 * the device is not running, -1 when the driver broke the queue -- the
 * device is then marked DEVICE_NEEDS_RESET and the driver told.
 */
int virtio_queue_pop(struct virtio_dev *v, unsigned int q,
		     struct virtq_seg *segs, unsigned int max_segs,
		     struct virtq_chain *chain);
/* Whether @chain was popped in queue @q's present life (no reset
 * since). */
bool virtio_queue_current(struct virtio_dev *v, unsigned int q,
			  const struct virtq_chain *chain);
/* Returns @chain with @len bytes written, without an interrupt; false
 * when it was dropped (reset since, queue broken). */
bool virtio_queue_push(struct virtio_dev *v, unsigned int q,
		       const struct virtq_chain *chain, uint32_t len);
/* After pushes: a used-buffer notification if the driver wants one (the
 * queue's MSI-X vector, or ISR bit 0 and INTx). */
void virtio_queue_notify_used(struct virtio_dev *v, unsigned int q);
/* virtio_queue_push() and virtio_queue_notify_used() in one. */
void virtio_queue_complete(struct virtio_dev *v, unsigned int q,
			   const struct virtq_chain *chain, uint32_t len);
/* The device changed its configuration: config_generation moves, and
 * the driver gets a configuration-change interrupt. */
void virtio_config_changed(struct virtio_dev *v);
/* The device cannot go on (the driver broke a rule): DEVICE_NEEDS_RESET
 * and a configuration-change interrupt; queues stop until a reset. */
void virtio_dev_broken(struct virtio_dev *v);
/* A 64-bit FNV-1a hash of @s: identities a device derives from a name
 * (a disk's serial number, a MAC address) that stay the same from one
 * run to the next. */
uint64_t virtio_hash(const char *s);

#endif /* DM_VIRTIO_H */
