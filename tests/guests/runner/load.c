/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading a multiboot v1 kernel (ELF32 or ELF64) into a test VM's RAM and
 * the machine state it starts in (Multiboot Specification 0.6.96, 3.2):
 * 32-bit protected mode with flat segments, paging off, interrupts off,
 * EAX 0x2BADB002, EBX the information block.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

#define MB_HEADER_MAGIC		0x1badb002U
#define MB_HEADER_SEARCH	8192
#define MB_BOOT_MAGIC		0x2badb002U
#define MB_FLAG_AOUT_KLUDGE	0x00010000U
#define MB_INFO_MEM		0x1U
#define MB_INFO_CMDLINE		0x4U

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t rest[23];
};

/* A segment of @len bytes at @gpa fits between LOAD_MIN_GPA and the end
 * of RAM (below it are the runner's structures). */
static bool fits(uint64_t gpa, uint64_t len)
{
	return gpa >= LOAD_MIN_GPA && len <= GUEST_MEM_SIZE &&
	       gpa <= GUEST_MEM_SIZE - len;
}

static int fail(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The multiboot header: in the first 8 KiB, 4-byte aligned, checksum. */
static int check_header(const uint8_t *img, size_t size, char *why,
			size_t whylen)
{
	size_t end = size < MB_HEADER_SEARCH ? size : MB_HEADER_SEARCH;

	for (size_t o = 0; o + 12 <= end; o += 4) {
		uint32_t h[3];

		memcpy(h, img + o, sizeof(h));
		if (h[0] != MB_HEADER_MAGIC || h[0] + h[1] + h[2])
			continue;
		if (h[1] & MB_FLAG_AOUT_KLUDGE)
			return fail(why, whylen, "multiboot header at 0x%lx asks "
				    "for the a.out kludge (flags 0x%x): only "
				    "ELF is loaded", (unsigned long)o, h[1]);
		return 0;
	}
	return fail(why, whylen, "no multiboot v1 header in the first %d "
		    "bytes", MB_HEADER_SEARCH);
}

/* The PT_LOAD segments, ELF32 or ELF64, as (paddr, offset, filesz, memsz). */
static int load_segments(const uint8_t *img, size_t size, uint8_t *ram,
			 uint64_t *entry, char *why, size_t whylen)
{
	bool is64 = size >= EI_NIDENT && img[EI_CLASS] == ELFCLASS64;
	Elf64_Ehdr eh64;
	Elf32_Ehdr eh32;
	uint64_t phoff, phnum, phentsize;
	unsigned int loaded = 0;

	if (size < sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG) ||
	    img[EI_DATA] != ELFDATA2LSB)
		return fail(why, whylen, "not a little-endian ELF file");
	if (is64) {
		memcpy(&eh64, img, sizeof(eh64));
		if (eh64.e_machine != EM_X86_64)
			return fail(why, whylen, "ELF64 for machine %u",
				    eh64.e_machine);
		phoff = eh64.e_phoff;
		phnum = eh64.e_phnum;
		phentsize = eh64.e_phentsize;
		*entry = eh64.e_entry;
	} else {
		memcpy(&eh32, img, sizeof(eh32));
		if (img[EI_CLASS] != ELFCLASS32 || eh32.e_machine != EM_386)
			return fail(why, whylen, "ELF class %u machine %u",
				    img[EI_CLASS], eh32.e_machine);
		phoff = eh32.e_phoff;
		phnum = eh32.e_phnum;
		phentsize = eh32.e_phentsize;
		*entry = eh32.e_entry;
	}
	if (phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    phoff > size || phnum > (size - phoff) / phentsize)
		return fail(why, whylen, "bad program headers (%lu at 0x%lx)",
			    (unsigned long)phnum, (unsigned long)phoff);
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *p = img + phoff + i * phentsize;
		uint64_t type, off, paddr, filesz, memsz;

		if (is64) {
			Elf64_Phdr ph;

			memcpy(&ph, p, sizeof(ph));
			type = ph.p_type, off = ph.p_offset, paddr = ph.p_paddr;
			filesz = ph.p_filesz, memsz = ph.p_memsz;
		} else {
			Elf32_Phdr ph;

			memcpy(&ph, p, sizeof(ph));
			type = ph.p_type, off = ph.p_offset, paddr = ph.p_paddr;
			filesz = ph.p_filesz, memsz = ph.p_memsz;
		}
		if (type != PT_LOAD || !memsz)
			continue;
		if (filesz > memsz || off > size || filesz > size - off ||
		    !fits(paddr, memsz))
			return fail(why, whylen, "segment at 0x%lx (0x%lx bytes) "
				    "is not inside RAM from 1 MiB, or not in the "
				    "file", (unsigned long)paddr,
				    (unsigned long)memsz);
		memcpy(ram + paddr, img + off, filesz);
		memset(ram + paddr + filesz, 0, memsz - filesz);
		loaded++;
	}
	if (!loaded)
		return fail(why, whylen, "no PT_LOAD segment");
	if (*entry < LOAD_MIN_GPA || *entry >= GUEST_MEM_SIZE)
		return fail(why, whylen, "entry 0x%lx outside RAM",
			    (unsigned long)*entry);
	return 0;
}

static void set_regs(struct islet_vcpu_regs *regs, uint32_t entry)
{
	struct islet_regs *r = &regs->vcpu_regs;

	memset(regs, 0, sizeof(*regs));
	regs->vcpu_id = 0;
	r->gprs.rax = MB_BOOT_MAGIC;
	r->gprs.rbx = MB_INFO_GPA;
	r->gprs.rsp = BOOT_STACK_GPA;
	r->gdt.base = BOOT_GDT_GPA;
	r->gdt.limit = 3 * 8 - 1;
	r->rip = entry;
	r->cs_base = 0;
	r->cs_limit = 0xffffffff;
	r->cs_ar = GUEST_CS_AR;
	r->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	r->rflags = 0x2;
	r->cs_sel = 0x08;
	r->ss_sel = r->ds_sel = r->es_sel = r->fs_sel = r->gs_sel = 0x10;
}

int guest_load(const char *path, const char *args, uint8_t *ram,
	       struct islet_vcpu_regs *regs, char *why, size_t whylen)
{
	static uint8_t img[GUEST_MEM_SIZE];
	static const uint64_t gdt[3] = {
		0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
	};
	struct mb_info info;
	uint64_t entry = 0;
	size_t size;
	FILE *f = fopen(path, "rb");

	if (!f)
		return fail(why, whylen, "cannot open %s", path);
	size = fread(img, 1, sizeof(img), f);
	fclose(f);
	if (check_header(img, size, why, whylen) ||
	    load_segments(img, size, ram, &entry, why, whylen))
		return -1;
	if (strlen(args) >= MB_CMDLINE_MAX)
		return fail(why, whylen, "args longer than %d bytes",
			    MB_CMDLINE_MAX - 1);

	memset(&info, 0, sizeof(info));
	info.flags = MB_INFO_MEM | MB_INFO_CMDLINE;
	info.mem_lower = 640;
	info.mem_upper = (GUEST_MEM_SIZE - 0x100000) / 1024;
	info.cmdline = MB_CMDLINE_GPA;
	memcpy(ram + MB_INFO_GPA, &info, sizeof(info));
	strcpy((char *)ram + MB_CMDLINE_GPA, args);
	memcpy(ram + BOOT_GDT_GPA, gdt, sizeof(gdt));
	set_regs(regs, (uint32_t)entry);
	return 0;
}
