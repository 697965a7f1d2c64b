/* Entry points.  The flat image islet.bin starts with the Islet image
 * header (read by islet.efi) and the multiboot2 header (read by GRUB).  mb2_entry32 is
 * entered by GRUB in 32-bit protected mode without paging; entry64 by
 * islet.efi in long mode.  Both reach hv_main(magic, info) on the boot
 * stack with a boot GDT and identity-mapped page tables. */
#include "image.h"

#define MB2_HEADER_MAGIC	0xe85250d6
#define MB2_ARCH_I386		0
#define BOOT_CS64		0x08
#define BOOT_DS			0x10
#define BOOT_CS32		0x18

	.section .head, "ax"
	.code32
	.globl islet_image_header
islet_image_header:
	.quad ISLET_IMAGE_MAGIC
	.quad __hv_start
	.quad __hv_file_size		/* computed by islet.ld */
	.quad __hv_mem_size
	.quad entry64

	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* islet.bin is a flat image, not an ELF: tell GRUB where it goes
	 * (address tag) and where to enter it (entry address tag). */
	.word 2, 0
	.long 24
	.long mb2_header
	.long __hv_start
	.long __file_end
	.long __hv_end
	.word 3, 0
	.long 12
	.long mb2_entry32
	.long 0				/* pad to 8 */
	/* end tag */
	.word 0, 0
	.long 8
mb2_header_end:

	.text
	.code32
	.globl mb2_entry32
mb2_entry32:
	cli
	cld
	movl	%eax, %edi		/* magic, first argument of hv_main */
	movl	%ebx, %esi		/* info block */
	movl	$boot_stack_top, %esp

	/* Boot page tables: 4 GiB identity-mapped with 2 MiB pages. */
	movl	$boot_pd, %ebx
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* present, writable, 2 MiB */
	movl	%eax, (%ebx, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax		/* bits 32+ of (i << 21) */
	movl	%eax, 4(%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	1b
	movl	$boot_pdpt, %ebx
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd + 3, %eax
	movl	%eax, (%ebx, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jne	2b
	movl	$boot_pdpt + 3, boot_pml4

	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER: long mode, NX */
	rdmsr
	orl	$0x900, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax	/* PG, WP, PE */
	movl	%eax, %cr0
	lgdt	boot_gdt_ptr
	ljmp	$BOOT_CS64, $long_mode

	.code64
	/* islet.efi: long mode already, on firmware page tables that
	 * identity-map all memory; they serve until hv_main installs the
	 * hypervisor's own.  Only the GDT and stack are switched here. */
	.globl entry64
entry64:
	cli
	cld
	movq	$boot_stack_top, %rsp
	lgdt	boot_gdt_ptr
	pushq	$BOOT_CS64
	leaq	long_mode(%rip), %rax
	pushq	%rax
	lretq

long_mode:
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	$boot_stack_top, %rsp
	movl	%edi, %edi		/* zero-extend the 32-bit arguments */
	movl	%esi, %esi
	pushq	%rsi
	pushq	%rdi
	/* Zero .bss (GRUB zeroes it, islet.efi may not).  The boot page
	 * tables and stack live in .data, so this does not touch them. */
	movq	$__bss_start, %rdi
	movq	$__bss_end, %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq
	popq	%rdi
	popq	%rsi
	xorl	%ebp, %ebp		/* ends stack traces */
	call	hv_main
3:	cli
	hlt
	jmp	3b

	.data
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00cf9a000000ffff	/* 0x18: 32-bit code */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	/* In .data, not .bss: the 32-bit path fills them before .bss is
	 * cleared. */
	.balign 4096
boot_pml4:	.fill 512, 8, 0
boot_pdpt:	.fill 512, 8, 0
boot_pd:	.fill 2048, 8, 0
boot_stack:	.fill 4096, 4, 0
	.globl boot_stack_top
boot_stack_top:
