/*
 * virtio-net (devicemodel/virtio/virtio_net.c) driven through the real
 * transport by the fake guest of vdev_driver.h, with a SOCK_SEQPACKET
 * socket pair standing in for the tap (fd=N): one message per frame,
 * each with the 12-byte virtio-net header, as a tap with IFF_VNET_HDR
 * gives and takes them.  Frames out and in, a frame spread over
 * mergeable buffers, a frame that waits for the guest's buffers (the
 * backend unwatched meanwhile), the headers the device writes, and its
 * options.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_tap.h"
#include "virtio_net.h"
#include "vdev_driver.h"
#include "dm_unit.h"

#define HDR		NET_TAP_HDR_SIZE
#define F_NET		((1ULL << VIRTIO_F_VERSION_1) |			\
			 (1ULL << VIRTIO_NET_F_MAC) |			\
			 (1ULL << VIRTIO_NET_F_STATUS))
#define F_MRG		(F_NET | (1ULL << VIRTIO_NET_F_MRG_RXBUF))

static int peer = -1;		/* the host's side of the "tap" */
static int dev_fd = -1;		/* the device's */

static int start_conf(const char *extra, struct dm_error *err)
{
	char conf[128];
	int sv[2];

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	peer = sv[0];
	dev_fd = sv[1];
	snprintf(conf, sizeof(conf), "fd=%d%s", sv[1], extra);
	if (vdrv_start("virtio-net", conf, err)) {
		close(sv[1]);
		close(peer);
		return -1;
	}
	return 0;
}

static void start(uint64_t features)
{
	struct dm_error err = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(start_conf("", &err), 0);
	CU_ASSERT_EQUAL(vdrv_negotiate(features) & VIRTIO_STATUS_FEATURES_OK,
			VIRTIO_STATUS_FEATURES_OK);
	vdrv_queue(VNET_RXQ, VNET_QUEUE_SIZE);
	vdrv_queue(VNET_TXQ, VNET_QUEUE_SIZE);
	vdrv_driver_ok();
}

static void stop(void)
{
	vdrv_stop();
	if (peer >= 0)
		close(peer);
	peer = -1;
}

/* The host sends a frame of @len bytes (bytes i ^ @seed), with a header
 * full of offload flags the guest did not ask for. */
static void host_send(size_t len, uint8_t seed)
{
	uint8_t msg[HDR + 9000];

	memset(msg, 0xff, HDR);
	for (size_t i = 0; i < len; i++)
		msg[HDR + i] = (uint8_t)(i ^ seed);
	CU_ASSERT_EQUAL(send(peer, msg, HDR + len, 0), (ssize_t)(HDR + len));
}

/* The guest posts @n receive buffers of @len bytes; their addresses. */
static void post_rx(unsigned int n, uint32_t len, uint64_t *gpas)
{
	for (unsigned int i = 0; i < n; i++) {
		struct vdrv_buf b = { vdrv_alloc(len), len, true };

		if (gpas)
			gpas[i] = b.gpa;
		vdrv_add(VNET_RXQ, &b, 1);
	}
}

/* @len bytes of host_send()'s frame from byte @from on. */
static bool frame_part_ok(const uint8_t *p, size_t from, size_t len,
			  uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)((from + i) ^ seed))
			return false;
	return true;
}

static bool frame_ok(const uint8_t *p, size_t len, uint8_t seed)
{
	return frame_part_ok(p, 0, len, seed);
}

/* A received header: all zero but num_buffers. */
static bool header_ok(const uint8_t *h, uint16_t nbuf)
{
	for (int i = 0; i < VNET_HDR_NUM_BUFFERS; i++)
		if (h[i])
			return false;
	return h[VNET_HDR_NUM_BUFFERS] == (uint8_t)nbuf &&
	       h[VNET_HDR_NUM_BUFFERS + 1] == (uint8_t)(nbuf >> 8);
}

/* ---- Tests ---- */

