/* INIT and SIPI between the vCPUs of one VM.  The hypervisor sees the
 * guest's start-up IPIs (filtered ICR writes) and runs this small state
 * machine instead of letting them reach the hardware: a CPU is only ever
 * started by the hypervisor, into VMX non-root mode.  A vCPU held after
 * INIT spins in the hypervisor on its own CPU until a SIPI arrives. */
#include "vm.h"
#include <asm/apic.h>
#include <asm/cpu.h>

void vcpu_send_init(struct vcpu *target)
{
	u32 old = __atomic_exchange_n(&target->start_state, VCPU_WAIT_SIPI,
				      __ATOMIC_ACQ_REL);

	/* A running vCPU is stopped by a real INIT: in VMX non-root mode it
	 * causes a VM exit on that CPU, whose handler then waits. */
	if (old == VCPU_RUNNING)
		apic_send_ipi(target->apic_id, ICR_LEVEL | ICR_ASSERT |
			      (ICR_MODE_INIT << 8));
}

void vcpu_send_sipi(struct vcpu *target, u8 vector)
{
	u32 expect = VCPU_WAIT_SIPI;

	/* A SIPI only starts a vCPU that waits for one, as on hardware; the
	 * vector travels in the same word, so a second SIPI cannot change it
	 * under the starting vCPU. */
	__atomic_compare_exchange_n(&target->start_state, &expect,
				    VCPU_STARTING | ((u32)vector << 8), false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

u8 vcpu_wait_for_sipi(struct vcpu *vcpu)
{
	u32 expect = VCPU_RUNNING;
	u32 s;

	/* An INIT not sent through vcpu_send_init (say, by the platform)
	 * still parks the vCPU. */
	__atomic_compare_exchange_n(&vcpu->start_state, &expect, VCPU_WAIT_SIPI,
				    false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	while (((s = __atomic_load_n(&vcpu->start_state, __ATOMIC_ACQUIRE)) & 0xff) !=
	       VCPU_STARTING)
		cpu_relax();
	__atomic_store_n(&vcpu->start_state, VCPU_RUNNING, __ATOMIC_RELEASE);
	return (u8)(s >> 8);
}
