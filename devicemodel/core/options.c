// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's command line: acrn-dm's options where the two overlap, with
 * getopt_long, plus --config for a declarative file (config.h).  The
 * options are applied in the order given, so an option after --config
 * overrides the file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

const char dm_usage_text[] =
"NAME\n"
"    islet-dm - run one User VM on the Islet hypervisor\n"
"\n"
"SYNOPSIS\n"
"    islet-dm [-hvY] [-m size] [-s slot[:func],driver[,conf]]...\n"
"             [-l com1|com2,backend] [-k bzImage [-r initrd]] [-E elf]\n"
"             [-B bootargs] [--cpu_affinity cpus] [--debugexit]\n"
"             [--config file] vm_name\n"
"\n"
"DESCRIPTION\n"
"    Creates a User VM on the physical CPUs given, gives it memory and\n"
"    emulated devices, boots a kernel in it and serves its I/O until the\n"
"    guest powers off; a guest reset boots it again.  Run it as root in\n"
"    the Service VM, with islet_hsm.ko loaded.  SIGINT and SIGTERM\n"
"    destroy the VM and give its CPUs back; SIGUSR1 presses its ACPI\n"
"    power button.  See islet-dm(8) and doc/devicemodel.md.\n"
"\n"
"OPTIONS\n"
"    -m, --memsize size\n"
"        Guest memory: 512M, 2G, ... (a number alone is MiB; default\n"
"        256M).  Memory above 3 GiB goes above 4 GiB.\n"
"    --cpu_affinity list\n"
"        Physical CPUs for the VM, one vCPU each: 1 or 1,2 or 1-3.\n"
"        Online CPUs are given up to the hypervisor first.  Default:\n"
"        the highest-numbered CPU.\n"
"    -s, --pci_slot slot[:func],driver[,conf]\n"
"        A PCI device on bus 0, slot 0-31, function 0-7:\n"
"          hostbridge, lpc         (added at 0:0 and 31:0 if not given)\n"
"          virtio-blk,IMAGE[,ro]   a raw image file\n"
"          virtio-net,tap0 | tap=NAME[,mac=MAC]\n"
"                                  a tap interface (created if missing)\n"
"          virtio-console,@stdio:NAME | @pty:NAME | @file:NAME=PATH\n"
"          virtio-rnd              the host's getrandom()\n"
"    -l, --lpc com1|com2,stdio|pty|file:path|tcp:port\n"
"        Where the UART's other side is.\n"
"    -k, --kernel file\n"
"        A Linux bzImage, booted directly (64-bit boot protocol, with\n"
"        an e820 map and ACPI tables).\n"
"    -r, --ramdisk file\n"
"        The initrd for -k.\n"
"    -E, --elf_file file\n"
"        A multiboot or plain ELF kernel (kvm-unit-tests, test guests).\n"
"    -B, --bootargs string\n"
"        The kernel command line.\n"
"    --debugexit\n"
"        Port 0xf4: a write of v ends islet-dm with status (v << 1) | 1.\n"
"    --config file\n"
"        Read options from a configuration file (key = value lines);\n"
"        options after it override it.\n"
"    -Y, --mptable_off\n"
"        Accepted for acrn-dm compatibility; no MP table is made.\n"
"    -v, --version\n"
"        Print the version and exit.\n"
"    -h, --help\n"
"        Print this text and exit.\n"
"\n"
"EXIT STATUS\n"
"    0 when the guest powered off, 1 on an error (one line on stderr),\n"
"    2 for a bad command line, (v << 1) | 1 from --debugexit, 128+n\n"
"    after signal n.\n"
"\n"
"EXAMPLES\n"
"    islet-dm --cpu_affinity 1 -m 512M -l com1,stdio \\\n"
"        -s 3,virtio-blk,/var/vm/disk.img -s 4,virtio-net,tap0 \\\n"
"        -k /boot/vmlinuz -r /boot/initrd.img \\\n"
"        -B \"console=ttyS0 root=/dev/vda rw\" linux\n"
"    islet-dm --cpu_affinity 1 -m 64M -l com1,stdio --debugexit \\\n"
"        -E /guests/apic.elf apic\n";

enum {
	OPT_DEBUGEXIT = 0x100,
	OPT_CPU_AFFINITY,
	OPT_CONFIG,
	OPT_OVMF,
};

static const struct option long_options[] = {
	{ "memsize", required_argument, NULL, 'm' },
	{ "pci_slot", required_argument, NULL, 's' },
	{ "lpc", required_argument, NULL, 'l' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "ramdisk", required_argument, NULL, 'r' },
	{ "elf_file", required_argument, NULL, 'E' },
	{ "bootargs", required_argument, NULL, 'B' },
	{ "mptable_off", no_argument, NULL, 'Y' },
	{ "debugexit", no_argument, NULL, OPT_DEBUGEXIT },
	{ "cpu_affinity", required_argument, NULL, OPT_CPU_AFFINITY },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "ovmf", required_argument, NULL, OPT_OVMF },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option and its argument into @c. */
static int apply(int opt, const char *arg, struct dm_config *c,
		 struct dm_error *err)
{
	switch (opt) {
	case 'm':
		return dm_parse_size(arg, &c->mem_size, err);
	case 's':
		return dm_add_slot(c, arg, err);
	case 'l':
		return dm_add_lpc(c, arg, err);
	case 'k':
		return dm_set_string(c->kernel, sizeof(c->kernel), arg,
				     "the kernel's path", err);
	case 'r':
		return dm_set_string(c->ramdisk, sizeof(c->ramdisk), arg,
				     "the ramdisk's path", err);
	case 'E':
		return dm_set_string(c->elf, sizeof(c->elf), arg,
				     "the ELF file's path", err);
	case 'B':
		return dm_set_string(c->bootargs, sizeof(c->bootargs), arg,
				     "the boot arguments", err);
	case 'Y':
		return 0;
	case OPT_DEBUGEXIT:
		c->debugexit = true;
		return 0;
	case OPT_CPU_AFFINITY:
		return dm_parse_cpu_list(arg, &c->cpu_affinity, err);
	case OPT_CONFIG:
		return dm_config_file(arg, c, err);
	case OPT_OVMF:
		return dm_fail(err, "--ovmf: firmware boot is not supported "
			       "yet; boot a kernel with -k or -E");
	default:
		return dm_fail(err, "internal: option %d", opt);
	}
}

int dm_parse_args(int argc, char **argv, struct dm_config *c,
		  enum dm_cli_action *action, struct dm_error *err)
{
	int opt;

	*action = DM_CLI_RUN;
	/* getopt_long keeps state between calls: start it afresh (the unit
	 * tests parse many command lines in one process). */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hvYm:s:l:k:r:E:B:",
				  long_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			*action = DM_CLI_HELP;
			return 0;
		case 'v':
			*action = DM_CLI_VERSION;
			return 0;
		case ':':
			return dm_fail(err, "option %s needs an argument",
				       argv[optind - 1]);
		case '?':
			if (optopt)
				return dm_fail(err, "unknown option -%c",
					       optopt);
			return dm_fail(err, "unknown option %s",
				       argv[optind - 1]);
		default:
			if (apply(opt, optarg, c, err))
				return -1;
		}
	}
	if (optind < argc - 1)
		return dm_fail(err, "one VM name expected, got \"%s\" and "
			       "\"%s\"", argv[optind], argv[optind + 1]);
	if (optind == argc - 1 &&
	    dm_set_string(c->name, sizeof(c->name), argv[optind],
			  "the VM name", err))
		return -1;
	return dm_config_finish(c, err);
}
