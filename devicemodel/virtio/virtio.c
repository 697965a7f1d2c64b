// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the virtio 1.x PCI transport (virtio.h, spec 4.1) that every
 * virtio device type shares: identity, BAR and capabilities, the common
 * configuration structure (feature negotiation, device status, queue
 * set-up), the ISR, the device configuration window, queue notifications,
 * interrupts, and the PCI configuration access capability.
 *
 * Every register here is written by the guest's driver, which may be
 * wrong or hostile: accesses of the wrong width or outside a structure
 * read 0 and write nothing; values out of range are refused the way the
 * spec says (a vector out of range reads back NO_VECTOR, FEATURES_OK
 * stays clear for features we did not offer or without VERSION_1, a
 * queue size must be a power of two up to the maximum); ring addresses
 * are checked when a queue is enabled (virtqueue.c).  Legacy (0.9.5)
 * virtio is not offered: the device id tells drivers so.  Queue
 * doorbells become ioeventfds while the device runs (virtio.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dm.h"
#include "virtio.h"

/* The ring features virtqueue.c implements, offered with every device. */
#define TRANSPORT_FEATURES	((1ULL << VIRTIO_F_VERSION_1) |		\
				 (1ULL << VIRTIO_F_INDIRECT_DESC) |	\
				 (1ULL << VIRTIO_F_EVENT_IDX))

#define VCAP_LEN		16	/* struct virtio_pci_cap */
#define VCAP_LEN_EXT		20	/* notify and PCI_CFG: 4 bytes more */
#define VCAP_BAR		4
#define VCAP_OFFSET		8
#define VCAP_LENGTH		12
#define VCAP_EXTRA		16	/* multiplier, or the window's data */

static void doorbells_sync(struct virtio_dev *v);

static struct virtio_dev *vdev_of(struct dm_pci_dev *d)
{
	return d->priv;
}

static uint8_t status_of(const struct virtio_dev *v)
{
	/* Written under the function's lock; read by worker threads too. */
	return __atomic_load_n(&v->status, __ATOMIC_ACQUIRE);
}

static void set_status(struct virtio_dev *v, uint8_t status)
{
	__atomic_store_n(&v->status, status, __ATOMIC_RELEASE);
}

/* Buffers may be taken and used ones given back. */
static bool running(const struct virtio_dev *v)
{
	uint8_t s = status_of(v);

	return (s & VIRTIO_STATUS_DRIVER_OK) &&
	       !(s & VIRTIO_STATUS_NEEDS_RESET);
}

/* The access [off, off + size) lies wholly in [base, base + len). */
static bool inside(uint64_t off, unsigned int size, uint64_t base,
		   uint64_t len)
{
	return off >= base && off - base < len && size <= len - (off - base);
}

bool virtio_has_feature(const struct virtio_dev *v, unsigned int bit)
{
	return bit < 64 && (v->features & (1ULL << bit));
}

uint64_t virtio_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

/* ---- Interrupts (the function's lock held) ---- */

static void raise_isr(struct virtio_dev *v, uint8_t bit)
{
	v->isr |= bit;
	dm_pci_intx(v->pci, true);
}

static void config_interrupt(struct virtio_dev *v)
{
	if (!status_of(v))
		return;		/* no driver to tell */
	if (dm_pci_msix_enabled(v->pci)) {
		if (v->msix_config != VIRTIO_MSI_NO_VECTOR)
			dm_pci_msix_send(v->pci, v->msix_config);
	} else {
		raise_isr(v, VIRTIO_ISR_CONFIG);
	}
}

static void queue_interrupt(struct virtio_dev *v, unsigned int q)
{
	uint16_t vec;

	pthread_mutex_lock(&v->pci->lock);
	/* A reset may have come between the push and here. */
	if (status_of(v) & VIRTIO_STATUS_DRIVER_OK) {
		if (dm_pci_msix_enabled(v->pci)) {
			vec = v->queues[q].msix_vector;
			if (vec != VIRTIO_MSI_NO_VECTOR)
				dm_pci_msix_send(v->pci, vec);
		} else {
			raise_isr(v, VIRTIO_ISR_QUEUE);
		}
	}
	pthread_mutex_unlock(&v->pci->lock);
}

