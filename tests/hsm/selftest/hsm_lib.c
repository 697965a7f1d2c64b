/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest's library over /dev/acrn_hsm (hsm_lib.h): VMs, the guest
 * image, and the loop that serves I/O requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hsm_lib.h"
#include "selftest.h"

int run_in_child(int (*fn)(void *), void *arg, unsigned int seconds)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		alarm(seconds);
		_exit(fn(arg));
	}
	setpgid(pid, pid);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* What the child left behind (a process it forked). */
	kill(-pid, SIGKILL);
	return status;
}

void emit(const char *fmt, ...)
{
	char buf[700];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = (size_t)vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	if (write(STDOUT_FILENO, buf, len) < 0)
		return;
	if (isatty(STDOUT_FILENO))
		tcdrain(STDOUT_FILENO);
}

/* The guest image (guest.S, embedded by guest_image.S). */
extern const uint8_t guest_image[], guest_image_end[];

/* The image's header (guest.S): magic, GDT, GDT limit, entries, table. */
enum { HDR_MAGIC, HDR_GDT, HDR_GDT_LIMIT, HDR_ENTRIES, HDR_TABLE };

/* ---- Raw ioctls ------------------------------------------------------------ */

int hsm_open(void)
{
	int fd = open(opts.device, O_RDWR | O_CLOEXEC);

	require(fd >= 0, "open %s: %s", opts.device, strerror(errno));
	return fd;
}

int hsm_ioctl(int fd, unsigned long cmd, const void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

int hsm_ioctl_value(int fd, unsigned long cmd, unsigned long value)
{
	return ioctl(fd, cmd, value) < 0 ? errno : 0;
}

void *hsm_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	require(p != MAP_FAILED, "mmap %zu bytes: %s", len, strerror(errno));
	return p;
}

struct islet_vm_creation hsm_creation(uint64_t cpus, const void *page)
{
	struct islet_vm_creation c;

	memset(&c, 0, sizeof(c));
	memcpy(c.uuid, "islet-selftest-0", sizeof(c.uuid));
	c.cpu_affinity = cpus;
	c.ioreq_buf = (uint64_t)(uintptr_t)page;
	/* Out fields: the hypervisor overwrites them. */
	c.vmid = 0xffff;
	c.vcpu_num = 0xffff;
	return c;
}

struct islet_vm_memmap hsm_ram(uint64_t gpa, const void *buf, uint64_t len)
{
	struct islet_vm_memmap m;

	memset(&m, 0, sizeof(m));
	m.type = ISLET_MEMMAP_RAM;
	m.attr = ISLET_MEM_ACCESS_RWX;
	m.user_vm_pa = gpa;
	m.vma_base = (uint64_t)(uintptr_t)buf;
	m.len = len;
	return m;
}

int hsm_finish(int fd, uint16_t vmid, uint32_t vcpu)
{
	struct islet_ioreq_notify n = { .vmid = vmid, .vcpu = vcpu };

	return hsm_ioctl(fd, ISLET_IOCTL_NOTIFY_REQUEST_FINISH, &n);
}

/* ---- VMs ------------------------------------------------------------------- */

void vm_create(struct hsm_vm *vm, unsigned int cpu, unsigned int flags)
{
	struct islet_vm_creation c;
	struct islet_vm_memmap m;
	int err;

	memset(vm, 0, sizeof(*vm));
	vm->cpu = cpu;
	vm->fd = hsm_open();
	vm->ioreq = hsm_map(ISLET_IO_REQUEST_PAGE_SIZE);
	c = hsm_creation(1ULL << cpu, vm->ioreq);
	err = hsm_ioctl(vm->fd, ISLET_IOCTL_CREATE_VM, &c);
	require(!err, "CREATE_VM on CPU %u: %s", cpu, errno_name(err));
	require(c.vmid >= 1 && c.vmid <= 7 && c.vcpu_num == 1,
		"CREATE_VM on CPU %u: vmid %u (1..7), vcpu_num %u (1)", cpu,
		c.vmid, c.vcpu_num);
	vm->vmid = c.vmid;
	vm->vcpu_num = c.vcpu_num;

	if (!(flags & VM_NO_RAM)) {
		vm->ram = hsm_map(GUEST_RAM_SIZE);
		m = hsm_ram(0, vm->ram, GUEST_RAM_SIZE);
		err = hsm_ioctl(vm->fd, ISLET_IOCTL_SET_MEMSEG, &m);
		require(!err, "SET_MEMSEG of %u KiB of RAM at GPA 0 (VM %u): %s",
			GUEST_RAM_SIZE / 1024, vm->vmid, errno_name(err));
	}
	if (!(flags & VM_NO_CLIENT)) {
		err = hsm_ioctl(vm->fd, ISLET_IOCTL_CREATE_IOREQ_CLIENT, NULL);
		require(!err, "CREATE_IOREQ_CLIENT (VM %u): %s", vm->vmid,
			errno_name(err));
	}
}

