/*
 * virtio-blk (devicemodel/virtio/virtio_blk.c) over a temporary image,
 * driven through the real transport by the fake guest of vdev_driver.h:
 * reads and writes that reach the image's bytes, FLUSH, GET_ID, the
 * config space, and each way a request can be wrong -- out of range, a
 * bad length, a write to a read-only disk, an unknown type, chains
 * without a header or without a status byte -- answered with a status,
 * or the device marked broken, never a crash (the suite runs under ASan
 * and UBSan).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "virtio_blk.h"
#include "vdev_driver.h"
#include "dm_unit.h"

#define IMAGE_SECTORS	64U
#define NO_STATUS	0xee	/* what the status byte holds before */

#define F_BLK	((1ULL << VIRTIO_F_VERSION_1) |				\
		 (1ULL << VIRTIO_BLK_F_SEG_MAX) |			\
		 (1ULL << VIRTIO_BLK_F_BLK_SIZE) |			\
		 (1ULL << VIRTIO_BLK_F_FLUSH))

static char image[] = "/tmp/islet-vblk-XXXXXX";
static int image_fd = -1;

/* A fresh image of @bytes, each byte a function of its offset. */
static void make_image(size_t bytes)
{
	uint8_t *p = malloc(bytes);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(image, "/tmp/islet-vblk-XXXXXX");
	image_fd = mkstemp(image);
	CU_ASSERT_FATAL(image_fd >= 0);
	for (size_t i = 0; i < bytes; i++)
		p[i] = (uint8_t)(i * 7 + i / 512);
	CU_ASSERT_EQUAL(pwrite(image_fd, p, bytes, 0), (ssize_t)bytes);
	free(p);
}

static void drop_image(void)
{
	close(image_fd);
	unlink(image);
	image_fd = -1;
}

/* The device on the image (with @opts), set up as Linux does. */
static void start(const char *opts, uint64_t features)
{
	char conf[128];
	struct dm_error err = { { 0 } };

	snprintf(conf, sizeof(conf), "%s%s", image, opts);
	CU_ASSERT_EQUAL_FATAL(vdrv_start("virtio-blk", conf, &err), 0);
	CU_ASSERT_EQUAL(vdrv_negotiate(features) & VIRTIO_STATUS_FEATURES_OK,
			VIRTIO_STATUS_FEATURES_OK);
	vdrv_queue(0, VBLK_QUEUE_SIZE);
	vdrv_driver_ok();
}

static void stop(void)
{
	vdrv_stop();
	drop_image();
}

static uint64_t header(uint32_t type, uint64_t sector)
{
	uint64_t gpa = vdrv_alloc(VBLK_HDR_SIZE);

	memcpy(vdrv_ram(gpa), &type, 4);
	memcpy(vdrv_ram(gpa + 8), &sector, 8);
	return gpa;
}

/* Sends a chain and waits for it: the status byte at @status_gpa, with
 * the used length in *@used; -1 when nothing came back. */
static int submit(const struct vdrv_buf *bufs, unsigned int n,
		  uint64_t status_gpa, uint32_t *used)
{
	uint32_t id, len;
	uint16_t head;

	*vdrv_ram(status_gpa) = NO_STATUS;
	head = vdrv_add(0, bufs, n);
	vdrv_kick(0);
	if (!vdrv_wait_used(0, &id, &len))
		return -1;
	CU_ASSERT_EQUAL(id, head);
	if (used)
		*used = len;
	return *vdrv_ram(status_gpa);
}

/* A request of Linux's shape: header, one data buffer, status. */
static int simple(uint32_t type, uint64_t sector, uint64_t data,
		  uint32_t len, bool write_data)
{
	uint64_t st = vdrv_alloc(1);
	struct vdrv_buf b[3] = {
		{ header(type, sector), VBLK_HDR_SIZE, false },
		{ data, len, write_data },
		{ st, 1, true },
	};

	return len ? submit(b, 3, st, NULL) :
		     submit((struct vdrv_buf[]){ b[0], b[2] }, 2, st, NULL);
}

