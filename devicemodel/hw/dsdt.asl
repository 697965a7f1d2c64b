// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's DSDT: the part of the machine that ACPI describes with AML
 * rather than with fixed tables (acpi.c builds those).  It is static,
 * compiled by iasl at build time and embedded into islet-dm as is
 * (dsdt_aml.S): nothing in it depends on the VM's size or CPUs, which the
 * MADT gives.  Processors need no objects here: Linux takes them from the
 * MADT, and there are no C-states or P-states to describe.
 *
 * The values below are islet-dm's fixed platform and must agree with the
 * C side: the PCI windows, ECAM and INTx routing with hw/pci.h, the PM
 * ports with hw/pm.c, the ISA devices with hw/lpc.c and the RTC/PIT.
 * tests/dm/test_acpi.c reads them back from the AML and checks them
 * against those headers.
 */
DefinitionBlock ("", "DSDT", 2, "ISLET", "ISLETDM", 1)
{
	/*
	 * S5 only: SLP_TYP 5, as pm.c (ISLET_VM_PM1A_SLP_TYP_S5) powers off
	 * on.  Without _S3 and _S4 the OS offers no suspend or hibernation,
	 * which islet-dm could not resume from.
	 */
	Name (_S5, Package () { 5, 5, Zero, Zero })

	Scope (_SB)
	{
		/* The host bridge: PCI bus 0, reached through ECAM (MCFG). */
		Device (PCI0)
		{
			Name (_HID, EisaId ("PNP0A08"))	/* PCI Express root */
			Name (_CID, EisaId ("PNP0A03"))	/* PCI root */
			Name (_SEG, Zero)
			Name (_BBN, Zero)
			Name (_UID, Zero)

			/*
			 * What the bridge decodes: bus 0 alone; the legacy
			 * ports below the configuration ports (the ISA
			 * devices live there); the ports and the 32-bit MMIO
			 * window hw/pci.c gives BARs from
			 * (DM_PCI_IO_BASE..LIMIT, DM_PCI_MMIO_BASE/SIZE).
			 */
			Name (_CRS, ResourceTemplate ()
			{
				WordBusNumber (ResourceProducer, MinFixed,
					MaxFixed, PosDecode,
					0x0000, 0x0000, 0x0000, 0x0000, 0x0001)
				IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
				WordIO (ResourceProducer, MinFixed, MaxFixed,
					PosDecode, EntireRange,
					0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
				WordIO (ResourceProducer, MinFixed, MaxFixed,
					PosDecode, EntireRange,
					0x0000, 0x2000, 0xFFFF, 0x0000, 0xE000)
				DWordMemory (ResourceProducer, PosDecode,
					MinFixed, MaxFixed, NonCacheable,
					ReadWrite, 0x00000000, 0xC0000000,
					0xDFFFFFFF, 0x00000000, 0x20000000)
			})

			/*
			 * There is no firmware to keep any PCIe feature for
			 * itself (hot plug, PME, AER, ...), so the OS gets all
			 * the control it asks for, and Linux has no _OSC
			 * failure to report.  A count below 3 leaves no
			 * control DWORD to answer in; an unknown UUID or
			 * revision is refused as the PCI Firmware
			 * Specification says.
			 */
			Method (_OSC, 4, NotSerialized)
			{
				CreateDWordField (Arg3, Zero, CDW1)
				If (Arg0 != ToUUID (
				    "33db4d5b-1ff7-401c-9657-7441c03dd766"))
				{
					CDW1 |= 0x04	/* unknown UUID */
				}
				ElseIf (Arg1 != One)
				{
					CDW1 |= 0x08	/* unknown revision */
				}
				ElseIf (Arg2 < 3)
				{
					CDW1 |= 0x02	/* _OSC failure */
				}
				Return (Arg3)
			}

			/*
			 * INTx routing, as hw/pci.h's DM_PCI_INTX_GSI(): pin
			 * INTA..INTD (0..3 here, 1..4 there) of slot s goes
			 * to GSI 16 + (s + pin) % 32 of the IOAPIC, level,
			 * active high.  The pins rotate with the slot, as on
			 * a PC, so that single-function devices (which all
			 * use INTA) spread over the IOAPIC's inputs.
			 */
			Name (_PRT, Package ()
			{
			Package () { 0x0000FFFF, 0, Zero, 16 },
			Package () { 0x0000FFFF, 1, Zero, 17 },
			Package () { 0x0000FFFF, 2, Zero, 18 },
			Package () { 0x0000FFFF, 3, Zero, 19 },
			Package () { 0x0001FFFF, 0, Zero, 17 },
			Package () { 0x0001FFFF, 1, Zero, 18 },
			Package () { 0x0001FFFF, 2, Zero, 19 },
			Package () { 0x0001FFFF, 3, Zero, 20 },
			Package () { 0x0002FFFF, 0, Zero, 18 },
			Package () { 0x0002FFFF, 1, Zero, 19 },
			Package () { 0x0002FFFF, 2, Zero, 20 },
			Package () { 0x0002FFFF, 3, Zero, 21 },
			Package () { 0x0003FFFF, 0, Zero, 19 },
			Package () { 0x0003FFFF, 1, Zero, 20 },
			Package () { 0x0003FFFF, 2, Zero, 21 },
			Package () { 0x0003FFFF, 3, Zero, 22 },
			Package () { 0x0004FFFF, 0, Zero, 20 },
			Package () { 0x0004FFFF, 1, Zero, 21 },
			Package () { 0x0004FFFF, 2, Zero, 22 },
			Package () { 0x0004FFFF, 3, Zero, 23 },
			Package () { 0x0005FFFF, 0, Zero, 21 },
			Package () { 0x0005FFFF, 1, Zero, 22 },
			Package () { 0x0005FFFF, 2, Zero, 23 },
			Package () { 0x0005FFFF, 3, Zero, 24 },
			Package () { 0x0006FFFF, 0, Zero, 22 },
			Package () { 0x0006FFFF, 1, Zero, 23 },
			Package () { 0x0006FFFF, 2, Zero, 24 },
			Package () { 0x0006FFFF, 3, Zero, 25 },
			Package () { 0x0007FFFF, 0, Zero, 23 },
			Package () { 0x0007FFFF, 1, Zero, 24 },
			Package () { 0x0007FFFF, 2, Zero, 25 },
			Package () { 0x0007FFFF, 3, Zero, 26 },
			Package () { 0x0008FFFF, 0, Zero, 24 },
			Package () { 0x0008FFFF, 1, Zero, 25 },
			Package () { 0x0008FFFF, 2, Zero, 26 },
			Package () { 0x0008FFFF, 3, Zero, 27 },
			Package () { 0x0009FFFF, 0, Zero, 25 },
			Package () { 0x0009FFFF, 1, Zero, 26 },
			Package () { 0x0009FFFF, 2, Zero, 27 },
			Package () { 0x0009FFFF, 3, Zero, 28 },
			Package () { 0x000AFFFF, 0, Zero, 26 },
			Package () { 0x000AFFFF, 1, Zero, 27 },
			Package () { 0x000AFFFF, 2, Zero, 28 },
			Package () { 0x000AFFFF, 3, Zero, 29 },
			Package () { 0x000BFFFF, 0, Zero, 27 },
			Package () { 0x000BFFFF, 1, Zero, 28 },
			Package () { 0x000BFFFF, 2, Zero, 29 },
			Package () { 0x000BFFFF, 3, Zero, 30 },
			Package () { 0x000CFFFF, 0, Zero, 28 },
			Package () { 0x000CFFFF, 1, Zero, 29 },
			Package () { 0x000CFFFF, 2, Zero, 30 },
			Package () { 0x000CFFFF, 3, Zero, 31 },
			Package () { 0x000DFFFF, 0, Zero, 29 },
			Package () { 0x000DFFFF, 1, Zero, 30 },
			Package () { 0x000DFFFF, 2, Zero, 31 },
			Package () { 0x000DFFFF, 3, Zero, 32 },
			Package () { 0x000EFFFF, 0, Zero, 30 },
			Package () { 0x000EFFFF, 1, Zero, 31 },
			Package () { 0x000EFFFF, 2, Zero, 32 },
			Package () { 0x000EFFFF, 3, Zero, 33 },
			Package () { 0x000FFFFF, 0, Zero, 31 },
			Package () { 0x000FFFFF, 1, Zero, 32 },
			Package () { 0x000FFFFF, 2, Zero, 33 },
			Package () { 0x000FFFFF, 3, Zero, 34 },
			Package () { 0x0010FFFF, 0, Zero, 32 },
			Package () { 0x0010FFFF, 1, Zero, 33 },
			Package () { 0x0010FFFF, 2, Zero, 34 },
			Package () { 0x0010FFFF, 3, Zero, 35 },
			Package () { 0x0011FFFF, 0, Zero, 33 },
			Package () { 0x0011FFFF, 1, Zero, 34 },
			Package () { 0x0011FFFF, 2, Zero, 35 },
			Package () { 0x0011FFFF, 3, Zero, 36 },
			Package () { 0x0012FFFF, 0, Zero, 34 },
			Package () { 0x0012FFFF, 1, Zero, 35 },
			Package () { 0x0012FFFF, 2, Zero, 36 },
			Package () { 0x0012FFFF, 3, Zero, 37 },
			Package () { 0x0013FFFF, 0, Zero, 35 },
			Package () { 0x0013FFFF, 1, Zero, 36 },
			Package () { 0x0013FFFF, 2, Zero, 37 },
			Package () { 0x0013FFFF, 3, Zero, 38 },
			Package () { 0x0014FFFF, 0, Zero, 36 },
			Package () { 0x0014FFFF, 1, Zero, 37 },
			Package () { 0x0014FFFF, 2, Zero, 38 },
			Package () { 0x0014FFFF, 3, Zero, 39 },
			Package () { 0x0015FFFF, 0, Zero, 37 },
			Package () { 0x0015FFFF, 1, Zero, 38 },
			Package () { 0x0015FFFF, 2, Zero, 39 },
			Package () { 0x0015FFFF, 3, Zero, 40 },
			Package () { 0x0016FFFF, 0, Zero, 38 },
			Package () { 0x0016FFFF, 1, Zero, 39 },
			Package () { 0x0016FFFF, 2, Zero, 40 },
			Package () { 0x0016FFFF, 3, Zero, 41 },
			Package () { 0x0017FFFF, 0, Zero, 39 },
			Package () { 0x0017FFFF, 1, Zero, 40 },
			Package () { 0x0017FFFF, 2, Zero, 41 },
			Package () { 0x0017FFFF, 3, Zero, 42 },
			Package () { 0x0018FFFF, 0, Zero, 40 },
			Package () { 0x0018FFFF, 1, Zero, 41 },
			Package () { 0x0018FFFF, 2, Zero, 42 },
			Package () { 0x0018FFFF, 3, Zero, 43 },
			Package () { 0x0019FFFF, 0, Zero, 41 },
			Package () { 0x0019FFFF, 1, Zero, 42 },
			Package () { 0x0019FFFF, 2, Zero, 43 },
			Package () { 0x0019FFFF, 3, Zero, 44 },
			Package () { 0x001AFFFF, 0, Zero, 42 },
			Package () { 0x001AFFFF, 1, Zero, 43 },
			Package () { 0x001AFFFF, 2, Zero, 44 },
			Package () { 0x001AFFFF, 3, Zero, 45 },
			Package () { 0x001BFFFF, 0, Zero, 43 },
			Package () { 0x001BFFFF, 1, Zero, 44 },
			Package () { 0x001BFFFF, 2, Zero, 45 },
			Package () { 0x001BFFFF, 3, Zero, 46 },
			Package () { 0x001CFFFF, 0, Zero, 44 },
			Package () { 0x001CFFFF, 1, Zero, 45 },
			Package () { 0x001CFFFF, 2, Zero, 46 },
			Package () { 0x001CFFFF, 3, Zero, 47 },
			Package () { 0x001DFFFF, 0, Zero, 45 },
			Package () { 0x001DFFFF, 1, Zero, 46 },
			Package () { 0x001DFFFF, 2, Zero, 47 },
			Package () { 0x001DFFFF, 3, Zero, 16 },
			Package () { 0x001EFFFF, 0, Zero, 46 },
			Package () { 0x001EFFFF, 1, Zero, 47 },
			Package () { 0x001EFFFF, 2, Zero, 16 },
			Package () { 0x001EFFFF, 3, Zero, 17 },
			Package () { 0x001FFFFF, 0, Zero, 47 },
			Package () { 0x001FFFFF, 1, Zero, 16 },
			Package () { 0x001FFFFF, 2, Zero, 17 },
			Package () { 0x001FFFFF, 3, Zero, 18 }
			})

			/* COM1 and COM2 (hw/lpc.c). */
			Device (COM1)
			{
				Name (_HID, EisaId ("PNP0501"))
				Name (_UID, One)
				Name (_CRS, ResourceTemplate ()
				{
					IO (Decode16, 0x03F8, 0x03F8,
					    0x08, 0x08)
					IRQNoFlags () { 4 }
				})
			}

			Device (COM2)
			{
				Name (_HID, EisaId ("PNP0501"))
				Name (_UID, 2)
				Name (_CRS, ResourceTemplate ()
				{
					IO (Decode16, 0x02F8, 0x02F8,
					    0x08, 0x08)
					IRQNoFlags () { 3 }
				})
			}

			/* The CMOS RTC; the FADT gives its century byte. */
			Device (RTC)
			{
				Name (_HID, EisaId ("PNP0B00"))
				Name (_CRS, ResourceTemplate ()
				{
					IO (Decode16, 0x0070, 0x0070,
					    0x01, 0x02)
					IRQNoFlags () { 8 }
				})
			}

			/* The 8254 PIT, on GSI 0 (no override: identity). */
			Device (TIMR)
			{
				Name (_HID, EisaId ("PNP0100"))
				Name (_CRS, ResourceTemplate ()
				{
					IO (Decode16, 0x0040, 0x0040,
					    0x01, 0x04)
					IRQNoFlags () { 0 }
				})
			}
		}

		/*
		 * Motherboard resources: ports and memory that no device above
		 * claims but that are taken, so that the OS does not give them
		 * to anything else.  The PM registers (hw/pm.c: PM1a event and
		 * control, PM timer), port 0x61 (NMI status and speaker gate
		 * of the PIT's channel 2), port 0x64 (only its reset command:
		 * there is no 8042) and 0xcf9 (reset control); and the ECAM
		 * window, which Linux uses only when firmware reserves it.
		 */
		Device (MBRS)
		{
			Name (_HID, EisaId ("PNP0C02"))
			Name (_UID, Zero)
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x0400, 0x0400, 0x01, 0x0C)
				IO (Decode16, 0x0061, 0x0061, 0x01, 0x01)
				IO (Decode16, 0x0064, 0x0064, 0x01, 0x01)
				IO (Decode16, 0x0CF9, 0x0CF9, 0x01, 0x01)
				Memory32Fixed (ReadWrite,
					0xE0000000, 0x00100000)
			})
		}
	}
}