/* The image's header, checked: the build linked the image at
 * GUEST_LOAD_GPA, so every address in it lies inside the image there. */
static const uint32_t *guest_header(void)
{
	const uint32_t *hdr = (const uint32_t *)guest_image;
	size_t size = (size_t)(guest_image_end - guest_image);
	unsigned int i;
	bool ok;

	ok = size >= (HDR_TABLE + GUEST_ENTRIES) * 4 &&
	     size <= GUEST_DATA_GPA - GUEST_LOAD_GPA &&
	     hdr[HDR_MAGIC] == GUEST_MAGIC &&
	     hdr[HDR_ENTRIES] == GUEST_ENTRIES;
	for (i = HDR_GDT; ok && i < HDR_TABLE + GUEST_ENTRIES; i++)
		ok = i == HDR_GDT_LIMIT || i == HDR_ENTRIES ||
		     (hdr[i] >= GUEST_LOAD_GPA &&
		      hdr[i] < GUEST_LOAD_GPA + size);
	require(ok, "the embedded guest image (%zu bytes) has no valid "
		"header, or was not linked at 0x%x", size, GUEST_LOAD_GPA);
	return hdr;
}

uint32_t guest_long_cr3(void)
{
	const uint32_t *hdr = guest_header();
	uint32_t cr3 = hdr[HDR_TABLE + GUEST_ENTRIES];

	require(!(cr3 & 0xfff) && cr3 >= GUEST_LOAD_GPA &&
		cr3 < GUEST_LOAD_GPA + (size_t)(guest_image_end - guest_image),
		"the guest image's page-table root 0x%x is not a page of it", cr3);
	return cr3;
}

void vm_load(struct hsm_vm *vm)
{
	guest_header();
	require(vm->ram, "vm_load: the VM has no RAM");
	memcpy(vm->ram + GUEST_LOAD_GPA, guest_image,
	       (size_t)(guest_image_end - guest_image));
}

void vm_guest_regs(unsigned int entry, const struct guest_args *args,
		   struct islet_vcpu_regs *regs)
{
	const uint32_t *hdr = guest_header();
	struct islet_regs *r = &regs->vcpu_regs;

	require(entry < GUEST_ENTRIES, "no guest entry %u", entry);
	memset(regs, 0, sizeof(*regs));
	regs->vcpu_id = 0;
	if (args) {
		r->gprs.rbx = args->ebx;
		r->gprs.rcx = args->ecx;
		r->gprs.rsi = args->esi;
	}
	r->gprs.rsp = GUEST_STACK_TOP;
	r->gdt.base = hdr[HDR_GDT];
	r->gdt.limit = (uint16_t)hdr[HDR_GDT_LIMIT];
	/* An empty IDT: an exception becomes a triple fault (guest_abi.h). */
	r->idt.base = 0;
	r->idt.limit = 0;
	r->rip = hdr[HDR_TABLE + entry];
	r->cs_base = 0;
	r->cs_limit = 0xffffffff;
	r->cs_ar = GUEST_CS_AR;
	r->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	r->cr3 = 0;
	r->cr4 = 0;
	r->ia32_efer = 0;
	r->rflags = 0x2;	/* bit 1 is always set; IF clear */
	r->cs_sel = GUEST_CODE_SEL;
	r->ss_sel = GUEST_DATA_SEL;
	r->ds_sel = GUEST_DATA_SEL;
	r->es_sel = GUEST_DATA_SEL;
	r->fs_sel = GUEST_DATA_SEL;
	r->gs_sel = GUEST_DATA_SEL;
}

