// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the ACPI fixed-hardware power management registers and the
 * ways a guest resets the machine (hw.h, pm.h).  Ports, as the FADT
 * (acpi.c) gives them (ACRN's values):
 *   0x400  PM1a_EVT: status (2 bytes, write 1 to clear), enable (2 bytes);
 *          the only event is the power button (bit 8), and the SCI (GSI
 *          9) is high while it is set in both.  TMR_EN, GBL_EN and RTC_EN
 *          keep what the guest writes (ACPICA reads them back) but their
 *          events never happen: the PM timer's overflow would need a
 *          timer in islet-dm, the global lock and RTC alarm are not
 *          emulated as ACPI events.
 *   0x404  PM1a_CNT: SCI_EN reads 1 (there is no SMI to switch modes);
 *          SLP_EN with SLP_TYP 5 (S5) powers off.  The hypervisor writes
 *          the same value here when it stops a VM (a triple fault).
 *   0x408  PM_TMR: the 3.579545 MHz ACPI timer, 32 bits wide
 *   0xcf9  reset control: RST_CPU (bit 2) resets the machine
 *   0x64   keyboard controller: command 0xfe pulses the reset line;
 *          status reads 0 (nothing to read, ready for input)
 */
#include <pthread.h>
#include <stdbool.h>

#include <islet/hypercall.h>

#include "clock.h"
#include "dm.h"
#include "hw.h"
#include "pm.h"

#define PM_TMR_HZ	3579545
#define RST_CPU		0x04
#define KBC_PULSE_RESET	0xfe

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t pm1_sts, pm1_en, pm1_cnt = DM_PM1_CNT_SCI_EN;
static bool sci;	/* the level last given to GSI 9 */

/*
 * Under the lock: the SCI is a level, high while an event is both
 * pending and enabled (SCI_EN is always 1).  Only changes are passed on,
 * so that the guest's status writes cost no ioctl when nothing changes.
 */
static void update_sci(void)
{
	bool level = (pm1_sts & pm1_en) != 0;

	if (level != sci) {
		sci = level;
		dm_irq->gsi(DM_SCI_GSI, level);
	}
}

static void evt_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	uint32_t both;

	pthread_mutex_lock(&lock);
	both = pm1_sts | ((uint32_t)pm1_en << 16);
	pthread_mutex_unlock(&lock);
	*value = both >> ((addr - DM_PM1A_EVT_PORT) * 8);
}

static void evt_write(void *dev, uint64_t addr, unsigned int size,
		      uint64_t value)
{
	unsigned int off = (unsigned int)(addr - DM_PM1A_EVT_PORT);
	uint32_t v = (uint32_t)value << (off * 8);
	uint32_t mask = (uint32_t)dm_size_mask(size) << (off * 8);

	pthread_mutex_lock(&lock);
	pm1_sts &= (uint16_t)~(v & mask);	/* write 1 to clear */
	if (mask >> 16)
		pm1_en = (uint16_t)((pm1_en & ~(mask >> 16)) | (v >> 16)) &
			 DM_PM1_EN_WRITABLE;
	update_sci();
	pthread_mutex_unlock(&lock);
}

static void cnt_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	pthread_mutex_lock(&lock);
	*value = pm1_cnt >> ((addr - DM_PM1A_CNT_PORT) * 8);
	pthread_mutex_unlock(&lock);
}

static void cnt_write(void *dev, uint64_t addr, unsigned int size,
		      uint64_t value)
{
	uint16_t v = (uint16_t)value;

	if (size != 2 || addr != DM_PM1A_CNT_PORT)
		return;		/* the register is written whole */
	if ((v & ISLET_VM_PM1A_SLP_EN) &&
	    (v & DM_PM1_CNT_SLP_TYP) == ISLET_VM_PM1A_SLP_TYP_S5) {
		dm_request(DM_REQ_POWEROFF, 0);
		return;
	}
	/* SLP_EN is write-only; SCI_EN stays set. */
	pthread_mutex_lock(&lock);
	pm1_cnt = (uint16_t)((v & ~ISLET_VM_PM1A_SLP_EN) | DM_PM1_CNT_SCI_EN);
	pthread_mutex_unlock(&lock);
}

static void tmr_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	uint64_t ticks = (uint64_t)dm_clock_cycles(dm_clock_now(), PM_TMR_HZ);

	*value = (uint32_t)(ticks >> ((addr - DM_PM_TMR_PORT) * 8));
}

static void reset_read(void *dev, uint64_t addr, unsigned int size,
		       uint64_t *value)
{
	*value = 0;
}

static void reset_write(void *dev, uint64_t addr, unsigned int size,
			uint64_t value)
{
	if (addr == DM_RESET_PORT && (value & RST_CPU))
		dm_request(DM_REQ_RESET, 0);
	else if (addr == DM_KBC_PORT && (value & 0xff) == KBC_PULSE_RESET)
		dm_request(DM_REQ_RESET, 0);
}

static const struct dm_io_ops evt_ops = { evt_read, evt_write };
static const struct dm_io_ops cnt_ops = { cnt_read, cnt_write };
static const struct dm_io_ops tmr_ops = { tmr_read, NULL };
static const struct dm_io_ops reset_ops = { reset_read, reset_write };

void dm_pm_power_button(void)
{
	pthread_mutex_lock(&lock);
	pm1_sts |= DM_PM1_PWRBTN;
	update_sci();
	pthread_mutex_unlock(&lock);
}

void dm_pm_reset(void)
{
	pthread_mutex_lock(&lock);
	pm1_sts = pm1_en = 0;
	pm1_cnt = DM_PM1_CNT_SCI_EN;
	/* Lowers a raised SCI; before the VM exists it was never raised. */
	update_sci();
	pthread_mutex_unlock(&lock);
}

int dm_pm_init(const struct dm_config *cfg, struct dm_error *err)
{
	dm_pm_reset();
	if (dm_io_register(DM_PIO, DM_PM1A_EVT_PORT, DM_PM1A_EVT_LEN,
			   &evt_ops, NULL, "pm1a_evt") ||
	    dm_io_register(DM_PIO, DM_PM1A_CNT_PORT, DM_PM1A_CNT_LEN,
			   &cnt_ops, NULL, "pm1a_cnt") ||
	    dm_io_register(DM_PIO, DM_PM_TMR_PORT, DM_PM_TMR_LEN, &tmr_ops,
			   NULL, "pm_tmr") ||
	    dm_io_register(DM_PIO, DM_RESET_PORT, 1, &reset_ops, NULL,
			   "reset") ||
	    dm_io_register(DM_PIO, DM_KBC_PORT, 1, &reset_ops, NULL, "kbc"))
		return dm_fail(err, "power management ports taken");
	return 0;
}
