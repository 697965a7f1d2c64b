// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's LPC (ISA) bridge function, device type "lpc" (pci.h): the
 * PCI face of the ISA bus, with the ids of the PIIX3's ISA function that
 * OSes and OVMF expect beside an i440FX host bridge.  The ISA devices
 * behind it (COM1/COM2 in lpc.c, PM and reset in pm.c) are registered at
 * their fixed ports on their own and do not depend on this function.
 *
 * PIRQA-D route registers (0x60-0x63) read back what firmware writes, so
 * that it finds a PIIX3 there; interrupts do not follow them: INTx goes to
 * the fixed GSIs of the DSDT's _PRT (pci.h).
 */
#include "pci.h"

#define LPC_VENDOR	0x8086	/* Intel */
#define LPC_DEVICE	0x7000	/* PIIX3 PCI-to-ISA bridge */
#define LPC_CLASS	0x060100	/* bridge, ISA */
#define LPC_PIRQ_ROUTE	0x60
#define PIRQ_DISABLED	0x80	/* the PIIX3's reset value */

static int lpc_init(struct dm_pci_dev *d, const char *conf,
		    struct dm_error *err)
{
	if (conf[0])
		return dm_fail(err, "takes no options (\"%s\")", conf);
	dm_pci_set_ids(d, LPC_VENDOR, LPC_DEVICE, LPC_CLASS, 0, 0, 0);
	for (unsigned int i = 0; i < 4; i++) {
		d->cfg[LPC_PIRQ_ROUTE + i] = PIRQ_DISABLED;
		d->wmask[LPC_PIRQ_ROUTE + i] = 0x8f;
	}
	return 0;
}

static const struct dm_pci_ops lpc_ops = {
	.name = "lpc",
	.init = lpc_init,
};
DM_PCI_DEVICE(lpc_ops);
