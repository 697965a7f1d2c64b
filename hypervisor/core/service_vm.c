/* The Service VM: identity-mapped over the machine's memory minus the
 * hypervisor's, owner of every device, booted from the bzImage module per
 * the Linux 32-bit boot protocol. */
#include "acpi.h"
#include "bootinfo.h"
#include "bzimage.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "smp.h"
#include "timer.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/pio.h>

/* Low memory the zero page, command line and boot GDT go to.  Linux
 * keeps the first MiB reserved, so nothing it allocates early lands here. */
#define BOOT_AREA	0x90000UL
#define ZERO_PAGE	(BOOT_AREA)
#define CMDLINE_ADDR	(BOOT_AREA + 0x1000)
#define GDT_ADDR	(BOOT_AREA + 0x2000)
#define RSDP_ADDR	(BOOT_AREA + 0x3000)
#define BOOT_AREA_SIZE	0x4000UL

static struct vm service_vm = { .name = "Service VM", .privileged = true };
static struct acpi_info acpi;

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static bool range_free(const struct boot_info *bi, u64 addr, u64 size)
{
	if (!e820_range_is(&service_vm.e820, addr, size, E820_RAM) ||
	    overlaps(addr, size, BOOT_AREA, BOOT_AREA_SIZE))
		return false;
	for (u32 i = 0; i < bi->nr_modules; i++)
		if (overlaps(addr, size, bi->modules[i].start,
			     bi->modules[i].end - bi->modules[i].start))
			return false;
	return true;
}

/* The preferred address if it is free, else the lowest aligned free spot
 * above 16 MiB in RAM (the kernel is relocatable). */
static u64 choose_load_addr(const struct boot_info *bi, const struct bzimage_info *k)
{
	u64 align = k->kernel_alignment ? k->kernel_alignment : 2 * MiB;

	if (range_free(bi, k->pref_address, k->init_size))
		return k->pref_address;
	if (!k->relocatable)
		return 0;
	for (u32 i = 0; i < service_vm.e820.nr; i++) {
		const struct e820_entry *e = &service_vm.e820.e[i];

		if (e->type != E820_RAM)
			continue;
		for (u64 a = ALIGN_UP(MAX(e->addr, 16 * MiB), align);
		     a + k->init_size <= e->addr + e->size && a < 4 * GiB; a += align)
			if (range_free(bi, a, k->init_size))
				return a;
	}
	return 0;
}

/* Module roles come from the first word of their string ("kernel ...",
 * "initrd"); unnamed modules are taken in that order. */
static const struct boot_module *find_module(const struct boot_info *bi,
					     const char *role, u32 fallback)
{
	size_t n = strlen(role);

	for (u32 i = 0; i < bi->nr_modules; i++) {
		const char *s = bi->modules[i].cmdline;

		if (!strncmp(s, role, n) && (s[n] == ' ' || s[n] == '\0'))
			return &bi->modules[i];
	}
	return fallback < bi->nr_modules ? &bi->modules[fallback] : NULL;
}

static const char *kernel_cmdline(const struct boot_module *m)
{
	const char *s = m->cmdline;

	if (!strncmp(s, "kernel", 6) && (s[6] == ' ' || s[6] == '\0'))
		s += 6;
	while (*s == ' ')
		s++;
	return s;
}

static int load_kernel(const struct boot_info *bi, struct vcpu_boot_state *st)
{
	const struct boot_module *km = find_module(bi, "kernel", 0);
	const struct boot_module *im = find_module(bi, "initrd", 1);
	static const u64 gdt[4] = {
		0, 0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL,
	};
	struct bzimage_info k;
	struct boot_params_in in = { 0 };
	const char *cmdline;
	u64 load;
	int ret;

	if (!km) {
		pr_err("no Service VM kernel: give it as a module (\"module2 /vmlinuz kernel <command line>\")\n");
		return -ENOENT;
	}
	ret = bzimage_parse((const void *)km->start, km->end - km->start, &k);
	if (ret) {
		pr_err("the Service VM kernel module is not a bzImage (%d)\n", ret);
		return ret;
	}
	if (!e820_range_is(&service_vm.e820, BOOT_AREA, BOOT_AREA_SIZE, E820_RAM)) {
		pr_err("low memory 0x%lx-0x%lx is not RAM\n", BOOT_AREA,
		       BOOT_AREA + BOOT_AREA_SIZE);
		return -ENOMEM;
	}
	load = choose_load_addr(bi, &k);
	if (!load) {
		pr_err("no room for the kernel (%u bytes from 0x%lx)\n",
		       k.init_size, k.pref_address);
		return -ENOMEM;
	}
	memcpy((void *)load, (const u8 *)km->start + k.pm_offset, k.pm_size);

	cmdline = kernel_cmdline(km);
	in.cmdline_len = (u32)strlen(cmdline);
	if (in.cmdline_len > k.cmdline_size || in.cmdline_len >= PAGE_SIZE) {
		pr_err("Service VM command line too long (%u > %u)\n",
		       in.cmdline_len, k.cmdline_size);
		return -E2BIG;
	}
	memcpy((void *)CMDLINE_ADDR, cmdline, in.cmdline_len + 1);
	in.load_addr = load;
	in.cmdline_addr = CMDLINE_ADDR;
	if (im && im != km) {
		in.initrd_addr = im->start;
		in.initrd_size = im->end - im->start;
	}
	if (bi->rsdp_len) {
		memcpy((void *)RSDP_ADDR, bi->rsdp, bi->rsdp_len);
		in.rsdp_addr = RSDP_ADDR;
	}
	in.e820 = &service_vm.e820;
	ret = bootparams_build((const void *)km->start, &k, &in, (void *)ZERO_PAGE);
	if (ret) {
		pr_err("cannot build the zero page (%d)\n", ret);
		return ret;
	}
	memcpy((void *)GDT_ADDR, gdt, sizeof(gdt));
	*st = (struct vcpu_boot_state){
		.rip = load, .rsi = ZERO_PAGE,
		.gdt_base = GDT_ADDR, .gdt_limit = sizeof(gdt) - 1,
	};
	pr_info("Service VM: kernel protocol %x.%02x at 0x%lx (%lu KiB), initrd %lu KiB, command line \"%s\"\n",
		k.version >> 8, k.version & 0xff, load, k.pm_size / 1024,
		in.initrd_size / 1024, cmdline);
	return 0;
}

