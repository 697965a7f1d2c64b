// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the life of the VM (dm.h).  The main thread creates it, boots
 * it, and then runs the event loop; vCPU threads and devices ask it for a
 * power-off, a reset or an exit through dm_request(), and signals end it.
 *
 *   create -> memory -> devices -> boot image -> vCPU threads -> start
 *      ^                                                          |
 *      +------ reset: pause, stop threads, clear, RESET_VM -------+
 *   power-off, --debugexit, SIGINT/SIGTERM: pause, stop threads, close
 *   (which destroys the VM and frees its CPUs)
 *   SIGUSR1: the ACPI power button (the guest decides what follows)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "libislet.h"

#include "acpi.h"
#include "boot.h"
#include "cpus.h"
#include "dm.h"
#include "hw.h"
#include "pci.h"
#include "pm.h"

/* The largest kernel image and initrd islet-dm reads. */
#define DM_IMAGE_MAX	(256U << 20)
#define DM_INITRD_MAX	(1024U << 20)

struct dm_vm dm_vm;

/* The boot files: read before the VM exists (a wrong path then leaves
 * nothing behind), freed once loaded, read again at each reset (they
 * would otherwise stay resident for the VM's life: 15 MiB for a Debian
 * kernel and its initrd). */
static uint8_t *image, *initrd;
static size_t image_size, initrd_size;
static int end_status;

void dm_request(enum dm_request req, int exit_status)
{
	int none = DM_REQ_NONE;
	uint64_t one = 1;

	if (!__atomic_compare_exchange_n(&dm_vm.request, &none, (int)req,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	dm_vm.exit_status = exit_status;
	if (write(dm_vm.request_fd, &one, sizeof(one)) < 0)
		abort();	/* an eventfd write cannot fail here */
}

static int read_boot_files(const struct dm_config *c, struct dm_error *err)
{
	if (!image && dm_read_file(c->elf[0] ? c->elf : c->kernel,
				   DM_IMAGE_MAX, &image, &image_size, err))
		return -1;
	if (!initrd && c->ramdisk[0] &&
	    dm_read_file(c->ramdisk, DM_INITRD_MAX, &initrd, &initrd_size,
			 err))
		return -1;
	return 0;
}

static void free_boot_files(void)
{
	free(image);
	free(initrd);
	image = initrd = NULL;
}

/* The boot image into RAM and vCPU 0's registers. */
static int boot(struct dm_vm *vm, struct dm_error *err)
{
	const struct dm_config *c = vm->cfg;
	struct dm_acpi_params ap = { .ncpus = vm->nvcpus };
	struct islet_regs regs;
	uint64_t rsdp;
	int ret;

	if (read_boot_files(c, err))
		return -1;

	/* The vCPUs' local APIC IDs are their indices (the hypervisor's
	 * vLAPIC ID register). */
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		ap.apic_id[i] = i;
	rsdp = dm_acpi_install(&vm->mem, &ap, err);
	if (!rsdp)
		return -1;
	if (c->kernel[0]) {
		struct dm_linux_boot lb = {
			.kernel = image, .kernel_size = image_size,
			.initrd = initrd, .initrd_size = initrd_size,
			.cmdline = c->bootargs, .rsdp = rsdp,
		};

		ret = dm_load_linux(&vm->mem, &lb, &regs, err);
	} else {
		ret = dm_load_elf(&vm->mem, image, image_size, c->bootargs,
				  &regs, err);
	}
	free_boot_files();
	if (ret)
		return -1;
	ret = islet_vcpu_set_regs(vm->vm, 0, &regs);
	if (ret)
		return dm_fail(err, "setting vCPU 0's registers: %s",
			       strerror(-ret));
	return 0;
}

static int run(struct dm_vm *vm, struct dm_error *err)
{
	int ret;

	ret = islet_ioreq_client_create(vm->vm);
	if (ret)
		return dm_fail(err, "creating the request client: %s",
			       strerror(-ret));
	ret = dm_vcpus_start(vm);
	if (ret)
		return dm_fail(err, "starting vCPU threads: %s",
			       strerror(-ret));
	ret = islet_vm_start(vm->vm);
	if (ret)
		return dm_fail(err, "starting the VM: %s", strerror(-ret));
	return 0;
}

static void stop(struct dm_vm *vm)
{
	islet_vm_pause(vm->vm);
	dm_vcpus_stop(vm);
}

static int reset(struct dm_vm *vm, struct dm_error *err)
{
	int ret;

	stop(vm);
	islet_ioreq_clear(vm->vm);
	ret = islet_vm_reset(vm->vm);
	if (ret)
		return dm_fail(err, "resetting the VM: %s", strerror(-ret));
	dm_lpc_reset();
	dm_pm_reset();
	dm_rtc_reset();
	dm_pit_reset();
	dm_pci_reset();
	vm->resets++;
	if (boot(vm, err) || run(vm, err))
		return -1;
	return 0;
}

static void on_request(int fd, void *arg)
{
	struct dm_vm *vm = arg;
	struct dm_error err = { { 0 } };
	uint64_t n;
	int req;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	req = __atomic_load_n(&vm->request, __ATOMIC_ACQUIRE);
	switch (req) {
	case DM_REQ_RESET:
		if (reset(vm, &err)) {
			fprintf(stderr, "islet-dm: %s: reset failed: %s\n",
				vm->cfg->name, err.msg);
			end_status = 1;
			dm_event_stop();
			return;
		}
		__atomic_store_n(&vm->request, DM_REQ_NONE, __ATOMIC_RELEASE);
		return;
	case DM_REQ_POWEROFF:
		end_status = 0;
		break;
	case DM_REQ_EXIT:
		end_status = vm->exit_status;
		break;
	default:
		return;
	}
	dm_event_stop();
}

static void on_signal(int fd, void *arg)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	/* SIGUSR1 presses the power button: the guest shuts down in its own
	 * time (if its userspace listens for the button). */
	if (si.ssi_signo == SIGUSR1) {
		dm_pm_power_button();
		return;
	}
	end_status = 128 + (int)si.ssi_signo;
	dm_event_stop();
}

static int setup_events(struct dm_vm *vm, struct dm_error *err)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A vanished TCP console client must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	vm->request_fd = eventfd(0, EFD_CLOEXEC);
	if (sfd < 0 || vm->request_fd < 0 || dm_event_init() ||
	    dm_event_add(sfd, on_signal, vm) ||
	    dm_event_add(vm->request_fd, on_request, vm))
		return dm_fail(err, "setting up the event loop: %s",
			       strerror(errno));
	return 0;
}