static void test_options(void)
{
	static const char *const bad[] = {
		"", "mac=02:00:00:00:00:01", "tap=a,fd=3", "fd=x", "fd=-1",
		"tap=", "speed=10", "fd=3,mac=01:00:00:00:00:01",
		"fd=3,mac=02:00:00:00:01", "fd=3,mac=02:00:00:00:00:01:02",
		"fd=3,tap0",
	};
	struct dm_error err;
	uint8_t mac[6], mac2[6];
	uint64_t f;
	int fd;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(vdrv_start("virtio-net", bad[i], &err), -1);
		CU_ASSERT_NOT_EQUAL(err.msg[0], 0);
	}
	/* A descriptor that is not open, and one that is no link. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(net_tap_adopt(fd, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "neither a tap"));
	close(fd);
	CU_ASSERT_EQUAL(net_tap_adopt(fd, &err), -1);
	/* A tap: created when allowed, else a message that says why. */
	memset(&err, 0, sizeof(err));
	fd = net_tap_open("islet-ut0", &err);
	if (fd >= 0)
		close(fd);
	else
		CU_ASSERT_TRUE(strstr(err.msg, "CAP_NET_ADMIN") ||
			       strstr(err.msg, "/dev/net/tun"));
	CU_ASSERT_EQUAL(net_tap_open("a-name-longer-than-15", &err), -1);

	/* A MAC given is the config's; the link is up. */
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(start_conf(",mac=52:54:00:ab:cd:ef", &err), 0);
	f = vdrv_device_features();
	CU_ASSERT_NOT_EQUAL(f & (1ULL << VIRTIO_NET_F_MAC), 0);
	CU_ASSERT_NOT_EQUAL(f & (1ULL << VIRTIO_NET_F_STATUS), 0);
	CU_ASSERT_NOT_EQUAL(f & (1ULL << VIRTIO_NET_F_MRG_RXBUF), 0);
	CU_ASSERT_EQUAL(f & 0x3fff, 1ULL << VIRTIO_NET_F_MAC);	/* no offload */
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)vdrv_config(VNET_CFG_MAC + i, 1);
	CU_ASSERT_EQUAL(memcmp(mac, "\x52\x54\x00\xab\xcd\xef", 6), 0);
	CU_ASSERT_EQUAL(vdrv_config(VNET_CFG_STATUS, 2), VIRTIO_NET_S_LINK_UP);
	stop();
	/* Derived: locally administered unicast, the same each run, another
	 * with another seed. */
	CU_ASSERT_EQUAL_FATAL(start_conf("", &err), 0);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)vdrv_config(VNET_CFG_MAC + i, 1);
	stop();
	CU_ASSERT_EQUAL(mac[0] & 3, 2);
	CU_ASSERT_EQUAL_FATAL(start_conf("", &err), 0);
	for (int i = 0; i < 6; i++)
		mac2[i] = (uint8_t)vdrv_config(VNET_CFG_MAC + i, 1);
	stop();
	CU_ASSERT_EQUAL(memcmp(mac, mac2, 6), 0);
	CU_ASSERT_EQUAL_FATAL(start_conf(",mac_seed=other", &err), 0);
	for (int i = 0; i < 6; i++)
		mac2[i] = (uint8_t)vdrv_config(VNET_CFG_MAC + i, 1);
	stop();
	CU_ASSERT_NOT_EQUAL(memcmp(mac, mac2, 6), 0);
	CU_ASSERT_EQUAL(mac2[0] & 3, 2);
}

static void test_tx(void)
{
	uint8_t got[256];
	uint64_t a, b;
	uint32_t id, len;
	uint16_t head;

	start(F_MRG);
	/* The header with offload flags set (not negotiated), then 60 bytes
	 * of frame, across two buffers. */
	a = vdrv_alloc(HDR + 20);
	b = vdrv_alloc(40);
	memset(vdrv_ram(a), 0xff, HDR);
	for (int i = 0; i < 60; i++)
		*vdrv_ram(i < 20 ? a + HDR + i : b + i - 20) = (uint8_t)(i ^ 3);
	{
		struct vdrv_buf bufs[] = { { a, HDR + 20, false },
					   { b, 40, false } };

		head = vdrv_add(VNET_TXQ, bufs, 2);
	}
	vdrv_kick(VNET_TXQ);
	CU_ASSERT_TRUE(vdrv_used(VNET_TXQ, &id, &len));
	CU_ASSERT_EQUAL(id, head);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(recv(peer, got, sizeof(got), MSG_DONTWAIT), HDR + 60);
	CU_ASSERT_TRUE(header_ok(got, 0));	/* the device's own header */
	CU_ASSERT_TRUE(frame_ok(got + HDR, 60, 3));
	/* A chain shorter than a header is no frame: used, not sent. */
	{
		struct vdrv_buf bufs[] = { { a, 8, false } };

		head = vdrv_add(VNET_TXQ, bufs, 1);
	}
	vdrv_kick(VNET_TXQ);
	CU_ASSERT_TRUE(vdrv_used(VNET_TXQ, &id, &len));
	CU_ASSERT_EQUAL(id, head);
	CU_ASSERT_EQUAL(recv(peer, got, sizeof(got), MSG_DONTWAIT), -1);
	CU_ASSERT_FALSE(vdrv_status() & VIRTIO_STATUS_NEEDS_RESET);
	stop();
}

