// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: the Service VM gives up a CPU for User VMs.
 *
 * /sys/devices/virtual/misc/acrn_hsm/remove_cpu, write-only (0200), as
 * upstream's HSM has it: writing a Linux CPU number N
 *   1. takes CPU N offline in Linux if it is online (remove_cpu(N)),
 *   2. gives it to the hypervisor: HC_SERVICE_VM_OFFLINE_CPU with its local
 *      APIC id.  From then on the hypervisor refuses to start it again for
 *      the Service VM (INIT/SIPI) and runs User VM vCPUs there;
 *   3. if the hypervisor refuses, brings the CPU back online, but only if
 *      step 1 took it down: a CPU that was already offline stays offline.
 * The write returns the length written, or:
 *   EINVAL      not a number; CPU 0; a number >= nr_cpu_ids; a CPU that is
 *               not possible or not present; no APIC id known for it;
 *               the hypervisor does not know the APIC id
 *   EBUSY       the hypervisor already has this CPU; or CPU hotplug is
 *               disabled (remove_cpu() failed), or the CPU came back online
 *               in between (a racing write to cpuN/online)
 *   EOPNOTSUPP  the hypervisor lacks the hypercall
 *   others      remove_cpu()'s error
 * Nothing gives a CPU back: the hypervisor keeps it until the machine
 * resets, also across rmmod.
 *
 * Differences from upstream (drivers/virt/acrn/hsm.c), each deliberate:
 *   - upstream calls add_cpu() after any hypercall failure, so a second
 *     write for a CPU the hypervisor already holds starts a 10 s failed
 *     bring-up in Linux; here only a CPU this write took offline comes back;
 *   - upstream ignores remove_cpu()'s result and gives up the CPU anyway;
 *     here its failure fails the write before any hypercall;
 *   - the APIC id is the firmware's enumeration (cpu_physical_id(), set for
 *     every present CPU at boot) rather than cpu_data(N).apicid, which is
 *     the same for a CPU that has ever run but 0 (the boot CPU's) for one
 *     Linux never started (maxcpus=, nosmp);
 *   - writes are serialised, and CPU hotplug is disabled around the
 *     hypercall, so no write to cpuN/online can start the CPU between
 *     step 1 and step 2.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>
#include <asm/apicdef.h>
#include <asm/smp.h>

#include "hypercall.h"
#include "islet_drv.h"

/* One write at a time: each sees the CPU as the previous one left it. */
static DEFINE_MUTEX(hsm_remove_cpu_lock);

/* Steps 2 and 3 (see the top): the CPU is offline in Linux. */
static int hsm_give_up_cpu(unsigned int cpu, u32 apic_id, bool took_down)
{
	long hret;
	int ret;

	/* Holds off cpuN/online (EBUSY) and waits out one in flight. */
	cpu_hotplug_disable();
	if (cpu_online(cpu)) {
		cpu_hotplug_enable();
		return -EBUSY;
	}
	hret = hcall_service_vm_offline_cpu(apic_id);
	cpu_hotplug_enable();
	if (!hret) {
		pr_info("CPU %u (APIC id %u) given to the hypervisor for User VMs\n",
			cpu, apic_id);
		return 0;
	}

	ret = islet_hcall_errno(hret);
	pr_warn("the hypervisor refused CPU %u (APIC id %u): error %ld%s\n",
		cpu, apic_id, hret, took_down ? "; bringing it back online" : "");
	if (took_down && add_cpu(cpu))
		pr_err("CPU %u stays offline: add_cpu() failed\n", cpu);
	return ret;
}

static ssize_t remove_cpu_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	bool took_down = false;
	unsigned int cpu;
	u64 value;
	u32 apic_id;
	int ret;

	if (kstrtou64(buf, 0, &value))
		return -EINVAL;
	/* The boot CPU stays: Linux cannot offline it, Islet will not take it. */
	if (value == 0 || value >= nr_cpu_ids)
		return -EINVAL;
	cpu = value;
	if (!cpu_possible(cpu) || !cpu_present(cpu))
		return -EINVAL;
	apic_id = cpu_physical_id(cpu);
	if (apic_id == BAD_APICID)
		return -EINVAL;

	mutex_lock(&hsm_remove_cpu_lock);
	if (cpu_online(cpu)) {
		ret = remove_cpu(cpu);
		if (ret)
			goto out;
		took_down = true;
	}
	ret = hsm_give_up_cpu(cpu, apic_id, took_down);
out:
	mutex_unlock(&hsm_remove_cpu_lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(remove_cpu);

static struct attribute *hsm_attrs[] = {
	&dev_attr_remove_cpu.attr,
	NULL
};

/* Without CPU hotplug there is no way to take a CPU from Linux. */
static umode_t hsm_attr_visible(struct kobject *kobj, struct attribute *attr,
				int n)
{
	if (attr == &dev_attr_remove_cpu.attr && !IS_ENABLED(CONFIG_HOTPLUG_CPU))
		return 0;
	return attr->mode;
}

static const struct attribute_group hsm_attr_group = {
	.attrs		= hsm_attrs,
	.is_visible	= hsm_attr_visible,
};

/* The misc device's sysfs attributes (hsm.c: hsm_miscdev.groups). */
const struct attribute_group *hsm_attr_groups[] = {
	&hsm_attr_group,
	NULL
};