void virtio_config_changed(struct virtio_dev *v)
{
	pthread_mutex_lock(&v->pci->lock);
	v->config_gen++;
	config_interrupt(v);
	pthread_mutex_unlock(&v->pci->lock);
}

void virtio_dev_broken(struct virtio_dev *v)
{
	pthread_mutex_lock(&v->pci->lock);
	if (status_of(v) && !(status_of(v) & VIRTIO_STATUS_NEEDS_RESET)) {
		set_status(v, status_of(v) | VIRTIO_STATUS_NEEDS_RESET);
		doorbells_sync(v);
		/* Every queue stops, not only the one that broke. */
		for (unsigned int i = 0; i < v->nqueues; i++) {
			pthread_mutex_lock(&v->queues[i].lock);
			v->queues[i].vq.broken = true;
			pthread_mutex_unlock(&v->queues[i].lock);
		}
		config_interrupt(v);
	}
	pthread_mutex_unlock(&v->pci->lock);
}

/* ---- Queues, for device types ---- */

int virtio_queue_pop(struct virtio_dev *v, unsigned int q,
		     struct virtq_seg *segs, unsigned int max_segs,
		     struct virtq_chain *chain)
{
	struct virtio_queue *vq;
	int ret;

	if (q >= v->nqueues)
		return -1;
	if (!running(v))
		return (status_of(v) & VIRTIO_STATUS_NEEDS_RESET) ? -1 : 0;
	vq = &v->queues[q];
	pthread_mutex_lock(&vq->lock);
	ret = virtq_pop(&vq->vq, segs, max_segs, chain);
	pthread_mutex_unlock(&vq->lock);
	if (ret < 0)
		virtio_dev_broken(v);
	return ret;
}

bool virtio_queue_current(struct virtio_dev *v, unsigned int q,
			  const struct virtq_chain *chain)
{
	struct virtio_queue *vq;
	bool current;

	if (q >= v->nqueues)
		return false;
	vq = &v->queues[q];
	pthread_mutex_lock(&vq->lock);
	current = chain->gen == vq->vq.gen;
	pthread_mutex_unlock(&vq->lock);
	return current;
}

bool virtio_queue_push(struct virtio_dev *v, unsigned int q,
		       const struct virtq_chain *chain, uint32_t len)
{
	struct virtio_queue *vq;
	bool ok;

	if (q >= v->nqueues)
		return false;
	vq = &v->queues[q];
	pthread_mutex_lock(&vq->lock);
	ok = virtq_push(&vq->vq, chain, len);
	pthread_mutex_unlock(&vq->lock);
	return ok;
}

void virtio_queue_notify_used(struct virtio_dev *v, unsigned int q)
{
	struct virtio_queue *vq;
	bool need;

	if (q >= v->nqueues)
		return;
	vq = &v->queues[q];
	pthread_mutex_lock(&vq->lock);
	need = virtq_need_interrupt(&vq->vq);
	pthread_mutex_unlock(&vq->lock);
	/* The function's lock only after the queue's is released. */
	if (need)
		queue_interrupt(v, q);
}

void virtio_queue_complete(struct virtio_dev *v, unsigned int q,
			   const struct virtq_chain *chain, uint32_t len)
{
	if (virtio_queue_push(v, q, chain, len))
		virtio_queue_notify_used(v, q);
}

/* ---- Device status and reset (the function's lock held) ---- */

static void reset_locked(struct virtio_dev *v)
{
	if (v->ops->reset)
		v->ops->reset(v);
	for (unsigned int i = 0; i < v->nqueues; i++) {
		struct virtio_queue *vq = &v->queues[i];

		pthread_mutex_lock(&vq->lock);
		virtq_reset(&vq->vq);
		pthread_mutex_unlock(&vq->lock);
		vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
	}
	set_status(v, 0);
	doorbells_sync(v);
	v->driver_features = v->features = 0;
	v->dfselect = v->gfselect = 0;
	v->msix_config = VIRTIO_MSI_NO_VECTOR;
	v->queue_sel = 0;
	v->isr = 0;
	dm_pci_intx(v->pci, false);
}

