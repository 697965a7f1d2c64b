/*
 * Checking helpers of the ABI test.
 *
 * A layout check walks one Islet structure field by field.  Each field is
 * compared with the same field of the upstream twin (SAME_FIELD: equal
 * offset and size), or is Islet's own spelled-out padding (PAD_FIELD), or,
 * for structures that have no upstream twin, is checked against the offset
 * the ABI promises (OWN_FIELD).  At the end every byte of the structure must
 * belong to some field, and the padding fields must cover exactly the bytes
 * that no upstream field covers; so a field missing from the list, on
 * either side, is a failure too.
 *
 * Every failure is reported through CUnit with a message that names the
 * structure, the field and both numbers.
 */
#ifndef ABI_TEST_CHECK_H
#define ABI_TEST_CHECK_H

#include <stddef.h>

#define ABI_MAX_STRUCT	4096

struct layout {
	const char *ours;
	const char *theirs;		/* NULL: no upstream twin */
	size_t size;
	unsigned char ours_bytes[ABI_MAX_STRUCT];
	unsigned char theirs_bytes[ABI_MAX_STRUCT];
	unsigned char pad_bytes[ABI_MAX_STRUCT];
};

void report(int ok, const char *file, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void layout_begin(struct layout *l, const char *ours, size_t ours_size,
		  size_t ours_align, const char *theirs, size_t theirs_size,
		  size_t theirs_align, const char *file, unsigned int line);
void layout_field(struct layout *l, const char *field, size_t ours_off,
		  size_t ours_size, size_t theirs_off, size_t theirs_size,
		  const char *file, unsigned int line);
void layout_own_field(struct layout *l, const char *field, size_t off,
		      size_t size, size_t want_off, const char *file,
		      unsigned int line);
void layout_pad(struct layout *l, const char *field, size_t off, size_t size,
		const char *file, unsigned int line);
void layout_end(struct layout *l, const char *file, unsigned int line);

#define FIELD_SIZE(type, f)	sizeof(((type *)0)->f)

#define LAYOUT_BEGIN(l, ours, theirs)					\
	layout_begin(l, #ours, sizeof(ours), __alignof__(ours), #theirs,	\
		     sizeof(theirs), __alignof__(theirs), __FILE__, __LINE__)
#define LAYOUT_BEGIN_OWN(l, ours)					\
	layout_begin(l, #ours, sizeof(ours), __alignof__(ours), NULL, 0, 0, \
		     __FILE__, __LINE__)
#define SAME_FIELD(l, ours, theirs, f)					\
	layout_field(l, #f, offsetof(ours, f), FIELD_SIZE(ours, f),	\
		     offsetof(theirs, f), FIELD_SIZE(theirs, f),		\
		     __FILE__, __LINE__)
#define OWN_FIELD(l, ours, f, off)					\
	layout_own_field(l, #f, offsetof(ours, f), FIELD_SIZE(ours, f),	\
			 off, __FILE__, __LINE__)
#define PAD_FIELD(l, ours, f)						\
	layout_pad(l, #f, offsetof(ours, f), FIELD_SIZE(ours, f),	\
		   __FILE__, __LINE__)
#define LAYOUT_END(l)	layout_end(l, __FILE__, __LINE__)

/* Two constants must be equal; the upstream name is remembered. */
void check_number(const char *ours, unsigned long long ours_value,
		  const char *theirs, unsigned long long theirs_value,
		  const char *file, unsigned int line);
#define SAME_NUMBER(ours, theirs)					\
	check_number(#ours, (unsigned long long)(ours), #theirs,	\
		     (unsigned long long)(theirs), __FILE__, __LINE__)

/* An expression must have the value the ABI documents. */
#define EXPECT(expr, want)						\
	report((unsigned long long)(expr) == (unsigned long long)(want),	\
	       __FILE__, __LINE__, "%s is %#llx, must be %#llx", #expr,	\
	       (unsigned long long)(expr), (unsigned long long)(want))

/* Upstream names (struct acrn_x, ACRN_X) that some check has compared. */
int upstream_checked(const char *name);

#endif /* ABI_TEST_CHECK_H */
