// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's configuration file: one VM, one "key = value" per line, '#'
 * starts a comment, blank lines are ignored (doc/devicemodel.md, "The
 * configuration file").  Each key is one command-line option:
 *
 *   name = vm1                       the VM name (the last argument)
 *   memory = 512M                    -m
 *   cpus = 1,2                       --cpu_affinity
 *   kernel = /boot/bzImage           -k
 *   initrd = /boot/initrd.img        -r
 *   elf = /guests/test.elf           -E
 *   cmdline = console=ttyS0 ...      -B (the rest of the line, as is)
 *   debugexit = yes | no             --debugexit
 *   com1 = stdio                     -l com1,stdio  (and com2)
 *   device = 3,virtio-blk,disk.img   -s (once per device)
 *
 * An unknown key, a key given twice (except device) or a bad value is an
 * error naming the file and line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CONFIG_FILE_MAX		(64 * 1024)

enum key {
	K_NAME, K_MEMORY, K_CPUS, K_KERNEL, K_INITRD, K_ELF, K_CMDLINE,
	K_DEBUGEXIT, K_COM1, K_COM2, K_DEVICE, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_NAME] = "name", [K_MEMORY] = "memory", [K_CPUS] = "cpus",
	[K_KERNEL] = "kernel", [K_INITRD] = "initrd", [K_ELF] = "elf",
	[K_CMDLINE] = "cmdline", [K_DEBUGEXIT] = "debugexit",
	[K_COM1] = "com1", [K_COM2] = "com2", [K_DEVICE] = "device",
};

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r'))
		*--end = 0;
	return s;
}

static int apply(enum key k, const char *v, struct dm_config *c,
		 struct dm_error *err)
{
	char lpc[DM_PATH_MAX + 16];

	switch (k) {
	case K_NAME:
		return dm_set_string(c->name, sizeof(c->name), v, "name", err);
	case K_MEMORY:
		return dm_parse_size(v, &c->mem_size, err);
	case K_CPUS:
		return dm_parse_cpu_list(v, &c->cpu_affinity, err);
	case K_KERNEL:
		return dm_set_string(c->kernel, sizeof(c->kernel), v, "kernel",
				     err);
	case K_INITRD:
		return dm_set_string(c->ramdisk, sizeof(c->ramdisk), v,
				     "initrd", err);
	case K_ELF:
		return dm_set_string(c->elf, sizeof(c->elf), v, "elf", err);
	case K_CMDLINE:
		return dm_set_string(c->bootargs, sizeof(c->bootargs), v,
				     "cmdline", err);
	case K_DEBUGEXIT:
		if (!strcmp(v, "yes") || !strcmp(v, "no")) {
			c->debugexit = !strcmp(v, "yes");
			return 0;
		}
		return dm_fail(err, "debugexit is yes or no, not \"%s\"", v);
	case K_COM1:
	case K_COM2:
		snprintf(lpc, sizeof(lpc), "%s,%s", key_names[k], v);
		return dm_add_lpc(c, lpc, err);
	case K_DEVICE:
		return dm_add_slot(c, v, err);
	default:
		return dm_fail(err, "internal: key %d", k);
	}
}

int dm_config_text(const char *text, const char *name, struct dm_config *c,
		   struct dm_error *err)
{
	bool seen[K_COUNT] = { false };
	char *copy = strdup(text), *line, *next;
	unsigned int lineno = 0;
	struct dm_error e = { { 0 } };
	int ret = 0;

	if (!copy)
		return dm_fail(err, "%s: out of memory", name);
	for (line = copy; line && !ret; line = next) {
		char *eq, *key, *val, *hash;
		int k;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		hash = strchr(line, '#');
		/* A comment, except inside cmdline's value where '#' is
		 * just a character. */
		eq = strchr(line, '=');
		if (hash && (!eq || hash < eq)) {
			*hash = 0;
			eq = NULL;
		}
		key = trim(line);
		if (!*key)
			continue;
		if (!eq) {
			ret = dm_fail(&e, "no '=' (the form is key = value)");
			break;
		}
		*eq = 0;
		key = trim(key);
		val = trim(eq + 1);
		if (strcmp(key, "cmdline") && (hash = strchr(val, '#'))) {
			*hash = 0;
			val = trim(val);
		}
		for (k = 0; k < K_COUNT; k++)
			if (!strcmp(key, key_names[k]))
				break;
		if (k == K_COUNT) {
			ret = dm_fail(&e, "unknown key \"%s\"", key);
			break;
		}
		if (seen[k] && k != K_DEVICE) {
			ret = dm_fail(&e, "\"%s\" given twice", key);
			break;
		}
		seen[k] = true;
		ret = apply((enum key)k, val, c, &e);
	}
	free(copy);
	if (ret)
		return dm_fail(err, "%s:%u: %s", name, lineno, e.msg);
	return 0;
}

int dm_config_file(const char *path, struct dm_config *c,
		   struct dm_error *err)
{
	char *text;
	size_t len;
	FILE *f = fopen(path, "r");
	int ret;

	if (!f)
		return dm_fail(err, "cannot read the configuration file %s: "
			       "%s", path, strerror(errno));
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		return dm_fail(err, "%s: out of memory", path);
	}
	len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	fclose(f);
	if (len > CONFIG_FILE_MAX) {
		free(text);
		return dm_fail(err, "%s: longer than %d bytes", path,
			       CONFIG_FILE_MAX);
	}
	text[len] = 0;
	ret = dm_config_text(text, path, c, err);
	free(text);
	return ret;
}
