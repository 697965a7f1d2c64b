/* Exception entry stubs: normalize the frame (vector and an error code,
 * zero when the CPU pushes none), save the registers and call the fault
 * handler, which either reports and halts or resumes at a fixup. */

.macro ISR vec, has_err
	.balign 16
isr_\vec:
	.if \has_err == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
.endm

	.text
	ISR 0, 0
	ISR 1, 0
	ISR 3, 0
	ISR 4, 0
	ISR 5, 0
	ISR 6, 0
	ISR 7, 0
	ISR 8, 1
	ISR 9, 0
	ISR 10, 1
	ISR 11, 1
	ISR 12, 1
	ISR 13, 1
	ISR 14, 1
	ISR 15, 0
	ISR 16, 0
	ISR 17, 1
	ISR 18, 0
	ISR 19, 0
	ISR 20, 0
	ISR 21, 1
	ISR 22, 0
	ISR 23, 0
	ISR 24, 0
	ISR 25, 0
	ISR 26, 0
	ISR 27, 0
	ISR 28, 0
	ISR 29, 1
	ISR 30, 1
	ISR 31, 0

/* An NMI while the CPU is in the hypervisor (in a guest, NMIs exit): not
 * a fault.  Noted for the Service VM (hv_nmi) and returned from; the
 * caller-saved registers are all C can clobber.  It runs on the IST stack
 * (16-byte aligned, 5 words pushed by the CPU, 9 here: aligned again). */
	.balign 16
isr_2:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	cld
	call	hv_nmi
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	fault_handler		/* returns only for a fixed-up fault */
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector, error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr
