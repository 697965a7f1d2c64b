/* islet-dm's configuration file (devicemodel/core/config_file.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dm_unit.h"

static struct dm_config cfg;
static struct dm_error err;

static int text(const char *t)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	return dm_config_text(t, "vm.cfg", &cfg, &err);
}

static void test_every_key(void)
{
	CU_ASSERT_EQUAL(text(
		"# a VM\n"
		"name = vm1\n"
		"memory = 1G   # one GiB\n"
		"\n"
		"cpus = 1,2\n"
		"kernel = /boot/bzImage\n"
		"initrd = /boot/initrd.img\n"
		"cmdline = console=ttyS0 root=/dev/vda # not a comment\n"
		"debugexit = yes\n"
		"com1 = stdio\n"
		"com2 = file:/tmp/com2.log\n"
		"device = 0:0,hostbridge\n"
		"device = 3,virtio-blk,/disk.img\n"
		"\t device\t=\t4,virtio-rnd \r\n"), 0);
	CU_ASSERT_STRING_EQUAL(cfg.name, "vm1");
	CU_ASSERT_EQUAL(cfg.mem_size, 1ULL << 30);
	CU_ASSERT_EQUAL(cfg.cpu_affinity, 6);
	CU_ASSERT_STRING_EQUAL(cfg.kernel, "/boot/bzImage");
	CU_ASSERT_STRING_EQUAL(cfg.ramdisk, "/boot/initrd.img");
	CU_ASSERT_STRING_EQUAL(cfg.bootargs,
			       "console=ttyS0 root=/dev/vda # not a comment");
	CU_ASSERT_TRUE(cfg.debugexit);
	CU_ASSERT_EQUAL(cfg.uart[0].backend, DM_UART_STDIO);
	CU_ASSERT_EQUAL(cfg.uart[1].backend, DM_UART_FILE);
	CU_ASSERT_STRING_EQUAL(cfg.uart[1].path, "/tmp/com2.log");
	CU_ASSERT_EQUAL(cfg.nslots, 3);
	CU_ASSERT_STRING_EQUAL(cfg.slots[1].conf, "/disk.img");
	CU_ASSERT_STRING_EQUAL(cfg.slots[2].driver, "virtio-rnd");
	CU_ASSERT_EQUAL(dm_config_finish(&cfg, &err), 0);
}

static void expect(const char *t, const char *msg)
{
	CU_ASSERT_EQUAL(text(t), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, msg));
	if (!strstr(err.msg, msg))
		fprintf(stderr, "\n  got \"%s\", wanted \"%s\"\n", err.msg,
			msg);
}

static void test_errors(void)
{
	expect("name = a\nmemroy = 1G\n", "vm.cfg:2: unknown key \"memroy\"");
	expect("name = a\nname = b\n", "vm.cfg:2: \"name\" given twice");
	expect("\n\njust words\n", "vm.cfg:3: no '='");
	expect("memory = lots\n", "vm.cfg:1: bad memory size \"lots\"");
	expect("debugexit = maybe\n", "debugexit is yes or no");
	expect("cpus = x\n", "bad CPU list");
	expect("device = 3,a\ndevice = 3,b\n", "vm.cfg:2: slot conflict");
	expect("com3 = stdio\n", "unknown key \"com3\"");
	expect("com1 = carrier-pigeon\n", "unknown backend");
	expect("# x = y\nabc # = def\n", "vm.cfg:2: no '='");
}

/* Options after --config override it; the file's devices add to -s. */
static void test_with_command_line(void)
{
	char path[] = "/tmp/islet-dm-test-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	char *argv[] = { "islet-dm", "-s", "5,virtio-rnd", "--config", path,
			 "-m", "64M", NULL };
	enum dm_cli_action action;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("name = from-file\nmemory = 32M\nelf = /g.elf\n"
	      "device = 6,virtio-rnd\n", f);
	fclose(f);
	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(dm_parse_args(7, argv, &cfg, &action, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.name, "from-file");
	CU_ASSERT_EQUAL(cfg.mem_size, 64ULL << 20);
	CU_ASSERT_EQUAL(cfg.nslots, 2);
	unlink(path);

	memset(&cfg, 0, sizeof(cfg));
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(dm_config_file("/nonexistent.cfg", &cfg, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot read the "
				      "configuration file /nonexistent.cfg"));
}

static const struct unit_test tests[] = {
	{ "every key", test_every_key },
	{ "errors name the line", test_errors },
	{ "with the command line", test_with_command_line },
};

int register_config_file_tests(void)
{
	return UNIT_SUITE("dm configuration file", tests);
}
