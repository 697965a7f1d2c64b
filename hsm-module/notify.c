// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: the hypervisor's notification PCI function.
 *
 * A stock kernel has no ACRN callback vector (CONFIG_ACRN_GUEST), so the
 * hypervisor presents a virtual PCI function on bus 0 of the Service VM
 * (vendor ISLET_NOTIFY_PCI_VENDOR, device ISLET_NOTIFY_PCI_DEVICE, no BARs,
 * one MSI) and signals pending I/O requests by delivering its MSI.  This
 * driver binds to it and hands each interrupt to ioreq.c.  Without the
 * function the module cannot serve User VMs, so it does not load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <islet/hypercall.h>

#include "islet_drv.h"

/*
 * The bound function, and why the last probe failed: read by
 * hsm_notify_register() after pci_register_driver(), which probes the
 * devices present synchronously (PROBE_FORCE_SYNCHRONOUS).
 */
static struct pci_dev *notify_pdev;
static int notify_probe_err;

static irqreturn_t hsm_notify_irq(int irq, void *data)
{
	hsm_ioreq_notify();
	return IRQ_HANDLED;
}

/*
 * Everything is device-managed: on unbind the IRQ is freed, then the MSI
 * vector, then the device is disabled (bus mastering off, after which the
 * hypervisor sends nothing).
 */
static int hsm_notify_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	if (notify_pdev)	/* the hypervisor presents one */
		return -EBUSY;
	ret = pcim_enable_device(pdev);
	if (ret)
		goto fail;
	/* An MSI is a memory write: the hypervisor, like a device, sends
	 * none without bus mastering. */
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		goto fail;
	ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0),
			       hsm_notify_irq, 0, KBUILD_MODNAME, pdev);
	if (ret)
		goto fail;
	notify_pdev = pdev;
	return 0;

fail:
	notify_probe_err = ret;
	dev_err(&pdev->dev, "cannot set up the notification MSI (error %d)\n", ret);
	return ret;
}

static void hsm_notify_remove(struct pci_dev *pdev)
{
	if (pdev == notify_pdev)
		notify_pdev = NULL;
}

static const struct pci_device_id hsm_notify_ids[] = {
	{ PCI_DEVICE(ISLET_NOTIFY_PCI_VENDOR, ISLET_NOTIFY_PCI_DEVICE) },
	{ }
};
/*
 * Only Islet presents the function, so udev may load the module when it
 * appears (a DKMS install then needs no modules-load.d entry); detect.c
 * still decides.
 */
MODULE_DEVICE_TABLE(pci, hsm_notify_ids);

static struct pci_driver hsm_notify_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= hsm_notify_ids,
	.probe		= hsm_notify_probe,
	.remove		= hsm_notify_remove,
	.driver		= {
		.probe_type	= PROBE_FORCE_SYNCHRONOUS,
	},
};

int hsm_notify_register(void)
{
	int ret;

	notify_probe_err = 0;
	ret = pci_register_driver(&hsm_notify_driver);
	if (ret) {
		pr_err("cannot register the notification device's driver (error %d)\n",
		       ret);
		return ret;
	}
	if (notify_pdev)
		return 0;
	pci_unregister_driver(&hsm_notify_driver);
	if (notify_probe_err)	/* the probe said why, with the device's name */
		pr_err("the hypervisor's notification device (PCI %04x:%04x) cannot be used (error %d)\n",
		       ISLET_NOTIFY_PCI_VENDOR, ISLET_NOTIFY_PCI_DEVICE,
		       notify_probe_err);
	else
		pr_err("the hypervisor's notification device (PCI %04x:%04x) is missing\n",
		       ISLET_NOTIFY_PCI_VENDOR, ISLET_NOTIFY_PCI_DEVICE);
	return -ENODEV;
}

void hsm_notify_unregister(void)
{
	pci_unregister_driver(&hsm_notify_driver);
}
