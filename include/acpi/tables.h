/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ACPI tables' layouts (ACPI 6.3, chapter 5.2), with their sizes and
 * the offsets that matter checked at compile time.  Two sides use them:
 * the hypervisor reads the firmware's tables (hypervisor/core/acpi.c) and
 * islet-dm writes a User VM's (devicemodel/hw/acpi.c).  They are the ACPI
 * specification's, not Islet's ABI (include/islet/), so they live apart;
 * like those headers they need only the compiler's <stddef.h> and
 * <stdint.h>, and compile freestanding as well as hosted.
 */
#ifndef ACPI_TABLES_H
#define ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_PACKED	__attribute__((packed))

struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: ACPI 2.0 and later */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum;		/* of all of it */
	uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

/* The ACPI 1.0 RSDP: its checksum covers these first bytes only. */
#define ACPI_RSDP_V1_LEN	offsetof(struct acpi_rsdp, length)
_Static_assert(ACPI_RSDP_V1_LEN == 20, "RSDP 1.0");

struct acpi_header {
	char signature[4];
	uint32_t length;		/* of the whole table */
	uint8_t revision;
	uint8_t checksum;		/* the table's bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_header) == 36, "table header");

/* Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;		/* 1: system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;		/* 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");

#define ACPI_GAS_IO		1
#define ACPI_ACCESS_BYTE	1
#define ACPI_ACCESS_WORD	2
#define ACPI_ACCESS_DWORD	3

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;		/* the FACS */
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "FADT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244,
	       "FADT");

/* FADT flags. */
#define ACPI_FADT_WBINVD		(1U << 0)
#define ACPI_FADT_PROC_C1		(1U << 2)
#define ACPI_FADT_PWR_BUTTON		(1U << 4)  /* 1: no fixed button */
#define ACPI_FADT_SLP_BUTTON		(1U << 5)  /* 1: no fixed button */
#define ACPI_FADT_FIX_RTC		(1U << 6)  /* 1: no RTC_STS */
#define ACPI_FADT_TMR_VAL_EXT		(1U << 8)  /* 32-bit PM timer */
#define ACPI_FADT_RESET_REG_SUP		(1U << 10)
#define ACPI_FADT_HW_REDUCED		(1U << 20)

/* IA-PC boot architecture flags. */
#define ACPI_BOOT_LEGACY_DEVICES	(1U << 0)
#define ACPI_BOOT_8042			(1U << 1)
#define ACPI_BOOT_NO_VGA		(1U << 2)
#define ACPI_BOOT_NO_CMOS_RTC		(1U << 5)

struct acpi_facs {
	char signature[4];		/* "FACS" */
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_address;
	uint32_t flags;			/* PCAT_COMPAT: there are PICs */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");

#define ACPI_MADT_PCAT_COMPAT		(1U << 0)

enum acpi_madt_type {
	ACPI_MADT_LAPIC = 0,
	ACPI_MADT_IOAPIC = 1,
	ACPI_MADT_OVERRIDE = 2,
	ACPI_MADT_LAPIC_NMI = 4,
	ACPI_MADT_X2APIC = 9,
	ACPI_MADT_X2APIC_NMI = 10,
};

struct acpi_madt_lapic {
	uint8_t type, length;
	uint8_t uid;			/* ACPI processor UID */
	uint8_t apic_id;
	uint32_t flags;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC");

/* Local (x2)APIC flags: a CPU that runs, or that can be brought online. */
#define ACPI_MADT_ENABLED		(1U << 0)
#define ACPI_MADT_ONLINE_CAPABLE	(1U << 1)

struct acpi_madt_x2apic {
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t uid;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC");

struct acpi_madt_ioapic {
	uint8_t type, length;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC");

struct acpi_madt_override {
	uint8_t type, length;
	uint8_t bus;			/* 0: ISA */
	uint8_t source;			/* the ISA IRQ */
	uint32_t gsi;
	uint16_t flags;			/* MPS INTI flags */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_override) == 10, "MADT override");

/* MPS INTI flags: polarity (bits 1:0) and trigger mode (bits 3:2). */
#define ACPI_INTI_ACTIVE_HIGH		0x1
#define ACPI_INTI_EDGE			0x4
#define ACPI_INTI_LEVEL			0xc

struct acpi_madt_lapic_nmi {
	uint8_t type, length;
	uint8_t uid;			/* 0xff: all processors */
	uint16_t flags;
	uint8_t lint;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT NMI");

struct acpi_madt_x2apic_nmi {
	uint8_t type, length;
	uint16_t flags;
	uint32_t uid;			/* ~0: all processors */
	uint8_t lint;
	uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12,
	       "MADT x2APIC NMI");

struct acpi_mcfg {
	struct acpi_header h;
	uint64_t reserved;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG");

struct acpi_mcfg_entry {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus, end_bus;
	uint32_t reserved;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg_entry) == 16, "MCFG entry");

#endif /* ACPI_TABLES_H */
