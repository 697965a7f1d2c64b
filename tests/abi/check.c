#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "check.h"

#define MAX_CHECKED	256

static const char *checked[MAX_CHECKED];
static unsigned int nchecked;

static void remember(const char *name)
{
	if (strncmp(name, "struct ", 7) != 0 && strncmp(name, "ACRN_", 5) != 0 &&
	    strncmp(name, "PMCMD_", 6) != 0)
		return;
	if (upstream_checked(name))
		return;
	report(nchecked < MAX_CHECKED, __FILE__, __LINE__,
	       "too many upstream names, raise MAX_CHECKED");
	if (nchecked < MAX_CHECKED)
		checked[nchecked++] = name;
}

int upstream_checked(const char *name)
{
	for (unsigned int i = 0; i < nchecked; i++)
		if (strcmp(checked[i], name) == 0)
			return 1;
	return 0;
}

void report(int ok, const char *file, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* CUnit copies the message of a failure, so a stack buffer is fine. */
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file, "",
				CU_FALSE);
}

void layout_begin(struct layout *l, const char *ours, size_t ours_size,
		  size_t ours_align, const char *theirs, size_t theirs_size,
		  size_t theirs_align, const char *file, unsigned int line)
{
	memset(l, 0, sizeof(*l));
	l->ours = ours;
	l->theirs = theirs;
	l->size = ours_size;
	report(ours_size <= ABI_MAX_STRUCT, file, line,
	       "%s: %zu bytes, more than the test handles", ours, ours_size);
	if (l->size > ABI_MAX_STRUCT)
		l->size = ABI_MAX_STRUCT;
	if (!theirs)
		return;
	remember(theirs);
	report(ours_size == theirs_size, file, line,
	       "sizeof(%s) is %zu, sizeof(%s) is %zu", ours, ours_size,
	       theirs, theirs_size);
	report(ours_align == theirs_align, file, line,
	       "alignment of %s is %zu, of %s %zu", ours, ours_align, theirs,
	       theirs_align);
}

static void mark(struct layout *l, unsigned char *bytes, const char *field,
		 size_t off, size_t size, const char *file, unsigned int line)
{
	report(off + size <= l->size, file, line,
	       "%s.%s: bytes %zu..%zu lie beyond the structure (%zu bytes)",
	       l->ours, field, off, off + size - 1, l->size);
	for (size_t b = off; b < off + size && b < l->size; b++)
		bytes[b] = 1;
}

void layout_field(struct layout *l, const char *field, size_t ours_off,
		  size_t ours_size, size_t theirs_off, size_t theirs_size,
		  const char *file, unsigned int line)
{
	report(ours_off == theirs_off && ours_size == theirs_size, file, line,
	       "%s.%s: offset %zu size %zu, upstream offset %zu size %zu",
	       l->ours, field, ours_off, ours_size, theirs_off, theirs_size);
	mark(l, l->ours_bytes, field, ours_off, ours_size, file, line);
	mark(l, l->theirs_bytes, field, theirs_off, theirs_size, file, line);
}

void layout_own_field(struct layout *l, const char *field, size_t off,
		      size_t size, size_t want_off, const char *file,
		      unsigned int line)
{
	report(off == want_off, file, line, "%s.%s: offset %zu, must be %zu",
	       l->ours, field, off, want_off);
	mark(l, l->ours_bytes, field, off, size, file, line);
}

void layout_pad(struct layout *l, const char *field, size_t off, size_t size,
		const char *file, unsigned int line)
{
	report(strncmp(field, "pad", 3) == 0, file, line,
	       "%s.%s: padding fields are named padN", l->ours, field);
	mark(l, l->ours_bytes, field, off, size, file, line);
	mark(l, l->pad_bytes, field, off, size, file, line);
}

/* Report the first byte for which bad() holds, if any. */
static void first_bad_byte(const struct layout *l, const char *what,
			   int (*bad)(const struct layout *, size_t),
			   const char *file, unsigned int line)
{
	size_t b;

	for (b = 0; b < l->size; b++)
		if (bad(l, b))
			break;
	report(b == l->size, file, line, "%s: byte %zu %s", l->ours, b, what);
}

static int not_in_ours(const struct layout *l, size_t b)
{
	return !l->ours_bytes[b];
}

static int pad_over_upstream_field(const struct layout *l, size_t b)
{
	return l->pad_bytes[b] && l->theirs_bytes[b];
}

static int upstream_byte_unchecked(const struct layout *l, size_t b)
{
	return !l->pad_bytes[b] && !l->theirs_bytes[b];
}

void layout_end(struct layout *l, const char *file, unsigned int line)
{
	first_bad_byte(l, "belongs to no field listed in the test",
		       not_in_ours, file, line);
	if (!l->theirs)
		return;
	first_bad_byte(l, "is padding here but a field upstream",
		       pad_over_upstream_field, file, line);
	first_bad_byte(l,
		       "is neither an upstream field checked nor padding",
		       upstream_byte_unchecked, file, line);
}

void check_number(const char *ours, unsigned long long ours_value,
		  const char *theirs, unsigned long long theirs_value,
		  const char *file, unsigned int line)
{
	remember(theirs);
	report(ours_value == theirs_value, file, line,
	       "%s is %#llx, upstream %s is %#llx", ours, ours_value, theirs,
	       theirs_value);
}
