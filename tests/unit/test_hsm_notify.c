/* hypervisor/core/vpci_notify.c: the notification PCI function's
 * configuration space (PCI Local Bus 3.0, 6.1-6.2 and 6.8.1, the MSI
 * capability), seen through the type 1 ports as the Service VM sees it,
 * and the IPI its MSI becomes (Intel SDM vol. 3, 11.11: address
 * 0xfeexxxxx, destination id 19:12, destination mode bit 2; data vector
 * 7:0, delivery mode 10:8).  The expected writable bits are this file's
 * own table, written from the device's description in doc/hsm.md. */
#include <pthread.h>
#include <string.h>
#include "unit.h"
#include <islet/hypercall.h>
#include <asm/apic.h>
#include "vpci_notify.h"

#define DEV		0x1d

/* What a write may change, from the description: the command register's
 * I/O, memory, bus master and INTx disable bits; MSI enable; MSI address
 * (bits 1:0 are 0) and its upper half; the 16-bit MSI data. */
static u8 writable(u32 offset)
{
	switch (offset) {
	case 0x04: return 0x07;
	case 0x05: return 0x04;
	case 0x42: return 0x01;
	case 0x44: return 0xfc;
	case 0x45 ... 0x4d: return 0xff;
	default: return 0;
	}
}

static struct vpci_notify fn;

/* A config access as Linux makes it: CONFIG_ADDRESS, then the data port
 * at the offset's byte. */
static u32 cfg_read_f(u32 func, u32 offset, u8 size)
{
	u32 val = 0xdeadbeef;
	u32 cf8 = CF8_ADDR(DEV, func, offset);

	CU_ASSERT_TRUE(vpci_notify_port(&fn, cf8, (u16)(PCI_CONFIG_DATA + (offset & 3)),
					size, true, &val));
	return val;
}

static void cfg_write_f(u32 func, u32 offset, u8 size, u32 val)
{
	u32 cf8 = CF8_ADDR(DEV, func, offset);

	CU_ASSERT_TRUE(vpci_notify_port(&fn, cf8, (u16)(PCI_CONFIG_DATA + (offset & 3)),
					size, false, &val));
}

static u32 cfg_read(u32 offset, u8 size)
{
	return cfg_read_f(0, offset, size);
}

static void cfg_write(u32 offset, u8 size, u32 val)
{
	cfg_write_f(0, offset, size, val);
}

static void reset(void)
{
	vpci_notify_reset(&fn, DEV);
}

static void test_header(void)
{
	reset();
	CU_ASSERT_EQUAL(cfg_read(0x00, 2), ISLET_NOTIFY_PCI_VENDOR);
	CU_ASSERT_EQUAL(cfg_read(0x02, 2), ISLET_NOTIFY_PCI_DEVICE);
	CU_ASSERT_EQUAL(cfg_read(0x00, 4),
			ISLET_NOTIFY_PCI_DEVICE << 16 | ISLET_NOTIFY_PCI_VENDOR);
	CU_ASSERT_EQUAL(cfg_read(0x04, 2), 0);			/* command */
	CU_ASSERT_EQUAL(cfg_read(0x06, 2), 0x0010);		/* capability list */
	CU_ASSERT_EQUAL(cfg_read(0x08, 1), 1);			/* revision */
	CU_ASSERT_EQUAL(cfg_read(0x08, 4), ISLET_NOTIFY_PCI_CLASS << 8 | 1);
	CU_ASSERT_EQUAL(cfg_read(0x0b, 1), 0x08);		/* base class */
	CU_ASSERT_EQUAL(cfg_read(0x0e, 1), 0);			/* type 0, one function */
	CU_ASSERT_EQUAL(cfg_read(0x2c, 2), ISLET_NOTIFY_PCI_VENDOR);
	CU_ASSERT_EQUAL(cfg_read(0x2e, 2), ISLET_NOTIFY_PCI_DEVICE);
	CU_ASSERT_EQUAL(cfg_read(0x34, 1), 0x40);
	CU_ASSERT_EQUAL(cfg_read(0x3c, 2), 0);			/* line, pin 0 */
	for (u32 off = 0x10; off < 0x28; off += 4)
		CU_ASSERT_EQUAL(cfg_read(off, 4), 0);
	CU_ASSERT_EQUAL(cfg_read(0x30, 4), 0);			/* no ROM */
	/* after the capability, nothing */
	for (u32 off = 0x50; off < 0x100; off += 4)
		CU_ASSERT_EQUAL(cfg_read(off, 4), 0);
}