void vm_set_entry(struct hsm_vm *vm, unsigned int entry,
		  const struct guest_args *args)
{
	struct islet_vcpu_regs regs;
	int err;

	vm_guest_regs(entry, args, &regs);
	err = hsm_ioctl(vm->fd, ISLET_IOCTL_SET_VCPU_REGS, &regs);
	require(!err, "SET_VCPU_REGS (VM %u, entry %u): %s", vm->vmid, entry,
		errno_name(err));
}

void vm_put_string(struct hsm_vm *vm, uint32_t gpa, const char *s)
{
	size_t len = strlen(s) + 1;

	require(vm->ram && gpa >= GUEST_DATA_GPA &&
		gpa + len <= GUEST_DATA_GPA + GUEST_DATA_SIZE,
		"a string of %zu bytes does not fit at GPA 0x%x", len, gpa);
	memcpy(vm->ram + gpa, s, len);
}

void vm_start(struct hsm_vm *vm)
{
	int err = hsm_ioctl(vm->fd, ISLET_IOCTL_START_VM, NULL);

	require(!err, "START_VM (VM %u): %s", vm->vmid, errno_name(err));
}

void vm_pause(struct hsm_vm *vm)
{
	int err = hsm_ioctl(vm->fd, ISLET_IOCTL_PAUSE_VM, NULL);

	require(!err, "PAUSE_VM (VM %u): %s", vm->vmid, errno_name(err));
}

void vm_reset(struct hsm_vm *vm)
{
	int err = hsm_ioctl(vm->fd, ISLET_IOCTL_RESET_VM, NULL);

	require(!err, "RESET_VM (VM %u): %s", vm->vmid, errno_name(err));
}

void vm_launch(struct hsm_vm *vm, unsigned int cpu, unsigned int entry,
	       const struct guest_args *args)
{
	vm_create(vm, cpu, 0);
	vm_load(vm);
	vm_set_entry(vm, entry, args);
	vm_start(vm);
}

void vm_close(struct hsm_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	if (vm->ram)
		munmap(vm->ram, GUEST_RAM_SIZE);
	if (vm->ioreq)
		munmap(vm->ioreq, ISLET_IO_REQUEST_PAGE_SIZE);
	vm->ram = NULL;
	vm->ioreq = NULL;
}

/* ---- Serving I/O requests ---------------------------------------------------- */

bool is_stop_report(const struct islet_io_request *req)
{
	const struct islet_pio_request *pio = &req->reqs.pio_request;

	return req->type == ISLET_IOREQ_TYPE_PORTIO &&
	       pio->direction == ISLET_IOREQ_DIR_WRITE &&
	       pio->address == ISLET_VM_PM1A_CNT_PORT;
}

static enum io_verdict dispatch(struct hsm_vm *vm, unsigned int vcpu,
				struct islet_io_request *req,
				const struct io_handlers *h, void *ctx)
{
	switch (req->type) {
	case ISLET_IOREQ_TYPE_PORTIO:
		if (h->pio)
			return h->pio(vm, vcpu, &req->reqs.pio_request, ctx);
		break;
	case ISLET_IOREQ_TYPE_MMIO:
		if (h->mmio)
			return h->mmio(vm, vcpu, &req->reqs.mmio_request, ctx);
		break;
	case ISLET_IOREQ_TYPE_PCICFG:
		if (h->pci)
			return h->pci(vm, vcpu, &req->reqs.pci_request, ctx);
		break;
	}
	check(0, "VM %u vCPU %u: a request of type %u that this test does "
	      "not serve (data %llx %llx %llx %llx)", vm->vmid, vcpu,
	      req->type, (unsigned long long)req->reqs.data[0],
	      (unsigned long long)req->reqs.data[1],
	      (unsigned long long)req->reqs.data[2],
	      (unsigned long long)req->reqs.data[3]);
	return IO_STOP;
}

