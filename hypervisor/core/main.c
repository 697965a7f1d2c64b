/* hv_main: from the loader's information to a running Service VM. */
#include "acpi.h"
#include "bootinfo.h"
#include "console.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "timer.h"
#include "vcpu_vendor.h"
#include <asm/cpu.h>
#include <asm/percpu.h>

#define ISLET_VERSION "0.1"

static struct boot_info boot_info;
struct boot_tsc boot_tsc;

/* "uart=0x2f8" picks the UART, "uart=none" silences it, "e9" mirrors the
 * console to the emulators' debug port.  A malformed port keeps COM1, so
 * that the error can still be seen. */
static void console_init(const struct boot_info *bi)
{
	char val[16];
	u32 port = 0x3f8;

	if (cmdline_get(bi->cmdline, "uart", val, sizeof(val)) >= 0) {
		u32 p = 0;
		const char *c = val + 2;

		if (!strcmp(val, "none"))
			port = 0;
		else if (!strncmp(val, "0x", 2) && *c) {
			for (; *c && p <= 0xffff; c++) {
				u32 d = *c >= '0' && *c <= '9' ? (u32)(*c - '0') :
					(*c | 0x20) >= 'a' && (*c | 0x20) <= 'f' ?
					(u32)((*c | 0x20) - 'a' + 10) : 16;

				if (d > 15)
					break;
				p = p * 16 + d;
			}
			if (!*c && p && p <= 0xfff8)
				port = p;
		}
	}
	if (port)
		uart_init((u16)port);
	if (cmdline_get(bi->cmdline, "e9", val, sizeof(val)) >= 0)
		e9_console_init();
}

static void print_platform(const struct boot_info *bi)
{
	struct acpi_info acpi;
	char ids[64] = "";
	size_t n = 0;

	pr_info("command line: \"%s\"\n", bi->cmdline);
	pr_info("memory: %lu MiB RAM in %u e820 entries, hypervisor at 0x%lx-0x%lx\n",
		e820_total(&bi->mem, E820_RAM) / MiB, bi->mem.nr, hv_base(),
		hv_base() + hv_size());
	/* Each console character costs the boot time (~4,000 emulated ticks
	 * in the test machine): the map is printed on request only. */
	if (cmdline_get(bi->cmdline, "verbose", NULL, 0) >= 0)
		for (u32 i = 0; i < bi->mem.nr; i++)
			pr_info("  e820 %016lx-%016lx type %u\n", bi->mem.e[i].addr,
				bi->mem.e[i].addr + bi->mem.e[i].size,
				bi->mem.e[i].type);
	for (u32 i = 0; i < bi->nr_modules; i++)
		pr_info("module %u: 0x%lx-0x%lx \"%s\"\n", i, bi->modules[i].start,
			bi->modules[i].end, bi->modules[i].cmdline);
	if (!bi->rsdp_len || acpi_parse(bi->rsdp, bi->rsdp_len, &acpi)) {
		pr_info("acpi: no usable RSDP from the loader\n");
		return;
	}
	pr_info("acpi: RSDP rev %u OEM \"%s\", root table at 0x%lx with %u tables\n",
		acpi.revision, acpi.oem, acpi.root, acpi.nr_tables);
	for (u32 i = 0; i < acpi.nr_cpus && i < ARRAY_SIZE(acpi.apic_ids); i++)
		n += (size_t)snprintf(ids + n, n < sizeof(ids) ? sizeof(ids) - n : 0,
				      " %u", acpi.apic_ids[i]);
	pr_info("cpus: %u (local APIC ids:%s)\n", acpi.nr_cpus, ids);
}

/* "apicv=off" keeps the CPU's APIC virtualization unused (User VM
 * APICs are then emulated, as on CPUs without it). */
static void vendor_options_init(const struct boot_info *bi,
				struct vendor_options *opt)
{
	char val[8];
	int n = cmdline_get(bi->cmdline, "apicv", val, sizeof(val));

	opt->apicv = true;
	if (n == -ENOENT)
		return;
	if (n >= 0 && !strcmp(val, "off"))
		opt->apicv = false;
	else if (n < 0 || strcmp(val, "on"))
		pr_info("the apicv= option ignored: give apicv=on or apicv=off\n");
}

void hv_main(u32 magic, u64 mbi);
void hv_main(u32 magic, u64 mbi)
{
	struct vendor_options opt;
	char why[160];
	int ret = -EINVAL;

	boot_tsc.hv_entry = rdtsc();
	if (magic == MB2_BOOTLOADER_MAGIC)
		ret = mb2_parse((const void *)mbi, 1 * MiB, &boot_info);
	console_init(&boot_info);
	cpu_tables_init(&percpu[0]);
	printk("\nIslet hypervisor %s (boot: %s)\n", ISLET_VERSION,
	       boot_info.efi_system_table ? "efi" : "multiboot2");
	if (ret)
		panic("bad boot information (magic 0x%x, error %d): boot Islet with a multiboot2 loader or islet.efi\n",
		      magic, ret);
	print_platform(&boot_info);
	ret = hv_paging_init(&boot_info.mem);
	if (ret)
		panic("cannot build the hypervisor's page tables (%d)\n", ret);
	pr_info("tsc: %lu kHz\n", tsc_calibrate());

	vendor_options_init(&boot_info, &opt);
	ret = vendor_check(&opt, why, sizeof(why));
	if (ret) {
		pr_info("VT-x not available: %s. Halting.\n", why);
		cpu_halt_forever();
	}
	ret = vendor_cpu_enable();
	if (ret)
		panic("cannot enter VMX operation (%d)\n", ret);
	pr_info("vmx: on (EPT, unrestricted guest)\n");
	service_vm_start(&boot_info);
}
