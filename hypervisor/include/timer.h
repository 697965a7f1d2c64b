/* Time (arch/x86/tsc.c). */
#ifndef ISLET_TIMER_H
#define ISLET_TIMER_H

#include "types.h"

u64 tsc_calibrate(void);	/* measure and remember; kHz, 0 if unknown */
u64 tsc_get_khz(void);

/* Time stamps of the boot, printed with the Service VM's exit statistics
 * (never on the way: printing costs boot time). */
struct boot_tsc {
	u64 hv_entry;		/* first instruction of hv_main */
	u64 service_vm_start;	/* just before the first VM entry */
};
extern struct boot_tsc boot_tsc;

#endif
