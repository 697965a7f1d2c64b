/* Virtual machines and vCPUs, vendor-neutral.  The vendor code (VMX) is
 * reached through the hooks in vcpu_vendor.h, picked at link time. */
#ifndef ISLET_VM_H
#define ISLET_VM_H

#include "types.h"
#include "paging.h"
#include "e820.h"
#include "spinlock.h"
#include "vlapic.h"
#include "vpic.h"
#include "vioapic.h"
#include "cpu_model.h"
#include <islet/hypercall.h>
#include <islet/ioreq.h>

/* Start-up of a vCPU by its own VM (INIT, then SIPI), arch/x86/vcpu_start.c */
enum {
	VCPU_RUNNING,		/* in the guest, or handling its exits */
	VCPU_WAIT_SIPI,		/* INIT received: held by the hypervisor */
	VCPU_STARTING,		/* SIPI received: about to enter the guest */
	VCPU_GIVEN_UP,		/* its CPU was given up by the Service VM */
};

/* Indexed by the x86 register number (the encoding VM exits report). */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(sizeof(struct guest_regs) == 16 * 8, "regs");

#define NR_EXIT_REASONS	70

struct vm;

struct vcpu {
	struct guest_regs regs;		/* first: the entry code uses it */
	struct vm *vm;
	u32 id;				/* within the VM */
	u32 pcpu;			/* physical CPU it runs on */
	bool launched;
	u32 apic_id;		/* of the physical CPU it runs on */
	u32 start_state;	/* VCPU_* (| vector << 8), atomic: vcpu_start.c */
	u32 icr_high;		/* the guest's last xAPIC ICR high word */
	u32 apic_ldr, apic_dfr;	/* the guest's xAPIC logical destination */
	u32 nmi_pending;	/* an NMI to inject (Service VM), atomic */
	void *vmcs;
	u64 exits[NR_EXIT_REASONS];
	u64 exits_total;

	/* User VM vCPUs (core/user_vm.c, core/user_vcpu.c) */
	u32 run_req;		/* USER_REQ_*, set by the management side */
	u32 run_state;		/* USER_RUN_*, published by the vCPU's CPU */
	u64 ept_gen_seen;	/* the VM's ept_gen this CPU last flushed for */
	bool vmcs_ready;	/* VMCS set up on its CPU since the last reset */
	bool regs_set;		/* init_regs hold the state to start with */
	struct islet_regs init_regs;	/* from HC_SET_VCPU_REGS */
	bool halted;		/* in the hypervisor's HLT loop, atomic */
	u64 tsc_offset;		/* guest TSC = host TSC + tsc_offset */
	struct cpu_model_state model;	/* emulated MSRs (core/cpu_model.c) */
	struct vlapic vlapic;
	/* I/O request round trips, in TSC ticks: the hypervisor's part (exit
	 * to PENDING, COMPLETE to the next entry) and the Service VM's
	 * (PENDING to COMPLETE). */
	u64 t_exit, t_done;
	u64 io_count, io_hv_ticks, io_sv_ticks;
};

/* A port range the hypervisor handles for a VM.  @in true for reads; for
 * reads the handler sets *val.  Returns 0, or a negative errno that stops
 * the VM. */
struct io_handler {
	u16 base, len;
	int (*handle)(struct vcpu *vcpu, u16 port, u8 size, bool in, u32 *val);
};

/* A guest-physical range the hypervisor emulates for a User VM (say the
 * IOAPIC): an access of @size bytes at @offset into it, a write of *@val
 * or a read into *@val.  0, or a negative errno that stops the VM. */
struct mmio_handler {
	u64 base, size;
	int (*handle)(struct vcpu *vcpu, u64 offset, u8 size, bool write,
		      u64 *val);
};

#define VM_MAX_IO_HANDLERS 8
#define VM_MAX_MMIO_HANDLERS 4
#define VM_MAX_VCPUS	8

struct vm {
	const char *name;
	bool privileged;	/* the Service VM */
	struct page_table ept;
	spinlock_t ept_lock;	/* vCPUs on several CPUs may change it */
	u64 eptp;
	u64 phys_top;		/* end of the guest-physical space mapped */
	void *scratch;		/* page that refused accesses land in */
	u64 apic_page;		/* write-protected xAPIC page, 0 if none */
	u8 *msr_bitmap;
	u8 *io_bitmap[2];	/* ports 0-0x7fff, 0x8000-0xffff */
	struct io_handler io[VM_MAX_IO_HANDLERS];
	u32 nr_io;
	struct mmio_handler mmio[VM_MAX_MMIO_HANDLERS];
	u32 nr_mmio;
	struct e820_map e820;
	u32 nr_vcpus;
	u32 nr_given_up;	/* Service VM: CPUs given up for User VMs */
	/* User VMs */
	u16 vmid;
	u32 state;		/* USER_VM_*, atomic */
	struct islet_io_request *ioreq;	/* the request page, NULL if none */
	u64 ept_gen;		/* bumped when mappings go away */
	struct vpic vpic;	/* core/vpic.c */
	struct vioapic vioapic;	/* core/vioapic.c */
	void *apic_access;	/* mapped at 0xfee00000 with APICv, or NULL */
	/* The TSC offset its vCPUs start with (0: not chosen yet; the first
	 * vCPU reset after creation or HC_RESET_VM chooses it, atomic). */
	u64 tsc_base;
	struct vcpu vcpus[VM_MAX_VCPUS];
};

