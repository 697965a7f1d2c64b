/* The fakes the interrupt-controller tests link in place of the calls
 * core/vpic.c, core/vioapic.c and core/vplatform.c make out of their
 * concern (renamed for those objects only in unit.mk). */
#ifndef ISLET_UNIT_FAKE_IRQCHIP_H
#define ISLET_UNIT_FAKE_IRQCHIP_H

#include "vm.h"
#include "vlapic.h"

/* vm_pic_intr_raised() (test_vpic.c): calls so far. */
extern u32 fake_pic_raised;
void fake_vm_pic_intr_raised(struct vm *vm);

/* vlapic_deliver() (test_vioapic.c): the messages sent so far (the last
 * FAKE_MSGS kept), and what it returns. */
#define FAKE_MSGS	64
extern struct apic_msg fake_msgs[FAKE_MSGS];
extern u32 fake_nr_msgs;
extern u32 fake_accepts;
u32 fake_vlapic_deliver(struct vm *vm, const struct apic_msg *m);
void fake_msgs_clear(void);

/* vm_register_io() / vm_register_mmio() (test_irqline.c): fill the VM's
 * tables as vm.c does, without I/O bitmaps. */
int fake_vm_register_io(struct vm *vm, u16 base, u16 len,
			int (*handle)(struct vcpu *, u16, u8, bool, u32 *));
int fake_vm_register_mmio(struct vm *vm, u64 base, u64 size,
			  int (*handle)(struct vcpu *, u64, u8, bool, u64 *));

#endif
