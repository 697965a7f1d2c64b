/* islet.cfg: the loader's configuration, read from the EFI volume that
 * islet.efi was loaded from.  One "key=value" per line; blank lines and
 * lines whose first non-blank character is '#' are ignored.  Keys:
 *
 *   hypervisor=<command line>   the hypervisor's command line (optional)
 *   kernel=<path>               the Service VM kernel (required)
 *   cmdline=<command line>      the Service VM kernel's command line
 *   initrd=<path>               the Service VM initrd (optional)
 *
 * Blanks around the key and the value are dropped; a value keeps its inner
 * blanks and any '#'.  A key may appear once.  Paths are on the same volume;
 * '/' and '\' both separate components.
 *
 * The parser is a pure function (no EFI calls), so it is tested on the host
 * by tests/efi. */
#ifndef ISLET_EFI_CONFIG_H
#define ISLET_EFI_CONFIG_H

#include "types.h"
#include "bootinfo.h"

#define CONFIG_PATH_MAX		256
/* The kernel's module string is "kernel <cmdline>" and must fit in the
 * hypervisor's BOOT_CMDLINE_MAX with its NUL. */
#define CONFIG_MODULE_PREFIX	"kernel"
#define CONFIG_CMDLINE_MAX	(BOOT_CMDLINE_MAX - sizeof(CONFIG_MODULE_PREFIX))

struct efi_config {
	char hypervisor[BOOT_CMDLINE_MAX];
	char kernel[CONFIG_PATH_MAX];
	char cmdline[CONFIG_CMDLINE_MAX];
	char initrd[CONFIG_PATH_MAX];	/* "" when there is none */
};

/* Why parsing failed, for the message the loader prints. */
struct config_error {
	u32 line;		/* 1-based; 0 for a whole-file error */
	const char *what;	/* static text, e.g. "unknown key" */
	char key[32];		/* the offending key, truncated; may be "" */
};

/* Parse @len bytes of @text into @cfg.  Returns 0, or -EINVAL with @err
 * filled (unknown key, duplicate key, line without '=', value too long,
 * NUL byte, missing kernel). */
int config_parse(const char *text, size_t len, struct efi_config *cfg,
		 struct config_error *err);

#endif
