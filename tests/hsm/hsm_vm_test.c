/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsm-vm-test: the VM life cycle through /dev/acrn_hsm (CREATE_VM,
 * DESTROY_VM, destroy on close), run in the Service VM on Islet after it
 * gave up CPU 1 and only CPU 1 (tests/hsm/vm.sh, machine test
 * islet-offline).  In the style of the KVM selftests: one function per
 * test, each asserting errnos exactly.
 *
 * usage: hsm-vm-test [--cpu N] [--loop COUNT] [DEVICE]
 *   without --loop   the functional tests (see main());
 *   --loop COUNT     COUNT times open, CREATE_VM, close; then /proc/meminfo's
 *                    MemFree is within a tolerance of before, and CREATE_VM
 *                    still succeeds.  With one given-up CPU, a VM slot or
 *                    CPU not given back on close makes the next create fail
 *                    (EBUSY), so every iteration proves the previous close
 *                    destroyed its VM.
 * --cpu N: the given-up CPU (default 1).  DEVICE: default /dev/acrn_hsm.
 *
 * Prints "HSM-VM: ok <test>" or "HSM-VM: FAIL <test>: <why>" per check,
 * "HSM-VM: ..." information lines, and last "HSM-VM: N failed".  Exits
 * non-zero when any check failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include <islet/hsm.h>

static const char *dev = "/dev/acrn_hsm";
static unsigned int given_cpu = 1;
static int failures;

/*
 * Each line is on the wire before the next hypercall: the console is COM1,
 * shared with the hypervisor, whose "created VM" and "destroyed VM" lines
 * would otherwise land in the middle of ours (the tty drains later).
 */
static void drain(void)
{
	fflush(stdout);
	if (isatty(STDOUT_FILENO))
		tcdrain(STDOUT_FILENO);
}

static void check(int ok, const char *test, const char *fmt, ...)
{
	va_list ap;

	printf("HSM-VM: %s %s", ok ? "ok" : "FAIL", test);
	if (!ok && fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	drain();
	if (!ok)
		failures++;
}

static const char *errno_name(int err)
{
	switch (err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENOSPC: return "ENOSPC";
	case EFAULT: return "EFAULT";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	default: return strerror(err);
	}
}

static int open_hsm(void)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("HSM-VM: FAIL open %s: %s\n", dev, strerror(errno));
		exit(1);
	}
	return fd;
}

static struct islet_vm_creation creation(uint64_t affinity)
{
	struct islet_vm_creation c;

	memset(&c, 0, sizeof(c));
	memcpy(c.uuid, "islet-vm-test-00", sizeof(c.uuid));
	c.cpu_affinity = affinity;
	c.vmid = 0xffff;	/* out fields: the hypervisor overwrites them */
	c.vcpu_num = 0xffff;
	return c;
}

/* CREATE_VM; returns 0 or the errno. */
static int create(int fd, struct islet_vm_creation *c)
{
	return ioctl(fd, ISLET_IOCTL_CREATE_VM, c) ? errno : 0;
}

static int destroy(int fd)
{
	return ioctl(fd, ISLET_IOCTL_DESTROY_VM) ? errno : 0;
}

/* CREATE_VM with @c must fail with @want and leave the struct unchanged. */
static void expect_create_fails(int fd, struct islet_vm_creation c, int want,
				const char *test)
{
	struct islet_vm_creation before = c;
	int err = create(fd, &c);

	check(err == want, test, "CREATE_VM returned %s, expected %s",
	      errno_name(err), errno_name(want));
	if (err)
		check(!memcmp(&before, &c, sizeof(c)),
		      "  ... and the struct is unchanged", "it was written");
}

/* CREATE_VM with affinity 1 << given_cpu must succeed. */
static int expect_create_ok(int fd, const char *test)
{
	struct islet_vm_creation c = creation(1ULL << given_cpu);
	int err = create(fd, &c);

	check(err == 0, test, "CREATE_VM returned %s", errno_name(err));
	if (err)
		return -1;
	check(c.vmid >= 1 && c.vmid <= 7 && c.vcpu_num == 1,
	      "  ... vmid in 1..7 and vcpu_num 1", "vmid %u, vcpu_num %u",
	      c.vmid, c.vcpu_num);
	check(c.reserved0 == 0 && c.reserved1 == 0 &&
	      c.cpu_affinity == 1ULL << given_cpu &&
	      !memcmp(c.uuid, "islet-vm-test-00", sizeof(c.uuid)),
	      "  ... the input fields come back unchanged", NULL);
	return c.vmid;
}