enum serve_end vm_serve(struct hsm_vm *vm, const struct io_handlers *h,
			void *ctx)
{
	struct islet_io_request *req;
	enum io_verdict verdict;
	unsigned int vcpu;
	bool stop;
	int err;

	for (;;) {
		uint64_t t0;
		unsigned int n = 0;

		err = hsm_ioctl(vm->fd, ISLET_IOCTL_ATTACH_IOREQ_CLIENT, NULL);
		t0 = rdtsc();
		if (err == EINTR)
			continue;
		if (err == ENODEV)
			return SERVE_CLIENT_GONE;
		if (err) {
			vm->serve_err = err;
			return SERVE_ERROR;
		}
		stop = false;
		for (vcpu = 0; vcpu < vm->vcpu_num; vcpu++) {
			req = &vm->ioreq->req_slot[vcpu];
			/* The state first (acquire): the slot's other
			 * fields were written before it. */
			if (__atomic_load_n(&req->processed, __ATOMIC_ACQUIRE) !=
			    ISLET_IOREQ_STATE_PROCESSING || req->kernel_handled)
				continue;
			vm->served++;
			if (req->completion_polling != 1)
				vm->not_polling++;
			if (is_stop_report(req)) {
				vm->stopped = true;
				vm->stop = *req;
				verdict = IO_STOP;
			} else {
				verdict = dispatch(vm, vcpu, req, h, ctx);
			}
			if (++n == 1 && vm->vcpu_num == 1) {
				vm->user_ticks += rdtsc() - t0;
				vm->user_reqs++;
			}
			err = hsm_finish(vm->fd, vm->vmid, vcpu);
			if (err) {
				vm->serve_err = err;
				return SERVE_ERROR;
			}
			if (verdict == IO_STOP)
				stop = true;
		}
		if (vm->stopped)
			return SERVE_VM_STOPPED;
		if (stop)
			return SERVE_HANDLER_STOP;
	}
}

const char *serve_end_name(enum serve_end end, const struct hsm_vm *vm)
{
	static __thread char buf[96];

	switch (end) {
	case SERVE_HANDLER_STOP:
		return "the test stopped serving";
	case SERVE_VM_STOPPED:
		return "the VM stopped (the hypervisor's stop report: a triple "
		       "fault or an exit it cannot handle; see its console)";
	case SERVE_CLIENT_GONE:
		return "ATTACH_IOREQ_CLIENT: ENODEV (the client went away)";
	case SERVE_ERROR:
		snprintf(buf, sizeof(buf), "an ioctl failed while serving: %s",
			 errno_name(vm->serve_err));
		return buf;
	}
	return "?";
}

/* ---- Checked steps shared by the tests -------------------------------------- */

unsigned int expect_create_ok(int fd, uint64_t cpus, const void *page,
			      const char *what)
{
	struct islet_vm_creation c = hsm_creation(cpus, page);
	struct islet_vm_creation in = c;
	unsigned int want_vcpus = (unsigned int)__builtin_popcountll(cpus);
	int err;

	err = hsm_ioctl(fd, ISLET_IOCTL_CREATE_VM, &c);
	if (!check_errno(err, 0, "%s: CREATE_VM on CPUs 0x%llx", what,
			 (unsigned long long)cpus))
		return 0;
	check(c.vmid >= 1 && c.vmid <= 7 && c.vcpu_num == want_vcpus,
	      "%s: vmid %u (expected 1..7), vcpu_num %u (expected %u)", what,
	      c.vmid, c.vcpu_num, want_vcpus);
	/* Everything but the two out fields comes back as it went in. */
	in.vmid = c.vmid;
	in.vcpu_num = c.vcpu_num;
	check(!memcmp(&in, &c, sizeof(c)), "%s: CREATE_VM changed an input "
	      "field (reserved, uuid, vm_flag, ioreq_buf or cpu_affinity)",
	      what);
	return c.vmid;
}

void expect_create_fails(int fd, struct islet_vm_creation c, int want,
			 const char *what)
{
	struct islet_vm_creation before = c;
	int err = hsm_ioctl(fd, ISLET_IOCTL_CREATE_VM, &c);

	check_errno(err, want, "%s", what);
	if (err)
		check(!memcmp(&before, &c, sizeof(c)), "%s: the refused "
		      "CREATE_VM wrote its struct", what);
	else
		/* A VM nobody expected: do not let it hold the CPU. */
		hsm_ioctl(fd, ISLET_IOCTL_DESTROY_VM, NULL);
}
