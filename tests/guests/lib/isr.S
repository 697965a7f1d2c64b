/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 256 interrupt stubs (ISR_STUB_SIZE bytes each, so desc.c finds
 * stub n at isr_stubs + 16 * n) and their common part, which saves the
 * registers as struct ex_regs (desc.h), calls handle_interrupt() and
 * returns with what the handler left there.  And catch_call()'s frame.
 */
	.text
	.altmacro
	.macro stub n
	.balign 16
	/* Vectors with an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC,
	 * #CP, #VC, #SX.  The others push a 0 in its place. */
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp isr_common
	.endm

	.balign 16
	.globl isr_stubs
isr_stubs:
	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

isr_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/* 5 words of the CPU, 2 of the stub, 15 here: the CPU aligned the
	 * frame to 16 bytes, so the call is aligned too. */
	movq %rsp, %rdi
	cld
	call handle_interrupt
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * u64 catch_enter(fn, arg, rsp_slot): saves the callee-saved registers,
 * stores the stack pointer in *rsp_slot, calls fn(arg) and returns 0
 * (-1 as u64 means "no exception" to the caller: it returns ~0).  An
 * exception handler that wants to unwind sets RSP to *rsp_slot, RIP to
 * catch_resume and RAX to the vector.
 */
	.globl catch_enter, catch_resume
catch_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdx)
	movq %rdi, %rax
	movq %rsi, %rdi
	subq $8, %rsp			/* 16-byte aligned at the call */
	call *%rax
	addq $8, %rsp
	movq $-1, %rax
catch_resume:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
