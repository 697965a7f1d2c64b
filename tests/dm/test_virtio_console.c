/*
 * virtio-console (devicemodel/virtio/virtio_console.c) driven through the
 * real transport by the fake guest of vdev_driver.h: output appended to
 * a file, output to and input from a pseudo-terminal (the test holds its
 * slave side, as a user's terminal would), input that waits for the
 * guest's buffers, the bound on what waits, and the options.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "virtio_console.h"
#include "vdev_driver.h"
#include "dm_unit.h"

#define F_CON	(1ULL << VIRTIO_F_VERSION_1)

static void start(const char *conf)
{
	struct dm_error err = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(vdrv_start("virtio-console", conf, &err), 0);
	CU_ASSERT_EQUAL(vdrv_negotiate(F_CON) & VIRTIO_STATUS_FEATURES_OK,
			VIRTIO_STATUS_FEATURES_OK);
	vdrv_queue(VCON_RXQ, VCON_QUEUE_SIZE);
	vdrv_queue(VCON_TXQ, VCON_QUEUE_SIZE);
	vdrv_driver_ok();
}

/* The guest writes @s, cut in two buffers of one chain. */
static void guest_write(const char *s)
{
	size_t len = strlen(s), half = len / 2;
	uint64_t gpa = vdrv_alloc((uint32_t)len);
	struct vdrv_buf b[2] = {
		{ gpa, (uint32_t)half, false },
		{ gpa + half, (uint32_t)(len - half), false },
	};
	uint32_t id, ulen;

	memcpy(vdrv_ram(gpa), s, len);
	vdrv_add(VCON_TXQ, half ? b : b + 1, half ? 2 : 1);
	vdrv_kick(VCON_TXQ);
	CU_ASSERT_TRUE(vdrv_used(VCON_TXQ, &id, &ulen));
	CU_ASSERT_EQUAL(ulen, 0);
}

/* The guest gives a receive buffer of @len bytes. */
static uint64_t guest_rx_buffer(uint32_t len)
{
	struct vdrv_buf b = { vdrv_alloc(len), len, true };

	vdrv_add(VCON_RXQ, &b, 1);
	vdrv_kick(VCON_RXQ);
	return b.gpa;
}

/* The pty's other side, as a terminal program opens it. */
static int open_slave(void)
{
	const char *name = virtio_console_pty_name(vdrv_dev());
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(name);
	fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	return fd;
}

static void write_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		CU_ASSERT_FATAL(n > 0);
		p = (const uint8_t *)p + n;
		len -= (size_t)n;
	}
}

/* A pty moves bytes to the other side from a kernel worker: what was
 * written may arrive in pieces, or a moment later.  Reads until @len
 * bytes came (or 2 s passed): the count. */
