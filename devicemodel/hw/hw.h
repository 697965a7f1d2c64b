/* SPDX-License-Identifier: BSD-3-Clause */
/* islet-dm's platform devices: set-up and reset of each. */
#ifndef DM_HW_H
#define DM_HW_H

#include "config.h"

/* lpc.c: COM1 and COM2 with the backends of -l. */
int dm_lpc_init(const struct dm_config *cfg, struct dm_error *err);
void dm_lpc_reset(void);
void dm_lpc_restore_tty(void);

/* pm.c: ACPI PM registers (PM1a event/control, PM timer) and the reset
 * control register 0xcf9: S5 and resets become requests to main. */
int dm_pm_init(const struct dm_config *cfg, struct dm_error *err);
void dm_pm_reset(void);

/* debugexit.c: port 0xf4 with --debugexit. */
int dm_debugexit_init(const struct dm_config *cfg, struct dm_error *err);

#endif /* DM_HW_H */
