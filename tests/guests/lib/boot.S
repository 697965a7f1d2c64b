/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start of every guest test kernel: the multiboot v1 header, the 32-bit
 * entry (EAX 0x2BADB002, EBX the info block, flat segments, paging off),
 * an identity map of the first 4 GiB with 2 MiB pages (the last GiB, the
 * MMIO hole, uncached), long mode, and the C start.  The APs come through
 * the real-mode trampoline (copied to SMP_TRAMPOLINE by smp.c) and the
 * same path into long mode, each onto its own stack.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */
#define STACK_SIZE	0x4000
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define MAX_CPUS_ASM	4	/* smp.h MAX_CPUS */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, mb_magic
	movl %ebx, mb_info
	movl $(cpu_stacks + STACK_SIZE), %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories. */
	movl $boot_pdpt, %eax
	orl $3, %eax
	movl %eax, boot_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $3, %eax
	movl %eax, boot_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	/* 2048 PDEs: present, writable, 2 MiB; PCD|PWT from 3 GiB up. */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	cmpl $1536, %ecx
	jb 3f
	orl $0x18, %eax
3:	movl %eax, boot_pd(, %ecx, 8)
	movl %ecx, %edx
	shrl $11, %edx
	movl %edx, boot_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b
	xorl %edi, %edi			/* the BSP */

/* EDI: 0 on the BSP, 1 on an AP; ESP a usable stack (BSP) or none. */
enter_long:
	lgdt gdt_desc
	movl %cr4, %eax
	orl $0x20, %eax			/* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax		/* PG, WP, PE */
	movl %eax, %cr0
	ljmp $SEL_CODE64, $start64

	.code64
start64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	testl %edi, %edi
	jnz 1f
	movq $(cpu_stacks + STACK_SIZE), %rsp
	call guest_start
	jmp halt_forever
	/* An AP: its APIC id (CPUID.1:EBX[31:24]) picks its stack. */
1:	movl $1, %eax
	cpuid
	shrl $24, %ebx
	cmpl $MAX_CPUS_ASM, %ebx
	jae halt_forever
	movl %ebx, %eax
	incl %eax
	shlq $14, %rax			/* * STACK_SIZE */
	addq $cpu_stacks, %rax
	movq %rax, %rsp
	movl %ebx, %edi
	call ap_start
halt_forever:
	cli
	hlt
	jmp halt_forever

/* The AP trampoline, copied to 0x8000: the SIPI starts it in real mode
 * at CS 0x0800, IP 0. */
	.code16
	.globl trampoline_start, trampoline_end
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tramp_gdt_desc - trampoline_start
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $ap_start32
	.balign 4
tramp_gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
trampoline_end:

	.code32
ap_start32:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl $1, %edi
	jmp enter_long

	.section .data
	.balign 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10 flat data */
	.quad 0x00cf9b000000ffff	/* 0x18 flat 32-bit code */
	.quad 0x00009b000000ffff	/* 0x20 16-bit code */
	.quad 0x000093000000ffff	/* 0x28 16-bit data */
	.quad 0, 0			/* 0x30, 0x38: gdt_set_data() */
gdt_end:
	.balign 8
	.word 0, 0, 0
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl mb_magic, mb_info
mb_magic:
	.long 0
mb_info:
	.long 0

	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
