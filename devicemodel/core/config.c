// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the values both configuration front ends parse, and the
 * checks of a whole configuration (config.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int dm_fail(struct dm_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err->msg[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int dm_set_string(char *dst, size_t size, const char *s, const char *what,
		  struct dm_error *err)
{
	if (strlen(s) >= size)
		return dm_fail(err, "%s is too long (at most %zu characters)",
			       what, size - 1);
	strcpy(dst, s);
	return 0;
}

int dm_parse_size(const char *s, uint64_t *bytes, struct dm_error *err)
{
	unsigned long long v;
	unsigned int shift = 20;	/* MiB without a suffix */
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno)
		goto bad;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	case 0:
		break;
	default:
		goto bad;
	}
	if (toupper((unsigned char)*end) == 'B')
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		goto bad;
	*bytes = (uint64_t)v << shift;
	return 0;
bad:
	return dm_fail(err, "bad memory size \"%s\" (examples: 512M, 2G; a "
		       "number alone is MiB)", s);
}

int dm_parse_cpu_list(const char *s, uint64_t *mask, struct dm_error *err)
{
	const char *p = s;
	uint64_t m = 0;

	if (!*s)
		goto bad;
	while (*p) {
		unsigned long lo, hi;
		char *end;

		if (!isdigit((unsigned char)*p))
			goto bad;
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				goto bad;
			hi = strtoul(p, &end, 10);
		}
		if (lo > hi || hi >= DM_MAX_CPUS)
			goto bad;
		for (unsigned long n = lo; n <= hi; n++)
			m |= 1ULL << n;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	*mask = m;
	return 0;
bad:
	return dm_fail(err, "bad CPU list \"%s\" (examples: 1 or 1,2 or 1-3; "
		       "CPUs 0 to %d)", s, DM_MAX_CPUS - 1);
}

/* "slot[:func]" at the start of @s; the rest after the comma in *rest. */
static int parse_bdf(const char *s, unsigned long *slot, unsigned long *func,
		     const char **rest)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	*slot = strtoul(s, &end, 0);
	*func = 0;
	if (*end == ':') {
		if (!isdigit((unsigned char)end[1]))
			return -1;
		*func = strtoul(end + 1, &end, 0);
	}
	if (*end != ',')
		return -1;
	*rest = end + 1;
	return 0;
}

int dm_add_slot(struct dm_config *c, const char *s, struct dm_error *err)
{
	unsigned long slot, func;
	struct dm_slot *d;
	const char *rest, *comma;
	size_t len;

	if (parse_bdf(s, &slot, &func, &rest))
		return dm_fail(err, "bad device \"%s\" (the form is "
			       "slot[:func],driver[,conf], e.g. "
			       "3,virtio-blk,disk.img)", s);
	if (slot >= DM_MAX_SLOTS || func >= DM_MAX_FUNCS)
		return dm_fail(err, "device \"%s\": slot %lu function %lu is "
			       "out of range (slots 0-%d, functions 0-%d)", s,
			       slot, func, DM_MAX_SLOTS - 1, DM_MAX_FUNCS - 1);
	for (unsigned int i = 0; i < c->nslots; i++)
		if (c->slots[i].slot == slot && c->slots[i].func == func)
			return dm_fail(err, "slot conflict: %lu:%lu is given to "
				       "%s and again by -s %s", slot, func,
				       c->slots[i].driver, s);
	if (c->nslots == DM_MAX_DEVICES)
		return dm_fail(err, "too many devices");
	d = &c->slots[c->nslots];
	memset(d, 0, sizeof(*d));
	comma = strchr(rest, ',');
	len = comma ? (size_t)(comma - rest) : strlen(rest);
	if (!len || len >= sizeof(d->driver))
		return dm_fail(err, "device \"%s\": no driver name, or one "
			       "too long", s);
	memcpy(d->driver, rest, len);
	if (comma && dm_set_string(d->conf, sizeof(d->conf), comma + 1,
				   "a device's configuration", err))
		return -1;
	d->slot = (uint8_t)slot;
	d->func = (uint8_t)func;
	c->nslots++;
	return 0;
}

int dm_add_lpc(struct dm_config *c, const char *s, struct dm_error *err)
{
	struct dm_uart_conf *u;
	const char *how;
	unsigned long port;
	char *end;
	int n;

	if (!strncasecmp(s, "com1,", 5))
		n = 0;
	else if (!strncasecmp(s, "com2,", 5))
		n = 1;
	else
		return dm_fail(err, "bad -l \"%s\" (the form is com1|com2,"
			       "stdio|pty|file:PATH|tcp:PORT)", s);
	u = &c->uart[n];
	how = s + 5;
	memset(u, 0, sizeof(*u));
	if (!strcmp(how, "stdio")) {
		for (int i = 0; i < DM_NUM_UARTS; i++)
			if (i != n && c->uart[i].backend == DM_UART_STDIO)
				return dm_fail(err, "-l \"%s\": COM%d already "
					       "uses stdio", s, i + 1);
		u->backend = DM_UART_STDIO;
	} else if (!strcmp(how, "pty")) {
		u->backend = DM_UART_PTY;
	} else if (!strncmp(how, "file:", 5) && how[5]) {
		u->backend = DM_UART_FILE;
		return dm_set_string(u->path, sizeof(u->path), how + 5,
				     "a UART's file name", err);
	} else if (!strncmp(how, "tcp:", 4)) {
		port = strtoul(how + 4, &end, 10);
		if (!isdigit((unsigned char)how[4]) || *end || !port ||
		    port > 65535)
			return dm_fail(err, "-l \"%s\": bad TCP port", s);
		u->backend = DM_UART_TCP;
		u->tcp_port = (uint16_t)port;
	} else {
		return dm_fail(err, "-l \"%s\": unknown backend \"%s\" "
			       "(stdio, pty, file:PATH or tcp:PORT)", s, how);
	}
	return 0;
}

int dm_config_finish(struct dm_config *c, struct dm_error *err)
{
	if (!c->name[0])
		return dm_fail(err, "no VM name (the last argument, or \"name\" "
			       "in the configuration file)");
	if (!c->kernel[0] && !c->elf[0])
		return dm_fail(err, "nothing to boot: give a kernel with -k "
			       "(bzImage) or -E (multiboot/ELF)");
	if (c->kernel[0] && c->elf[0])
		return dm_fail(err, "-k and -E both given: one boot image "
			       "only");
	if (c->ramdisk[0] && !c->kernel[0])
		return dm_fail(err, "-r needs -k: an initrd goes with a "
			       "bzImage");
	if (!c->mem_size)
		c->mem_size = DM_DEFAULT_MEM;
	if (c->mem_size < DM_MIN_MEM || (c->mem_size & 0xfffff))
		return dm_fail(err, "memory size %llu bytes: it must be at least "
			       "%llu MiB and a whole number of MiB",
			       (unsigned long long)c->mem_size,
			       (unsigned long long)(DM_MIN_MEM >> 20));
	return 0;
}
