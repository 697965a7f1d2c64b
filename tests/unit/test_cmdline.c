/* hypervisor/boot/cmdline.c: "key=value" lookup in the command line. */
#include <string.h>
#include "unit.h"
#include "bootinfo.h"

static void test_lookup(void)
{
	const char *cl = "  console=ttyS0,115200\tnosmp loglvl=3 loglvl=5 foobar=1 x= ";
	char v[32];

	CU_ASSERT_EQUAL(cmdline_get(cl, "console", v, sizeof(v)), 12);
	CU_ASSERT_STRING_EQUAL(v, "ttyS0,115200");
	CU_ASSERT_EQUAL(cmdline_get(cl, "nosmp", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "");
	CU_ASSERT_EQUAL(cmdline_get(cl, "loglvl", v, sizeof(v)), 1);
	CU_ASSERT_STRING_EQUAL(v, "5");				/* last wins */
	CU_ASSERT_EQUAL(cmdline_get(cl, "foo", v, sizeof(v)), -ENOENT);	/* prefix only */
	CU_ASSERT_EQUAL(cmdline_get(cl, "foobar", v, sizeof(v)), 1);
	CU_ASSERT_EQUAL(cmdline_get(cl, "x", v, sizeof(v)), 0);	/* "x=" */
	CU_ASSERT_EQUAL(cmdline_get(cl, "ttyS0", v, sizeof(v)), -ENOENT);
	CU_ASSERT_EQUAL(cmdline_get(cl, "", v, sizeof(v)), -ENOENT);
	CU_ASSERT_EQUAL(cmdline_get("", "a", v, sizeof(v)), -ENOENT);

	memcpy(v, "untouched", 10);
	CU_ASSERT_EQUAL(cmdline_get(cl, "console", v, 12), -E2BIG);	/* no room for NUL */
	CU_ASSERT_STRING_EQUAL(v, "untouched");
	CU_ASSERT_EQUAL(cmdline_get(cl, "console", v, 13), 12);
	CU_ASSERT_EQUAL(cmdline_get(cl, "console", NULL, 0), 12);
}

static void test_exact_fit(void)
{
	char v[4];

	CU_ASSERT_EQUAL(cmdline_get("a=xyz", "a", v, sizeof(v)), 3);
	CU_ASSERT_STRING_EQUAL(v, "xyz");
	CU_ASSERT_EQUAL(cmdline_get("a=wxyz", "a", v, sizeof(v)), -E2BIG);
	CU_ASSERT_EQUAL(cmdline_get("a", "a", v, 0), -E2BIG);	/* not even the NUL */
	CU_ASSERT_EQUAL(cmdline_get("a=1=2", "a", v, sizeof(v)), 3);	/* first '=' splits */
	CU_ASSERT_STRING_EQUAL(v, "1=2");
}

int register_cmdline_tests(void)
{
	static const struct unit_test tests[] = {
		{ "values, bare keys, prefixes, repeats", test_lookup },
		{ "buffer sizes", test_exact_fit },
	};

	return UNIT_SUITE("boot/cmdline", tests);
}
