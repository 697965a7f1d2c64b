/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsm-smoke: the first checks of /dev/acrn_hsm, run in the Service VM on
 * Islet (tests/hsm/on-islet.sh).  Two files open at once (each is a VM of
 * its own), and the ioctl dispatch's refusals: a number the ABI does not
 * assign, a number past the table, a foreign ioctl type, and a known
 * number encoded with the wrong size.  Each must fail with ENOTTY.  These
 * stay true when the ioctls themselves are implemented.
 *
 * usage: hsm-smoke [DEVICE]   (default /dev/acrn_hsm)
 * Prints "HSM-SMOKE: ok ..." or "HSM-SMOKE: FAIL ..." per check and exits
 * non-zero when any failed.
 *
 * usage: hsm-smoke --load MODULE
 * Loads a module with one finit_module() call, as kmod's insmod does
 * (busybox's insmod retries with init_module() after any failure, so the
 * kernel runs a failing module_init twice).  Prints "HSM-LOAD: ok" or
 * "HSM-LOAD: <strerror>" and exits non-zero on failure.
 *
 * usage: hsm-smoke --write FILE STRING
 * Writes STRING (no newline added) to FILE with one write() call, as a
 * sysfs attribute sees it, and prints "HSM-WRITE: ok" or "HSM-WRITE:
 * <errno name> (<strerror>)", e.g. "HSM-WRITE: EINVAL (Invalid argument)",
 * for the test scripts to match.  Exits non-zero when the write failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <islet/hsm.h>

static int failures;

static void check(int ok, const char *what, const char *detail)
{
	printf("HSM-SMOKE: %s %s%s%s\n", ok ? "ok" : "FAIL", what,
	       detail ? ": " : "", detail ? detail : "");
	if (!ok)
		failures++;
}

static void expect_enotty(int fd, unsigned long cmd, const char *what)
{
	char detail[96];
	int ret, err;

	errno = 0;
	ret = ioctl(fd, cmd, 0UL);
	err = errno;
	snprintf(detail, sizeof(detail), "cmd 0x%08lx returned %d, errno %d (%s)",
		 cmd, ret, err, strerror(err));
	check(ret == -1 && err == ENOTTY, what, detail);
}

static int load(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("HSM-LOAD: %s: %s\n", path, strerror(errno));
		return 1;
	}
	ret = (int)syscall(SYS_finit_module, fd, "", 0);
	printf("HSM-LOAD: %s\n", ret ? strerror(errno) : "ok");
	close(fd);
	return ret ? 1 : 0;
}

static const char *errno_name(int err)
{
	static const struct { int err; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
		{ EACCES, "EACCES" }, { EBUSY, "EBUSY" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { ENOTTY, "ENOTTY" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return "errno";
}

static int write_file(const char *path, const char *text)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		printf("HSM-WRITE: open %s: %s (%s)\n", path, errno_name(err),
		       strerror(err));
		return 1;
	}
	n = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	if (n == (ssize_t)strlen(text)) {
		printf("HSM-WRITE: ok\n");
		return 0;
	}
	if (n >= 0)
		printf("HSM-WRITE: short write (%zd of %zu bytes)\n", n,
		       strlen(text));
	else
		printf("HSM-WRITE: %s (%s)\n", errno_name(err), strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/acrn_hsm";
	int fd, fd2;

	if (argc == 3 && !strcmp(argv[1], "--load"))
		return load(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--write"))
		return write_file(argv[2], argv[3]);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		check(0, "open", strerror(errno));
		return 1;
	}
	fd2 = open(dev, O_RDWR | O_CLOEXEC);
	check(fd2 >= 0, "a second open at the same time",
	      fd2 < 0 ? strerror(errno) : NULL);

	expect_enotty(fd, _IO(ISLET_IOCTL_TYPE, 0x00),
		      "number 0x00, not in the ABI");
	expect_enotty(fd, _IOW(ISLET_IOCTL_TYPE, 0x40, uint64_t),
		      "number 0x40, not in the ABI");
	expect_enotty(fd, _IOWR(ISLET_IOCTL_TYPE, 0xff, uint64_t),
		      "number 0xff, past the table");
	expect_enotty(fd, _IOWR('X', _IOC_NR(ISLET_IOCTL_CREATE_VM),
				struct islet_vm_creation),
		      "type 'X' with CREATE_VM's number");
	expect_enotty(fd, _IOC(_IOC_DIR(ISLET_IOCTL_CREATE_VM),
			       ISLET_IOCTL_TYPE,
			       _IOC_NR(ISLET_IOCTL_CREATE_VM), 4),
		      "CREATE_VM's number with a 4-byte size");
	if (fd2 >= 0)
		expect_enotty(fd2, _IO(ISLET_IOCTL_TYPE, 0x00),
			      "number 0x00 on the second file");

	check(close(fd) == 0, "close", NULL);
	if (fd2 >= 0)
		check(close(fd2) == 0, "close of the second file", NULL);
	printf("HSM-SMOKE: %d failed\n", failures);
	return failures ? 1 : 0;
}
