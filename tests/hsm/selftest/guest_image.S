/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guests' flat binary (guest.S, linked at GUEST_LOAD_GPA and cut with
 * objcopy), embedded in hsm-selftest as read-only data; hsm_lib.c copies
 * it into each VM's RAM.  The build passes the binary's directory to the
 * assembler (-Wa,-I).
 */
	.section .rodata
	.balign	16
	.globl	guest_image
	.globl	guest_image_end
guest_image:
	.incbin	"guest.bin"
guest_image_end:

	.section .note.GNU-stack, "", @progbits
