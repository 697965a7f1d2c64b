/* SPDX-License-Identifier: GPL-2.0 */
/*
 * islet_hsm: what the files of the module share.
 *
 *   hsm.c        the module, /dev/acrn_hsm: open/release, ioctl dispatch
 *   detect.c     is this the Islet Service VM, and which hypervisor API
 *   vm.c         the VM life cycle: create, destroy
 *   cpu.c        sysfs remove_cpu: the Service VM gives up a CPU
 *   mm.c         guest memory: SET_MEMSEG/UNSET_MEMSEG, pinning
 *   ioreq.c      the I/O request page, ioreq clients, dispatch, 0xCF8/0xCFC
 *   ioeventfd.c  IOEVENTFD: writes completed in the kernel
 *   irqfd.c      IRQFD, INJECT_MSI, SET_IRQLINE
 *   notify.c     the hypervisor's notification PCI function and its MSI
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

struct hsm_mm;
struct hsm_ioreq;
struct hsm_ioeventfds;
struct hsm_irqfds;

/*
 * One per open file (file->private_data).  Each part of the module keeps
 * its state behind its own pointer, defined in its own file; NULL until
 * that part is first used.  The pointed-to memory lives until the file's
 * release (hsm_*_free()), since another thread of the process may still be
 * inside an ioctl of the file when DESTROY_VM runs.
 */
struct hsm_vm {
	struct mutex lock;	/* serialises the ioctls that change the VM */
	enum hsm_vm_state state;
	/* Valid in HSM_VM_CREATED only: what HC_CREATE_VM answered. */
	u16 vmid;
	u16 vcpu_num;

	struct hsm_mm *mm;		/* mm.c */
	struct hsm_ioreq *ioreq;	/* ioreq.c */
	struct hsm_ioeventfds *ioeventfds;	/* ioeventfd.c */
	struct hsm_irqfds *irqfds;	/* irqfd.c */
};

struct attribute_group;
struct hc_api_version;
struct islet_vm_creation;

int islet_detect(struct hc_api_version *version);

/* vm.c; the caller holds vm->lock. */
int hsm_vm_create(struct hsm_vm *vm, struct islet_vm_creation *param);
int hsm_vm_destroy(struct hsm_vm *vm);

/*
 * The ioctls, each with its own helper, called without vm->lock (each
 * takes what it needs; none sleeps for a guest with vm->lock held).
 * Every ioctl but CREATE_VM answers -EINVAL on a file without a VM.
 */
long hsm_ioctl_start_vm(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_pause_vm(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_reset_vm(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_set_vcpu_regs(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_pm_get_cpu_state(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_set_memseg(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_unset_memseg(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_create_ioreq_client(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_attach_ioreq_client(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_attach_ioreq_vcpu(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_destroy_ioreq_client(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_clear_vm_ioreq(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_notify_request_finish(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_ioeventfd(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_irqfd(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_inject_msi(struct hsm_vm *vm, unsigned long arg);
long hsm_ioctl_set_irqline(struct hsm_vm *vm, unsigned long arg);

/*
 * The parts' hooks into the VM life cycle (vm.c calls them with vm->lock
 * held).  Create: HC_CREATE_VM, then hsm_ioreq_init() (its failure
 * destroys the VM).  Destroy: hsm_ioreq_shutdown() (no new dispatch to
 * the VM, clients woken: ATTACH returns -ENODEV), HC_DESTROY_VM (the
 * vCPUs are stopped and the EPT gone: nothing reaches the pages any
 * more), then hsm_irqfd_release(), hsm_ioeventfd_release(),
 * hsm_ioreq_release() and hsm_mm_release(), which unpin and free what the
 * VM held.  Release of the file: destroy if needed, then the hsm_*_free()
 * of each part, when no ioctl of the file can be running.
 */
int hsm_ioreq_init(struct hsm_vm *vm, u64 ioreq_buf_uaddr);
void hsm_ioreq_shutdown(struct hsm_vm *vm);
void hsm_ioreq_release(struct hsm_vm *vm);
void hsm_ioeventfd_release(struct hsm_vm *vm);
void hsm_irqfd_release(struct hsm_vm *vm);
void hsm_mm_release(struct hsm_vm *vm);
void hsm_ioreq_free(struct hsm_vm *vm);
void hsm_ioeventfd_free(struct hsm_vm *vm);
void hsm_irqfd_free(struct hsm_vm *vm);
void hsm_mm_free(struct hsm_vm *vm);

/* ioreq.c: requests are pending somewhere (notify.c's interrupt handler,
 * hard-IRQ context). */
void hsm_ioreq_notify(void);

/* notify.c: bind the hypervisor's notification PCI function (module init,
 * which fails with the error if the function is missing) and unbind. */
int hsm_notify_register(void);
void hsm_notify_unregister(void);

/* cpu.c: the misc device's sysfs attributes (remove_cpu). */
extern const struct attribute_group *hsm_attr_groups[];

#endif /* ISLET_DRV_H */
