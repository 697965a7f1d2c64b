/* SPDX-License-Identifier: GPL-2.0 */
/*
 * islet_hsm: what the files of the module share.
 *
 *   hsm.c        the module, /dev/acrn_hsm: open/release, ioctl dispatch
 *   detect.c     is this the Islet Service VM, and which hypervisor API
 *   cpu.c        sysfs remove_cpu: the Service VM gives up a CPU
 *   hypercall.h  the vmcall wrappers, one per hypercall used
 */
#ifndef ISLET_DRV_H
#define ISLET_DRV_H

#include <linux/mutex.h>
#include <linux/types.h>

/*
 * The life of the VM behind one open file of /dev/acrn_hsm.  Each open()
 * is one VM; CREATE_VM makes it exist in the hypervisor, the last close()
 * destroys it.  The states after HSM_VM_NONE come with the VM ioctls.
 */
enum hsm_vm_state {
	HSM_VM_NONE,		/* opened; no CREATE_VM yet */
};

/* One per open file (file->private_data). */
struct hsm_vm {
	struct mutex lock;	/* serialises the ioctls that change the VM */
	enum hsm_vm_state state;
};

struct attribute_group;
struct hc_api_version;

int islet_detect(struct hc_api_version *version);

/* cpu.c: the misc device's sysfs attributes (remove_cpu). */
extern const struct attribute_group *hsm_attr_groups[];

#endif /* ISLET_DRV_H */
