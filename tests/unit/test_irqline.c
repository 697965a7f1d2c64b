/* hypervisor/core/user_vm.c hc_set_irqline() and core/vplatform.c: a User
 * VM created through HC_CREATE_VM has its PIC ports and IOAPIC page
 * served by the hypervisor, and HC_SET_IRQLINE drives GSI 0-15 into both
 * the PIC and the IOAPIC, GSI 16-47 into the IOAPIC only; HC_RESET_VM
 * puts both back to power-on. */
#include "unit.h"
#include "fake_irqchip.h"
#include "user_vm_mem_fixture.h"

int fake_vm_register_io(struct vm *vm, u16 base, u16 len,
			int (*handle)(struct vcpu *, u16, u8, bool, u32 *))
{
	if (!len || (u32)base + len > 0x10000)
		return -EINVAL;
	if (vm->nr_io >= VM_MAX_IO_HANDLERS)
		return -ENOSPC;
	vm->io[vm->nr_io++] = (struct io_handler){ base, len, handle };
	return 0;
}

int fake_vm_register_mmio(struct vm *vm, u64 base, u64 size,
			  int (*handle)(struct vcpu *, u64, u8, bool, u64 *))
{
	if (!size || base + size < base)
		return -EINVAL;
	if (vm->nr_mmio >= VM_MAX_MMIO_HANDLERS)
		return -ENOSPC;
	vm->mmio[vm->nr_mmio++] = (struct mmio_handler){ base, size, handle };
	return 0;
}

static s64 hc(u64 id, u64 a1, u64 a2)
{
	return hypercall_dispatch(mem_caller(), id, a1, a2);
}

static s64 irqline(u16 id, u32 gsi, u32 op)
{
	return hc(HC_SET_IRQLINE, id, ISLET_IRQLINE(gsi, op));
}

static struct vm *vm_of(u16 vmid)
{
	struct vm *vm = user_vm_get(vmid);

	user_vm_put(vm);
	return vm;
}

/* Guest accesses, through the handlers the VM registered. */
static const struct io_handler *io_at(struct vm *vm, u16 port)
{
	for (u32 i = 0; i < vm->nr_io; i++)
		if (port >= vm->io[i].base &&
		    port < vm->io[i].base + vm->io[i].len)
			return &vm->io[i];
	return NULL;
}

static void outb(struct vm *vm, u16 port, u8 v)
{
	const struct io_handler *h = io_at(vm, port);
	u32 x = v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->handle(&vm->vcpus[0], port, 1, false, &x), 0);
}

static void ioapic_write(struct vm *vm, u32 idx, u32 v)
{
	const struct mmio_handler *h = &vm->mmio[0];
	u64 a = idx, b = v;

	CU_ASSERT_EQUAL(h->handle(&vm->vcpus[0], IOAPIC_REGSEL, 4, true, &a), 0);
	CU_ASSERT_EQUAL(h->handle(&vm->vcpus[0], IOAPIC_WINDOW, 4, true, &b), 0);
}

static void test_registered(void)
{
	u16 id;
	struct vm *vm;

	mem_setup();
	id = mem_create_vm(1);
	vm = vm_of(id);
	CU_ASSERT_EQUAL_FATAL(vm->nr_io, 3);
	CU_ASSERT_EQUAL(vm->io[0].base, 0x20);
	CU_ASSERT_EQUAL(vm->io[1].base, 0xa0);
	CU_ASSERT_EQUAL(vm->io[2].base, 0x4d0);
	for (u32 i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(vm->io[i].len, 2);
		CU_ASSERT_PTR_EQUAL(vm->io[i].handle, vpic_pio);
	}
	CU_ASSERT_EQUAL_FATAL(vm->nr_mmio, 2);
	CU_ASSERT_EQUAL(vm->mmio[0].base, 0xfec00000);
	CU_ASSERT_EQUAL(vm->mmio[0].size, 0x1000);
	CU_ASSERT_PTR_EQUAL(vm->mmio[0].handle, vioapic_mmio);
	CU_ASSERT_EQUAL(vm->mmio[1].base, 0xfee00000);
	CU_ASSERT_EQUAL(vm->mmio[1].size, 0x1000);
	CU_ASSERT_PTR_EQUAL(vm->mmio[1].handle, vlapic_mmio);
	/* both at power-on */
	CU_ASSERT_EQUAL(vm->vpic.chip[0].imr, 0xff);
	CU_ASSERT_EQUAL(vm->vioapic.rte[47], RTE_MASKED);
	mem_teardown();
}