static void image_read(uint64_t off, void *buf, size_t len)
{
	CU_ASSERT_EQUAL(pread(image_fd, buf, len, (off_t)off), (ssize_t)len);
}

static bool image_is_original(uint64_t off, size_t len)
{
	uint8_t b;

	for (size_t i = off; i < off + len; i++) {
		image_read(i, &b, 1);
		if (b != (uint8_t)(i * 7 + i / 512))
			return false;
	}
	return true;
}

/* ---- Tests ---- */

static void test_open_errors(void)
{
	struct vblk_disk d, d2;
	struct dm_error err = { { 0 } };

	CU_ASSERT_EQUAL(vblk_disk_open(&d, "/nonexistent/disk.img", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/disk.img"));
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(vblk_disk_open(&d, "", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "needs an image"));

	/* A partial last sector is not addressable. */
	make_image(IMAGE_SECTORS * VBLK_SECTOR + 100);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(vblk_disk_open(&d, image, &err), 0);
	CU_ASSERT_EQUAL(d.capacity, IMAGE_SECTORS);
	CU_ASSERT_FALSE(d.ro);
	/* A second writer is refused, and a reader too. */
	CU_ASSERT_EQUAL(vblk_disk_open(&d2, image, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "in use"));
	{
		char ro[64];

		snprintf(ro, sizeof(ro), "%s,ro", image);
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(vblk_disk_open(&d2, ro, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "in use"));
		vblk_disk_close(&d);
		/* Readers share. */
		CU_ASSERT_EQUAL(vblk_disk_open(&d, ro, &err), 0);
		CU_ASSERT_EQUAL(vblk_disk_open(&d2, ro, &err), 0);
		CU_ASSERT_TRUE(d.ro && d2.ro);
		vblk_disk_close(&d2);
		vblk_disk_close(&d);
		snprintf(ro, sizeof(ro), "%s,rw", image);
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(vblk_disk_open(&d, ro, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown option 'rw'"));
	}
	drop_image();
	/* The bus reports the device's refusal. */
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(vdrv_start("virtio-blk", "/nonexistent/x.img", &err),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/x.img"));
}

static void test_config(void)
{
	uint64_t f;

	make_image(IMAGE_SECTORS * VBLK_SECTOR);
	start("", F_BLK);
	f = vdrv_device_features();
	CU_ASSERT_NOT_EQUAL(f & (1ULL << VIRTIO_BLK_F_FLUSH), 0);
	CU_ASSERT_NOT_EQUAL(f & (1ULL << VIRTIO_BLK_F_SEG_MAX), 0);
	CU_ASSERT_NOT_EQUAL(f & (1ULL << VIRTIO_BLK_F_BLK_SIZE), 0);
	CU_ASSERT_NOT_EQUAL(f & (1ULL << VIRTIO_F_VERSION_1), 0);
	CU_ASSERT_EQUAL(f & (1ULL << VIRTIO_BLK_F_RO), 0);
	CU_ASSERT_EQUAL(vdrv_config(VBLK_CFG_CAPACITY, 8), IMAGE_SECTORS);
	CU_ASSERT_EQUAL(vdrv_config(VBLK_CFG_CAPACITY, 4), IMAGE_SECTORS);
	CU_ASSERT_EQUAL(vdrv_config(VBLK_CFG_SEG_MAX, 4), VBLK_SEG_MAX);
	CU_ASSERT_EQUAL(vdrv_config(VBLK_CFG_BLK_SIZE, 4), VBLK_SECTOR);
	stop();
}

static void test_round_trip(void)
{
	uint8_t want[2048], got[2048];
	uint64_t hdr, d1, d2, st, in;
	uint32_t used = 0;

	make_image(IMAGE_SECTORS * VBLK_SECTOR);
	start("", F_BLK);
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(0xa5 ^ i);
	/* OUT: the header cut in two, the data spread over three buffers,
	 * the first of which starts with the header's last bytes. */
	hdr = header(VIRTIO_BLK_T_OUT, 5);
	d1 = vdrv_alloc(11 + 700);
	memcpy(vdrv_ram(d1), vdrv_ram(hdr + 5), 11);
	memcpy(vdrv_ram(d1 + 11), want, 700);
	d2 = vdrv_alloc(1348);
	memcpy(vdrv_ram(d2), want + 700, 1348);
	st = vdrv_alloc(1);
	{
		struct vdrv_buf b[] = {
			{ hdr, 5, false }, { d1, 11 + 700, false },
			{ d2, 1000, false }, { d2 + 1000, 348, false },
			{ st, 1, true },
		};

		CU_ASSERT_EQUAL(submit(b, 5, st, &used), VIRTIO_BLK_S_OK);
		CU_ASSERT_EQUAL(used, 1);
	}
	image_read(5 * VBLK_SECTOR, got, sizeof(got));
	CU_ASSERT_EQUAL(memcmp(got, want, sizeof(got)), 0);
	CU_ASSERT_TRUE(image_is_original(0, 5 * VBLK_SECTOR));
	CU_ASSERT_TRUE(image_is_original(9 * VBLK_SECTOR, VBLK_SECTOR));

	/* IN: data and status in one writable buffer, the status last. */
	in = vdrv_alloc(2049);
	{
		struct vdrv_buf b[] = {
			{ header(VIRTIO_BLK_T_IN, 5), VBLK_HDR_SIZE, false },
			{ in, 2049, true },
		};

		CU_ASSERT_EQUAL(submit(b, 2, in + 2048, &used),
				VIRTIO_BLK_S_OK);
		CU_ASSERT_EQUAL(used, 2049);
	}
	CU_ASSERT_EQUAL(memcmp(vdrv_ram(in), want, sizeof(want)), 0);
	/* And an untouched sector reads as the image has it. */
	in = vdrv_alloc(VBLK_SECTOR);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_IN, IMAGE_SECTORS - 1, in,
			       VBLK_SECTOR, true), VIRTIO_BLK_S_OK);
	image_read((IMAGE_SECTORS - 1) * VBLK_SECTOR, got, VBLK_SECTOR);
	CU_ASSERT_EQUAL(memcmp(vdrv_ram(in), got, VBLK_SECTOR), 0);
	CU_ASSERT_TRUE(vdrv_interrupts() > 0);
	stop();
}

static void test_flush_and_id(void)
{
	struct vblk_disk d;
	struct dm_error err = { { 0 } };
	uint8_t id[VBLK_ID_BYTES];
	uint64_t buf;

	make_image(IMAGE_SECTORS * VBLK_SECTOR);
	start("", F_BLK);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false),
			VIRTIO_BLK_S_OK);
	buf = vdrv_alloc(VBLK_ID_BYTES);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_GET_ID, 0, buf, VBLK_ID_BYTES,
			       true), VIRTIO_BLK_S_OK);
	memcpy(id, vdrv_ram(buf), sizeof(id));
	CU_ASSERT_EQUAL(memcmp(id, "islet-", 6), 0);
	/* Only part of it fits a short buffer; the rest is not touched. */
	buf = vdrv_alloc(8);
	memset(vdrv_ram(buf), 0x77, 8);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_GET_ID, 0, buf, 6, true),
			VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(memcmp(vdrv_ram(buf), "islet-", 6), 0);
	CU_ASSERT_EQUAL(vdrv_ram(buf)[7], 0x77);
	vdrv_stop();
	/* The same image has the same id, another image another. */
	CU_ASSERT_EQUAL_FATAL(vblk_disk_open(&d, image, &err), 0);
	CU_ASSERT_EQUAL(memcmp(d.ident, id, sizeof(id)), 0);
	vblk_disk_close(&d);
	drop_image();
	make_image(VBLK_SECTOR);
	CU_ASSERT_EQUAL_FATAL(vblk_disk_open(&d, image, &err), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(d.ident, id, sizeof(id)), 0);
	vblk_disk_close(&d);
	drop_image();
}

