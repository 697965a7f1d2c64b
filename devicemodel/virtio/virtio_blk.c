// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: virtio-blk (virtio_blk.h), a raw image file as the guest's
 * disk: -s SLOT,virtio-blk,PATH[,ro] as acrn-dm.
 *
 * A request is a chain: a 16-byte header (type, reserved, sector) in its
 * first device-readable bytes, the data (readable for OUT, writable for
 * IN and GET_ID), and a status byte in its last device-writable byte.  A
 * driver may cut those anywhere across its buffers, so the header is
 * copied out and the data is described by iovecs sliced from the
 * segments; nothing assumes Linux's one-buffer-per-part layout.  Every
 * value of the header is the guest's: the sector range is checked
 * against the image before any I/O, so a request can only reach the
 * image's own bytes and guest RAM (the segments virtq_pop() checked).
 *
 * The I/O runs on a worker thread of the device's: a notify (on a vCPU
 * thread, holding the function's lock) only wakes it, so a vCPU never
 * waits for the host's disk.  The worker takes one request at a time and
 * completes each before the next (so a FLUSH completes after the writes
 * before it, and after its fdatasync() returned: a guest's sync is on
 * disk when it returns); a queue of 128 requests is served in order.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio.h"
#include "virtio_blk.h"

/* ---- The image ---- */

/* "islet-" and 14 hex digits of a hash of the image's path: a serial
 * number, exactly 20 bytes, so no NUL (5.2.6). */
static void make_ident(struct vblk_disk *disk)
{
	char abs[PATH_MAX], id[VBLK_ID_BYTES + 1];
	const char *p = realpath(disk->path, abs) ? abs : disk->path;

	snprintf(id, sizeof(id), "islet-%014llx",
		 (unsigned long long)(virtio_hash(p) & 0xffffffffffffffULL));
	memcpy(disk->ident, id, VBLK_ID_BYTES);
}

/* "PATH[,ro][,writeback]" into disk->path and disk->ro. */
static int parse_conf(struct vblk_disk *disk, const char *conf,
		      struct dm_error *err)
{
	const char *comma = strchr(conf, ',');
	size_t len = comma ? (size_t)(comma - conf) : strlen(conf);

	if (!len)
		return dm_fail(err, "virtio-blk needs an image: "
			       "-s SLOT,virtio-blk,PATH[,ro]");
	if (len >= sizeof(disk->path))
		return dm_fail(err, "virtio-blk: image path too long");
	memcpy(disk->path, conf, len);
	disk->path[len] = '\0';
	while (comma) {
		const char *opt = comma + 1;

		comma = strchr(opt, ',');
		len = comma ? (size_t)(comma - opt) : strlen(opt);
		if (len == 2 && !strncmp(opt, "ro", 2))
			disk->ro = true;
		else if (len == 9 && !strncmp(opt, "writeback", 9))
			;	/* what this device always does: the page cache,
				 * and FLUSH for what must be on disk */
		else
			return dm_fail(err, "virtio-blk %s: unknown option "
				       "'%.*s' (ro, writeback)", disk->path,
				       (int)len, opt);
	}
	return 0;
}

int vblk_disk_open(struct vblk_disk *disk, const char *conf,
		   struct dm_error *err)
{
	struct stat st;
	uint64_t bytes;

