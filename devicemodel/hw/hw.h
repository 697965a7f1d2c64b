/* SPDX-License-Identifier: BSD-3-Clause */
/* islet-dm's platform devices: set-up and reset of each. */
#ifndef DM_HW_H
#define DM_HW_H

#include "config.h"

/* lpc.c: COM1 and COM2 with the backends of -l. */
int dm_lpc_init(const struct dm_config *cfg, struct dm_error *err);
void dm_lpc_reset(void);

/* pm.c: ACPI PM registers (PM1a event/control, PM timer) and the reset
 * control register 0xcf9: S5 and resets become requests to main. */
int dm_pm_init(const struct dm_config *cfg, struct dm_error *err);
void dm_pm_reset(void);

/* debugexit.c: port 0xf4 with --debugexit. */
int dm_debugexit_init(const struct dm_config *cfg, struct dm_error *err);

/* rtc.c: the RTC and CMOS at 0x70-0x71, IRQ 8, its memory-size bytes
 * from @lowmem (at 0) and @highmem (at 4 GiB).  Needs the event loop.
 * Reset keeps the time and CMOS RAM; deinit closes its timer. */
int dm_rtc_init(const struct dm_config *cfg, uint64_t lowmem,
		uint64_t highmem, struct dm_error *err);
void dm_rtc_reset(void);
void dm_rtc_deinit(void);

/* pit.c: the 8254 at 0x40-0x43 (counter 0 on IRQ 0) and port 0x61.
 * Needs the event loop; deinit closes its timer. */
int dm_pit_init(const struct dm_config *cfg, struct dm_error *err);
void dm_pit_reset(void);
void dm_pit_deinit(void);

#endif /* DM_HW_H */
