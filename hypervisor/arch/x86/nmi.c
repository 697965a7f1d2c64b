/* NMIs that reach the hypervisor itself (isr.S): in a guest an NMI exits
 * instead.  The hypervisor sends NMIs only to stop a Service VM vCPU,
 * which its CPU also sees before the next VM entry; any other NMI is the
 * Service VM's (its devices and its own NMI IPIs) and is delivered to it
 * at that entry. */
#include "vm.h"
#include <asm/apic.h>

void hv_nmi(void);
void hv_nmi(void)
{
	service_vm_nmi_arrived(apic_id());
}
