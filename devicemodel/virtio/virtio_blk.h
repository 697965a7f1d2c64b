/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's virtio-blk (virtio 1.x, 5.2): a raw image file as a disk.
 * The device type registers itself ("virtio-blk"); what is declared here
 * is its pure part, the image and the execution of one request, which the
 * host unit tests drive over chains of their own.
 */
#ifndef DM_VIRTIO_BLK_H
#define DM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "virtqueue.h"

#define VIRTIO_ID_BLOCK		2

/* Feature bits (bit numbers) */
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

/* Request types and status values */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define VBLK_SECTOR		512U
#define VBLK_HDR_SIZE		16U	/* type, reserved, sector */
#define VBLK_ID_BYTES		20U
#define VBLK_QUEUE_SIZE		128U
/* Data segments of one request; the header and the status take two more,
 * so that a whole request fits one indirect table of the queue's size. */
#define VBLK_SEG_MAX		(VBLK_QUEUE_SIZE - 2U)
#define VBLK_CHAIN_SEGS		(VBLK_SEG_MAX + 2U)

/* Config space (5.2.4), the fields offered */
#define VBLK_CFG_CAPACITY	0	/* le64, in 512-byte sectors */
#define VBLK_CFG_SEG_MAX	12	/* le32 */
#define VBLK_CFG_BLK_SIZE	20	/* le32 */
#define VBLK_CFG_SIZE		24

struct vblk_disk {
	int fd;
	bool ro;
	bool writethrough;		/* each OUT synced: no FLUSH from the
					 * driver */
	uint64_t capacity;		/* 512-byte sectors */
	char path[DM_PATH_MAX];
	uint8_t ident[VBLK_ID_BYTES];	/* GET_ID's answer */
};

/*
 * Opens the image of a -s conf string, "PATH[,ro][,writeback]", and
 * locks it (shared when read-only, exclusive otherwise) so that two VMs
 * cannot write one disk.  0, or -1 with @err naming the file.
 */
int vblk_disk_open(struct vblk_disk *disk, const char *conf,
		   struct dm_error *err);
void vblk_disk_close(struct vblk_disk *disk);

/*
 * Executes the request in @segs (a chain virtq_pop() gave): reads its
 * header, does the I/O, and stores the status in the chain's last
 * device-writable byte.  Returns that status, with *@used_len the bytes
 * to report in the used ring; or -1 when the chain has no device-writable
 * byte for a status, a driver bug that only a device reset recovers from
 * (nothing was done nor written).
 */
int vblk_request(const struct vblk_disk *disk, const struct virtq_seg *segs,
		 const struct virtq_chain *chain, uint32_t *used_len);

#endif /* DM_VIRTIO_BLK_H */
