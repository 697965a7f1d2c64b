/* Time (arch/x86/tsc.c). */
#ifndef ISLET_TIMER_H
#define ISLET_TIMER_H

#include "types.h"

u64 tsc_calibrate(void);	/* measure and remember; kHz, 0 if unknown */
u64 tsc_get_khz(void);

#endif