static void test_range_and_length(void)
{
	uint64_t buf;

	make_image(IMAGE_SECTORS * VBLK_SECTOR);
	start("", F_BLK);
	buf = vdrv_alloc(4096);
	memset(vdrv_ram(buf), 0x5a, 4096);
	/* The last two sectors: fine; one more: no part of it is done. */
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_IN, IMAGE_SECTORS - 2, buf, 1024,
			       true), VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_OUT, IMAGE_SECTORS - 1, buf, 1024,
			       false), VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_OUT, IMAGE_SECTORS, buf, 512,
			       false), VIRTIO_BLK_S_IOERR);
	/* Sectors whose byte offset overflows 64 bits. */
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_OUT, 1ULL << 62, buf, 512,
			       false), VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_IN, ~0ULL, buf, 512, true),
			VIRTIO_BLK_S_IOERR);
	/* Not whole sectors. */
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_OUT, 0, buf, 100, false),
			VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_IN, 0, buf, 513, true),
			VIRTIO_BLK_S_IOERR);
	CU_ASSERT_TRUE(image_is_original(0, IMAGE_SECTORS * VBLK_SECTOR));
	/* Types the device does not know. */
	CU_ASSERT_EQUAL(simple(11, 0, buf, 512, false),	/* DISCARD */
			VIRTIO_BLK_S_UNSUPP);
	CU_ASSERT_EQUAL(simple(0xdeadbeef, 0, 0, 0, false),
			VIRTIO_BLK_S_UNSUPP);
	CU_ASSERT_FALSE(vdrv_status() & VIRTIO_STATUS_NEEDS_RESET);
	stop();
}