static void test_routing(void)
{
	u16 id;
	struct vm *vm;

	mem_setup();
	id = mem_create_vm(1);
	vm = vm_of(id);
	fake_msgs_clear();
	fake_pic_raised = 0;

	/* ISA GSI: PIC IRQ n and IOAPIC pin n */
	CU_ASSERT_EQUAL(irqline(id, 4, ISLET_IRQLINE_SET_HIGH), 0);
	CU_ASSERT_EQUAL(vm->vpic.chip[0].pin, BIT(4));
	CU_ASSERT_EQUAL(vm->vioapic.line, BIT(4));
	CU_ASSERT_EQUAL(irqline(id, 12, ISLET_IRQLINE_SET_HIGH), 0);
	CU_ASSERT_EQUAL(vm->vpic.chip[1].pin, BIT(4));
	CU_ASSERT_EQUAL(vm->vioapic.line, BIT(4) | BIT(12));
	CU_ASSERT_EQUAL(irqline(id, 15, ISLET_IRQLINE_FALLING_PULSE), 0);
	CU_ASSERT_EQUAL(vm->vpic.chip[1].pin, BIT(4) | BIT(7));
	CU_ASSERT_EQUAL(vm->vioapic.line, BIT(4) | BIT(12) | BIT(15));
	CU_ASSERT_EQUAL(irqline(id, 12, ISLET_IRQLINE_SET_LOW), 0);
	CU_ASSERT_EQUAL(vm->vpic.chip[1].pin, BIT(7));
	CU_ASSERT_EQUAL(vm->vioapic.line, BIT(4) | BIT(15));
	/* GSI 2: the PIC's IR2 is its cascade, the IOAPIC takes it */
	CU_ASSERT_EQUAL(irqline(id, 2, ISLET_IRQLINE_SET_HIGH), 0);
	CU_ASSERT_EQUAL(vm->vpic.chip[0].pin, BIT(4));
	CU_ASSERT_EQUAL(vm->vioapic.line, BIT(2) | BIT(4) | BIT(15));
	/* GSI 16-47: the IOAPIC only */
	CU_ASSERT_EQUAL(irqline(id, 16, ISLET_IRQLINE_SET_HIGH), 0);
	CU_ASSERT_EQUAL(irqline(id, 47, ISLET_IRQLINE_SET_HIGH), 0);
	CU_ASSERT_EQUAL(vm->vioapic.line,
			BIT(2) | BIT(4) | BIT(15) | BIT(16) | BIT(47));
	CU_ASSERT_EQUAL(vm->vpic.chip[0].pin, BIT(4));
	CU_ASSERT_EQUAL(vm->vpic.chip[1].pin, BIT(7));
	/* refused: the lines stay */
	CU_ASSERT_EQUAL(irqline(id, 48, ISLET_IRQLINE_SET_HIGH), -EINVAL);
	CU_ASSERT_EQUAL(irqline(id, 5, 4), -EINVAL);
	CU_ASSERT_EQUAL(irqline(id + 1, 5, ISLET_IRQLINE_SET_HIGH), -EINVAL);
	CU_ASSERT_EQUAL(irqline(0, 5, ISLET_IRQLINE_SET_HIGH), -EINVAL);
	CU_ASSERT_EQUAL(vm->vioapic.line,
			BIT(2) | BIT(4) | BIT(15) | BIT(16) | BIT(47));
	CU_ASSERT_EQUAL(fake_nr_msgs, 0);	/* all masked */
	CU_ASSERT_EQUAL(fake_pic_raised, 0);

	/* end to end: the guest unmasks, the device model pulses */
	ioapic_write(vm, IOAPIC_REG_RTE + 2 * 20 + 1, 0x01000000);
	ioapic_write(vm, IOAPIC_REG_RTE + 2 * 20, 0x45);
	CU_ASSERT_EQUAL(irqline(id, 20, ISLET_IRQLINE_RAISING_PULSE), 0);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_EQUAL(fake_msgs[0].vector, 0x45);
	CU_ASSERT_EQUAL(fake_msgs[0].dest, 1);
	outb(vm, 0x21, 0xf7);			/* PIC IRQ 3 unmasked */
	CU_ASSERT_EQUAL(irqline(id, 3, ISLET_IRQLINE_RAISING_PULSE), 0);
	CU_ASSERT_EQUAL(fake_pic_raised, 1);
	CU_ASSERT_TRUE(vpic_intr_pending(vm));
	CU_ASSERT_EQUAL(vpic_intack(vm), 0x0b);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);	/* IOAPIC pin 3 masked */

	/* reset: both back to power-on, lines low */
	CU_ASSERT_EQUAL(hc(HC_PAUSE_VM, id, 0), 0);
	CU_ASSERT_EQUAL(hc(HC_RESET_VM, id, 0), 0);
	CU_ASSERT_EQUAL(vm->vioapic.line, 0);
	CU_ASSERT_EQUAL(vm->vioapic.rte[20], RTE_MASKED);
	CU_ASSERT_EQUAL(vm->vpic.chip[0].pin, 0);
	CU_ASSERT_EQUAL(vm->vpic.chip[1].pin, 0);
	CU_ASSERT_EQUAL(vm->vpic.chip[0].imr, 0xff);
	CU_ASSERT_EQUAL(vm->vpic.chip[0].isr, 0);
	CU_ASSERT_FALSE(vpic_intr_pending(vm));
	mem_teardown();
}

int register_irqline_tests(void)
{
	static const struct unit_test tests[] = {
		{ "PIC ports and IOAPIC page registered", test_registered },
		{ "SET_IRQLINE routing, reset", test_routing },
	};

	return UNIT_SUITE("irqline", tests);
}
