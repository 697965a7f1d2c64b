/* The hypervisor image, build/islet.bin, as data inside islet.efi.
 * ISLET_BIN is its path, given by efi.mk. */
	.section .data.islet_payload, "a"
	.balign	4096
	.globl	islet_payload_start, islet_payload_end
	.hidden	islet_payload_start, islet_payload_end
islet_payload_start:
	.incbin	ISLET_BIN
islet_payload_end:

	.section .note.GNU-stack, "", @progbits