/* What FEATURES_OK asks us to accept: only what we offered, and
 * VERSION_1 (a modern device has no legacy interface to fall back on). */
static bool features_acceptable(const struct virtio_dev *v)
{
	return !(v->driver_features & ~v->device_features) &&
	       (v->driver_features & (1ULL << VIRTIO_F_VERSION_1));
}

/* Queues the driver filled before DRIVER_OK were not looked at (the spec
 * forbids using them earlier): look now. */
static void kick_queues(struct virtio_dev *v)
{
	for (unsigned int i = 0; i < v->nqueues && running(v); i++) {
		struct virtio_queue *vq = &v->queues[i];
		bool avail;

		pthread_mutex_lock(&vq->lock);
		avail = virtq_has_avail(&vq->vq);
		pthread_mutex_unlock(&vq->lock);
		if (avail && v->ops->queue_notify)
			v->ops->queue_notify(v, i);
	}
}

static void status_write(struct virtio_dev *v, uint8_t val)
{
	uint8_t old = status_of(v), now;

	if (!val) {
		reset_locked(v);
		return;
	}
	/* Bits are only ever set; writing 0 is the way to clear them. */
	if ((val & VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK)) {
		if (features_acceptable(v))
			v->features = v->driver_features;
		else
			val &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	}
	now = old | val;
	if (!(now & VIRTIO_STATUS_FEATURES_OK))
		now &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK;
	set_status(v, now);
	doorbells_sync(v);
	if (!(old & VIRTIO_STATUS_DRIVER_OK) && running(v)) {
		if (v->ops->driver_ok)
			v->ops->driver_ok(v);
		kick_queues(v);
	}
}

/* ---- Common configuration (the function's lock held) ---- */

/* The width of the field at @off, or 0 when no field starts there. */
static unsigned int field_width(unsigned int off)
{
	if (off < VIRTIO_COMMON_MSIX)
		return off % 4 ? 0 : 4;
	if (off < VIRTIO_COMMON_STATUS)
		return off % 2 ? 0 : 2;
	if (off < VIRTIO_COMMON_Q_SELECT)
		return 1;
	if (off < VIRTIO_COMMON_Q_DESC)
		return off % 2 ? 0 : 2;
	return off % 8 ? 0 : 8;
}

static struct virtio_queue *selected(struct virtio_dev *v)
{
	return v->queue_sel < v->nqueues ? &v->queues[v->queue_sel] : NULL;
}

static uint64_t *queue_addr(struct virtio_queue *vq, unsigned int field)
{
	switch (field) {
	case VIRTIO_COMMON_Q_DESC:
		return &vq->vq.desc_gpa;
	case VIRTIO_COMMON_Q_AVAIL:
		return &vq->vq.avail_gpa;
	default:
		return &vq->vq.used_gpa;
	}
}

static uint32_t feature_word(uint64_t features, uint32_t select)
{
	if (select > 1)
		return 0;
	return (uint32_t)(features >> (32 * select));
}

/* A 64-bit field, whole or by 32-bit halves (as Linux writes them). */
static bool addr_access_ok(unsigned int off, unsigned int size)
{
	return (size == 8 && off % 8 == 0) || (size == 4 && off % 4 == 0);
}

