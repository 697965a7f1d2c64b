/* Reports of stopped vCPUs and the names of exit reasons. */
#include "printk.h"
#include "vcpu_vendor.h"
#include "vmx.h"
#include <asm/vmcs.h>

static const char *const exit_names[NR_EXIT_REASONS] = {
	[0] = "exception/NMI", [1] = "external interrupt",
	[2] = "triple fault", [3] = "INIT", [4] = "SIPI",
	[7] = "interrupt window", [8] = "NMI window", [9] = "task switch",
	[10] = "CPUID", [11] = "GETSEC", [12] = "HLT", [13] = "INVD",
	[14] = "INVLPG", [15] = "RDPMC", [16] = "RDTSC", [18] = "VMCALL",
	[19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD",
	[22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME",
	[25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON",
	[28] = "CR access", [29] = "DR access", [30] = "I/O",
	[31] = "RDMSR", [32] = "WRMSR", [33] = "entry: invalid guest state",
	[34] = "entry: MSR loading", [36] = "MWAIT", [37] = "MTF",
	[39] = "MONITOR", [40] = "PAUSE", [41] = "entry: machine check",
	[43] = "TPR below threshold", [44] = "APIC access",
	[45] = "virtualized EOI", [46] = "GDTR/IDTR access",
	[47] = "LDTR/TR access", [48] = "EPT violation",
	[49] = "EPT misconfiguration", [50] = "INVEPT", [51] = "RDTSCP",
	[52] = "preemption timer", [53] = "INVVPID", [54] = "WBINVD",
	[55] = "XSETBV", [56] = "APIC write", [57] = "RDRAND",
	[58] = "INVPCID", [59] = "VMFUNC", [61] = "RDSEED",
	[62] = "PML full", [63] = "XSAVES", [64] = "XRSTORS",
};

const char *vendor_exit_name(u32 r)
{
	if (r < NR_EXIT_REASONS && exit_names[r])
		return exit_names[r];
	return "unknown";
}

void vmx_report(struct vcpu *vcpu, const char *why, u32 reason)
{
	const struct guest_regs *r = &vcpu->regs;

	printk("islet: %s: %s vCPU %u: ", why, vcpu->vm->name, vcpu->id);
	if (reason == ~0U)
		printk("VM-instruction error %u\n", vmcs_read32(VMCS_INSTR_ERROR));
	else
		printk("exit reason %u (%s), qualification 0x%lx\n", reason,
		       vendor_exit_name(reason),
		       vmcs_readnat(VMCS_EXIT_QUALIFICATION));
	printk("  rip %016lx rsp %016lx rflags %08lx cs %04x cpl %u\n",
	       vmcs_readnat(VMCS_GUEST_RIP), vmcs_readnat(VMCS_GUEST_RSP),
	       vmcs_readnat(VMCS_GUEST_RFLAGS), vmcs_read16(VMCS_GUEST_CS_SEL),
	       (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3);
	printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
	       r->rax, r->rbx, r->rcx, r->rdx);
	printk("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n",
	       r->rsi, r->rdi, r->rbp, r->r8);
	printk("  cr0 %lx cr3 %lx cr4 %lx efer %lx gpa %lx\n",
	       vmcs_readnat(VMCS_GUEST_CR0), vmcs_readnat(VMCS_GUEST_CR3),
	       vmcs_readnat(VMCS_GUEST_CR4), vmcs_read64(VMCS_GUEST_IA32_EFER),
	       vmcs_read64(VMCS_GUEST_PHYS_ADDR));
}
