/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm: the DSDT that iasl compiled from hw/dsdt.asl, embedded as is
 * (acpi.h: dm_dsdt_aml .. dm_dsdt_aml_end).  The assembler's .incbin
 * takes the file without a conversion step; devicemodel.mk tells it where
 * the build tree put dsdt.aml (-Wa,-I).
 */
	.section .rodata, "a"
	.globl	dm_dsdt_aml
	.type	dm_dsdt_aml, @object
	.balign	16
dm_dsdt_aml:
	.incbin	"dsdt.aml"
	.size	dm_dsdt_aml, . - dm_dsdt_aml
	.globl	dm_dsdt_aml_end
	.type	dm_dsdt_aml_end, @object
dm_dsdt_aml_end:
	.size	dm_dsdt_aml_end, 0

	/* Data only: the stack stays non-executable. */
	.section .note.GNU-stack, "", @progbits