/* Power-off and reset go to the platform as the Service VM wrote them;
 * the hypervisor only reports first. */
void service_vm_platform_event(struct vcpu *vcpu, const char *what)
{
	pr_info("Service VM %s\n", what);
	pr_info("boot ticks (TSC): hypervisor entered at %lu, Service VM started at %lu\n",
		boot_tsc.hv_entry, boot_tsc.service_vm_start);
	vcpu_print_exit_stats(vcpu);
}

void platform_reset(void)
{
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);	/* hard reset through the PCI reset control */
	if (acpi.reset_port)
		outb(acpi.reset_port, acpi.reset_value);
	outb(0x64, 0xfe);	/* and, last, through the keyboard controller */
}

static int pm1_cnt_io(struct vcpu *vcpu, u16 port, u8 size, bool in, u32 *val)
{
	if (in) {
		*val = pio_read(port, size);
		return 0;
	}
	if (*val & BIT(13))	/* SLP_EN: entering a sleep state */
		service_vm_platform_event(vcpu, "enters an ACPI sleep state (power-off)");
	pio_write(port, size, *val);
	return 0;
}

static int reset_io(struct vcpu *vcpu, u16 port, u8 size, bool in, u32 *val)
{
	if (in) {
		*val = inb(port);
		return 0;
	}
	/* Whatever reset the Service VM asks for, the platform gets a hard
	 * one: a keyboard-controller reset may reset only the CPU (Bochs does
	 * so), leaving VMX and the firmware's locks in place. */
	if ((port == 0xcf9 && (*val & BIT(2))) || (port == 0x64 && (u8)*val == 0xfe) ||
	    (port == acpi.reset_port && (u8)*val == acpi.reset_value)) {
		service_vm_platform_event(vcpu, "resets the platform");
		platform_reset();
	}
	outb(port, (u8)*val);
	return 0;
}

static int setup_io(struct vm *vm)
{
	int ret = 0;

	if (acpi.pm1a_cnt)
		ret = vm_register_io(vm, acpi.pm1a_cnt, 2, pm1_cnt_io);
	if (!ret && acpi.pm1b_cnt)
		ret = vm_register_io(vm, acpi.pm1b_cnt, 2, pm1_cnt_io);
	if (!ret)
		ret = vm_register_io(vm, 0xcf9, 1, reset_io);
	if (!ret)
		ret = vm_register_io(vm, 0x64, 1, reset_io);
	if (!ret && acpi.reset_port && acpi.reset_port != 0xcf9 &&
	    acpi.reset_port != 0x64)
		ret = vm_register_io(vm, acpi.reset_port, 1, reset_io);
	return ret;
}

/* Trap the VMX capability MSRs and feature control (VMX is hidden from the
 * Service VM); everything else in the bitmap's ranges passes through. */
static void setup_msr_bitmap(struct vm *vm)
{
	u8 *rd = vm->msr_bitmap, *wr = vm->msr_bitmap + 2048;

	for (u32 m = 0x480; m <= 0x491; m++) {
		rd[m / 8] |= (u8)BIT(m % 8);
		wr[m / 8] |= (u8)BIT(m % 8);
	}
	rd[0x3a / 8] |= (u8)BIT(0x3a % 8);
	wr[0x3a / 8] |= (u8)BIT(0x3a % 8);
	/* start-up IPIs are filtered; the APIC may not move */
	wr[MSR_X2APIC_ICR / 8] |= (u8)BIT(MSR_X2APIC_ICR % 8);
	wr[MSR_IA32_APIC_BASE / 8] |= (u8)BIT(MSR_IA32_APIC_BASE % 8);
}

