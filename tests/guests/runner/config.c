/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guests.cfg, in the manner of kvm-unit-tests' unittests.cfg:
 *
 *   # a comment
 *   [apic]                 the test's name
 *   file = apic.elf        the kernel (next to the configuration)
 *   smp = 1                vCPUs, 1 or 2 (default 1)
 *   timeout = 10           seconds (default 10)
 *   args = timer x2apic    the multiboot command line (default empty)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int set_key(struct guest_test *t, const char *key, const char *val)
{
	char *end;
	unsigned long n;

	if (!strcmp(key, "file") || !strcmp(key, "args")) {
		char *dst = key[0] == 'f' ? t->file : t->args;
		size_t size = key[0] == 'f' ? sizeof(t->file) : sizeof(t->args);

		if (strlen(val) >= size)
			return -1;
		strcpy(dst, val);
		return 0;
	}
	n = strtoul(val, &end, 10);
	if (*end || end == val)
		return -1;
	if (!strcmp(key, "smp") && n >= 1 && n <= 2) {
		t->smp = (unsigned int)n;
		return 0;
	}
	if (!strcmp(key, "timeout") && n >= 1 && n <= 3600) {
		t->timeout = (unsigned int)n;
		return 0;
	}
	return -1;
}

int config_parse(const char *path, struct guest_test *tests,
		 unsigned int *ntests)
{
	FILE *f = fopen(path, "r");
	struct guest_test *t = NULL;
	char buf[512];
	int lineno = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	*ntests = 0;
	while (fgets(buf, sizeof(buf), f)) {
		char *s = trim(buf), *eq;

		lineno++;
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');

			if (!close || close[1] || close - s - 1 < 1 ||
			    close - s - 1 >= (long)sizeof(t->name) ||
			    *ntests == MAX_TESTS)
				goto bad;
			t = &tests[(*ntests)++];
			memset(t, 0, sizeof(*t));
			memcpy(t->name, s + 1, (size_t)(close - s - 1));
			t->smp = 1;
			t->timeout = 10;
			continue;
		}
		eq = strchr(s, '=');
		if (!t || !eq)
			goto bad;
		*eq = 0;
		if (set_key(t, trim(s), trim(eq + 1)))
			goto bad;
	}
	fclose(f);
	for (unsigned int i = 0; i < *ntests; i++) {
		if (!tests[i].file[0]) {
			fprintf(stderr, "%s: [%s] has no file\n", path,
				tests[i].name);
			return -1;
		}
	}
	return 0;
bad:
	fprintf(stderr, "%s:%d: not understood: %s\n", path, lineno, buf);
	fclose(f);
	return -1;
}
