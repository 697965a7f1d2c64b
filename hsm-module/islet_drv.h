/* SPDX-License-Identifier: GPL-2.0 */
/*
 * islet_hsm: what the files of the module share.
 *
 *   hsm.c        the module, /dev/acrn_hsm: open/release, ioctl dispatch
 *   detect.c     is this the Islet Service VM, and which hypervisor API
 *   vm.c         the VM life cycle: create, destroy
 *   cpu.c        sysfs remove_cpu: the Service VM gives up a CPU
 *   hypercall.h  the vmcall wrappers, one per hypercall used
 */
#ifndef ISLET_DRV_H
#define ISLET_DRV_H

#include <linux/mutex.h>
#include <linux/types.h>

/*
 * The life of the VM behind one open file of /dev/acrn_hsm.  Each open()
 * is one VM; CREATE_VM makes it exist in the hypervisor, DESTROY_VM or the
 * last close() destroys it, and the file may then create another.
 */
enum hsm_vm_state {
	HSM_VM_NONE,		/* no VM in the hypervisor: opened or destroyed */
	HSM_VM_CREATED,		/* CREATE_VM succeeded: vmid is the VM's */
};

/* One per open file (file->private_data). */
struct hsm_vm {
	struct mutex lock;	/* serialises the ioctls that change the VM */
	enum hsm_vm_state state;
	/* Valid in HSM_VM_CREATED only: what HC_CREATE_VM answered. */
	u16 vmid;
	u16 vcpu_num;
};

struct attribute_group;
struct hc_api_version;
struct islet_vm_creation;

int islet_detect(struct hc_api_version *version);

/* vm.c; the caller holds vm->lock. */
int hsm_vm_create(struct hsm_vm *vm, struct islet_vm_creation *param);
int hsm_vm_destroy(struct hsm_vm *vm);

/* cpu.c: the misc device's sysfs attributes (remove_cpu). */
extern const struct attribute_group *hsm_attr_groups[];

#endif /* ISLET_DRV_H */
