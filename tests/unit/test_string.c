/* hypervisor/lib/string.c, compiled for the host with its symbols renamed
 * to hv_* (see unit.mk) so that it does not clash with libc's. */
#include <string.h>
#include "unit.h"

void *hv_memcpy(void *dst, const void *src, size_t n);
void *hv_memmove(void *dst, const void *src, size_t n);
void *hv_memset(void *dst, int c, size_t n);
int hv_memcmp(const void *a, const void *b, size_t n);
size_t hv_strlen(const char *s);
size_t hv_strnlen(const char *s, size_t max);
int hv_strncmp(const char *a, const char *b, size_t n);
int hv_strcmp(const char *a, const char *b);

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_memcpy_memset(void)
{
	unsigned char a[64], b[64];

	for (int i = 0; i < 64; i++)
		a[i] = (unsigned char)(i * 7);
	memset(b, 0x55, sizeof(b));
	CU_ASSERT_PTR_EQUAL(hv_memcpy(b + 3, a, 40), b + 3);
	CU_ASSERT(memcmp(b + 3, a, 40) == 0);
	CU_ASSERT(b[2] == 0x55 && b[43] == 0x55);
	CU_ASSERT_PTR_EQUAL(hv_memset(b, 0x1ab, 10), b);	/* c is cut to a byte */
	for (int i = 0; i < 10; i++)
		CU_ASSERT(b[i] == 0xab);
	CU_ASSERT(b[10] == a[7]);	/* the copy, untouched by memset */
	hv_memcpy(b, a, 0);
	CU_ASSERT(b[0] == 0xab);
}

static void test_memmove_overlap(void)
{
	char fwd[] = "0123456789", back[] = "0123456789";

	hv_memmove(fwd + 2, fwd, 8);	/* destination after source */
	CU_ASSERT_STRING_EQUAL(fwd, "0101234567");
	hv_memmove(back, back + 2, 8);	/* destination before source */
	CU_ASSERT_STRING_EQUAL(back, "2345678989");
}

static void test_compare(void)
{
	CU_ASSERT(hv_memcmp("abc", "abd", 3) < 0);
	CU_ASSERT(hv_memcmp("abd", "abc", 3) > 0);
	CU_ASSERT(hv_memcmp("abc", "abd", 2) == 0);
	/* Bytes compare unsigned, as in libc. */
	CU_ASSERT(hv_memcmp("\x80", "\x01", 1) > 0);
	CU_ASSERT(sign(hv_strcmp("\x80", "a")) == sign(strcmp("\x80", "a")));
	CU_ASSERT(hv_strcmp("abc", "abc") == 0);
	CU_ASSERT(hv_strcmp("ab", "abc") < 0);
	CU_ASSERT(hv_strcmp("abc", "ab") > 0);
	CU_ASSERT(hv_strncmp("abcX", "abcY", 3) == 0);
	CU_ASSERT(hv_strncmp("abcX", "abcY", 4) < 0);
	CU_ASSERT(hv_strncmp("a", "b", 0) == 0);
	CU_ASSERT(hv_strlen("") == 0);
	CU_ASSERT(hv_strlen("hello") == 5);
	CU_ASSERT(hv_strnlen("hello", 3) == 3);
	CU_ASSERT(hv_strnlen("hello", 9) == 5);
}

int register_string_tests(void)
{
	static const struct unit_test tests[] = {
		{ "memcpy and memset", test_memcpy_memset },
		{ "memmove with overlap both ways", test_memmove_overlap },
		{ "memcmp, strcmp, strncmp, strlen, strnlen", test_compare },
	};

	return UNIT_SUITE("lib/string", tests);
}
