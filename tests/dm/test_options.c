/* islet-dm's command line (devicemodel/core/options.c, config.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "dm_unit.h"

static struct dm_config cfg;
static struct dm_error err;
static enum dm_cli_action action;

/* Parses a NULL-terminated list of arguments (after argv[0]). */
static int parse(const char *first, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *a;

	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	argv[argc++] = (char *)"islet-dm";
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return dm_parse_args(argc, argv, &cfg, &action, &err);
}

static void test_acrn_dm_launch(void)
{
	CU_ASSERT_EQUAL(parse("-m", "512M", "-s", "0:0,hostbridge", "-s",
			      "1:0,lpc", "-l", "com1,stdio", "-s",
			      "3,virtio-blk,disk.img", "-k", "bzImage", "-B",
			      "console=ttyS0 root=/dev/vda", "vm1", NULL), 0);
	CU_ASSERT_EQUAL(action, DM_CLI_RUN);
	CU_ASSERT_EQUAL(cfg.mem_size, 512ULL << 20);
	CU_ASSERT_EQUAL(cfg.nslots, 3);
	CU_ASSERT_STRING_EQUAL(cfg.slots[2].driver, "virtio-blk");
	CU_ASSERT_STRING_EQUAL(cfg.slots[2].conf, "disk.img");
	CU_ASSERT_EQUAL(cfg.slots[2].slot, 3);
	CU_ASSERT_EQUAL(cfg.slots[2].func, 0);
	CU_ASSERT_STRING_EQUAL(cfg.slots[0].conf, "");
	CU_ASSERT_EQUAL(cfg.uart[0].backend, DM_UART_STDIO);
	CU_ASSERT_EQUAL(cfg.uart[1].backend, DM_UART_NONE);
	CU_ASSERT_STRING_EQUAL(cfg.kernel, "bzImage");
	CU_ASSERT_STRING_EQUAL(cfg.bootargs, "console=ttyS0 root=/dev/vda");
	CU_ASSERT_STRING_EQUAL(cfg.name, "vm1");
	CU_ASSERT_FALSE(cfg.debugexit);
}

static void test_long_options(void)
{
	CU_ASSERT_EQUAL(parse("--memsize", "1G", "--elf_file", "t.elf",
			      "--debugexit", "--cpu_affinity", "1-2,5",
			      "--lpc", "com2,tcp:4444", "--bootargs", "a b",
			      "--pci_slot", "4:2,virtio-rnd", "-Y", "vm", NULL),
			0);
	CU_ASSERT_EQUAL(cfg.mem_size, 1ULL << 30);
	CU_ASSERT_STRING_EQUAL(cfg.elf, "t.elf");
	CU_ASSERT_TRUE(cfg.debugexit);
	CU_ASSERT_EQUAL(cfg.cpu_affinity, 0x26);
	CU_ASSERT_EQUAL(cfg.uart[1].backend, DM_UART_TCP);
	CU_ASSERT_EQUAL(cfg.uart[1].tcp_port, 4444);
	CU_ASSERT_EQUAL(cfg.slots[0].slot, 4);
	CU_ASSERT_EQUAL(cfg.slots[0].func, 2);
}

static void test_help_version(void)
{
	CU_ASSERT_EQUAL(parse("-h", NULL), 0);
	CU_ASSERT_EQUAL(action, DM_CLI_HELP);
	CU_ASSERT_EQUAL(parse("--version", NULL), 0);
	CU_ASSERT_EQUAL(action, DM_CLI_VERSION);
	CU_ASSERT_PTR_NOT_NULL(strstr(dm_usage_text, "SYNOPSIS"));
	CU_ASSERT_PTR_NOT_NULL(strstr(dm_usage_text, "EXIT STATUS"));
}

static void test_defaults(void)
{
	CU_ASSERT_EQUAL(parse("-E", "t.elf", "vm", NULL), 0);
	CU_ASSERT_EQUAL(cfg.mem_size, DM_DEFAULT_MEM);
	CU_ASSERT_EQUAL(cfg.cpu_affinity, 0);
}

/* Each bad command line fails with a message that says what is wrong. */
static void expect_error(const char *what, int rc)
{
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, what));
	if (!strstr(err.msg, what))
		fprintf(stderr, "\n  got \"%s\", wanted \"%s\"\n", err.msg,
			what);
}

