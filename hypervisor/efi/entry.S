/* The jump from islet.efi into the hypervisor (contract in image.h).
 * void islet_enter(u64 entry, u64 magic, u64 info), System V arguments. */
	.text
	.globl	islet_enter
	.hidden	islet_enter
	.type	islet_enter, @function
islet_enter:
	cli
	cld
	mov	%rdi, %rax
	mov	%rsi, %rdi		/* RDI = MB2_BOOTLOADER_MAGIC */
	mov	%rdx, %rsi		/* RSI = information block */
	jmp	*%rax
	.size	islet_enter, . - islet_enter

	.section .note.GNU-stack, "", @progbits
