/* Virtual machines and vCPUs, vendor-neutral.  The vendor code (VMX) is
 * reached through the hooks in vcpu_vendor.h, picked at link time. */
#ifndef ISLET_VM_H
#define ISLET_VM_H

#include "types.h"
#include "paging.h"
#include "e820.h"

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
	void *vmcs;
	u64 exits[NR_EXIT_REASONS];
	u64 exits_total;
};

/* A port range the hypervisor handles for a VM.  @in true for reads; for
 * reads the handler sets *val.  Returns 0, or a negative errno that stops
 * the VM. */
struct io_handler {
	u16 base, len;
	int (*handle)(struct vcpu *vcpu, u16 port, u8 size, bool in, u32 *val);
};

#define VM_MAX_IO_HANDLERS 8
#define VM_MAX_VCPUS	8

struct vm {
	const char *name;
	bool privileged;	/* the Service VM */
	struct page_table ept;
	u64 eptp;
	u64 phys_top;		/* end of the guest-physical space mapped */
	void *scratch;		/* page that refused accesses land in */
	u8 *msr_bitmap;
	u8 *io_bitmap[2];	/* ports 0-0x7fff, 0x8000-0xffff */
	struct io_handler io[VM_MAX_IO_HANDLERS];
	u32 nr_io;
	struct e820_map e820;
	u32 nr_vcpus;
	struct vcpu vcpus[VM_MAX_VCPUS];
};

/* Register a port range handled by the hypervisor (sets its I/O bitmap
 * bits).  -ENOSPC when the table is full, -EINVAL for an empty range. */
int vm_register_io(struct vm *vm, u16 base, u16 len,
		   int (*handle)(struct vcpu *, u16, u8, bool, u32 *));

/* Copy to/from guest-physical memory through the VM's EPT, so only memory
 * the VM owns is reachable.  -EFAULT if any byte is unmapped or (for
 * writes) read-only. */
int gpa_read(struct vm *vm, u64 gpa, void *dst, u64 len);
int gpa_write(struct vm *vm, u64 gpa, const void *src, u64 len);

/* Hypercalls (core/hypercall.c), after the exit handler has checked the
 * caller is the Service VM at CPL 0.  Returns the value for RAX. */
s64 hypercall_dispatch(struct vcpu *vcpu, u64 id, u64 arg1, u64 arg2);

/* Print exit counts by reason. */
void vcpu_print_exit_stats(const struct vcpu *vcpu);

/* The Service VM (core/service_vm.c). */
struct boot_info;
__noreturn void service_vm_start(const struct boot_info *bi);
void service_vm_platform_event(struct vcpu *vcpu, const char *what);
void platform_reset(void);

#endif