static void test_rx(void)
{
	uint64_t gpa[4];
	uint32_t id, len;
	unsigned int irqs;

	start(F_MRG);
	post_rx(4, 2048, gpa);
	vdrv_kick(VNET_RXQ);
	irqs = vdrv_interrupts();
	host_send(100, 0x11);
	host_send(1514, 0x22);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, HDR + 100);
	CU_ASSERT_TRUE(header_ok(vdrv_ram(gpa[0]), 1));
	CU_ASSERT_TRUE(frame_ok(vdrv_ram(gpa[0] + HDR), 100, 0x11));
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, HDR + 1514);
	CU_ASSERT_TRUE(header_ok(vdrv_ram(gpa[1]), 1));
	CU_ASSERT_TRUE(frame_ok(vdrv_ram(gpa[1] + HDR), 1514, 0x22));
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_TRUE(vdrv_interrupts() > irqs);
	CU_ASSERT_FALSE(virtio_net_rx_paused(vdrv_dev()));
	stop();
}

/* One frame over three mergeable buffers, num_buffers saying so. */
static void test_rx_mergeable(void)
{
	uint64_t gpa[3];
	uint8_t all[3 * 64];
	uint32_t id, len, total = 0;

	start(F_MRG);
	post_rx(3, 64, gpa);
	host_send(150, 0x5c);
	virtio_net_rx(vdrv_dev());
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_TRUE_FATAL(vdrv_used(VNET_RXQ, &id, &len));
		CU_ASSERT_EQUAL(len, i < 2 ? 64 : HDR + 150 - 128);
		memcpy(all + total, vdrv_ram(gpa[i]), len);
		total += len;
	}
	CU_ASSERT_EQUAL(total, HDR + 150);
	CU_ASSERT_TRUE(header_ok(all, 3));
	CU_ASSERT_TRUE(frame_ok(all + HDR, 150, 0x5c));
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	stop();
}

/* No room: the frame waits, the tap is not watched, and the guest's
 * buffers bring both back. */
static void test_rx_waits(void)
{
	uint64_t gpa[3];
	uint32_t id, len;

	start(F_MRG);
	host_send(150, 0x33);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_TRUE(virtio_net_rx_paused(vdrv_dev()));
	/* One buffer is not enough for it: still waiting, the buffer held. */
	post_rx(1, 64, gpa);
	vdrv_kick(VNET_RXQ);
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_TRUE(virtio_net_rx_paused(vdrv_dev()));
	/* Two more: delivered by the notify itself, in order. */
	post_rx(2, 64, gpa + 1);
	vdrv_kick(VNET_RXQ);
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, 64);
	CU_ASSERT_TRUE(header_ok(vdrv_ram(gpa[0]), 3));
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, HDR + 150 - 128);
	CU_ASSERT_TRUE(frame_part_ok(vdrv_ram(gpa[2]), 128 - HDR, len, 0x33));
	CU_ASSERT_FALSE(virtio_net_rx_paused(vdrv_dev()));
	/* And the tap is read again. */
	post_rx(1, 2048, gpa);
	host_send(40, 0x44);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, HDR + 40);
	CU_ASSERT_TRUE(frame_ok(vdrv_ram(gpa[0] + HDR), 40, 0x44));
	stop();
}

/* Without MRG_RXBUF: a frame per buffer; one too big for the buffer is
 * dropped and the buffer kept for the next. */
