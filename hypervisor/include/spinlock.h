/* A test-and-test-and-set spinlock.  Hypervisor code runs with interrupts
 * off, so no interrupt-safe variant is needed. */
#ifndef ISLET_SPINLOCK_H
#define ISLET_SPINLOCK_H

#include "types.h"

typedef struct {
	u32 locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
