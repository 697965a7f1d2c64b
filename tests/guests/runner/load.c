/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading a test kernel into a test VM's RAM: islet-dm's multiboot/ELF
 * loader (devicemodel/boot/elf.c) over the runner's GUEST_MEM_SIZE of RAM
 * at GPA 0, so that the runner and `islet-dm -E` start a kernel the same
 * way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "runner.h"

int guest_load(const char *path, const char *args, uint8_t *ram,
	       struct islet_vcpu_regs *regs, char *why, size_t whylen)
{
	struct dm_error err = { { 0 } };
	struct dm_mem mem = { 0 };
	uint8_t *img;
	size_t size;
	int ret;

	dm_mem_layout(&mem, GUEST_MEM_SIZE);
	mem.base = ram;
	memset(regs, 0, sizeof(*regs));
	ret = dm_read_file(path, GUEST_MEM_SIZE, &img, &size, &err);
	if (!ret) {
		ret = dm_load_elf(&mem, img, size, args, &regs->vcpu_regs,
				  &err);
		free(img);
	}
	if (ret)
		snprintf(why, whylen, "%s", err.msg);
	return ret;
}
