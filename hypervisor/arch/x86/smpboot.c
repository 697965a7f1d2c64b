/* Start the application processors with INIT-SIPI-SIPI, one at a time:
 * each AP finishes its own set-up before the next is started, so boot-time
 * set-up never runs on two CPUs at once. */
#include "acpi.h"
#include "lib.h"
#include "printk.h"
#include "smp.h"
#include "timer.h"
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/percpu.h>

#define ICR_INIT_ASSERT	(ICR_LEVEL | ICR_ASSERT | (ICR_MODE_INIT << 8))
#define ICR_STARTUP	(ICR_ASSERT | (ICR_MODE_SIPI << 8))

extern const u8 trampoline_start[], trampoline_end[], trampoline_params[];

static void (*ap_main_fn)(u32 cpu);
static volatile u32 ap_starting;	/* index of the AP being started */
static volatile u32 ap_alive;		/* set by that AP once it runs C */

static void delay_us(u64 us)
{
	u64 khz = tsc_get_khz() ? tsc_get_khz() : 1000000;
	u64 end = rdtsc() + us * khz / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

/* Reached from the trampoline, in long mode on the AP's own stack. */
void ap_entry64(void);
void ap_entry64(void)
{
	u32 cpu = ap_starting;

	percpu[cpu].cpu_id = cpu;
	cpu_tables_init(&percpu[cpu]);
	ap_alive = 1;
	ap_main_fn(cpu);
	panic("CPU %u: ap_main returned\n", cpu);
}

u32 smp_start_aps(const struct acpi_info *acpi, void (*ap_main)(u32 cpu))
{
	u64 *params = (u64 *)(TRAMPOLINE_BASE + (trampoline_params - trampoline_start));
	u32 self = apic_id(), ncpus = 1;

	ap_main_fn = ap_main;
	memcpy((void *)TRAMPOLINE_BASE, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	for (u32 i = 0; i < acpi->nr_cpus && i < ARRAY_SIZE(acpi->apic_ids); i++) {
		u32 id = acpi->apic_ids[i];

		if (id == self)
			continue;
		if (ncpus >= MAX_CPUS) {
			pr_info("cpus: only %u CPUs supported, CPU with APIC id %u left off\n",
				MAX_CPUS, id);
			break;
		}
		ap_starting = ncpus;
		ap_alive = 0;
		params[TP_CR3 / 8] = read_cr3();
		params[TP_STACK / 8] = (u64)percpu[ncpus].stack + HV_STACK_SIZE;
		params[TP_ENTRY / 8] = (u64)ap_entry64;
		apic_send_ipi(id, ICR_INIT_ASSERT);
		delay_us(10000);
		for (int sipi = 0; sipi < 2 && !ap_alive; sipi++) {
			apic_send_ipi(id, ICR_STARTUP | (TRAMPOLINE_BASE >> 12));
			delay_us(200);
		}
		for (u64 t = 0; !ap_alive && t < 100000; t++)
			delay_us(10);
		if (!ap_alive) {
			pr_err("CPU with APIC id %u did not start\n", id);
			continue;
		}
		/* Wait until the AP has set itself up (smp_ap_ready), so
		 * that set-up never runs on two CPUs at once. */
		while (ap_alive != 2)
			cpu_relax();
		ncpus++;
	}
	return ncpus;
}

void smp_ap_ready(void)
{
	ap_alive = 2;
}