static void test_create_destroy(void)
{
	int fd = open_hsm(), fd2 = open_hsm(), err, vmid;

	vmid = expect_create_ok(fd, "create on the given-up CPU");
	printf("HSM-VM: created VM %d on CPU %u\n", vmid, given_cpu);
	drain();

	expect_create_fails(fd2, creation(1ULL << given_cpu), EBUSY,
			    "a second file, same CPU: EBUSY");
	expect_create_fails(fd, creation(1ULL << given_cpu), EEXIST,
			    "a second CREATE_VM on the same file: EEXIST");

	err = destroy(fd);
	check(err == 0, "DESTROY_VM", "returned %s", errno_name(err));
	err = destroy(fd);
	check(err == EINVAL, "DESTROY_VM again (no VM): EINVAL",
	      "returned %s", errno_name(err));
	err = destroy(fd2);
	check(err == EINVAL, "DESTROY_VM on a file that never had a VM: EINVAL",
	      "returned %s", errno_name(err));

	/* The CPU is free again, for the other file too. */
	expect_create_ok(fd2, "create on the other file after DESTROY_VM");
	err = destroy(fd2);
	check(err == 0, "DESTROY_VM of that one", "returned %s",
	      errno_name(err));
	expect_create_ok(fd, "create again on the first file");

	/* close() destroys: a new file can have the CPU right away. */
	check(close(fd) == 0, "close with a VM", "%s", strerror(errno));
	fd = open_hsm();
	expect_create_ok(fd, "create on a new file right after the close");
	close(fd);
	close(fd2);
}

static void test_bad_input(void)
{
	int fd = open_hsm();
	struct islet_vm_creation c;

	expect_create_fails(fd, creation(1ULL << 0), EINVAL,
			    "affinity CPU 0 (the Service VM's): EINVAL");
	expect_create_fails(fd, creation(0), EINVAL, "affinity 0: EINVAL");
	expect_create_fails(fd, creation(1ULL << 63), EINVAL,
			    "affinity CPU 63 (no such CPU): EINVAL");
	expect_create_fails(fd, creation(1ULL << given_cpu | 1), EINVAL,
			    "affinity given-up CPU + CPU 0: EINVAL");
	c = creation(1ULL << given_cpu);
	c.reserved0 = 1;
	expect_create_fails(fd, c, EINVAL, "reserved0 non-zero: EINVAL");
	c = creation(1ULL << given_cpu);
	c.reserved1 = 0x8000;
	expect_create_fails(fd, c, EINVAL, "reserved1 non-zero: EINVAL");
	c = creation(1ULL << given_cpu);
	c.vm_flag = ISLET_VM_FLAG_LAPIC_PASSTHROUGH;
	expect_create_fails(fd, c, EINVAL, "vm_flag 1 << 1: EINVAL");
	expect_create_fails(fd, creation(1ULL << given_cpu), 0,
			    "... and then a good create on the same file");
	check(destroy(fd) == 0, "DESTROY_VM", NULL);

	/* Unreadable and unwritable argument. */
	errno = 0;
	check(ioctl(fd, ISLET_IOCTL_CREATE_VM, (void *)8) == -1 &&
	      errno == EFAULT, "CREATE_VM with a bad pointer: EFAULT",
	      "errno %s", errno_name(errno));
	close(fd);
}

/* A VM created, then the copy back to the caller fails: the VM must be
 * destroyed again, else the CPU stays taken.  A read-only page makes
 * copy_from_user succeed and copy_to_user fail. */
static void test_copy_back_fails(void)
{
	struct islet_vm_creation c = creation(1ULL << given_cpu);
	int fd = open_hsm(), err;
	void *page;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		check(0, "mmap", "%s", strerror(errno));
		return;
	}
	memcpy(page, &c, sizeof(c));
	mprotect(page, 4096, PROT_READ);
	err = create(fd, page);
	check(err == EFAULT, "CREATE_VM into a read-only struct: EFAULT",
	      "returned %s", errno_name(err));
	err = destroy(fd);
	check(err == EINVAL, "  ... and the file has no VM (DESTROY_VM: EINVAL)",
	      "returned %s", errno_name(err));
	expect_create_ok(fd, "  ... and the CPU is free again");
	munmap(page, 4096);
	close(fd);
}

static long mem_free_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void test_loop(long count)
{
	long before, after, i, tolerance = 512;
	int fd, err = 0;
	struct islet_vm_creation c;

	sync();
	before = mem_free_kb();
	for (i = 0; i < count; i++) {
		fd = open_hsm();
		c = creation(1ULL << given_cpu);
		err = create(fd, &c);
		close(fd);
		if (err)
			break;
	}
	check(!err, "open, CREATE_VM, close in a loop",
	      "iteration %ld of %ld: CREATE_VM returned %s", i + 1, count,
	      errno_name(err));
	printf("HSM-VM: loop: %ld iterations\n", i);
	after = mem_free_kb();
	printf("HSM-VM: MemFree before %ld kB, after %ld kB (tolerance %ld kB)\n",
	       before, after, tolerance);
	drain();
	check(before > 0 && after > 0 && after > before - tolerance,
	      "MemFree back within the tolerance", "lost %ld kB",
	      before - after);
	fd = open_hsm();
	expect_create_ok(fd, "CREATE_VM after the loop");
	close(fd);
}

int main(int argc, char **argv)
{
	long loop = -1;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--loop") && i + 1 < argc)
			loop = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
			given_cpu = (unsigned int)strtoul(argv[++i], NULL, 0);
		else
			dev = argv[i];
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (loop >= 0) {
		test_loop(loop);
	} else {
		test_create_destroy();
		test_bad_input();
		test_copy_back_fails();
	}
	printf("HSM-VM: %d failed\n", failures);
	drain();
	return failures ? 1 : 0;
}