static void common_read(struct virtio_dev *v, unsigned int off,
			unsigned int size, uint64_t *value)
{
	struct virtio_queue *vq = selected(v);

	*value = 0;
	if (off >= VIRTIO_COMMON_Q_DESC) {
		unsigned int half = off % 8;

		if (vq && addr_access_ok(off, size))
			*value = *queue_addr(vq, off - half) >> (8 * half);
		if (size == 4)
			*value = (uint32_t)*value;
		return;
	}
	if (size != field_width(off))
		return;
	switch (off) {
	case VIRTIO_COMMON_DFSELECT:
		*value = v->dfselect;
		break;
	case VIRTIO_COMMON_DF:
		*value = feature_word(v->device_features, v->dfselect);
		break;
	case VIRTIO_COMMON_GFSELECT:
		*value = v->gfselect;
		break;
	case VIRTIO_COMMON_GF:
		*value = feature_word(v->driver_features, v->gfselect);
		break;
	case VIRTIO_COMMON_MSIX:
		*value = v->msix_config;
		break;
	case VIRTIO_COMMON_NUMQ:
		*value = v->nqueues;
		break;
	case VIRTIO_COMMON_STATUS:
		*value = status_of(v);
		break;
	case VIRTIO_COMMON_CFGGEN:
		*value = v->config_gen;
		break;
	case VIRTIO_COMMON_Q_SELECT:
		*value = v->queue_sel;
		break;
	case VIRTIO_COMMON_Q_SIZE:
		*value = vq ? vq->vq.size : 0;	/* 0: no such queue */
		break;
	case VIRTIO_COMMON_Q_MSIX:
		*value = vq ? vq->msix_vector : VIRTIO_MSI_NO_VECTOR;
		break;
	case VIRTIO_COMMON_Q_ENABLE:
		*value = vq ? vq->vq.enabled : 0;
		break;
	case VIRTIO_COMMON_Q_NOFF:
		*value = vq ? v->queue_sel : 0;
		break;
	}
}

/* A vector the function has, or NO_VECTOR (what the driver then reads
 * back, and how it learns that the vector was refused). */
static uint16_t vector(const struct virtio_dev *v, uint64_t vec)
{
	return vec < v->pci->msix.nvec ? (uint16_t)vec : VIRTIO_MSI_NO_VECTOR;
}

static void queue_enable(struct virtio_dev *v, struct virtio_queue *vq)
{
	int ret;

	/* Queues are set up after feature negotiation (spec 3.1.1). */
	if (vq->vq.enabled || !(status_of(v) & VIRTIO_STATUS_FEATURES_OK) ||
	    (status_of(v) & VIRTIO_STATUS_NEEDS_RESET))
		return;
	pthread_mutex_lock(&vq->lock);
	ret = virtq_enable(&vq->vq, v->features);
	pthread_mutex_unlock(&vq->lock);
	if (ret)
		virtio_dev_broken(v);
}

static void queue_size_write(struct virtio_queue *vq, uint64_t n)
{
	/* A split ring's size is a power of two (spec 2.7). */
	if (vq->vq.enabled || !n || n > vq->vq.max_size || (n & (n - 1)))
		return;
	pthread_mutex_lock(&vq->lock);
	vq->vq.size = (uint16_t)n;
	pthread_mutex_unlock(&vq->lock);
}

static void addr_write(struct virtio_queue *vq, unsigned int off,
		       unsigned int size, uint64_t value)
{
	unsigned int half = off % 8;
	uint64_t *field = queue_addr(vq, off - half);
	uint64_t mask = size == 8 ? ~0ULL : 0xffffffffULL << (8 * half);

	if (vq->vq.enabled)
		return;		/* fixed while the queue runs */
	pthread_mutex_lock(&vq->lock);
	*field = (*field & ~mask) | ((value << (8 * half)) & mask);
	pthread_mutex_unlock(&vq->lock);
}