/* What can be checked before a VM exists, so that a mistake leaves
 * nothing behind. */
static int prepare(struct dm_vm *vm, uint64_t *affinity, struct dm_error *err)
{
	const struct dm_config *c = vm->cfg;
	uint64_t avail;

	if (read_boot_files(c, err))
		return -1;
	if (!dm_mem_available(&avail) && c->mem_size > avail)
		return dm_fail(err, "not enough memory: the VM needs %llu MiB, "
			       "the Service VM has %llu MiB available",
			       (unsigned long long)(c->mem_size >> 20),
			       (unsigned long long)(avail >> 20));
	*affinity = c->cpu_affinity;
	return dm_cpus_choose(affinity, err);
}

static int create(struct dm_vm *vm, uint64_t affinity, struct dm_error *err)
{
	struct islet_vm_params p = { .cpu_affinity = affinity };
	int ret;

	if (dm_cpus_give_up(affinity, err))
		return -1;
	ret = islet_vm_create(&p, &vm->vm);
	if (ret == -ENOENT)
		return dm_fail(err, "no %s: load islet_hsm.ko on a Service VM "
			       "that runs on Islet", ISLET_HSM_DEVICE);
	if (ret == -EBUSY)
		return dm_fail(err, "a CPU of the VM (0x%llx) runs another VM",
			       (unsigned long long)affinity);
	if (ret)
		return dm_fail(err, "creating the VM on CPUs 0x%llx: %s",
			       (unsigned long long)affinity, strerror(-ret));
	vm->nvcpus = islet_vm_vcpu_count(vm->vm);

	dm_mem_layout(&vm->mem, vm->cfg->mem_size);
	vm->mem.base = islet_mem_alloc(vm->mem.size);
	if (!vm->mem.base)
		return dm_fail(err, "cannot allocate %llu MiB of guest memory",
			       (unsigned long long)(vm->mem.size >> 20));
	ret = islet_vm_map_ram(vm->vm, 0, vm->mem.base, vm->mem.lowmem);
	if (!ret && vm->mem.highmem)
		ret = islet_vm_map_ram(vm->vm, DM_HIGHMEM_BASE,
				       vm->mem.base + vm->mem.lowmem,
				       vm->mem.highmem);
	if (ret)
		return dm_fail(err, "giving the VM %llu MiB of memory: %s",
			       (unsigned long long)(vm->mem.size >> 20),
			       strerror(-ret));
	return 0;
}

int dm_vm_run(const struct dm_config *cfg)
{
	struct dm_vm *vm = &dm_vm;
	struct dm_error err = { { 0 } };
	uint64_t affinity;
	int ret;

	vm->cfg = cfg;
	vm->request_fd = -1;
	/* PCI devices open their backends (disk images, taps) before the VM
	 * exists, so that a wrong -s leaves nothing behind. */
	if (prepare(vm, &affinity, &err) || setup_events(vm, &err) ||
	    dm_pci_init(cfg, &err) || create(vm, affinity, &err) ||
	    dm_lpc_init(cfg, &err) || dm_pm_init(cfg, &err) ||
	    dm_rtc_init(cfg, vm->mem.lowmem, vm->mem.highmem, &err) ||
	    dm_pit_init(cfg, &err) || dm_debugexit_init(cfg, &err) ||
	    boot(vm, &err) || run(vm, &err)) {
		fprintf(stderr, "islet-dm: %s: %s\n", cfg->name, err.msg);
		end_status = 1;
	} else {
		ret = dm_event_run();
		if (ret) {
			fprintf(stderr, "islet-dm: %s: event loop: %s\n",
				cfg->name, strerror(-ret));
			end_status = 1;
		}
	}
	if (vm->vm) {
		stop(vm);
		islet_vm_close(vm->vm);
		vm->vm = NULL;
	}
	dm_pci_deinit();
	dm_pit_deinit();
	dm_rtc_deinit();
	islet_mem_free(vm->mem.base, vm->mem.size);
	free_boot_files();
	dm_stdin_restore();
	return end_status;
}