static void test_read_only(void)
{
	uint64_t buf;

	make_image(IMAGE_SECTORS * VBLK_SECTOR);
	start(",ro", F_BLK | (1ULL << VIRTIO_BLK_F_RO));
	CU_ASSERT_NOT_EQUAL(vdrv_device_features() &
			    (1ULL << VIRTIO_BLK_F_RO), 0);
	buf = vdrv_alloc(VBLK_SECTOR);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_OUT, 0, buf, VBLK_SECTOR, false),
			VIRTIO_BLK_S_IOERR);
	CU_ASSERT_TRUE(image_is_original(0, VBLK_SECTOR));
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_IN, 0, buf, VBLK_SECTOR, true),
			VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(vdrv_ram(buf)[1], 7);
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false),
			VIRTIO_BLK_S_OK);
	stop();
}

static bool wait_broken(void)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 5000; i++) {
		if (vdrv_status() & VIRTIO_STATUS_NEEDS_RESET)
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

static void test_malformed(void)
{
	uint64_t hdr, buf, st;
	uint32_t id, len;

	make_image(IMAGE_SECTORS * VBLK_SECTOR);
	start("", F_BLK);
	buf = vdrv_alloc(VBLK_SECTOR);
	st = vdrv_alloc(1);
	/* A header of 8 bytes: the request fails. */
	{
		struct vdrv_buf b[] = {
			{ header(VIRTIO_BLK_T_OUT, 0), 8, false },
			{ st, 1, true },
		};

		CU_ASSERT_EQUAL(submit(b, 2, st, NULL), VIRTIO_BLK_S_IOERR);
	}
	/* No header at all, only a status byte. */
	{
		struct vdrv_buf b[] = { { st, 1, true } };

		CU_ASSERT_EQUAL(submit(b, 1, st, NULL), VIRTIO_BLK_S_IOERR);
	}
	/* A header and data as an IN wants them, but the "status" is
	 * device-readable: there is nowhere to answer. */
	hdr = header(VIRTIO_BLK_T_IN, 0);
	{
		struct vdrv_buf b[] = {
			{ hdr, VBLK_HDR_SIZE, false },
			{ buf, VBLK_SECTOR, false },
			{ st, 1, false },
		};

		*vdrv_ram(st) = NO_STATUS;
		vdrv_add(0, b, 3);
		vdrv_kick(0);
	}
	CU_ASSERT_TRUE(wait_broken());
	CU_ASSERT_FALSE(vdrv_used(0, &id, &len));
	CU_ASSERT_EQUAL(*vdrv_ram(st), NO_STATUS);
	CU_ASSERT_TRUE(image_is_original(0, IMAGE_SECTORS * VBLK_SECTOR));
	/* The driver resets the device and goes on. */
	vdrv_reset();
	CU_ASSERT_EQUAL(vdrv_negotiate(F_BLK) & VIRTIO_STATUS_FEATURES_OK,
			VIRTIO_STATUS_FEATURES_OK);
	vdrv_queue(0, VBLK_QUEUE_SIZE);
	vdrv_driver_ok();
	CU_ASSERT_EQUAL(simple(VIRTIO_BLK_T_IN, 1, buf, VBLK_SECTOR, true),
			VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(vdrv_ram(buf)[0], (uint8_t)(512 * 7 + 1));
	stop();
}

/* The pure request over host buffers: a header in three pieces, the
 * data starting inside the header's last one. */
static void test_request_slicing(void)
{
	struct vblk_disk d;
	struct dm_error err = { { 0 } };
	uint8_t hdr[VBLK_HDR_SIZE + 4] = { 0 }, data[VBLK_SECTOR - 4];
	uint8_t status = NO_STATUS, got[VBLK_SECTOR];
	uint32_t type = VIRTIO_BLK_T_OUT, used;
	uint64_t sector = 2;
	struct virtq_seg segs[5] = {
		{ hdr, 3, false }, { hdr + 3, 10, false },
		{ hdr + 13, 7, false }, { data, sizeof(data), false },
		{ &status, 1, true },
	};
	struct virtq_chain c = { .nseg = 4, .nread = 4,
				 .read_len = sizeof(hdr) + sizeof(data) };

	make_image(IMAGE_SECTORS * VBLK_SECTOR);
	CU_ASSERT_EQUAL_FATAL(vblk_disk_open(&d, image, &err), 0);
	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	memcpy(hdr + 16, "abcd", 4);		/* the data's first bytes */
	memset(data, 'z', sizeof(data));
	/* No writable byte: refused, nothing done. */
	CU_ASSERT_EQUAL(vblk_request(&d, segs, &c, &used), -1);
	CU_ASSERT_TRUE(image_is_original(2 * VBLK_SECTOR, VBLK_SECTOR));
	/* Whole: header, 512 bytes of data, status. */
	c.nseg = 5;
	c.write_len = 1;
	CU_ASSERT_EQUAL(vblk_request(&d, segs, &c, &used), VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(used, 1);
	image_read(2 * VBLK_SECTOR, got, sizeof(got));
	CU_ASSERT_EQUAL(memcmp(got, "abcd", 4), 0);
	CU_ASSERT_EQUAL(memcmp(got + 4, data, sizeof(data)), 0);
	/* Without the data segment: 4 bytes, not a sector. */
	segs[3] = segs[4];
	c.nseg = 4;
	c.nread = 3;
	c.read_len = sizeof(hdr);
	status = NO_STATUS;
	CU_ASSERT_EQUAL(vblk_request(&d, segs, &c, &used), VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	vblk_disk_close(&d);
	drop_image();
}

static const struct unit_test tests[] = {
	{ "open: capacity, locking, errors", test_open_errors },
	{ "features and config space", test_config },
	{ "OUT and IN round trip, any buffer layout", test_round_trip },
	{ "FLUSH and GET_ID", test_flush_and_id },
	{ "out of range, bad length, unsupported", test_range_and_length },
	{ "read-only image", test_read_only },
	{ "malformed chains", test_malformed },
	{ "a request sliced across segments", test_request_slicing },
};

int register_virtio_blk_tests(void)
{
	return UNIT_SUITE("virtio-blk", tests);
}