static void common_write(struct virtio_dev *v, unsigned int off,
			 unsigned int size, uint64_t value)
{
	struct virtio_queue *vq = selected(v);

	if (off >= VIRTIO_COMMON_Q_DESC) {
		if (vq && addr_access_ok(off, size))
			addr_write(vq, off, size, value);
		return;
	}
	if (size != field_width(off))
		return;
	switch (off) {
	case VIRTIO_COMMON_DFSELECT:
		v->dfselect = (uint32_t)value;
		break;
	case VIRTIO_COMMON_GFSELECT:
		v->gfselect = (uint32_t)value;
		break;
	case VIRTIO_COMMON_GF:
		/* Fixed once accepted. */
		if (v->gfselect > 1 ||
		    (status_of(v) & VIRTIO_STATUS_FEATURES_OK))
			break;
		v->driver_features &= ~(0xffffffffULL << (32 * v->gfselect));
		v->driver_features |= (value & 0xffffffffULL) <<
				      (32 * v->gfselect);
		break;
	case VIRTIO_COMMON_MSIX:
		v->msix_config = vector(v, value);
		break;
	case VIRTIO_COMMON_STATUS:
		status_write(v, (uint8_t)value);
		break;
	case VIRTIO_COMMON_Q_SELECT:
		v->queue_sel = (uint16_t)value;
		break;
	case VIRTIO_COMMON_Q_SIZE:
		if (vq)
			queue_size_write(vq, value);
		break;
	case VIRTIO_COMMON_Q_MSIX:
		if (vq)
			vq->msix_vector = vector(v, value);
		break;
	case VIRTIO_COMMON_Q_ENABLE:
		/* 1 enables; 0 is not the driver's to write (spec 4.1.4.3). */
		if (vq && value == 1)
			queue_enable(v, vq);
		break;
	default:
		break;		/* read-only fields */
	}
}

/* ---- The BAR ---- */

static void notify_write(struct virtio_dev *v, uint64_t off)
{
	unsigned int q = (unsigned int)(off / VIRTIO_NOTIFY_MULT);

	/* The doorbell's address names the queue (notify_off = index). */
	if (q >= v->nqueues || !running(v) || !v->queues[q].vq.enabled)
		return;
	if (v->ops->queue_notify)
		v->ops->queue_notify(v, q);
}

/* ---- Doorbells as ioeventfds (virtio.h) ---- */

/* The event loop: queue @arg's doorbell rang. */
static void doorbell_rang(int fd, void *arg)
{
	struct virtio_queue *vq = arg;
	struct virtio_dev *v = vq->dev;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&v->pci->lock);
	notify_write(v, (uint64_t)(vq - v->queues) * VIRTIO_NOTIFY_MULT);
	pthread_mutex_unlock(&v->pci->lock);
}

/* Queue @q's doorbell (a 16-bit write, as drivers make it) at @base. */
static int doorbell_set(struct virtio_dev *v, uint64_t base, unsigned int q,
			bool assign)
{
	return dm_irq->ioeventfd(v->queues[q].kick_fd,
				 base + (uint64_t)q * VIRTIO_NOTIFY_MULT, 2,
				 assign);
}

/* Every queue's ioeventfd at @base (assign), or away from it; on a
 * failure to assign, none is left, and the first time the user is told
 * (the device works, only slower). */
static int doorbells_set(struct virtio_dev *v, uint64_t base, bool assign)
{
	for (unsigned int i = 0; i < v->nqueues; i++) {
		int ret = doorbell_set(v, base, i, assign);

		if (ret && assign) {
			while (i--)
				doorbell_set(v, base, i, false);
			if (!v->kick_refused)
				fprintf(stderr, "islet-dm: %s %02x.%x: "
					"doorbells stay I/O requests "
					"(ioeventfd: %s)\n", v->pci->ops->name,
					v->pci->slot, v->pci->func,
					strerror(-ret));
			v->kick_refused = true;
			return -1;
		}
	}
	return 0;
}

/* The assigned ioeventfds, if any, back to requests. */
static void doorbells_take_back(struct virtio_dev *v)
{
	if (v->kick_gpa)
		doorbells_set(v, v->kick_gpa, false);
	v->kick_gpa = 0;
}

/* The doorbells are ioeventfds exactly while the device runs and the
 * BAR is mapped where they are (the function's lock held): after a status
 * change and a config write (BAR move, COMMAND). */