/* Every byte, written all-ones then all-zeros with each access size at
 * every offset it may take: only the writable bits follow. */
static void test_read_only(void)
{
	static const u8 sizes[] = { 1, 2, 4 };
	u8 before[VPCI_CFG_SIZE];
	unsigned bad = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		u8 size = sizes[s];

		for (u32 off = 0; off < VPCI_CFG_SIZE; off += size) {
			reset();
			for (u32 i = 0; i < VPCI_CFG_SIZE; i++)
				before[i] = (u8)cfg_read(i, 1);
			for (int pass = 0; pass < 2; pass++) {
				u32 v = pass ? 0 : 0xffffffff;

				cfg_write(off, size, v);
				for (u32 i = 0; i < VPCI_CFG_SIZE; i++) {
					u8 m = i >= off && i < off + size ? writable(i) : 0;
					u8 want = (u8)((before[i] & ~m) | ((u8)v & m));

					bad += (u8)cfg_read(i, 1) != want;
				}
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* How Linux sizes a BAR: all-ones, read back; 0 means no BAR. */
static void test_bars_size_to_none(void)
{
	reset();
	for (u32 off = 0x10; off <= 0x30; off += 4) {
		if (off == 0x28 || off == 0x2c)	/* CardBus CIS, subsystem */
			continue;
		cfg_write(off, 4, 0xffffffff);
		CU_ASSERT_EQUAL(cfg_read(off, 4), 0);
		cfg_write(off, 4, 0xfffffffe);	/* the ROM's sizing */
		CU_ASSERT_EQUAL(cfg_read(off, 4), 0);
	}
}

/* Walk the list as pci_find_capability() does: one MSI capability with a
 * 64-bit address, one vector, no per-vector masking; the list ends. */
static void test_capability_chain(void)
{
	u32 pos, msi = 0, n = 0;

	reset();
	CU_ASSERT_TRUE(cfg_read(0x06, 2) & BIT(4));
	pos = cfg_read(0x34, 1);
	while (pos >= 0x40 && n < 48) {
		CU_ASSERT_EQUAL(pos & 3, 0);
		if (cfg_read(pos, 1) == 0x05)
			msi = pos;
		n++;
		pos = cfg_read(pos + 1, 1) & 0xfc;
	}
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(pos, 0);
	CU_ASSERT_EQUAL(msi, 0x40);
	CU_ASSERT_EQUAL(cfg_read(msi + 2, 2), 0x0080);	/* 64-bit, MMC 0, enable 0 */
}

static void test_msi_round_trip(void)
{
	reset();
	/* address: byte by byte through 0xcfc-0xcff */
	cfg_write(0x44, 1, 0x0f);	/* bits 1:0 are not writable */
	cfg_write(0x45, 1, 0x30);
	cfg_write(0x46, 1, 0xe0);
	cfg_write(0x47, 1, 0xfe);
	CU_ASSERT_EQUAL(cfg_read(0x44, 4), 0xfee0300c);
	CU_ASSERT_EQUAL(cfg_read(0x46, 2), 0xfee0);
	/* upper address and data: words */
	cfg_write(0x48, 2, 0x1234);
	cfg_write(0x4a, 2, 0x5678);
	CU_ASSERT_EQUAL(cfg_read(0x48, 4), 0x56781234);
	cfg_write(0x48, 4, 0);
	cfg_write(0x4c, 2, 0x4041);
	CU_ASSERT_EQUAL(cfg_read(0x4c, 2), 0x4041);
	CU_ASSERT_EQUAL(cfg_read(0x4c, 4), 0x4041);	/* 0x4e-0x4f read 0 */
	cfg_write(0x4c, 4, 0xffff0031);
	CU_ASSERT_EQUAL(cfg_read(0x4c, 4), 0x0031);
	/* enable: a byte at 0x42; Multiple Message Enable stays 0 */
	cfg_write(0x42, 1, 0x71);
	CU_ASSERT_EQUAL(cfg_read(0x42, 2), 0x0081);
	CU_ASSERT_EQUAL(cfg_read(0x40, 4), 0x00810005);
	cfg_write(0x42, 2, 0x0000);
	CU_ASSERT_EQUAL(cfg_read(0x42, 2), 0x0080);
	/* a dword at the capability's start: only enable follows */
	cfg_write(0x40, 4, 0xffffffff);
	CU_ASSERT_EQUAL(cfg_read(0x40, 4), 0x00810005);
	/* command: a word */
	cfg_write(0x04, 2, 0xffff);
	CU_ASSERT_EQUAL(cfg_read(0x04, 2), 0x0407);
	CU_ASSERT_EQUAL(cfg_read(0x04, 4), 0x00100407);	/* status unchanged */
}

static void test_other_functions(void)
{
	static const u8 sizes[] = { 1, 2, 4 };

	reset();
	for (u32 func = 1; func < 8; func++) {
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			u32 all = sizes[s] == 4 ? 0xffffffff : (1U << (8 * sizes[s])) - 1;

			CU_ASSERT_EQUAL(cfg_read_f(func, 0x00, sizes[s]), all);
			CU_ASSERT_EQUAL(cfg_read_f(func, 0x40, sizes[s]), all);
			CU_ASSERT_EQUAL(cfg_read_f(func, 0xfc, sizes[s]), all);
		}
		cfg_write_f(func, 0x04, 2, 0x0007);
		cfg_write_f(func, 0x42, 2, 0x0001);
	}
	/* nothing reached function 0 */
	CU_ASSERT_EQUAL(cfg_read(0x04, 2), 0);
	CU_ASSERT_EQUAL(cfg_read(0x42, 2), 0x0080);
	/* direct calls: past the 256 bytes, all-ones too */
	CU_ASSERT_EQUAL(vpci_notify_cfg_read(&fn, 0, 0x100, 4), 0xffffffff);
	CU_ASSERT_EQUAL(vpci_notify_cfg_read(&fn, 0, 0xfff, 1), 0xff);
	vpci_notify_cfg_write(&fn, 0, 0x104, 4, 0);
}

/* Which accesses the type 1 ports give the device, and which the
 * hardware keeps. */
static void test_port_routing(void)
{
	u32 ours = CF8_ADDR(DEV, 0, 0), val = 0;

	reset();
	CU_ASSERT_TRUE(vpci_notify_port(&fn, ours, 0xcfc, 4, true, &val));
	CU_ASSERT_EQUAL(val, ISLET_NOTIFY_PCI_DEVICE << 16 | ISLET_NOTIFY_PCI_VENDOR);
	CU_ASSERT_TRUE(vpci_notify_port(&fn, ours, 0xcfe, 2, true, &val));
	CU_ASSERT_EQUAL(val, ISLET_NOTIFY_PCI_DEVICE);
	CU_ASSERT_TRUE(vpci_notify_port(&fn, ours, 0xcff, 1, true, &val));
	CU_ASSERT_EQUAL(val, ISLET_NOTIFY_PCI_DEVICE >> 8);
	/* another device, bus, or the enable bit clear: the hardware's */
	CU_ASSERT_FALSE(vpci_notify_port(&fn, CF8_ADDR(DEV - 1, 0, 0), 0xcfc, 4, true, &val));
	CU_ASSERT_FALSE(vpci_notify_port(&fn, CF8_ADDR(DEV + 1, 0, 0), 0xcfc, 4, true, &val));
	CU_ASSERT_FALSE(vpci_notify_port(&fn, ours | 1U << 16, 0xcfc, 4, true, &val));
	CU_ASSERT_FALSE(vpci_notify_port(&fn, ours & ~CF8_ENABLE, 0xcfc, 4, true, &val));
	/* CONFIG_ADDRESS and 0xcf9 are never the device's */
	for (u16 port = 0xcf8; port < 0xcfc; port++)
		CU_ASSERT_FALSE(vpci_notify_port(&fn, ours, port, 1, false, &val));
	CU_ASSERT_FALSE(vpci_notify_port(&fn, ours, 0xcf8, 4, true, &val));
	/* register bits 27:24 are offset 11:8: past the header */
	val = 0;
	CU_ASSERT_TRUE(vpci_notify_port(&fn, ours | 1U << 24, 0xcfc, 4, true, &val));
	CU_ASSERT_EQUAL(val, 0xffffffff);
	/* a write with the register in CONFIG_ADDRESS and the byte in the port */
	val = 0x01;
	CU_ASSERT_TRUE(vpci_notify_port(&fn, CF8_ADDR(DEV, 0, 0x40), 0xcfe, 1, false, &val));
	CU_ASSERT_EQUAL(vpci_notify_cfg_read(&fn, 0, 0x42, 1), 0x81);
}

/* ---- the MSI as an IPI ---- */

static u64 msi_addr(u8 dest, bool logical)
{
	return 0xfee00000U | (u32)dest << 12 | (logical ? BIT(2) : 0);
}

static void test_msi_decode(void)
{
	struct msi_ipi ipi;

	for (u32 dest = 0; dest < 256; dest++) {
		for (int logical = 0; logical < 2; logical++) {
			memset(&ipi, 0xa5, sizeof(ipi));
			CU_ASSERT_TRUE(msi_to_ipi(msi_addr((u8)dest, logical), 0x41, &ipi));
			CU_ASSERT_EQUAL(ipi.dest, dest);
			CU_ASSERT_EQUAL(ipi.low, 0x41 | (logical ? ICR_LOGICAL : 0));
		}
	}
	for (u32 vector = 16; vector < 256; vector++) {
		CU_ASSERT_TRUE(msi_to_ipi(msi_addr(3, false), vector, &ipi));
		CU_ASSERT_EQUAL(ipi.low, vector);
		CU_ASSERT_EQUAL(ICR_MODE(ipi.low), ICR_MODE_FIXED);
	}
	/* lowest priority is sent as fixed */
	CU_ASSERT_TRUE(msi_to_ipi(msi_addr(1, true), 0x100 | 0xec, &ipi));
	CU_ASSERT_EQUAL(ipi.low, 0xec | ICR_LOGICAL);
	CU_ASSERT_EQUAL(ipi.dest, 1);
	/* the redirection hint, the level and trigger bits, data's upper
	 * half: no effect on the IPI (an IPI is an edge, to the named CPUs) */
	CU_ASSERT_TRUE(msi_to_ipi(msi_addr(2, false) | BIT(3), 0xffff0000U | BIT(15) | BIT(14) | 0x33, &ipi));
	CU_ASSERT_EQUAL(ipi.low, 0x33);
	CU_ASSERT_EQUAL(ipi.dest, 2);
}

/* What must not become an IPI. */
static void test_msi_decode_refuses(void)
{
	struct msi_ipi ipi = { 0x11111111, 0x22222222 };

	for (u32 vector = 0; vector < 16; vector++)
		CU_ASSERT_FALSE(msi_to_ipi(msi_addr(0, false), vector, &ipi));
	/* SMI, reserved, NMI, INIT, reserved (SIPI in an ICR), ExtINT */
	for (u32 mode = 2; mode < 8; mode++)
		CU_ASSERT_FALSE(msi_to_ipi(msi_addr(0, false), mode << 8 | 0x40, &ipi));
	/* not the interrupt range: a plain memory write */
	CU_ASSERT_FALSE(msi_to_ipi(0, 0x40, &ipi));
	CU_ASSERT_FALSE(msi_to_ipi(0xfed00000, 0x40, &ipi));
	CU_ASSERT_FALSE(msi_to_ipi(0xfef00000, 0x40, &ipi));
	CU_ASSERT_FALSE(msi_to_ipi(0x1fee00000ULL, 0x40, &ipi));
	CU_ASSERT_FALSE(msi_to_ipi(0xfee00000ULL | 1ULL << 63, 0x40, &ipi));
	/* and nothing was written on refusal */
	CU_ASSERT_EQUAL(ipi.dest, 0x11111111);
	CU_ASSERT_EQUAL(ipi.low, 0x22222222);
}

/* Program the MSI as Linux does: address, upper address, data, then
 * enable; bus mastering from pci_set_master(). */
static void program(u64 addr, u16 data, bool enable, bool master)
{
	cfg_write(0x44, 4, (u32)addr);
	cfg_write(0x48, 4, (u32)(addr >> 32));
	cfg_write(0x4c, 2, data);
	cfg_write(0x42, 2, enable ? 1 : 0);
	cfg_write(0x04, 2, master ? 0x0406 : 0x0402);
}

static void test_msi_device(void)
{
	struct msi_ipi ipi;

	reset();
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));		/* after reset */
	program(msi_addr(1, true), 0x41, true, true);
	CU_ASSERT_TRUE(vpci_notify_msi(&fn, &ipi));
	CU_ASSERT_EQUAL(ipi.dest, 1);
	CU_ASSERT_EQUAL(ipi.low, 0x41 | ICR_LOGICAL);
	program(msi_addr(0x0f, false), 0xef, true, true);
	CU_ASSERT_TRUE(vpci_notify_msi(&fn, &ipi));
	CU_ASSERT_EQUAL(ipi.dest, 0x0f);
	CU_ASSERT_EQUAL(ipi.low, 0xef);
}

