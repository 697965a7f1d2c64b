/* AP start-up code.  Copied to TRAMPOLINE_BASE (below 1 MiB) and entered
 * in real mode by the SIPI the boot CPU sends; it switches to long mode on
 * the hypervisor's page tables and jumps to ap_entry64 with the stack the
 * boot CPU left in the parameter block. */
#include "smp.h"

#define T(sym)	(TRAMPOLINE_BASE + ((sym) - trampoline_start))

	.section .rodata
	.code16
	.globl trampoline_start, trampoline_end
trampoline_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	T(tr_gdt_ptr)
	movl	%cr0, %eax
	orl	$0x21, %eax		/* PE, NE */
	movl	%eax, %cr0
	ljmpl	$0x18, $T(tr_32)

	.code32
tr_32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	T(tr_params) + TP_CR3, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x900, %eax		/* LME, NXE */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010000, %eax	/* PG, WP */
	movl	%eax, %cr0
	ljmpl	$0x08, $T(tr_64)

	.code64
tr_64:
	movq	T(tr_params) + TP_STACK, %rsp
	movq	T(tr_params) + TP_ENTRY, %rax
	xorl	%ebp, %ebp
	jmp	*%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00cf9a000000ffff	/* 0x18: 32-bit code */
tr_gdt_ptr:
	.word tr_gdt_ptr - tr_gdt - 1
	.long T(tr_gdt)
	.balign 8
	.globl trampoline_params
trampoline_params:
tr_params:
	.fill TP_SIZE, 1, 0
trampoline_end:
