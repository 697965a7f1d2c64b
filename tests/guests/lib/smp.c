/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Starting the APs (INIT-SIPI-SIPI through the xAPIC ICR, as the MP
 * specification's universal start-up algorithm says) and running
 * functions on them (smp.h).
 */
#include "apic.h"
#include "internal.h"

u8 cpu_stacks[MAX_CPUS][STACK_SIZE] __attribute__((aligned(STACK_SIZE)));

static volatile u32 online_mask = 1;

struct percpu *cpu_data(u32 cpu)
{
	return (struct percpu *)cpu_stacks[cpu];
}

void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
		while (l->v)
			pause();
}

void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

u32 smp_id(void)
{
	return this_cpu()->id;
}

u32 cpus_announced(void)
{
	u32 n = (cpuid(1).b >> 16) & 0xff;

	if (!(cpuid(1).d & BIT(28)) || !n)
		n = 1;
	return n > MAX_CPUS ? MAX_CPUS : n;
}

u32 cpus_online(void)
{
	u32 n = 0;

	for (u32 m = online_mask; m; m &= m - 1)
		n++;
	return n;
}

/* An AP, in long mode on its stack: announce itself, then run what
 * on_cpu() posts, forever. */
void ap_start(u32 id)
{
	struct percpu *c = this_cpu();

	c->id = id;
	idt_load();
	__atomic_or_fetch(&online_mask, 1U << id, __ATOMIC_RELEASE);
	for (;;) {
		void (*fn)(void *) = c->fn;

		if (!fn) {
			pause();
			continue;
		}
		fn(c->arg);
		__atomic_store_n(&c->fn, NULL, __ATOMIC_RELEASE);
	}
}

u32 smp_init(u32 n)
{
	u64 tsc_per_ms = tsc_khz();

	if (n > MAX_CPUS)
		n = MAX_CPUS;
	if (n <= 1)
		return cpus_online();
	memcpy((void *)SMP_TRAMPOLINE, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	for (u32 cpu = 1; cpu < n; cpu++) {
		u64 end;

		if (online_mask & (1U << cpu))
			continue;
		apic_icr_write(APIC_DM_INIT | APIC_INT_ASSERT, cpu);
		delay_us(10000);
		for (int i = 0; i < 2 && !(online_mask & (1U << cpu)); i++) {
			apic_icr_write(APIC_DM_STARTUP | (SMP_TRAMPOLINE >> 12),
				       cpu);
			delay_us(200);
		}
		/* Up to 100 ms for it to arrive. */
		end = rdtsc() + 100 * tsc_per_ms;
		while (!(online_mask & (1U << cpu)) && rdtsc() < end)
			pause();
	}
	return cpus_online();
}

bool on_cpu_async(u32 cpu, void (*fn)(void *), void *arg)
{
	struct percpu *c;

	if (cpu >= MAX_CPUS || !(online_mask & (1U << cpu)) ||
	    cpu == smp_id())
		return false;
	c = cpu_data(cpu);
	if (!cpu_wait_idle(cpu, 1000000))
		return false;
	c->arg = arg;
	__atomic_store_n(&c->fn, fn, __ATOMIC_RELEASE);
	return true;
}

bool cpu_wait_idle(u32 cpu, u64 us)
{
	u64 end = rdtsc() + us * tsc_khz() / 1000;
	struct percpu *c = cpu_data(cpu);

	while (__atomic_load_n(&c->fn, __ATOMIC_ACQUIRE)) {
		if (rdtsc() >= end)
			return false;
		pause();
	}
	return true;
}

bool on_cpu(u32 cpu, void (*fn)(void *), void *arg)
{
	if (cpu == smp_id()) {
		fn(arg);
		return true;
	}
	return on_cpu_async(cpu, fn, arg) && cpu_wait_idle(cpu, 2000000);
}
