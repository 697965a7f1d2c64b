/* Starting the application processors (arch/x86/smpboot.c). */
#ifndef ISLET_SMP_H
#define ISLET_SMP_H

/* The real-mode start-up code is copied here (a SIPI vector addresses a
 * 4 KiB page below 1 MiB).  The page is RAM that only the hypervisor
 * uses before the Service VM starts. */
#define TRAMPOLINE_BASE	0x8000

/* Parameter block at the end of the trampoline. */
#define TP_CR3		0
#define TP_STACK	8
#define TP_ENTRY	16
#define TP_SIZE		24

#ifndef __ASSEMBLER__
#include "types.h"

struct acpi_info;

/* Start every CPU the MADT lists besides this one; each runs
 * @ap_main(cpu index) on its own stack with the hypervisor's page tables
 * and must not return.  Returns the number of CPUs now running. */
u32 smp_start_aps(const struct acpi_info *acpi, void (*ap_main)(u32 cpu));

/* Called by an AP's ap_main once its set-up is done: the boot CPU then
 * starts the next one. */
void smp_ap_ready(void);

#endif

#endif
