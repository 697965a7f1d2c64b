// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the ACPI fixed-hardware power management registers and the
 * ways a guest resets the machine (hw.h).  Ports, as the FADT will give
 * them (ACRN's values):
 *   0x400  PM1a_EVT: status (2 bytes, write 1 to clear), enable (2 bytes)
 *   0x404  PM1a_CNT: SCI_EN reads 1 (there is no SMI to switch modes);
 *          SLP_EN with SLP_TYP 5 (S5) powers off.  The hypervisor writes
 *          the same value here when it stops a VM (a triple fault).
 *   0x408  PM_TMR: the 3.579545 MHz ACPI timer, 32 bits wide
 *   0xcf9  reset control: RST_CPU (bit 2) resets the machine
 *   0x64   keyboard controller: command 0xfe pulses the reset line;
 *          status reads 0 (nothing to read, ready for input)
 */
#include <pthread.h>
#include <time.h>

#include <islet/hypercall.h>

#include "dm.h"
#include "hw.h"

#define PM1A_EVT	0x400
#define PM1A_CNT	ISLET_VM_PM1A_CNT_PORT
#define PM_TMR		0x408
#define RESET_CONTROL	0xcf9
#define KBC_CMD		0x64

#define PM1_CNT_SCI_EN	0x0001
#define PM1_CNT_SLP_TYP	0x1c00
#define PM_TMR_HZ	3579545ULL
#define RST_CPU		0x04
#define KBC_PULSE_RESET	0xfe

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t pm1_sts, pm1_en, pm1_cnt = PM1_CNT_SCI_EN;

static void evt_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	uint32_t both;

	pthread_mutex_lock(&lock);
	both = pm1_sts | ((uint32_t)pm1_en << 16);
	pthread_mutex_unlock(&lock);
	*value = both >> ((addr - PM1A_EVT) * 8);
}

static void evt_write(void *dev, uint64_t addr, unsigned int size,
		      uint64_t value)
{
	unsigned int off = (unsigned int)(addr - PM1A_EVT);
	uint32_t v = (uint32_t)value << (off * 8);
	uint32_t mask = (size >= 4 ? ~0U : ((1U << (size * 8)) - 1))
			<< (off * 8);

	pthread_mutex_lock(&lock);
	pm1_sts &= (uint16_t)~(v & mask);	/* write 1 to clear */
	if (mask >> 16)
		pm1_en = (uint16_t)((pm1_en & ~(mask >> 16)) | (v >> 16));
	pthread_mutex_unlock(&lock);
}

static void cnt_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	pthread_mutex_lock(&lock);
	*value = pm1_cnt >> ((addr - PM1A_CNT) * 8);
	pthread_mutex_unlock(&lock);
}

static void cnt_write(void *dev, uint64_t addr, unsigned int size,
		      uint64_t value)
{
	uint16_t v = (uint16_t)(value << ((addr - PM1A_CNT) * 8));

	if (size != 2 || addr != PM1A_CNT)
		return;		/* the register is written whole */
	if ((v & ISLET_VM_PM1A_SLP_EN) &&
	    (v & PM1_CNT_SLP_TYP) == ISLET_VM_PM1A_SLP_TYP_S5) {
		dm_request(DM_REQ_POWEROFF, 0);
		return;
	}
	/* SLP_EN is write-only; SCI_EN stays set. */
	pthread_mutex_lock(&lock);
	pm1_cnt = (uint16_t)((v & ~ISLET_VM_PM1A_SLP_EN) | PM1_CNT_SCI_EN);
	pthread_mutex_unlock(&lock);
}

static void tmr_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	struct timespec ts;
	unsigned __int128 ticks;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ticks = ((unsigned __int128)ts.tv_sec * 1000000000ULL + ts.tv_nsec) *
		PM_TMR_HZ / 1000000000ULL;
	*value = (uint32_t)(ticks >> ((addr - PM_TMR) * 8));
}

static void reset_read(void *dev, uint64_t addr, unsigned int size,
		       uint64_t *value)
{
	*value = 0;
}

static void reset_write(void *dev, uint64_t addr, unsigned int size,
			uint64_t value)
{
	if (addr == RESET_CONTROL && (value & RST_CPU))
		dm_request(DM_REQ_RESET, 0);
	else if (addr == KBC_CMD && (value & 0xff) == KBC_PULSE_RESET)
		dm_request(DM_REQ_RESET, 0);
}

static const struct dm_io_ops evt_ops = { evt_read, evt_write };
static const struct dm_io_ops cnt_ops = { cnt_read, cnt_write };
static const struct dm_io_ops tmr_ops = { tmr_read, NULL };
static const struct dm_io_ops reset_ops = { reset_read, reset_write };

void dm_pm_reset(void)
{
	pthread_mutex_lock(&lock);
	pm1_sts = pm1_en = 0;
	pm1_cnt = PM1_CNT_SCI_EN;
	pthread_mutex_unlock(&lock);
}

int dm_pm_init(const struct dm_config *cfg, struct dm_error *err)
{
	dm_pm_reset();
	if (dm_io_register(DM_PIO, PM1A_EVT, 4, &evt_ops, NULL, "pm1a_evt") ||
	    dm_io_register(DM_PIO, PM1A_CNT, 2, &cnt_ops, NULL, "pm1a_cnt") ||
	    dm_io_register(DM_PIO, PM_TMR, 4, &tmr_ops, NULL, "pm_tmr") ||
	    dm_io_register(DM_PIO, RESET_CONTROL, 1, &reset_ops, NULL,
			   "reset") ||
	    dm_io_register(DM_PIO, KBC_CMD, 1, &reset_ops, NULL, "kbc"))
		return dm_fail(err, "power management ports taken");
	return 0;
}
