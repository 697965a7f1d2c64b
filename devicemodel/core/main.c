// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: one User VM per process (doc/devicemodel.md, islet-dm(8)).
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "dm.h"

#ifndef ISLET_VERSION
#define ISLET_VERSION "0.1"
#endif

static struct dm_config cfg;

int main(int argc, char **argv)
{
	struct dm_error err = { { 0 } };
	enum dm_cli_action action;

	if (dm_parse_args(argc, argv, &cfg, &action, &err)) {
		/* One line: what is wrong, and where to look. */
		fprintf(stderr, "islet-dm: %s (see islet-dm --help)\n",
			err.msg);
		return 2;
	}
	switch (action) {
	case DM_CLI_HELP:
		fputs(dm_usage_text, stdout);
		return 0;
	case DM_CLI_VERSION:
		printf("islet-dm %s (HSM ABI: upstream Linux ACRN, ioctl "
		       "type 0xA2)\n", ISLET_VERSION);
		return 0;
	case DM_CLI_RUN:
		break;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	return dm_vm_run(&cfg);
}