static void test_errors(void)
{
	expect_error("unknown option --bogus", parse("--bogus", "vm", NULL));
	expect_error("unknown option -q", parse("-q", "vm", NULL));
	expect_error("needs an argument", parse("vm", "-m", NULL));
	expect_error("one VM name", parse("-E", "x", "a", "b", NULL));
	expect_error("no VM name", parse("-E", "x", NULL));
	expect_error("nothing to boot", parse("vm", NULL));
	expect_error("-k and -E", parse("-k", "a", "-E", "b", "vm", NULL));
	expect_error("-r needs -k", parse("-E", "a", "-r", "i", "vm", NULL));
	expect_error("bad memory size \"12X\"",
		     parse("-m", "12X", "-E", "a", "vm", NULL));
	expect_error("bad memory size \"\"", parse("-m", "", "vm", NULL));
	expect_error("bad memory size \"-1\"", parse("-m", "-1", "vm", NULL));
	expect_error("bad memory size", parse("-m", "99999999999999G", "vm",
					      NULL));
	expect_error("at least 16 MiB",
		     parse("-m", "8M", "-E", "a", "vm", NULL));
	expect_error("whole number of MiB",
		     parse("-m", "17000K", "-E", "a", "vm", NULL));
	expect_error("bad CPU list \"1,,2\"",
		     parse("--cpu_affinity", "1,,2", "vm", NULL));
	expect_error("bad CPU list \"3-1\"",
		     parse("--cpu_affinity", "3-1", "vm", NULL));
	expect_error("bad CPU list \"64\"",
		     parse("--cpu_affinity", "64", "vm", NULL));
	expect_error("bad CPU list \"1-\"",
		     parse("--cpu_affinity", "1-", "vm", NULL));
	expect_error("--ovmf", parse("--ovmf", "OVMF.fd", "vm", NULL));
	expect_error("the VM name is too long",
		     parse("-E", "x", "a-vm-name-of-more-than-sixty-three-"
			   "characters-is-refused-whole-not-cut-short-"
			   "xxxxxxxxxxxxxxxxxxxx", NULL));
}

static void test_slots(void)
{
	expect_error("slot conflict: 3:0",
		     parse("-s", "3,virtio-blk,a", "-s", "3:0,virtio-rnd",
			   "-E", "x", "vm", NULL));
	CU_ASSERT_EQUAL(parse("-s", "3,virtio-blk,a", "-s", "3:1,virtio-rnd",
			      "-E", "x", "vm", NULL), 0);
	expect_error("out of range", parse("-s", "32,virtio-rnd", "vm",
					   NULL));
	expect_error("out of range", parse("-s", "1:8,virtio-rnd", "vm",
					   NULL));
	expect_error("bad device", parse("-s", "virtio-rnd", "vm", NULL));
	expect_error("bad device", parse("-s", "3:,virtio-rnd", "vm", NULL));
	expect_error("no driver name", parse("-s", "3,", "vm", NULL));
	expect_error("no driver name",
		     parse("-s", "3,a-driver-name-longer-than-thirty-one",
			   "vm", NULL));
}

static void test_lpc(void)
{
	CU_ASSERT_EQUAL(parse("-l", "com1,file:/tmp/x", "-l", "COM2,pty",
			      "-E", "x", "vm", NULL), 0);
	CU_ASSERT_EQUAL(cfg.uart[0].backend, DM_UART_FILE);
	CU_ASSERT_STRING_EQUAL(cfg.uart[0].path, "/tmp/x");
	CU_ASSERT_EQUAL(cfg.uart[1].backend, DM_UART_PTY);
	expect_error("COM1 already uses stdio",
		     parse("-l", "com1,stdio", "-l", "com2,stdio", "vm", NULL));
	expect_error("unknown backend", parse("-l", "com1,serial", "vm",
					      NULL));
	expect_error("bad TCP port", parse("-l", "com1,tcp:70000", "vm",
					   NULL));
	expect_error("bad TCP port", parse("-l", "com1,tcp:", "vm", NULL));
	expect_error("bad -l", parse("-l", "com3,stdio", "vm", NULL));
	expect_error("unknown backend", parse("-l", "com1,file:", "vm",
					      NULL));
}

static const struct unit_test tests[] = {
	{ "an acrn-dm launch line", test_acrn_dm_launch },
	{ "long options", test_long_options },
	{ "help and version", test_help_version },
	{ "defaults", test_defaults },
	{ "bad command lines", test_errors },
	{ "PCI slots and conflicts", test_slots },
	{ "LPC UART backends", test_lpc },
};

int register_options_tests(void)
{
	return UNIT_SUITE("dm command line", tests);
}