static size_t read_n(int fd, void *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 2000) != 1)
			break;
		n = read(fd, (uint8_t *)p + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* ---- Tests ---- */

static void test_options(void)
{
	static const char *const bad[] = {
		"", "@tty:con=/dev/tty1", "@file:con", "@file:con=",
		"@stdio:a,@pty:b", "@sock:con=/tmp/s", "pty:x,pty:y",
		"@file:con=/nonexistent/dir/log",
	};
	struct dm_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(vdrv_start("virtio-console", bad[i], &err), -1);
		CU_ASSERT_NOT_EQUAL(err.msg[0], 0);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/dir/log"));
	/* No feature of its own; one port, as the config says. */
	start("@pty:con");
	CU_ASSERT_EQUAL(vdrv_device_features() & 0xffffffULL, 0);
	CU_ASSERT_EQUAL(vdrv_config(4, 4), 1);
	vdrv_stop();
	start("pty");		/* neither @ nor a name is needed */
	vdrv_stop();
}

static void test_tx_file(void)
{
	char path[] = "/tmp/islet-vcon-XXXXXX", conf[64], got[64] = "";
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	write_all(fd, "before\n", 7);
	snprintf(conf, sizeof(conf), "@file:con=%s", path);
	start(conf);
	guest_write("hello ");
	guest_write("world\n");
	guest_write("!");
	vdrv_stop();
	CU_ASSERT_EQUAL(pread(fd, got, sizeof(got) - 1, 0), 20);
	CU_ASSERT_STRING_EQUAL(got, "before\nhello world\n!");
	close(fd);
	unlink(path);
}

static void test_pty(void)
{
	char got[16] = "";
	uint64_t a, b;
	uint32_t id, len;
	int slave;

	start("@pty:con");
	slave = open_slave();
	/* Out: the guest's bytes on the terminal, unchanged (raw). */
	guest_write("a\nb\r\n");
	CU_ASSERT_EQUAL(read_n(slave, got, 5), 5);
	CU_ASSERT_EQUAL(memcmp(got, "a\nb\r\n", 5), 0);
	/* In, before the guest has a buffer: it waits. */
	write_all(slave, "xyz", 3);
	tcdrain(slave);		/* all of it on the backend's side */
	virtio_console_rx(vdrv_dev());
	CU_ASSERT_FALSE(vdrv_used(VCON_RXQ, &id, &len));
	/* Buffers come: the waiting bytes go out in order, as far as each
	 * buffer holds. */
	a = guest_rx_buffer(2);
	CU_ASSERT_TRUE(vdrv_used(VCON_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_EQUAL(memcmp(vdrv_ram(a), "xy", 2), 0);
	b = guest_rx_buffer(8);
	CU_ASSERT_TRUE(vdrv_used(VCON_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, 1);
	CU_ASSERT_EQUAL(*vdrv_ram(b), 'z');
	CU_ASSERT_FALSE(vdrv_used(VCON_RXQ, &id, &len));
	/* With a buffer waiting, input goes straight in. */
	a = guest_rx_buffer(8);
	write_all(slave, "q", 1);
	tcdrain(slave);
	virtio_console_rx(vdrv_dev());
	CU_ASSERT_TRUE(vdrv_used(VCON_RXQ, &id, &len));
	CU_ASSERT_EQUAL(len, 1);
	CU_ASSERT_EQUAL(*vdrv_ram(a), 'q');
	close(slave);
	vdrv_stop();
}

/* More input than may wait: the backend is no longer read until the
 * guest takes some, and nothing is lost. */
static void test_rx_bound(void)
{
	enum { TOTAL = VCON_PENDING_MAX + 1000 };
	static uint8_t in[TOTAL], out[TOTAL];
	uint32_t id, len, got = 0;
	uint64_t buf;
	int slave;

	for (size_t i = 0; i < TOTAL; i++)
		in[i] = (uint8_t)(i * 13 + 1);
	start("@pty:con");
	slave = open_slave();
	write_all(slave, in, TOTAL);
	for (int i = 0; i < 16 && !virtio_console_rx_paused(vdrv_dev()); i++)
		virtio_console_rx(vdrv_dev());
	CU_ASSERT_TRUE(virtio_console_rx_paused(vdrv_dev()));
	while (got < TOTAL) {
		buf = guest_rx_buffer(3000);
		virtio_console_rx(vdrv_dev());
		if (!vdrv_used(VCON_RXQ, &id, &len))
			break;
		CU_ASSERT_FATAL(got + len <= TOTAL);
		memcpy(out + got, vdrv_ram(buf), len);
		got += len;
	}
	CU_ASSERT_EQUAL(got, TOTAL);
	CU_ASSERT_EQUAL(memcmp(in, out, TOTAL), 0);
	CU_ASSERT_FALSE(virtio_console_rx_paused(vdrv_dev()));
	close(slave);
	vdrv_stop();
}

/* A terminal nobody reads fills up: the guest's output is dropped, never
 * waited on. */
static void test_tx_no_reader(void)
{
	static char block[4097];
	uint32_t id, len;

	memset(block, 'w', sizeof(block) - 1);
	start("@pty:con");
	for (int i = 0; i < 64; i++)
		guest_write(block);
	CU_ASSERT_FALSE(vdrv_used(VCON_TXQ, &id, &len));
	CU_ASSERT_FALSE(vdrv_status() & VIRTIO_STATUS_NEEDS_RESET);
	vdrv_stop();
}

static const struct unit_test tests[] = {
	{ "options", test_options },
	{ "output appended to a file", test_tx_file },
	{ "a pseudo-terminal both ways", test_pty },
	{ "input waits, bounded, nothing lost", test_rx_bound },
	{ "output to a terminal nobody reads", test_tx_no_reader },
};

int register_virtio_console_tests(void)
{
	return UNIT_SUITE("virtio-console", tests);
}
