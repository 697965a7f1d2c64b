/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The APs of a guest test: started with INIT-SIPI-SIPI through the xAPIC
 * ICR (a real-mode trampoline at SMP_TRAMPOLINE that enters long mode
 * with the BSP's page tables), then each waits for work.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "libguest.h"

#define MAX_CPUS	4
#define SMP_TRAMPOLINE	0x8000	/* SIPI vector 0x08 */

/* This CPU's index (= its APIC id, which is its vCPU id). */
u32 smp_id(void);
/* CPUs announced by CPUID.1:EBX[23:16] (at least 1, at most MAX_CPUS). */
u32 cpus_announced(void);
/* Starts CPUs 1..n-1; returns how many CPUs run (the BSP included). */
u32 smp_init(u32 n);
/* How many CPUs run now. */
u32 cpus_online(void);
/* Runs fn(arg) on @cpu and waits for it to return (on this CPU: calls
 * it); false if @cpu does not run or did not finish in @us. */
bool on_cpu(u32 cpu, void (*fn)(void *), void *arg);
/* Starts fn(arg) on @cpu and returns at once. */
bool on_cpu_async(u32 cpu, void (*fn)(void *), void *arg);
/* Waits until @cpu is idle again; false on time-out. */
bool cpu_wait_idle(u32 cpu, u64 us);

struct spinlock { volatile u32 v; };
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);

#endif /* GUEST_SMP_H */