/* User VM states (vm.state) */
enum { USER_VM_FREE, USER_VM_CREATED, USER_VM_RUNNING, USER_VM_PAUSED };
/* vcpu.run_req bits */
#define USER_REQ_STOP		BIT(0)	/* leave the guest and wait */
#define USER_REQ_RELEASE	BIT(1)	/* the VM goes away: drop its VMCS */
#define USER_REQ_RESET		BIT(2)	/* load the initial state before entry */
/* vcpu.run_state */
enum { USER_RUN_IDLE, USER_RUN_IN_GUEST, USER_RUN_STOPPED, USER_RUN_RELEASED };

/* Register a port range handled by the hypervisor (sets its I/O bitmap
 * bits).  -ENOSPC when the table is full, -EINVAL for an empty range. */
int vm_register_io(struct vm *vm, u16 base, u16 len,
		   int (*handle)(struct vcpu *, u16, u8, bool, u32 *));

/* Register an emulated MMIO range (User VMs; ranges must not overlap).
 * -ENOSPC when the table is full, -EINVAL for an empty range. */
int vm_register_mmio(struct vm *vm, u64 base, u64 size,
		     int (*handle)(struct vcpu *, u64, u8, bool, u64 *));
/* The handler covering [gpa, gpa + size), or NULL. */
const struct mmio_handler *vm_find_mmio(const struct vm *vm, u64 gpa, u8 size);
/* Does [gpa, gpa + size) touch a range the hypervisor emulates? */
bool vm_mmio_overlaps(const struct vm *vm, u64 gpa, u64 size);

/* Copy to/from guest-physical memory through the VM's EPT, so only memory
 * the VM owns is reachable.  -EFAULT if any byte is unmapped or (for
 * writes) read-only. */
int gpa_read(struct vm *vm, u64 gpa, void *dst, u64 len);
int gpa_write(struct vm *vm, u64 gpa, const void *src, u64 len);

/* User VM slots (core/user_vm.c): HC_CREATE_VM and HC_DESTROY_VM. */
s64 hc_create_vm(struct vcpu *vcpu, u64 gpa, u64 unused);
s64 hc_destroy_vm(struct vcpu *vcpu, u64 vmid, u64 unused);
/* The Service VM's vCPU of physical CPU @pcpu if that CPU was given up,
 * else NULL. */
struct vcpu *service_vm_given_up_cpu(u32 pcpu);

/* Hypercalls (core/hypercall.c), after the exit handler has checked the
 * caller is the Service VM at CPL 0.  Returns the value for RAX. */
s64 hypercall_dispatch(struct vcpu *vcpu, u64 id, u64 arg1, u64 arg2);

/* A guest's INIT or SIPI to one of its own vCPUs: 0, or -EPERM for a
 * given-up vCPU (which nothing starts again). */
int vcpu_send_init(struct vcpu *target);
int vcpu_send_sipi(struct vcpu *target, u8 vector);
/* Take a Service VM vCPU's CPU away from it for good: 0, or -EBUSY when
 * already given up.  A running vCPU is stopped first. */
int vcpu_give_up(struct vcpu *target);
bool vcpu_given_up(struct vcpu *v);
/* Asked to stop (INIT, give-up): checked by its CPU before each VM entry,
 * so inline (vcpu_start.c owns the state). */
static inline bool vcpu_must_stop(struct vcpu *v)
{
	return __atomic_load_n(&v->start_state, __ATOMIC_ACQUIRE) != VCPU_RUNNING;
}
/* An NMI reached the hypervisor on the CPU with local APIC id @apic_id:
 * it is the Service VM's, delivered at that vCPU's next VM entry. */
void service_vm_nmi_arrived(u32 apic_id);
/* On the vCPU's own CPU, after an INIT: hold it until a SIPI comes and
 * return the SIPI's vector, or -EPERM once the vCPU is given up (its CPU
 * then runs User VMs: user_cpu_loop). */
int vcpu_wait_for_sipi(struct vcpu *vcpu);

/* A CPU the Service VM gave up: run the User VM vCPUs assigned to it,
 * forever (core/user_vcpu.c). */
__noreturn void user_cpu_loop(u32 pcpu);

/* Fetch the instruction at the vCPU's RIP (up to 15 bytes; fewer where
 * the next page is not mapped).  Returns the byte count or -EFAULT. */
int vcpu_fetch_insn(struct vcpu *vcpu, u8 *buf);

/* A Service VM write to its (write-protected) local APIC page. */
int service_vm_apic_write(struct vcpu *vcpu, u64 gpa);
/* A Service VM write to the x2APIC ICR or to IA32_APIC_BASE. */
int service_vm_icr_write(struct vcpu *vcpu, u64 icr);

/* Print exit counts by reason. */
void vcpu_print_exit_stats(const struct vcpu *vcpu);

/* The Service VM (core/service_vm.c). */
struct boot_info;
__noreturn void service_vm_start(const struct boot_info *bi);
void service_vm_platform_event(struct vcpu *vcpu, const char *what);
void platform_reset(void);

#endif
