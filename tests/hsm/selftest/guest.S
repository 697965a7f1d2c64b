/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The selftest's guests: one flat image, several entry points, 32-bit
 * protected mode with flat segments and no paging (guest_abi.h has the
 * memory layout, the ports and each entry's register parameters).
 *
 * Built with the binutils assembler (through gcc, for the preprocessor),
 * linked at GUEST_LOAD_GPA, and cut to a flat binary with objcopy; the
 * program embeds the binary (guest_image.S) and copies it into each VM's
 * RAM.  Every guest talks to the program through port and MMIO accesses
 * only: each one becomes an I/O request the program serves.
 */
#include "guest_abi.h"

	.code32
	.text

/* ---- The header: the program finds the GDT and the entries here ------- */
	.globl	header
header:
	.long	GUEST_MAGIC
	.long	gdt
	.long	gdt_end - gdt - 1
	.long	GUEST_ENTRIES
	/* In the order of the GUEST_* entry indexes. */
	.long	hello
	.long	print
	.long	tick
	.long	hang
	.long	spin
	.long	triple
	.long	ioeventfd
	.long	irq
	.long	real
	.long	long64
	.long	alu
	/* After the entries: LONG's page-table root (its CR3). */
	.long	long_pml4

/* ---- Helpers ------------------------------------------------------------ */

/* Prints the NUL-terminated string at %esi on the console port, one byte
 * per write.  Clobbers %eax, %edx, %esi. */
puts:
	movw	$GUEST_PORT_CONSOLE, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	ret

/* Reports %eax on the report port.  Clobbers %edx. */
report:
	movw	$GUEST_PORT_REPORT, %dx
	outl	%eax, %dx
	ret

/* Writes %eax to the debug-exit port, then stays in a loop that makes no
 * request: the program pauses the VM. */
exit:
	movw	$GUEST_PORT_EXIT, %dx
	outl	%eax, %dx
hang:
	jmp	hang

/* ---- HELLO: the guest-io guest ------------------------------------------ */
/* EBX: number of timed round trips (0: none).  Exit value: GUEST_FAIL_*
 * bits, 0 when every read-back was right. */
hello:
	movl	$hello_str, %esi
	call	puts
	xorl	%ebp, %ebp

	/* A 32-bit MMIO store and load at an address that is not RAM: the
	 * program's fake register answers the load with the stored value
	 * ^ ~0, so a load nobody served cannot pass. */
	movl	$GUEST_MMIO_REG, %edi
	movl	$GUEST_MMIO_VALUE, %eax
	movl	%eax, (%edi)
	movl	(%edi), %eax
	cmpl	$(GUEST_MMIO_VALUE ^ GUEST_XOR), %eax
	je	1f
	orl	$GUEST_FAIL_MMIO, %ebp
1:
	/* The same through a port: OUT, then IN. */
	movw	$GUEST_PORT_SCRATCH, %dx
	movl	$GUEST_SCRATCH_VALUE, %eax
	outl	%eax, %dx
	inl	%dx, %eax
	cmpl	$(GUEST_SCRATCH_VALUE ^ GUEST_XOR), %eax
	je	2f
	orl	$GUEST_FAIL_PIO, %ebp
2:
	/* PCI configuration mechanism #1: CONFIG_ADDRESS, then a dword
	 * write and read of CONFIG_DATA, then a byte read at 0xcfe (offset
	 * 2 of the register): PCICFG requests from the HSM, not ports. */
	movw	$0xcf8, %dx
	movl	$GUEST_PCI_ADDR, %eax
	outl	%eax, %dx
	movw	$0xcfc, %dx
	movl	$GUEST_PCI_VALUE, %eax
	outl	%eax, %dx
	inl	%dx, %eax
	cmpl	$(GUEST_PCI_VALUE ^ GUEST_XOR), %eax
	jne	5f
	movw	$0xcfe, %dx
	xorl	%eax, %eax
	inb	%dx, %al
	cmpl	$(((GUEST_PCI_VALUE ^ GUEST_XOR) >> 16) & 0xff), %eax
	je	6f
5:	orl	$GUEST_FAIL_PCI, %ebp
6:
	/* EBX port writes between two RDTSCs; reports the ticks (low, high)
	 * and the count. */
	testl	%ebx, %ebx
	jz	4f
	rdtsc
	movl	%eax, %esi
	movl	%edx, %edi
	movl	%ebx, %ecx
	movw	$GUEST_PORT_PERF, %dx
3:	outl	%eax, %dx
	loop	3b
	rdtsc
	subl	%esi, %eax
	sbbl	%edi, %edx
	movl	%edx, %esi
	call	report
	movl	%esi, %eax
	call	report
	movl	%ebx, %eax
	call	report
4:
	movl	%ebp, %eax
	jmp	exit

/* ---- PRINT: a string from the program, ECX times ----------------------- */
print:
	movl	%esi, %edi
1:	movl	%edi, %esi
	call	puts
	loop	1b
	xorl	%eax, %eax
	jmp	exit

/* ---- TICK: a counter on a port, forever ---------------------------------- */
tick:
	xorl	%eax, %eax
	movw	$GUEST_PORT_TICK, %dx
1:	outl	%eax, %dx
	incl	%eax
	jmp	1b

/* ---- SPIN: one request, then a loop without any ------------------------- */
spin:
	movw	$GUEST_PORT_READY, %dx
	movl	$GUEST_READY_SPIN, %eax
	outl	%eax, %dx
	jmp	hang

/* ---- TRIPLE: a triple fault ----------------------------------------------
 * INT3 with an IDT of limit 0: vector 3 is outside the IDT, so #GP; #GP
 * (vector 13) is outside it too, so #DF; #DF is outside it as well, so the
 * CPU shuts down: a triple fault, which the hypervisor must report as the
 * VM's stop.  The LIDT makes this independent of the IDT the program set. */
triple:
	movw	$GUEST_PORT_READY, %dx
	movl	$GUEST_READY_TRIPLE, %eax
	outl	%eax, %dx
	lidt	null_idt
	int3
	/* Not reached. */
	movl	$0xdead, %eax
	jmp	exit

/* ---- IOEVENTFD: writes that ioeventfds complete in the kernel ------------
 * ECX: writes per ioeventfd.  Phase 1, with the program's ioeventfds
 * assigned: ECX writes to GUEST_PORT_EVFD; GUEST_EVFD_DATA and then
 * GUEST_EVFD_DATA + 1 to GUEST_PORT_EVFD_MATCH (only the first matches);
 * ECX stores to GUEST_MMIO_EVFD.  Then a write to GUEST_PORT_SYNC, on
 * which the program deassigns them all.  Phase 2: one write to
 * GUEST_PORT_EVFD and one store to GUEST_MMIO_EVFD, which now reach the
 * program.  Exit 0. */
ioeventfd:
	movl	%ecx, %ebx
	xorl	%eax, %eax
	movw	$GUEST_PORT_EVFD, %dx
1:	outl	%eax, %dx
	incl	%eax
	loop	1b
	movw	$GUEST_PORT_EVFD_MATCH, %dx
	movl	$GUEST_EVFD_DATA, %eax
	outl	%eax, %dx
	incl	%eax
	outl	%eax, %dx
	movl	$GUEST_MMIO_EVFD, %edi
	movl	%ebx, %ecx
2:	movl	%ecx, (%edi)
	loop	2b
	movw	$GUEST_PORT_SYNC, %dx
	outl	%eax, %dx
	movw	$GUEST_PORT_EVFD, %dx
	outl	%eax, %dx
	movl	%eax, (%edi)
	xorl	%eax, %eax
	jmp	exit

/* ---- IRQ: interrupts the program injects (INJECT_MSI, IRQFD) -----------
 * Fills gates for vectors GUEST_IRQ_FIRST..+15 in its own IDT, says it is
 * ready, then halts with interrupts on; each interrupt writes its vector
 * to GUEST_PORT_IRQ, ends it at the virtual LAPIC (EOI) and returns to the
 * halt.  The LAPIC is software-enabled first: a disabled one drops fixed
 * interrupts, as hardware does. */
irq:
	movl	$irq_idt + GUEST_IRQ_FIRST * 8, %edi
	movl	$irq_stubs, %eax
	movl	$16, %ecx
1:	movw	%ax, (%edi)		/* offset 15:0 */
	movw	$0x08, 2(%edi)		/* code selector */
	movw	$0x8e00, 4(%edi)	/* present, DPL 0, 32-bit interrupt gate */
	movl	%eax, %edx
	shrl	$16, %edx
	movw	%dx, 6(%edi)		/* offset 31:16 */
	addl	$8, %eax
	addl	$8, %edi
	loop	1b
	lidt	irq_idtr
	movl	$0x1ff, 0xfee000f0	/* SVR: enabled, spurious vector 0xff */
	movw	$GUEST_PORT_READY, %dx
	movl	$GUEST_READY_IRQ, %eax
	outl	%eax, %dx
	sti
2:	hlt
	jmp	2b

/* One 8-byte stub per vector: push it, go to the common part. */
	.balign	8
irq_stubs:
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.balign	8
	pushl	$(GUEST_IRQ_FIRST + \v)
	jmp	irq_common
	.endr
irq_common:
	pushl	%eax
	pushl	%edx
	movl	8(%esp), %eax
	movw	$GUEST_PORT_IRQ, %dx
	outl	%eax, %dx
	movl	$0, 0xfee000b0		/* EOI */
	popl	%edx
	popl	%eax
	addl	$4, %esp
	iret

/* ---- ALU: read-modify-write and compare forms on MMIO ------------------
 * On the plain register GUEST_MMIO_ALU: each result and the flags each
 * form sets are checked; exit GUEST_FAIL_ALU at the first wrong one, else
 * 0.  The register ends at 0x12345678; 6 writes and 10 reads reach it. */
alu:
	movl	$GUEST_MMIO_ALU, %edi
	movl	$0x0000ff00, (%edi)		/* W 0x0000ff00 */
	orl	$0x11, (%edi)			/* R W 0x0000ff11 */
	andl	$0xfffff0ff, (%edi)		/* R W 0x0000f011 */
	xorw	$0xf011, (%edi)			/* R W 0x0000 (word) */
	jnz	9f				/* ZF from the XOR */
	cmpl	$0, (%edi)			/* R: 0 - 0 */
	jnz	9f
	movl	$0x80, %eax
	movb	%al, (%edi)			/* W 0x80 (byte) */
	testb	$0x80, (%edi)			/* R: SF set, ZF clear */
	jns	9f
	jz	9f
	movsbl	(%edi), %ecx			/* R: 0xffffff80 */
	cmpl	$0xffffff80, %ecx
	jne	9f
	cmpb	%al, (%edi)			/* R: 0x80 - 0x80 */
	jne	9f
	movl	$0x12345678, %eax
	xchgl	%eax, (%edi)			/* R 0x80, W 0x12345678 */
	cmpl	$0x80, %eax
	jne	9f
	btl	$4, (%edi)			/* R: bit 4 of 0x78 is 1 */
	jnc	9f
	xorl	%ecx, %ecx
	btl	%ecx, (%edi)			/* R: bit 0 of 0x78 is 0 */
	jc	9f
	/* BTS, BTR, BTC: a read and a write each, CF the old bit */
	btsl	$0, (%edi)			/* R W 0x12345679 */
	jc	9f
	movl	$3, %ecx
	btrl	%ecx, (%edi)			/* R W 0x12345671 */
	jnc	9f
	btcl	$31, (%edi)			/* R W 0x92345671 */
	jc	9f
	btcl	$31, (%edi)			/* R W 0x12345671 */
	jnc	9f
	/* ADD, SUB with their flags */
	addl	$7, (%edi)			/* R W 0x12345678 */
	jc	9f
	cmpl	$0x12345678, (%edi)		/* R */
	jne	9f
	movl	$0xffffffff, %eax
	addl	%eax, (%edi)			/* R W 0x12345677, carry */
	jnc	9f
	movl	$0x12345678, %ecx
	subl	%ecx, (%edi)			/* R W 0xffffffff, borrow */
	jnc	9f
	jns	9f
	addl	$1, (%edi)			/* R W 0, carry, zero */
	jnc	9f
	jnz	9f
	movl	$0x12345678, %eax
	addl	%eax, (%edi)			/* R W 0x12345678 */
	subl	(%edi), %eax			/* R: 0 in %eax */
	jnz	9f
	/* String forms on the register area (offsets 0x10 and up) */
	movl	%edi, %ebp
	cld
	leal	0x10(%ebp), %edi
	movl	$0xa5a5a5a5, %eax
	movl	$4, %ecx
	rep stosl				/* W x4 */
	testl	%ecx, %ecx
	jnz	9f
	leal	0x20(%ebp), %eax
	cmpl	%eax, %edi
	jne	9f
	movl	$alu_pattern, %esi		/* RAM to MMIO */
	movl	%eax, %edi
	movl	$16, %ecx
	rep movsb				/* W x16 */
	movl	%eax, %esi			/* MMIO to RAM */
	movl	$GUEST_DATA_GPA, %edi
	movl	$4, %ecx
	rep movsl				/* R x4 */
	movl	$alu_pattern, %esi		/* compared in RAM: no exits */
	movl	$GUEST_DATA_GPA, %edi
	movl	$16, %ecx
	repe cmpsb
	jne	9f
	std					/* MMIO to MMIO, downwards */
	leal	0x1c(%ebp), %esi
	leal	0x3c(%ebp), %edi
	movl	$4, %ecx
	rep movsl				/* R W x4 */
	cld
	leal	0xc(%ebp), %eax
	cmpl	%eax, %esi
	jne	9f
	leal	0x2c(%ebp), %eax
	cmpl	%eax, %edi
	jne	9f
	cmpl	$0xa5a5a5a5, 0x30(%ebp)		/* R */
	jne	9f
	cmpl	$0xa5a5a5a5, 0x3c(%ebp)		/* R */
	jne	9f
	leal	0x40(%ebp), %edi		/* more than a batch of 64 */
	movb	$0x5a, %al
	movl	$128, %ecx
	rep stosb				/* W x128 */
	testl	%ecx, %ecx
	jnz	9f
	xorl	%eax, %eax
	jmp	exit
9:	movl	$GUEST_FAIL_ALU, %eax
	jmp	exit
alu_pattern:
	.ascii	"0123456789abcdef"

/* ---- REAL: the same in real mode ----------------------------------------
 * Entered with CS = 0, CR0.PE clear: 16-bit code, addresses below 64 KiB.
 * Prints "Hello from real mode\n", exits 0. */
	.code16
real:
	movw	$real_str, %si
	movw	$GUEST_PORT_CONSOLE, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	xorl	%eax, %eax
	movw	$GUEST_PORT_EXIT, %dx
	outl	%eax, %dx
3:	jmp	3b
	.code32

/* ---- LONG: in 64-bit mode ----------------------------------------------
 * Entered in long mode (paging with long_pml4: the first 2 MiB identity-
 * mapped).  Prints "Hello from long mode\n", stores and loads the MMIO
 * register with REX-prefixed forms, exits with GUEST_FAIL_MMIO if the
 * read-back was wrong. */
	.code64
long64:
	leaq	long_str(%rip), %rsi
	movw	$GUEST_PORT_CONSOLE, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	xorl	%ebp, %ebp
	movl	$GUEST_MMIO_REG, %r9d
	movl	$GUEST_MMIO_VALUE, %r10d
	movl	%r10d, (%r9)
	movl	(%r9), %r11d
	cmpl	$(GUEST_MMIO_VALUE ^ GUEST_XOR), %r11d
	je	3f
	orl	$GUEST_FAIL_MMIO, %ebp
3:	movl	%ebp, %eax
	movw	$GUEST_PORT_EXIT, %dx
	outl	%eax, %dx
4:	jmp	4b
	.code32

/* ---- Data ------------------------------------------------------------------ */
hello_str:
	.asciz	"Hello from a User VM\n"
real_str:
	.asciz	"Hello from real mode\n"
long_str:
	.asciz	"Hello from long mode\n"

	.balign	8
null_idt:
	.word	0
	.long	0

	.balign	8
irq_idtr:
	.word	256 * 8 - 1
	.long	irq_idt
	.balign	8
irq_idt:
	.fill	256 * 8, 1, 0

/* LONG's page tables: 2 MiB pages, present and writable, identity: the
 * first (RAM) and the one of GUEST_MMIO_REG (not RAM: MMIO). */
	.balign	4096
	.globl	long_pml4
long_pml4:
	.quad	long_pdpt + 3
	.fill	511, 8, 0
long_pdpt:
	.quad	long_pd + 3
	.fill	(GUEST_MMIO_REG >> 30) - 1, 8, 0
	.quad	long_pd_mmio + 3
	.fill	511 - (GUEST_MMIO_REG >> 30), 8, 0
long_pd:
	.quad	0x83
	.fill	511, 8, 0
long_pd_mmio:
	.fill	(GUEST_MMIO_REG >> 21) & 511, 8, 0
	.quad	(GUEST_MMIO_REG & ~0x1fffff) | 0x83
	.fill	511 - ((GUEST_MMIO_REG >> 21) & 511), 8, 0

	.balign	8
gdt:
	.quad	0			/* null */
	.quad	0x00cf9b000000ffff	/* 0x08: code, base 0, 4 GiB, 32-bit */
	.quad	0x00cf93000000ffff	/* 0x10: data, base 0, 4 GiB */
gdt_end:

	.section .note.GNU-stack, "", @progbits
