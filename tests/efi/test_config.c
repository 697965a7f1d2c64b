/* islet.cfg parser (hypervisor/efi/config.c). */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "tests.h"

static struct efi_config cfg;
static struct config_error err;

static int parse(const char *text)
{
	return config_parse(text, strlen(text), &cfg, &err);
}

static void test_config_full(void)
{
	CU_ASSERT_EQUAL(parse("# comment\n"
			      "hypervisor=console=ttyS0 loglevel=debug\n"
			      "\n"
			      "kernel=\\EFI\\islet\\vmlinuz\n"
			      "cmdline=console=ttyS0 root=/dev/vda\n"
			      "initrd=/initrd.img\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.hypervisor, "console=ttyS0 loglevel=debug");
	CU_ASSERT_STRING_EQUAL(cfg.kernel, "\\EFI\\islet\\vmlinuz");
	CU_ASSERT_STRING_EQUAL(cfg.cmdline, "console=ttyS0 root=/dev/vda");
	CU_ASSERT_STRING_EQUAL(cfg.initrd, "/initrd.img");
}

static void test_config_minimal(void)
{
	CU_ASSERT_EQUAL(parse("kernel=vmlinuz"), 0);	/* no final newline */
	CU_ASSERT_STRING_EQUAL(cfg.kernel, "vmlinuz");
	CU_ASSERT_STRING_EQUAL(cfg.hypervisor, "");
	CU_ASSERT_STRING_EQUAL(cfg.cmdline, "");
	CU_ASSERT_STRING_EQUAL(cfg.initrd, "");
}

static void test_config_blanks_crlf(void)
{
	CU_ASSERT_EQUAL(parse("  # indented comment\r\n"
			      "\t\r\n"
			      "  kernel =  \\vmlinuz \r\n"
			      "cmdline= a  b#c=d \r\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.kernel, "\\vmlinuz");
	CU_ASSERT_STRING_EQUAL(cfg.cmdline, "a  b#c=d");
}

static void test_config_unknown_key(void)
{
	CU_ASSERT_EQUAL(parse("kernel=k\n\nkernal=x\n"), -EINVAL);
	CU_ASSERT_EQUAL(err.line, 3);
	CU_ASSERT_STRING_EQUAL(err.what, "unknown key");
	CU_ASSERT_STRING_EQUAL(err.key, "kernal");
}

static void test_config_long_key_truncated(void)
{
	char text[128];

	snprintf(text, sizeof(text), "%0100d=1\n", 0);
	CU_ASSERT_EQUAL(parse(text), -EINVAL);
	CU_ASSERT_EQUAL(strlen(err.key), sizeof(err.key) - 1);
}

static void test_config_duplicate(void)
{
	CU_ASSERT_EQUAL(parse("kernel=a\nkernel=b\n"), -EINVAL);
	CU_ASSERT_EQUAL(err.line, 2);
	CU_ASSERT_STRING_EQUAL(err.what, "duplicate key");
}

static void test_config_no_equals(void)
{
	CU_ASSERT_EQUAL(parse("kernel=a\njust words\n"), -EINVAL);
	CU_ASSERT_EQUAL(err.line, 2);
	CU_ASSERT_STRING_EQUAL(err.what, "expected key=value");
}

static void test_config_missing_kernel(void)
{
	CU_ASSERT_EQUAL(parse("cmdline=quiet\n"), -EINVAL);
	CU_ASSERT_EQUAL(err.line, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.what, "kernel"));
	CU_ASSERT_EQUAL(parse(""), -EINVAL);
	CU_ASSERT_EQUAL(parse("kernel=   \n"), -EINVAL);	/* empty value */
}

static void test_config_lengths(void)
{
	static char text[2048], val[1024];

	/* "kernel " + cmdline + NUL must fit the hypervisor's module string. */
	memset(val, 'x', CONFIG_CMDLINE_MAX - 1);
	val[CONFIG_CMDLINE_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "kernel=k\ncmdline=%s\n", val);
	CU_ASSERT_EQUAL(parse(text), 0);
	CU_ASSERT_EQUAL(strlen("kernel ") + strlen(cfg.cmdline) + 1,
			BOOT_CMDLINE_MAX);
	snprintf(text, sizeof(text), "kernel=k\ncmdline=%sx\n", val);
	CU_ASSERT_EQUAL(parse(text), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.what, "value too long");

	memset(val, 'y', BOOT_CMDLINE_MAX);
	val[BOOT_CMDLINE_MAX] = '\0';
	snprintf(text, sizeof(text), "kernel=k\nhypervisor=%s\n", val);
	CU_ASSERT_EQUAL(parse(text), -EINVAL);
	val[BOOT_CMDLINE_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "kernel=k\nhypervisor=%s\n", val);
	CU_ASSERT_EQUAL(parse(text), 0);
}

static void test_config_nul(void)
{
	static const char text[] = "kernel=a\nc\0mdline=x\n";

	CU_ASSERT_EQUAL(config_parse(text, sizeof(text) - 1, &cfg, &err),
			-EINVAL);
	CU_ASSERT_EQUAL(err.line, 2);
}

int efi_config_tests(void)
{
	static const struct efi_test tests[] = {
		{ "full", test_config_full },
		{ "minimal", test_config_minimal },
		{ "blanks and CRLF", test_config_blanks_crlf },
		{ "unknown key", test_config_unknown_key },
		{ "long key truncated", test_config_long_key_truncated },
		{ "duplicate key", test_config_duplicate },
		{ "line without =", test_config_no_equals },
		{ "missing kernel", test_config_missing_kernel },
		{ "value lengths", test_config_lengths },
		{ "NUL byte", test_config_nul },
	};

	return efi_add_suite("config", tests, ARRAY_SIZE(tests));
}
