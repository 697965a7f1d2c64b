/* INIT and SIPI between the vCPUs of one VM, and CPUs the Service VM
 * gives up.  The hypervisor sees the guest's start-up IPIs (filtered ICR
 * writes) and runs this small state machine instead of letting them reach
 * the hardware: a CPU is only ever started by the hypervisor, into VMX
 * non-root mode.  A vCPU held after INIT spins in the hypervisor on its own
 * CPU until a SIPI arrives; a given-up vCPU is never started again. */
#include "vm.h"
#include <asm/apic.h>
#include <asm/cpu.h>

static u32 load_state(struct vcpu *v)
{
	return __atomic_load_n(&v->start_state, __ATOMIC_ACQUIRE);
}

static bool cas_state(struct vcpu *v, u32 *old, u32 new)
{
	return __atomic_compare_exchange_n(&v->start_state, old, new, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* A running vCPU is stopped by an NMI: Service VM vCPUs exit on NMIs, and
 * the exit (or, if the NMI finds the CPU in the hypervisor, the check
 * before its next VM entry: vcpu_must_stop) then waits here
 * (vcpu_wait_for_sipi).  Not an INIT: Bochs 2.7 never clears an INIT taken
 * as a VM exit, so every later VM entry on that CPU would exit again. */
static void kick(struct vcpu *target)
{
	apic_send_ipi(target->apic_id, ICR_ASSERT | (ICR_MODE_NMI << 8));
}


/* Move @target to @new from any state but GIVEN_UP; kick it if it ran. */
static int stop(struct vcpu *target, u32 new)
{
	u32 old = load_state(target);

	do {
		if (old == VCPU_GIVEN_UP)
			return new == VCPU_GIVEN_UP ? -EBUSY : -EPERM;
	} while (!cas_state(target, &old, new));
	if (old == VCPU_RUNNING)
		kick(target);
	return 0;
}

int vcpu_send_init(struct vcpu *target)
{
	return stop(target, VCPU_WAIT_SIPI);
}

int vcpu_give_up(struct vcpu *target)
{
	return stop(target, VCPU_GIVEN_UP);
}

int vcpu_send_sipi(struct vcpu *target, u8 vector)
{
	u32 expect = VCPU_WAIT_SIPI;

	if (load_state(target) == VCPU_GIVEN_UP)
		return -EPERM;
	/* A SIPI only starts a vCPU that waits for one, as on hardware; the
	 * vector travels in the same word, so a second SIPI cannot change it
	 * under the starting vCPU. */
	cas_state(target, &expect, VCPU_STARTING | ((u32)vector << 8));
	return 0;
}

bool vcpu_given_up(struct vcpu *v)
{
	return load_state(v) == VCPU_GIVEN_UP;
}

int vcpu_wait_for_sipi(struct vcpu *vcpu)
{
	u32 s = VCPU_RUNNING;

	/* An INIT not sent through vcpu_send_init (say, by the platform)
	 * still parks the vCPU. */
	cas_state(vcpu, &s, VCPU_WAIT_SIPI);
	for (;;) {
		s = load_state(vcpu);
		if ((s & 0xff) == VCPU_STARTING && cas_state(vcpu, &s, VCPU_RUNNING))
			return (u8)(s >> 8);
		/* Given up, maybe while it waited here never started: its
		 * CPU now serves User VMs. */
		if (s == VCPU_GIVEN_UP)
			return -EPERM;
		cpu_relax();
	}
}
