/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bad-input, CREATE_VM: the former hsm-vm-test's refusals (affinities,
 * reserved fields, vm_flag, a struct the HSM cannot write back), and the
 * request page (ioreq_buf), which the HSM pins in CREATE_VM: unmapped,
 * read-only or misaligned.  After each refusal the file has no VM and the
 * CPU is free: a good CREATE_VM follows on the same file.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hsm_lib.h"
#include "selftest.h"

/* The file has no VM (DESTROY_VM: EINVAL), and the CPU is free (a create
 * succeeds; destroyed again). */
static void nothing_left(int fd, const void *page, const char *after)
{
	check_errno(hsm_ioctl(fd, ISLET_IOCTL_DESTROY_VM, NULL), EINVAL,
		    "after %s, the file has no VM", after);
	if (expect_create_ok(fd, 1ULL << test_cpu(0), page, after))
		hsm_ioctl(fd, ISLET_IOCTL_DESTROY_VM, NULL);
}

static void affinity_and_fields(int fd, void *page)
{
	uint64_t cpu = 1ULL << test_cpu(0);
	struct islet_vm_creation c;

	expect_create_fails(fd, hsm_creation(1ULL << 0, page), EINVAL,
			    "CREATE_VM on CPU 0 (the Service VM's)");
	expect_create_fails(fd, hsm_creation(0, page), EINVAL,
			    "CREATE_VM with cpu_affinity 0");
	expect_create_fails(fd, hsm_creation(1ULL << 63, page), EINVAL,
			    "CREATE_VM on CPU 63 (no such CPU)");
	expect_create_fails(fd, hsm_creation(cpu | 1, page), EINVAL,
			    "CREATE_VM on the given-up CPU and CPU 0");
	c = hsm_creation(cpu, page);
	c.reserved0 = 1;
	expect_create_fails(fd, c, EINVAL, "CREATE_VM with reserved0 non-zero");
	c = hsm_creation(cpu, page);
	c.reserved1 = 0x8000;
	expect_create_fails(fd, c, EINVAL, "CREATE_VM with reserved1 non-zero");
	c = hsm_creation(cpu, page);
	c.vm_flag = ISLET_VM_FLAG_LAPIC_PASSTHROUGH;
	expect_create_fails(fd, c, EINVAL, "CREATE_VM with vm_flag LAPIC "
			    "pass-through (not implemented)");
	c = hsm_creation(cpu, page);
	c.vm_flag = 1ULL << 63;
	expect_create_fails(fd, c, EINVAL, "CREATE_VM with an unknown vm_flag");
	nothing_left(fd, page, "the refused CREATE_VMs");
}

/* A VM created, then the copy back to the caller fails: the VM must be
 * destroyed again, else the CPU stays taken.  A read-only page makes
 * copy_from_user succeed and copy_to_user fail. */
static void copy_back_fails(int fd, void *page)
{
	struct islet_vm_creation c = hsm_creation(1ULL << test_cpu(0), page);
	void *ro = hsm_map(4096);

	memcpy(ro, &c, sizeof(c));
	mprotect(ro, 4096, PROT_READ);
	check_errno(hsm_ioctl(fd, ISLET_IOCTL_CREATE_VM, ro), EFAULT,
		    "CREATE_VM from a read-only struct (no write-back)");
	nothing_left(fd, page, "the CREATE_VM that could not write back");
	munmap(ro, 4096);
}

static void request_page(int fd, void *page)
{
	uint64_t cpu = 1ULL << test_cpu(0);
	uint8_t *hole = hsm_map(4096);
	uint8_t *ro = hsm_map(4096);

	munmap(hole, 4096);
	mprotect(ro, 4096, PROT_READ);
	expect_create_fails(fd, hsm_creation(cpu, hole), EFAULT,
			    "CREATE_VM with an unmapped request page");
	nothing_left(fd, page, "the unmapped request page");
	expect_create_fails(fd, hsm_creation(cpu, ro), EFAULT,
			    "CREATE_VM with a read-only request page");
	nothing_left(fd, page, "the read-only request page");
	expect_create_fails(fd, hsm_creation(cpu, (uint8_t *)page + 256),
			    EINVAL, "CREATE_VM with a request page not 4 KiB "
			    "aligned");
	nothing_left(fd, page, "the misaligned request page");
	expect_create_fails(fd, hsm_creation(cpu, (void *)0xffff888000000000ULL),
			    EFAULT, "CREATE_VM with a kernel address as the "
			    "request page");
	nothing_left(fd, page, "the kernel-address request page");
	munmap(ro, 4096);
}

void bad_input_create(void)
{
	void *page = hsm_map(ISLET_IO_REQUEST_PAGE_SIZE);
	int fd = hsm_open();

	step("CREATE_VM refusals");
	affinity_and_fields(fd, page);
	copy_back_fails(fd, page);
	step("CREATE_VM: bad request pages");
	request_page(fd, page);
	close(fd);
	munmap(page, ISLET_IO_REQUEST_PAGE_SIZE);
}