static void doorbells_sync(struct virtio_dev *v)
{
	const struct dm_pci_bar *b = &v->pci->bar[VIRTIO_BAR];
	uint64_t want = 0;

	/* Once refused, not asked again at every config write. */
	if (dm_irq->ioeventfd && !v->kick_refused && v->queues &&
	    v->queues[0].kick_fd >= 0 && running(v) && b->registered)
		want = b->addr + VIRTIO_NOTIFY_OFF;
	if (want == v->kick_gpa)
		return;
	doorbells_take_back(v);
	if (want && !doorbells_set(v, want, true))
		v->kick_gpa = want;
}

static void doorbells_close(struct virtio_dev *v)
{
	doorbells_take_back(v);
	for (unsigned int i = 0; i < v->nqueues; i++) {
		if (v->queues[i].kick_fd >= 0) {
			dm_event_del(v->queues[i].kick_fd);
			close(v->queues[i].kick_fd);
			v->queues[i].kick_fd = -1;
		}
	}
}

/* Each queue's eventfd, watched by the event loop; without them all (no
 * loop: some host unit tests) doorbells stay requests. */
static void doorbells_open(struct virtio_dev *v)
{
	for (unsigned int i = 0; i < v->nqueues; i++) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

		if (fd < 0 || dm_event_add(fd, doorbell_rang, &v->queues[i])) {
			if (fd >= 0)
				close(fd);
			doorbells_close(v);
			return;
		}
		v->queues[i].kick_fd = fd;
	}
}

/* One access to the BAR (the function's lock held).  @peek: a read with
 * no side effect (the PCI_CFG window's read-back does not clear the
 * ISR). */
static void bar_access(struct virtio_dev *v, uint64_t off, unsigned int size,
		       bool write, uint64_t *value, bool peek)
{
	if (!write)
		*value = 0;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return;
	if (inside(off, size, VIRTIO_COMMON_OFF, VIRTIO_COMMON_LEN)) {
		if (write)
			common_write(v, (unsigned int)(off - VIRTIO_COMMON_OFF),
				     size, *value);
		else
			common_read(v, (unsigned int)(off - VIRTIO_COMMON_OFF),
				    size, value);
	} else if (off == VIRTIO_ISR_OFF) {
		/* Reading acknowledges: the bits clear, INTx drops. */
		if (!write) {
			*value = v->isr;
			if (!peek) {
				v->isr = 0;
				dm_pci_intx(v->pci, false);
			}
		}
	} else if (inside(off, size, VIRTIO_DEVCFG_OFF, v->config_size)) {
		unsigned int rel = (unsigned int)(off - VIRTIO_DEVCFG_OFF);

		if (write && v->ops->config_write)
			v->ops->config_write(v, rel, size, *value);
		else if (!write && v->ops->config_read)
			v->ops->config_read(v, rel, size, value);
		else if (!write && v->config)	/* little-endian, as x86 */
			memcpy(value, v->config + rel, size);
	} else if (inside(off, size, VIRTIO_NOTIFY_OFF,
			  (uint64_t)v->nqueues * VIRTIO_NOTIFY_MULT)) {
		if (write)
			notify_write(v, off - VIRTIO_NOTIFY_OFF);
	}
}

void virtio_pci_bar_read(struct dm_pci_dev *d, int bar, uint64_t off,
			 unsigned int size, uint64_t *value)
{
	*value = 0;
	if (bar == VIRTIO_BAR && vdev_of(d))
		bar_access(vdev_of(d), off, size, false, value, false);
}

void virtio_pci_bar_write(struct dm_pci_dev *d, int bar, uint64_t off,
			  unsigned int size, uint64_t value)
{
	if (bar == VIRTIO_BAR && vdev_of(d))
		bar_access(vdev_of(d), off, size, true, &value, false);
}

/*
 * The PCI configuration access capability: the driver points bar, offset
 * and length at a register of the BAR, and pci_cfg_data reads or writes
 * it, for firmware that cannot map the BAR.  The bus tells us of config
 * writes only, so the data bytes are refreshed after each write to the
 * capability; such a read-back does not clear the ISR (bar_access peek).
 */