static void test_rx_no_merge(void)
{
	uint64_t gpa;
	uint32_t id, len;

	start(F_NET);
	post_rx(1, HDR + 1514, &gpa);
	host_send(1600, 0x66);
	host_send(60, 0x77);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, HDR + 60);
	CU_ASSERT_TRUE(header_ok(vdrv_ram(gpa), 1));
	CU_ASSERT_TRUE(frame_ok(vdrv_ram(gpa + HDR), 60, 0x77));
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	stop();
}

/* A reset forgets the waiting frame and the chains held for it. */
static void test_rx_reset(void)
{
	uint64_t old, gpa;
	uint32_t id, len;

	start(F_MRG);
	post_rx(1, 64, &old);
	host_send(500, 0x10);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_TRUE(virtio_net_rx_paused(vdrv_dev()));
	vdrv_reset();
	vdrv_negotiate(F_MRG);
	vdrv_queue(VNET_RXQ, VNET_QUEUE_SIZE);
	vdrv_queue(VNET_TXQ, VNET_QUEUE_SIZE);
	vdrv_driver_ok();
	CU_ASSERT_FALSE(virtio_net_rx_paused(vdrv_dev()));
	memset(vdrv_ram(old), 0xaa, 64);
	post_rx(1, 2048, &gpa);
	host_send(70, 0x20);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_TRUE(vdrv_used(VNET_RXQ, &id, &len));
	CU_ASSERT_EQUAL(id, 0);
	CU_ASSERT_EQUAL(len, HDR + 70);
	CU_ASSERT_TRUE(frame_ok(vdrv_ram(gpa + HDR), 70, 0x20));
	CU_ASSERT_EQUAL(*vdrv_ram(old), 0xaa);	/* the old chain untouched */
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	stop();
}

/* Mergeable buffers smaller than a header break the rule (5.1.6.3.1). */
static void test_rx_tiny_buffer(void)
{
	uint32_t id, len;

	start(F_MRG);
	post_rx(1, 4, NULL);
	host_send(60, 0);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_NOT_EQUAL(vdrv_status() & VIRTIO_STATUS_NEEDS_RESET, 0);
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	/* The tap is drained rather than left to spin the loop. */
	host_send(60, 0);
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_FALSE(virtio_net_rx_paused(vdrv_dev()));
	CU_ASSERT_EQUAL(recv(dev_fd, &len, 1, MSG_DONTWAIT | MSG_PEEK), -1);
	stop();
}

/* The backend's end (a socket whose peer left): reading stops rather than
 * spinning, sending fails quietly, the device goes on. */
static void test_backend_gone(void)
{
	uint64_t a;
	uint32_t id, len;

	start(F_MRG);
	post_rx(1, 2048, NULL);
	close(peer);
	peer = -1;
	virtio_net_rx(vdrv_dev());
	CU_ASSERT_TRUE(virtio_net_rx_paused(vdrv_dev()));
	CU_ASSERT_FALSE(vdrv_used(VNET_RXQ, &id, &len));
	a = vdrv_alloc(HDR + 60);
	{
		struct vdrv_buf b = { a, HDR + 60, false };

		vdrv_add(VNET_TXQ, &b, 1);
	}
	vdrv_kick(VNET_TXQ);	/* no SIGPIPE */
	CU_ASSERT_TRUE(vdrv_used(VNET_TXQ, &id, &len));
	/* Not even a new driver makes it watched again. */
	vdrv_reset();
	vdrv_negotiate(F_MRG);
	vdrv_queue(VNET_RXQ, VNET_QUEUE_SIZE);
	vdrv_queue(VNET_TXQ, VNET_QUEUE_SIZE);
	vdrv_driver_ok();
	CU_ASSERT_TRUE(virtio_net_rx_paused(vdrv_dev()));
	CU_ASSERT_FALSE(vdrv_status() & VIRTIO_STATUS_NEEDS_RESET);
	stop();
}

static const struct unit_test tests[] = {
	{ "options, MAC and link status", test_options },
	{ "transmit", test_tx },
	{ "receive", test_rx },
	{ "receive over mergeable buffers", test_rx_mergeable },
	{ "receive waits for buffers", test_rx_waits },
	{ "receive without MRG_RXBUF", test_rx_no_merge },
	{ "a reset drops the waiting frame", test_rx_reset },
	{ "receive buffers smaller than a header", test_rx_tiny_buffer },
	{ "the backend's end", test_backend_gone },
};

int register_virtio_net_tests(void)
{
	return UNIT_SUITE("virtio-net", tests);
}
