/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Islet ABI: the hypervisor CPUID leaves every guest sees.
 *
 * Islet answers in the 0x4000xxxx range exactly as ACRN does, so that a
 * stock Linux kernel detects "ACRN" (arch/x86/kernel/cpu/acrn.c looks for
 * the signature, then for the privileged-VM bit and the TSC frequency):
 *
 *   leaf        EAX                    EBX         ECX         EDX
 *   0x40000000  highest leaf           "ACRN"      "ACRN"      "ACRN"
 *   0x40000001  feature bits (below)   0           0           0
 *   0x40000010  TSC frequency in kHz   (below)     0           0
 *
 * The leaves in between (0x40000002 to 0x4000000f) read as all zeroes.
 *
 * EBX of 0x40000010 (as in the VMware and KVM timing leaf): the local APIC
 * timer's input clock in kHz, before the divide configuration.  User VMs
 * get the TSC frequency there (their virtual LAPIC timer counts at the TSC
 * rate); the Service VM, which runs on the physical LAPIC, reads 0.
 */
#ifndef ISLET_ABI_CPUID_H
#define ISLET_ABI_CPUID_H

#include <islet/types.h>

#define ISLET_CPUID_LEAF_SIGNATURE	0x40000000U
#define ISLET_CPUID_LEAF_FEATURES	0x40000001U
#define ISLET_CPUID_LEAF_TSC_KHZ	0x40000010U

/* EAX of the signature leaf: the highest hypervisor leaf implemented. */
#define ISLET_CPUID_MAX_LEAF		ISLET_CPUID_LEAF_TSC_KHZ

/*
 * The signature is the twelve bytes "ACRNACRNACRN" read out of EBX, ECX and
 * EDX in that order, each register little-endian: 'A' 0x41 is the low byte.
 */
#define ISLET_CPUID_SIGNATURE		"ACRNACRNACRN"
#define ISLET_CPUID_SIGNATURE_EBX	0x4e524341U	/* "ACRN" */
#define ISLET_CPUID_SIGNATURE_ECX	0x4e524341U	/* "ACRN" */
#define ISLET_CPUID_SIGNATURE_EDX	0x4e524341U	/* "ACRN" */

/*
 * EAX of the features leaf.  Bit 0 is set for the Service VM only: it is
 * what makes Linux's ACRN guest code (and the HSM) believe it may issue
 * hypercalls.  Every other bit reads as zero.
 */
#define ISLET_CPUID_FEATURE_PRIVILEGED_VM	(1U << 0)

#endif /* ISLET_ABI_CPUID_H */