void virtio_pci_cfg_written(struct dm_pci_dev *d, unsigned int off,
			    unsigned int size)
{
	struct virtio_dev *v = vdev_of(d);
	unsigned int cap;
	uint32_t woff, wlen;
	uint64_t value;

	if (!v)
		return;
	doorbells_sync(v);	/* the BAR may have moved or gone */
	if (!v->pcicfg_cap)
		return;
	cap = v->pcicfg_cap;
	if (off + size <= cap + VCAP_BAR || off >= cap + VCAP_LEN_EXT)
		return;
	woff = dm_pci_cfg_get(d, cap + VCAP_OFFSET, 4);
	wlen = dm_pci_cfg_get(d, cap + VCAP_LENGTH, 4);
	if (d->cfg[cap + VCAP_BAR] != VIRTIO_BAR ||
	    (wlen != 1 && wlen != 2 && wlen != 4) || woff % wlen ||
	    !inside(woff, wlen, 0, VIRTIO_BAR_SIZE))
		return;
	if (off + size > cap + VCAP_EXTRA) {
		value = dm_pci_cfg_get(d, cap + VCAP_EXTRA, wlen);
		bar_access(v, woff, wlen, true, &value, false);
	}
	bar_access(v, woff, wlen, false, &value, true);
	dm_pci_cfg_set32(d, cap + VCAP_EXTRA, (uint32_t)value);
}

/* ---- Set-up ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A struct virtio_pci_cap of @type for [@off, @off + @len) of the BAR;
 * @extra: the dword after it (notify), @window: the PCI_CFG one. */
static unsigned int add_vcap(struct dm_pci_dev *d, uint8_t type, uint32_t off,
			     uint32_t len, const uint32_t *extra, bool window)
{
	uint8_t body[VCAP_LEN_EXT] = { 0 }, wmask[VCAP_LEN_EXT] = { 0 };
	unsigned int n = (extra || window) ? VCAP_LEN_EXT : VCAP_LEN;

	body[0] = DM_PCI_CAP_VENDOR;
	body[2] = (uint8_t)n;
	body[3] = type;
	body[VCAP_BAR] = window ? 0 : VIRTIO_BAR;
	put32(body + VCAP_OFFSET, off);
	put32(body + VCAP_LENGTH, len);
	if (extra)
		put32(body + VCAP_EXTRA, *extra);
	if (window) {
		/* bar, offset, length and data are the driver's. */
		wmask[VCAP_BAR] = 0xff;
		memset(wmask + VCAP_OFFSET, 0xff, VCAP_LEN_EXT - VCAP_OFFSET);
	}
	return dm_pci_add_cap(d, body, n, wmask);
}

static int add_caps(struct virtio_dev *v, struct dm_error *err)
{
	struct dm_pci_dev *d = v->pci;
	uint32_t mult = VIRTIO_NOTIFY_MULT;

	/* Linux looks each type up by walking the whole list: the order is
	 * the spec's examples', the PCI_CFG window last. */
	if (!add_vcap(d, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_COMMON_OFF,
		      VIRTIO_COMMON_LEN, NULL, false) ||
	    !add_vcap(d, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_NOTIFY_OFF,
		      v->nqueues * VIRTIO_NOTIFY_MULT, &mult, false) ||
	    !add_vcap(d, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_ISR_OFF, 1, NULL,
		      false) ||
	    (v->config_size &&
	     !add_vcap(d, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_DEVCFG_OFF,
		       v->config_size, NULL, false)))
		return dm_fail(err, "no room for the virtio capabilities");
	v->pcicfg_cap = add_vcap(d, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, NULL, true);
	if (!v->pcicfg_cap)
		return dm_fail(err, "no room for the virtio capabilities");
	return dm_pci_add_msix(d, v->nqueues + 1, VIRTIO_BAR,
			       VIRTIO_MSIX_TABLE_OFF, VIRTIO_MSIX_PBA_OFF,
			       err);
}