	memset(disk, 0, sizeof(*disk));
	disk->fd = -1;
	if (parse_conf(disk, conf, err))
		return -1;
	disk->fd = open(disk->path, (disk->ro ? O_RDONLY : O_RDWR) |
			O_CLOEXEC);
	if (disk->fd < 0)
		return dm_fail(err, "virtio-blk: cannot open image %s: %s",
			       disk->path, strerror(errno));
	if (fstat(disk->fd, &st))
		goto err_errno;
	if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(disk->fd, BLKGETSIZE64, &bytes))
			goto err_errno;
	} else {
		dm_fail(err, "virtio-blk: %s is neither a file nor a block "
			"device", disk->path);
		goto err;
	}
	if (flock(disk->fd, (disk->ro ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		dm_fail(err, "virtio-blk: %s is in use: another VM or program "
			"holds its lock", disk->path);
		goto err;
	}
	/* A partial last sector cannot be addressed: the guest sees whole
	 * sectors only. */
	disk->capacity = bytes / VBLK_SECTOR;
	make_ident(disk);
	return 0;

err_errno:
	dm_fail(err, "virtio-blk: %s: %s", disk->path, strerror(errno));
err:
	close(disk->fd);
	disk->fd = -1;
	return -1;
}

void vblk_disk_close(struct vblk_disk *disk)
{
	if (disk->fd >= 0)
		close(disk->fd);
	disk->fd = -1;
}

/* ---- One request ---- */

/* Reads or writes all of @iov at @off; 0, or -1 (an error, or the end of
 * an image that shrank under us). */
static int transfer(int fd, struct iovec *iov, int cnt, off_t off,
		    bool write)
{
	while (cnt > 0) {
		ssize_t n = write ? pwritev(fd, iov, cnt, off) :
				    preadv(fd, iov, cnt, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += n;
		/* Past what was done: a short transfer goes on from there. */
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* IN and OUT of @len bytes at @sector; the status. */
static uint8_t rw(const struct vblk_disk *disk, bool write, uint64_t sector,
		  uint64_t len, struct iovec *iov, int cnt)
{
	if (write && disk->ro)
		return VIRTIO_BLK_S_IOERR;
	if (len % VBLK_SECTOR)
		return VIRTIO_BLK_S_IOERR;
	if (sector > disk->capacity ||
	    len / VBLK_SECTOR > disk->capacity - sector)
		return VIRTIO_BLK_S_IOERR;
	/* Within capacity, so the offset fits an off_t. */
	if (transfer(disk->fd, iov, cnt, (off_t)(sector * VBLK_SECTOR),
		     write))
		return VIRTIO_BLK_S_IOERR;
	if (write && disk->writethrough && fdatasync(disk->fd))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

int vblk_request(const struct vblk_disk *disk, const struct virtq_seg *segs,
		 const struct virtq_chain *chain, uint32_t *used_len)
{
	struct iovec iov[VBLK_CHAIN_SEGS];
	unsigned int nseg = chain->nseg, nread = chain->nread;
	uint8_t hdr[VBLK_HDR_SIZE], *status;
	uint64_t data_in, sector;
	uint32_t type;
	uint8_t st;
	int cnt;

	*used_len = 0;
	/* Segments are readable first, then writable, none empty: the
	 * status is the last byte of the last one, if it is writable. */
	if (!chain->write_len || nseg <= nread || nseg > VBLK_CHAIN_SEGS)
		return -1;
	status = (uint8_t *)segs[nseg - 1].addr + segs[nseg - 1].len - 1;
	/* The writable bytes before the status: IN's and GET_ID's data. */
	data_in = chain->write_len - 1ULL;
	*used_len = chain->write_len;

	if (chain->read_len < VBLK_HDR_SIZE) {
		*status = VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_IOERR;
	}
	/* Copied once: the guest may change its buffer meanwhile. */
	virtq_copy_from(segs, chain, hdr, VBLK_HDR_SIZE);
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		cnt = virtq_iov(segs, nread, nseg, 0, data_in, iov);
		st = rw(disk, false, sector, data_in, iov, cnt);
		break;
	case VIRTIO_BLK_T_OUT:
		cnt = virtq_iov(segs, 0, nread, VBLK_HDR_SIZE,
				chain->read_len - VBLK_HDR_SIZE, iov);
		st = rw(disk, true, sector, chain->read_len - VBLK_HDR_SIZE,
			iov, cnt);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* The guest's sync ends here: on disk before it is told. */
		st = fdatasync(disk->fd) ? VIRTIO_BLK_S_IOERR :
					   VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		/* As much of the id as the buffer holds (Linux gives 20). */
		virtq_copy_to(segs, chain, disk->ident,
			      (uint32_t)(data_in < VBLK_ID_BYTES ? data_in :
							   VBLK_ID_BYTES));
		st = VIRTIO_BLK_S_OK;
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	*status = st;
	return st;
}

/* ---- The device ---- */

/*
 * The worker thread and what it shares with the transport's callbacks,
 * under `lock`.  A reset must not return while a request it cancels
 * still writes into guest memory (the driver may reuse the buffers at
 * once, a VM reset reloads the kernel), so it waits for the request in
 * progress (`busy`) and stops later ones (`halted`, until the next
 * DRIVER_OK).  The worker never holds `lock` while it calls into the
 * transport (which may take the function's lock, held by the resetting
 * thread), so that wait always ends.
 */
struct vblk {
	struct virtio_dev *v;
	struct vblk_disk disk;
	pthread_t worker;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* kicked or stop; busy cleared */
	bool kicked, stop, halted, busy;
	uint8_t config[VBLK_CFG_SIZE];
};

/* Whether the chain is still the driver's to be served, and if so marks
 * the worker busy with it. */
static bool begin(struct vblk *b, const struct virtq_chain *c)
{
	bool current;

	pthread_mutex_lock(&b->lock);
	/* Popped before a reset (whose callback runs before the queue's
	 * generation moves): dropped, never pushed. */
	current = !b->halted && virtio_queue_current(b->v, 0, c);
	b->busy = current;
	pthread_mutex_unlock(&b->lock);
	return current;
}

static void end(struct vblk *b)
{
	pthread_mutex_lock(&b->lock);
	b->busy = false;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

/* Serves every chain available; the device broken stops it. */
static void drain(struct vblk *b)
{
	struct virtq_seg segs[VBLK_CHAIN_SEGS];
	struct virtq_chain c;
	uint32_t len;
	int st;

	while (virtio_queue_pop(b->v, 0, segs, VBLK_CHAIN_SEGS, &c) > 0) {
		if (!begin(b, &c))
			continue;
		st = vblk_request(&b->disk, segs, &c, &len);
		end(b);
		if (st < 0) {
			/* No status byte to answer in: the driver's bug. */
			virtio_dev_broken(b->v);
			return;
		}
		virtio_queue_complete(b->v, 0, &c, len);
	}
}

static void *worker_main(void *arg)
{
	struct vblk *b = arg;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->kicked && !b->stop)
			pthread_cond_wait(&b->cond, &b->lock);
		if (b->stop)
			break;
		b->kicked = false;
		pthread_mutex_unlock(&b->lock);
		drain(b);
		pthread_mutex_lock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* The notify (main or vCPU thread, virtio.h), the function's lock held:
 * only wakes the worker. */
static void vblk_notify(struct virtio_dev *v, unsigned int q)
{
	struct vblk *b = v->priv;

	pthread_mutex_lock(&b->lock);
	b->kicked = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void vblk_reset(struct virtio_dev *v)
{
	struct vblk *b = v->priv;

	pthread_mutex_lock(&b->lock);
	b->halted = true;
	b->kicked = false;
	while (b->busy)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

static void vblk_driver_ok(struct virtio_dev *v)
{
	struct vblk *b = v->priv;

	pthread_mutex_lock(&b->lock);
	/* A driver without FLUSH expects each write to be on disk when it
	 * completes (5.2.6.2). */
	b->disk.writethrough = !virtio_has_feature(v, VIRTIO_BLK_F_FLUSH);
	b->halted = false;
	pthread_mutex_unlock(&b->lock);
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void vblk_free(struct vblk *b)
{
	if (b->started) {
		pthread_mutex_lock(&b->lock);
		b->stop = true;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->worker, NULL);
	}
	vblk_disk_close(&b->disk);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int vblk_init(struct virtio_dev *v, const char *conf,
		     struct dm_error *err)
{
	struct vblk *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return dm_fail(err, "out of memory");
	b->v = v;
	b->halted = true;	/* until DRIVER_OK */
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	if (vblk_disk_open(&b->disk, conf, err)) {
		vblk_free(b);
		return -1;
	}
	if (b->disk.ro)
		v->device_features |= 1ULL << VIRTIO_BLK_F_RO;
	put_le(b->config + VBLK_CFG_CAPACITY, b->disk.capacity, 8);
	put_le(b->config + VBLK_CFG_SEG_MAX, VBLK_SEG_MAX, 4);
	put_le(b->config + VBLK_CFG_BLK_SIZE, VBLK_SECTOR, 4);
	ret = pthread_create(&b->worker, NULL, worker_main, b);
	if (ret) {
		vblk_free(b);
		return dm_fail(err, "virtio-blk: cannot start its thread: %s",
			       strerror(ret));
	}
	b->started = true;
	v->priv = b;
	v->config = b->config;
	return 0;
}

static void vblk_deinit(struct virtio_dev *v)
{
	if (v->priv)
		vblk_free(v->priv);
	v->priv = NULL;
}

static const struct virtio_ops vblk_virtio_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.class_code = 0x010000,		/* mass storage */
	.features = (1ULL << VIRTIO_BLK_F_SEG_MAX) |
		    (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
		    (1ULL << VIRTIO_BLK_F_FLUSH),
	.nqueues = 1,
	.queue_size = VBLK_QUEUE_SIZE,
	.config_size = VBLK_CFG_SIZE,
	.init = vblk_init,
	.deinit = vblk_deinit,
	.reset = vblk_reset,
	.queue_notify = vblk_notify,
	.driver_ok = vblk_driver_ok,
};

static int vblk_pci_init(struct dm_pci_dev *d, const char *conf,
			 struct dm_error *err)
{
	return virtio_pci_init(d, &vblk_virtio_ops, conf, err);
}

static const struct dm_pci_ops vblk_pci_ops = {
	.name = "virtio-blk",
	.init = vblk_pci_init,
	.deinit = virtio_pci_deinit,
	.reset = virtio_pci_reset,
	.bar_read = virtio_pci_bar_read,
	.bar_write = virtio_pci_bar_write,
	.cfg_written = virtio_pci_cfg_written,
};
DM_PCI_DEVICE(vblk_pci_ops);