/* Disabled, or no bus mastering, or a message that is no interrupt:
 * nothing to send, whatever the address and data. */
static void test_msi_device_silent(void)
{
	struct msi_ipi ipi;

	reset();
	program(msi_addr(1, false), 0x41, false, true);
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));
	program(msi_addr(1, false), 0x41, true, false);
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));
	program(msi_addr(1, false), 0x0f, true, true);		/* vector 15 */
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));
	program(msi_addr(1, false), 0x441, true, true);		/* NMI */
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));
	program(0xfee01000ULL | 1ULL << 32, 0x41, true, true);	/* not 0xfeexxxxx */
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));
	/* enabled and valid, then disabled again (a byte write) */
	program(msi_addr(1, false), 0x41, true, true);
	CU_ASSERT_TRUE(vpci_notify_msi(&fn, &ipi));
	cfg_write(0x42, 1, 0);
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));
	/* other functions cannot enable it */
	cfg_write_f(1, 0x42, 1, 1);
	CU_ASSERT_FALSE(vpci_notify_msi(&fn, &ipi));
}

/* A dword write of the address is one update: a reader on another CPU
 * sees the old address or the new one, never a mix of their bytes.  A
 * race: without the lock it fails most runs (not all); with it, never. */
static int stop_writer;
static u32 writes;