static int check_ops(const struct virtio_ops *ops, struct dm_error *err)
{
	uint16_t n = ops->queue_size;

	if (!ops->nqueues || ops->nqueues > VIRTIO_MAX_QUEUES)
		return dm_fail(err, "%u virtio queues (1-%d)", ops->nqueues,
			       VIRTIO_MAX_QUEUES);
	if (!n || (n & (n - 1)))
		return dm_fail(err, "virtio queue size %u is not a power of "
			       "two", n);
	return 0;
}

static int setup_queues(struct virtio_dev *v, struct dm_error *err)
{
	v->queues = calloc(v->nqueues, sizeof(*v->queues));
	if (!v->queues)
		return dm_fail(err, "out of memory");
	for (unsigned int i = 0; i < v->nqueues; i++) {
		pthread_mutex_init(&v->queues[i].lock, NULL);
		virtq_init(&v->queues[i].vq, &dm_vm.mem, v->ops->queue_size);
		v->queues[i].msix_vector = VIRTIO_MSI_NO_VECTOR;
		v->queues[i].dev = v;
		v->queues[i].kick_fd = -1;
	}
	doorbells_open(v);
	return 0;
}

int virtio_pci_init(struct dm_pci_dev *d, const struct virtio_ops *ops,
		    const char *conf, struct dm_error *err)
{
	struct virtio_dev *v;

	if (check_ops(ops, err))
		return -1;
	if (!ops->init && conf[0])
		return dm_fail(err, "takes no options (\"%s\")", conf);
	v = calloc(1, sizeof(*v));
	if (!v)
		return dm_fail(err, "out of memory");
	v->pci = d;
	v->ops = ops;
	v->device_features = ops->features;
	v->nqueues = ops->nqueues;
	v->config_size = ops->config_size;
	v->msix_config = VIRTIO_MSI_NO_VECTOR;
	d->priv = v;
	if (ops->init && ops->init(v, conf, err)) {
		d->priv = NULL;
		free(v);
		return -1;
	}
	v->device_features |= TRANSPORT_FEATURES;
	if (!v->nqueues || v->nqueues > ops->nqueues) {
		dm_fail(err, "%u virtio queues (1-%u)", v->nqueues,
			ops->nqueues);
		goto fail;
	}
	if (v->config_size > VIRTIO_DEVCFG_MAX) {
		dm_fail(err, "virtio device configuration of %u bytes",
			v->config_size);
		goto fail;
	}
	if (setup_queues(v, err))
		goto fail;
	dm_pci_set_ids(d, VIRTIO_PCI_VENDOR,
		       (uint16_t)(VIRTIO_PCI_DEVICE_BASE + ops->device_id),
		       ops->class_code, VIRTIO_PCI_REVISION, VIRTIO_PCI_VENDOR,
		       ops->device_id);
	dm_pci_cfg_set8(d, DM_PCIR_INTPIN, 1);	/* INTA */
	if (dm_pci_add_bar(d, VIRTIO_BAR, DM_BAR_MEM64, VIRTIO_BAR_SIZE, err) ||
	    add_caps(v, err))
		goto fail;
	return 0;
fail:
	virtio_pci_deinit(d);
	return -1;
}

void virtio_pci_deinit(struct dm_pci_dev *d)
{
	struct virtio_dev *v = vdev_of(d);

	if (!v)
		return;
	if (v->ops->deinit)
		v->ops->deinit(v);
	if (v->queues) {
		doorbells_close(v);
		for (unsigned int i = 0; i < v->nqueues; i++)
			pthread_mutex_destroy(&v->queues[i].lock);
		free(v->queues);
	}
	d->priv = NULL;
	free(v);
}

void virtio_pci_reset(struct dm_pci_dev *d)
{
	struct virtio_dev *v = vdev_of(d);

	if (!v)
		return;
	pthread_mutex_lock(&d->lock);
	reset_locked(v);
	v->config_gen = 0;
	pthread_mutex_unlock(&d->lock);
}
