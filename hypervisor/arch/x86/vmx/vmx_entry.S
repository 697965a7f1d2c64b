/* VM entry and exit.  vmx_enter(regs, launched) saves the host's
 * callee-saved registers and the regs pointer on its stack, points
 * HOST_RSP there, loads the guest's registers and enters.  A VM exit lands
 * on vmx_exit_entry with that stack: the guest's registers are stored back
 * and vmx_enter returns 0.  If the entry instruction itself fails it
 * returns 1. */

#define VMCS_HOST_RSP	0x6c14
#define R(n)	(n * 8)

	.text
	.globl vmx_enter
vmx_enter:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* regs, for the exit path */
	movl	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	2f
	testb	%sil, %sil		/* launched?  Flags survive the moves. */
	movq	R(0)(%rdi), %rax
	movq	R(1)(%rdi), %rcx
	movq	R(2)(%rdi), %rdx
	movq	R(3)(%rdi), %rbx
	movq	R(5)(%rdi), %rbp
	movq	R(6)(%rdi), %rsi
	movq	R(8)(%rdi), %r8
	movq	R(9)(%rdi), %r9
	movq	R(10)(%rdi), %r10
	movq	R(11)(%rdi), %r11
	movq	R(12)(%rdi), %r12
	movq	R(13)(%rdi), %r13
	movq	R(14)(%rdi), %r14
	movq	R(15)(%rdi), %r15
	movq	R(7)(%rdi), %rdi
	jz	1f
	vmresume
	jmp	2f
1:	vmlaunch
2:	/* VMfail: nothing of the guest was loaded into the CPU state that
	 * matters; drop the regs pointer and report failure. */
	addq	$8, %rsp
	movl	$1, %eax
	jmp	3f

	.globl vmx_exit_entry
vmx_exit_entry:
	pushq	%rdi			/* guest rdi */
	movq	8(%rsp), %rdi		/* regs */
	movq	%rax, R(0)(%rdi)
	movq	%rcx, R(1)(%rdi)
	movq	%rdx, R(2)(%rdi)
	movq	%rbx, R(3)(%rdi)
	movq	%rbp, R(5)(%rdi)
	movq	%rsi, R(6)(%rdi)
	movq	%r8, R(8)(%rdi)
	movq	%r9, R(9)(%rdi)
	movq	%r10, R(10)(%rdi)
	movq	%r11, R(11)(%rdi)
	movq	%r12, R(12)(%rdi)
	movq	%r13, R(13)(%rdi)
	movq	%r14, R(14)(%rdi)
	movq	%r15, R(15)(%rdi)
	popq	%rax
	movq	%rax, R(7)(%rdi)
	addq	$8, %rsp
	xorl	%eax, %eax
3:	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
