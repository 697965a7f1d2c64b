// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's ELF and multiboot v1 loader (-E; boot.h), after the
 * Multiboot Specification 0.6.96, 3.2 (machine state) and 3.3 (boot
 * information).  Every field of the file is checked against the file's
 * size and the guest's RAM before it is used.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"

#define MB_HEADER_MAGIC		0x1badb002U
#define MB_HEADER_SEARCH	8192
#define MB_BOOT_MAGIC		0x2badb002U
#define MB_FLAG_AOUT_KLUDGE	0x00010000U
#define MB_INFO_MEM		0x1U
#define MB_INFO_CMDLINE		0x4U
#define MB_INFO_MEM_MAP		0x40U

#define X86_CR0_PE		0x1ULL
#define X86_CR0_ET		0x10ULL
#define X86_CR0_NE		0x20ULL
#define FLAT_CODE32_AR		0xc09bU	/* VMX access rights */

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t rest[17];
};

struct mb_mmap_entry {
	uint32_t size;		/* of the rest: 20 */
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

int dm_read_file(const char *path, size_t max, uint8_t **buf, size_t *size,
		 struct dm_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *b;
	size_t n = 0;

	if (fd < 0)
		return dm_fail(err, "cannot open %s: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return dm_fail(err, "%s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return dm_fail(err, "%s is larger than %zu MiB", path,
			       max >> 20);
	}
	/* As large as the file, not as the limit: a big limit must not
	 * cost memory. */
	b = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!b) {
		close(fd);
		return dm_fail(err, "%s: out of memory", path);
	}
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, b + n, (size_t)st.st_size - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			close(fd);
			free(b);
			return dm_fail(err, "cannot read %s: %s", path,
				       got ? strerror(errno) :
				       "it shrank while being read");
		}
		n += (size_t)got;
	}
	close(fd);
	*buf = b;
	*size = n;
	return 0;
}

/* The multiboot header's offset, -1 for none, -2 for one we refuse. */
static long find_header(const uint8_t *img, size_t size, struct dm_error *err)
{
	size_t end = size < MB_HEADER_SEARCH ? size : MB_HEADER_SEARCH;

	for (size_t o = 0; o + 12 <= end; o += 4) {
		uint32_t h[3];

		memcpy(h, img + o, sizeof(h));
		if (h[0] != MB_HEADER_MAGIC || h[0] + h[1] + h[2])
			continue;
		if (h[1] & MB_FLAG_AOUT_KLUDGE) {
			dm_fail(err, "the multiboot header asks for the a.out "
				"kludge (flags 0x%x): only ELF kernels load",
				h[1]);
			return -2;
		}
		return (long)o;
	}
	return -1;
}

struct segment {
	uint64_t type, off, paddr, filesz, memsz;
};

static void get_segment(const uint8_t *p, bool is64, struct segment *s)
{
	if (is64) {
		Elf64_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct segment){ ph.p_type, ph.p_offset, ph.p_paddr,
				       ph.p_filesz, ph.p_memsz };
	} else {
		Elf32_Phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct segment){ ph.p_type, ph.p_offset, ph.p_paddr,
				       ph.p_filesz, ph.p_memsz };
	}
}

static int load_segments(const struct dm_mem *mem, const uint8_t *img,
			 size_t size, uint64_t *entry, struct dm_error *err)
{
	bool is64 = img[EI_CLASS] == ELFCLASS64;
	uint64_t phoff, phnum, phentsize;
	unsigned int loaded = 0;

	if (is64) {
		Elf64_Ehdr eh;

		memcpy(&eh, img, sizeof(eh));
		if (eh.e_machine != EM_X86_64)
			return dm_fail(err, "an ELF64 file for machine %u, not "
				       "x86-64", eh.e_machine);
		phoff = eh.e_phoff, phnum = eh.e_phnum;
		phentsize = eh.e_phentsize, *entry = eh.e_entry;
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, img, sizeof(eh));
		if (img[EI_CLASS] != ELFCLASS32 || eh.e_machine != EM_386)
			return dm_fail(err, "an ELF file of class %u for "
				       "machine %u, not x86", img[EI_CLASS],
				       eh.e_machine);
		phoff = eh.e_phoff, phnum = eh.e_phnum;
		phentsize = eh.e_phentsize, *entry = eh.e_entry;
	}
	if (phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    phoff > size || phnum > (size - phoff) / phentsize)
		return dm_fail(err, "bad ELF program headers (%llu at 0x%llx)",
			       (unsigned long long)phnum,
			       (unsigned long long)phoff);
	for (uint64_t i = 0; i < phnum; i++) {
		struct segment s;
		uint8_t *dst;

		get_segment(img + phoff + i * phentsize, is64, &s);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		dst = s.paddr >= MB_LOAD_MIN ? dm_gpa(mem, s.paddr, s.memsz) :
					       NULL;
		if (s.filesz > s.memsz || s.off > size ||
		    s.filesz > size - s.off)
			return dm_fail(err, "ELF segment %llu is not inside the "
				       "file", (unsigned long long)i);
		if (!dst)
			return dm_fail(err, "ELF segment at 0x%llx (0x%llx "
				       "bytes) is not in the guest's RAM above "
				       "1 MiB", (unsigned long long)s.paddr,
				       (unsigned long long)s.memsz);
		memcpy(dst, img + s.off, s.filesz);
		memset(dst + s.filesz, 0, s.memsz - s.filesz);
		loaded++;
	}
	if (!loaded)
		return dm_fail(err, "the ELF file has no loadable segment");
	if (*entry > 0xffffffffULL || !dm_gpa(mem, *entry, 1))
		return dm_fail(err, "ELF entry point 0x%llx is not in RAM below "
			       "4 GiB", (unsigned long long)*entry);
	return 0;
}

