/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest of islet-example-doorbell (doorbell.c): rings a doorbell and
 * answers the interrupt that comes back.
 *
 *   port 0x510  one byte: the doorbell (an ioeventfd takes it)
 *   vector 0x40 the MSI the program sends back (through an irqfd)
 *   port 0x511  one byte, 0x40: "got it", from the interrupt handler
 *
 * The program copies the bytes between doorbell_guest and
 * doorbell_guest_end to guest-physical LOAD and starts vCPU 0 there in
 * real mode, CS 0.  They are data to this program (.rodata), never run by
 * the host.  Nothing here is relocated: an address the guest uses is the
 * label's distance from doorbell_guest plus LOAD, which the assembler
 * knows (ABS).
 */
#define LOAD		0x1000
#define ABS(label)	((label) - doorbell_guest + LOAD)

#define DOORBELL_PORT	0x510
#define ANSWER_PORT	0x511
#define VECTOR		0x40
#define STACK_TOP	0x8000		/* in the 1 MiB of RAM, above the code */
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define APIC_SVR	0xfee000f0	/* the local APIC's default base */
#define APIC_EOI	0xfee000b0

	.section .rodata
	.globl	doorbell_guest, doorbell_guest_end

	.code16
doorbell_guest:
	cli
	/* Real-mode addresses are DS * 16 + offset, and ABS() gives the
	 * full address: DS must be 0, whatever the program set. */
	xorw	%ax, %ax
	movw	%ax, %ds
	/* LGDT with a 32-bit operand: the 16-bit form loads only 24 bits
	 * of the base. */
	lgdtl	ABS(gdt_ptr)
	movl	%cr0, %eax
	orl	$1, %eax		/* CR0.PE */
	movl	%eax, %cr0
	/* The far jump loads CS from the GDT, which makes the code 32-bit.
	 * Its offset is 32 bits wide (ljmpl, the 0x66 prefix in 16-bit
	 * code). */
	ljmpl	$SEL_CODE, $ABS(protected)

	.code32
protected:
	/* The data segments still hold real-mode limits (64 KiB), too
	 * small for the APIC's page; SS must be flat and 32-bit too, for
	 * the interrupt's frame. */
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$STACK_TOP, %esp
	lidt	ABS(idt_ptr)
	/* A software-disabled local APIC drops fixed interrupts, as the
	 * hardware does: enable it (SVR bit 8, spurious vector 0xff)
	 * before anyone may send one. */
	movl	$0x1ff, APIC_SVR
	sti
	/* Ring.  The value does not matter: the ioeventfd matches any. */
	movb	$1, %al
	movw	$DOORBELL_PORT, %dx
	outb	%al, %dx
	/* Wait for the answer; HLT returns after each interrupt. */
1:	hlt
	jmp	1b

/* Vector 0x40.  End the interrupt at the APIC first, so the answer's
 * request finds nothing in service; then say "got it".  The gate cleared
 * IF, so the HLT below is the guest's end: the program stops the VM. */
handler:
	movl	$0, APIC_EOI
	movb	$VECTOR, %al
	movw	$ANSWER_PORT, %dx
	outb	%al, %dx
2:	hlt
	jmp	2b

/* Flat 4 GiB segments, base 0: guest-physical addresses as they are.
 * Accessed bits set, so the CPU never writes the table. */
	.balign	8
gdt:
	.quad	0			/* the null selector */
	.quad	0x00cf9b000000ffff	/* 0x08: code, 32-bit, DPL 0 */
	.quad	0x00cf93000000ffff	/* 0x10: data, read/write */
gdt_end:

/* Entries up to vector 0x40, all absent but the last.  An exception
 * meets an absent gate, and then a double and a triple fault: the
 * hypervisor stops the VM, which the program reports. */
	.balign	8
idt:
	.fill	VECTOR, 8, 0
	.word	ABS(handler) & 0xffff	/* offset 15:0 */
	.word	SEL_CODE
	.byte	0
	.byte	0x8e			/* present, DPL 0, 32-bit interrupt gate */
	.word	ABS(handler) >> 16	/* offset 31:16 */
idt_end:

/* The operands of LGDT and LIDT: limit (size - 1), then base. */
	.balign	4
gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	ABS(gdt)
	.balign	4
idt_ptr:
	.word	idt_end - idt - 1
	.long	ABS(idt)
doorbell_guest_end:

	.section .note.GNU-stack, "", @progbits
