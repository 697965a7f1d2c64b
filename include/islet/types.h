/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Islet ABI: the fixed-width types and compile-time checks that every other
 * header in include/islet/ is built from.
 *
 * These headers are compiled in three places:
 *   - the hypervisor (freestanding gcc: only the compiler's own <stdint.h>),
 *   - the HSM kernel module (kernel headers: <linux/types.h>),
 *   - userspace (islet-dm, libislet, tests: the C library's <stdint.h>).
 * uint8_t .. uint64_t and int32_t exist in all three, so the ABI structures
 * use nothing else.  The guard is deliberately not ISLET_TYPES_H: that one
 * belongs to the hypervisor's private hypervisor/include/types.h, and a
 * hypervisor file may include both.
 */
#ifndef ISLET_ABI_TYPES_H
#define ISLET_ABI_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/*
 * A layout promise, checked when the header is compiled.  _Static_assert is
 * C11 and is accepted by gcc in freestanding, kernel (gnu11) and userspace
 * builds alike.
 */
#ifdef __cplusplus
#define ISLET_ABI_ASSERT(cond, msg)	static_assert(cond, msg)
#else
#define ISLET_ABI_ASSERT(cond, msg)	_Static_assert(cond, msg)
#endif

/* Shorthands for the two promises every ABI structure makes. */
#define ISLET_ABI_SIZE(type, size) \
	ISLET_ABI_ASSERT(sizeof(type) == (size), \
			 "sizeof(" #type ") must be " #size)
#define ISLET_ABI_OFFSET(type, member, off) \
	ISLET_ABI_ASSERT(__builtin_offsetof(type, member) == (off), \
			 "offsetof(" #type ", " #member ") must be " #off)
#define ISLET_ABI_ALIGN(type, align) \
	ISLET_ABI_ASSERT(__alignof__(type) == (align), \
			 "alignment of " #type " must be " #align)

/* The two layout attributes the ABI needs, spelled the same everywhere
 * (the kernel and the hypervisor each have their own __packed). */
#define ISLET_ABI_PACKED	__attribute__((packed))
#define ISLET_ABI_ALIGNED(n)	__attribute__((aligned(n)))

#endif /* ISLET_ABI_TYPES_H */
