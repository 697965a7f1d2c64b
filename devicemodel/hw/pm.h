/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's ACPI fixed hardware (pm.c): where its registers are and what
 * their bits mean.  Shared by the emulation (pm.c) and the FADT that
 * tells the guest about them (acpi.c), so that the two cannot drift.
 */
#ifndef DM_PM_H
#define DM_PM_H

#include <islet/hypercall.h>

#define DM_PM1A_EVT_PORT	0x400U	/* status (2 bytes), enable (2) */
#define DM_PM1A_EVT_LEN		4U
#define DM_PM1A_CNT_PORT	ISLET_VM_PM1A_CNT_PORT
#define DM_PM1A_CNT_LEN		2U
#define DM_PM_TMR_PORT		0x408U	/* 32 bits wide (TMR_VAL_EXT) */
#define DM_PM_TMR_LEN		4U
#define DM_RESET_PORT		0xcf9U
#define DM_RESET_VALUE		0x06U	/* RST_CPU | SYS_RST */
#define DM_KBC_PORT		0x64U

/* The SCI: GSI 9, level-triggered, active high (the MADT's override). */
#define DM_SCI_GSI		9U

/* PM1 status and enable bits that exist; the others read 0. */
#define DM_PM1_PWRBTN		0x0100U	/* PWRBTN_STS / PWRBTN_EN */
/* Enable bits a guest may set: besides the power button, those ACPICA
 * sets and reads back at start-up (TMR_EN, GBL_EN, RTC_EN); their events
 * never happen here, so they only keep their value. */
#define DM_PM1_EN_WRITABLE	(0x0001U | 0x0020U | DM_PM1_PWRBTN | 0x0400U)

/* PM1 control. */
#define DM_PM1_CNT_SCI_EN	0x0001U
#define DM_PM1_CNT_SLP_TYP	0x1c00U

/*
 * Presses the fixed-feature power button: PWRBTN_STS is set and, while
 * the guest has PWRBTN_EN set, the SCI is raised until the guest clears
 * the status (writing 1 to it).  From any thread.
 */
void dm_pm_power_button(void);

#endif /* DM_PM_H */