/* The memory map: RAM below 640 KiB, RAM from 1 MiB, RAM above 4 GiB. */
static uint32_t write_mmap(const struct dm_mem *mem, uint8_t *dst)
{
	struct mb_mmap_entry e[3];
	unsigned int n = 0;

	e[n++] = (struct mb_mmap_entry){ 20, 0, 0x9fc00, 1 };
	e[n++] = (struct mb_mmap_entry){ 20, 0x100000,
					 mem->lowmem - 0x100000, 1 };
	if (mem->highmem)
		e[n++] = (struct mb_mmap_entry){ 20, DM_HIGHMEM_BASE,
						 mem->highmem, 1 };
	memcpy(dst, e, n * sizeof(e[0]));
	return n * (uint32_t)sizeof(e[0]);
}

static void set_regs(struct islet_regs *r, uint32_t entry, bool multiboot)
{
	memset(r, 0, sizeof(*r));
	r->gprs.rax = multiboot ? MB_BOOT_MAGIC : 0;
	r->gprs.rbx = multiboot ? MB_INFO_GPA : 0;
	r->gprs.rsp = MB_STACK_TOP;
	r->gdt.base = MB_GDT_GPA;
	r->gdt.limit = 3 * 8 - 1;
	r->rip = entry;
	r->cs_limit = 0xffffffff;
	r->cs_ar = FLAT_CODE32_AR;
	r->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	r->rflags = 0x2;
	r->cs_sel = 0x08;
	r->ss_sel = r->ds_sel = r->es_sel = r->fs_sel = r->gs_sel = 0x10;
}

int dm_load_elf(const struct dm_mem *mem, const uint8_t *img, size_t size,
		const char *cmdline, struct islet_regs *regs,
		struct dm_error *err)
{
	static const uint64_t gdt[3] = {
		0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
	};
	uint8_t *low = dm_gpa(mem, 0, MB_LOAD_MIN);
	struct mb_info info;
	uint64_t entry = 0;
	long header;

	if (!low || mem->lowmem < 2 * MB_LOAD_MIN)
		return dm_fail(err, "too little memory for an ELF kernel");
	if (size < sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG) ||
	    img[EI_DATA] != ELFDATA2LSB)
		return dm_fail(err, "not a little-endian ELF file");
	header = find_header(img, size, err);
	if (header == -2 || load_segments(mem, img, size, &entry, err))
		return -1;
	if (strlen(cmdline) >= DM_BOOTARGS_MAX)
		return dm_fail(err, "the command line is too long");

	memset(&info, 0, sizeof(info));
	info.flags = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MEM_MAP;
	info.mem_lower = 639;
	/* KiB from 1 MiB up to the first hole, as the specification says. */
	info.mem_upper = (uint32_t)((mem->lowmem - MB_LOAD_MIN) >> 10);
	info.cmdline = MB_CMDLINE_GPA;
	info.mmap_addr = MB_MMAP_GPA;
	info.mmap_length = write_mmap(mem, low + MB_MMAP_GPA);
	memcpy(low + MB_INFO_GPA, &info, sizeof(info));
	strcpy((char *)low + MB_CMDLINE_GPA, cmdline);
	memcpy(low + MB_GDT_GPA, gdt, sizeof(gdt));
	set_regs(regs, (uint32_t)entry, header >= 0);
	return 0;
}