struct vcpu *service_vm_given_up_cpu(u32 pcpu)
{
	for (u32 i = 0; i < service_vm.nr_vcpus; i++) {
		struct vcpu *v = &service_vm.vcpus[i];

		if (v->pcpu == pcpu)
			return vcpu_given_up(v) ? v : NULL;
	}
	return NULL;
}

void service_vm_nmi_arrived(u32 apic)
{
	for (u32 i = 0; i < service_vm.nr_vcpus; i++)
		if (service_vm.vcpus[i].apic_id == apic)
			__atomic_store_n(&service_vm.vcpus[i].nmi_pending, 1,
					 __ATOMIC_RELEASE);
}

/* Each AP becomes a Service VM vCPU held in the hypervisor until Linux
 * starts it with the usual INIT-SIPI-SIPI, which the hypervisor sees
 * (service_vm_apic.c) instead of the hardware. */
static void service_vm_ap_main(u32 cpu)
{
	struct vcpu *vcpu = &service_vm.vcpus[cpu];
	struct vcpu_boot_state st = { .parked = true };
	int ret = vendor_cpu_enable();

	vcpu->vm = &service_vm;
	vcpu->id = cpu;
	vcpu->pcpu = cpu;
	vcpu->apic_id = apic_id();
	vcpu->apic_dfr = ~0U;		/* the xAPIC's reset value: flat */
	vcpu->start_state = VCPU_WAIT_SIPI;
	if (!ret)
		ret = vendor_vcpu_init(vcpu, &st);
	if (ret)
		panic("CPU %u: cannot set up its Service VM vCPU (%d)\n", cpu, ret);
	smp_ap_ready();
	ret = vcpu_wait_for_sipi(vcpu);
	if (ret < 0)
		user_cpu_loop(cpu);
	vendor_vcpu_sipi(vcpu, (u8)ret);
	vendor_vcpu_run(vcpu);
	panic("the Service VM stopped on CPU %u\n", cpu);
}

__noreturn void service_vm_start(const struct boot_info *bi)
{
	struct vm *vm = &service_vm;
	struct vcpu *vcpu = &vm->vcpus[0];
	struct vcpu_boot_state st;
	int ret;

	acpi_parse(bi->rsdp, bi->rsdp_len, &acpi);
	ret = e820_service_vm(&bi->mem, hv_base(), hv_size(), &vm->e820);
	if (!ret)
		ret = pt_init(&vm->ept, &ept_format, &hv_pt_ops);
	vm->phys_top = phys_space_top(&bi->mem);
	if (!ret)
		ret = identity_map(&vm->ept, &vm->e820, vm->phys_top, PT_RWX);
	/* The hypervisor's range is reserved in the Service VM's map, which
	 * the line above maps as MMIO: take it out. */
	if (!ret)
		ret = pt_unmap(&vm->ept, hv_base(), hv_size());
	/* The APIC page read-only: writes are filtered (service_vm_apic.c).
	 * x2APIC mode needs no such mapping, its ICR is an MSR. */
	vm->apic_page = apic_is_x2apic() ? 0 : apic_mmio_base();
	if (!ret && vm->apic_page)
		ret = pt_map(&vm->ept, vm->apic_page, vm->apic_page, PAGE_SIZE,
			     PT_R | PT_UC);
	vm->scratch = page_alloc();
	if (!ret && !vm->scratch)
		ret = -ENOMEM;
	if (!ret)
		ret = vendor_vm_init(vm);
	if (ret)
		panic("cannot build the Service VM's memory (%d)\n", ret);
	setup_msr_bitmap(vm);
	ret = setup_io(vm);
	/* After setup_io(): it traps 0xcf8-0xcff, and the reset handler of
	 * 0xcf9 must come first.  Without the device the Service VM still
	 * runs; it just cannot serve User VMs (the HSM module says so). */
	if (!ret)
		hsm_notify_init(vm);
	if (!ret)
		ret = load_kernel(bi, &st);
	if (ret)
		panic("cannot load the Service VM (%d)\n", ret);

	vcpu->vm = vm;
	vcpu->id = 0;
	vcpu->pcpu = 0;
	vcpu->apic_id = apic_id();
	vcpu->apic_dfr = ~0U;
	ret = vendor_vcpu_init(vcpu, &st);
	if (ret)
		panic("cannot set up the Service VM's vCPU (%d)\n", ret);
	vm->nr_vcpus = smp_start_aps(&acpi, service_vm_ap_main);
	pr_info("starting the Service VM on %u CPUs (hypervisor pool: %u of %u pages free)\n",
		vm->nr_vcpus, page_pool_free(), page_pool_total());
	boot_tsc.service_vm_start = rdtsc();
	vendor_vcpu_run(vcpu);
	panic("the Service VM stopped\n");
}