static void *address_writer(void *arg)
{
	static const u32 addrs[2] = { 0xfee01000, 0xfee7e004 };

	while (!__atomic_load_n(&stop_writer, __ATOMIC_RELAXED)) {
		u32 i = __atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED);

		vpci_notify_cfg_write(&fn, 0, VPCI_MSI_CAP + MSI_ADDR_LO, 4, addrs[i & 1]);
	}
	return NULL;
}

static void test_msi_consistent(void)
{
	pthread_t t;
	unsigned bad = 0, seen[2] = { 0, 0 };
	struct msi_ipi ipi;

	reset();
	program(0xfee01000, 0x41, true, true);
	stop_writer = 0;
	writes = 0;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, address_writer, NULL), 0);
	/* At least 200,000 reads and writes, until both addresses were seen
	 * (with one core, reads and writes alternate by time slice). */
	for (u32 i = 0; i < 100000000 &&
	     (i < 200000 || __atomic_load_n(&writes, __ATOMIC_RELAXED) < 200000 ||
	      !seen[0] || !seen[1]); i++) {
		if (!vpci_notify_msi(&fn, &ipi)) {
			bad++;
			continue;
		}
		if (ipi.dest == 0x01 && ipi.low == 0x41)
			seen[0]++;
		else if (ipi.dest == 0x7e && ipi.low == (0x41 | ICR_LOGICAL))
			seen[1]++;
		else
			bad++;
	}
	__atomic_store_n(&stop_writer, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(seen[0] > 0 && seen[1] > 0);
}

static const struct unit_test tests[] = {
	{ "header fields", test_header },
	{ "read-only bits ignore writes (every offset, size)", test_read_only },
	{ "BAR sizing finds no BAR", test_bars_size_to_none },
	{ "capability list: one MSI capability", test_capability_chain },
	{ "MSI enable, address, data: byte/word/dword round trip", test_msi_round_trip },
	{ "other functions and offsets read all-ones", test_other_functions },
	{ "type 1 ports: the device's accesses and the hardware's", test_port_routing },
	{ "MSI address/data to IPI: physical, logical, vectors", test_msi_decode },
	{ "MSI decode refuses low vectors, modes, non-interrupt addresses", test_msi_decode_refuses },
	{ "device MSI as programmed", test_msi_device },
	{ "disabled MSI or no bus master: nothing sent", test_msi_device_silent },
	{ "address updates are seen whole", test_msi_consistent },
};

int register_hsm_notify_tests(void)
{
	return UNIT_SUITE("hsm notify device", tests);
}
