/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's configuration of one VM: what the command line (options.c)
 * and the configuration file (config_file.c) fill in, and everything else
 * reads.  Both parsers are pure: they print nothing and report the first
 * error as one sentence in struct dm_error.
 */
#ifndef DM_CONFIG_H
#define DM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define DM_NAME_MAX		64
#define DM_PATH_MAX		256
#define DM_BOOTARGS_MAX		2048
#define DM_CONF_MAX		256
#define DM_MAX_SLOTS		32	/* PCI slots on bus 0 */
#define DM_MAX_FUNCS		8
#define DM_MAX_DEVICES		(DM_MAX_SLOTS * DM_MAX_FUNCS)
#define DM_MAX_CPUS		64

/* The default guest memory when neither -m nor "memory" says. */
#define DM_DEFAULT_MEM		(256ULL << 20)
/* Below this there is no room for a kernel and its tables. */
#define DM_MIN_MEM		(16ULL << 20)

/* One -s slot[:func],driver[,conf]. */
struct dm_slot {
	uint8_t slot, func;
	char driver[32];
	char conf[DM_CONF_MAX];
};

/* Where a UART's other side is: -l com1,stdio|pty|file:PATH|tcp:PORT. */
enum dm_uart_backend {
	DM_UART_NONE,
	DM_UART_STDIO,
	DM_UART_PTY,
	DM_UART_FILE,
	DM_UART_TCP,
};

struct dm_uart_conf {
	enum dm_uart_backend backend;
	char path[DM_PATH_MAX];		/* FILE */
	uint16_t tcp_port;		/* TCP */
};

#define DM_NUM_UARTS	2		/* COM1, COM2 */

struct dm_config {
	char name[DM_NAME_MAX];
	uint64_t mem_size;		/* bytes; 0: not given */
	uint64_t cpu_affinity;		/* physical CPUs; 0: not given */
	char kernel[DM_PATH_MAX];	/* -k bzImage */
	char ramdisk[DM_PATH_MAX];	/* -r */
	char elf[DM_PATH_MAX];		/* -E multiboot/ELF */
	char bootargs[DM_BOOTARGS_MAX];	/* -B */
	bool debugexit;
	struct dm_uart_conf uart[DM_NUM_UARTS];
	struct dm_slot slots[DM_MAX_DEVICES];
	unsigned int nslots;
};

struct dm_error {
	char msg[512];
};

/* Records the first error (later ones are consequences); returns -1. */
int dm_fail(struct dm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- Values shared by both parsers (config.c) ---- */

/* "512M", "2G", "1024K", "65536" (MiB without a suffix, as acrn-dm). */
int dm_parse_size(const char *s, uint64_t *bytes, struct dm_error *err);
/* "1,2", "1-3", "0,2-3": a CPU list, as a bit mask. */
int dm_parse_cpu_list(const char *s, uint64_t *mask, struct dm_error *err);
/* "3,virtio-blk,disk.img", "0:0,hostbridge": one more device. */
int dm_add_slot(struct dm_config *c, const char *s, struct dm_error *err);
/* "com1,stdio", "com2,file:/tmp/x", "com1,tcp:4444", "com1,pty". */
int dm_add_lpc(struct dm_config *c, const char *s, struct dm_error *err);
/* Copies @s into a field of @size bytes, or fails naming @what. */
int dm_set_string(char *dst, size_t size, const char *s, const char *what,
		  struct dm_error *err);

/* The checks that need the whole configuration: a kernel, no two boot
 * images, memory within bounds, a name. */
int dm_config_finish(struct dm_config *c, struct dm_error *err);

/* ---- The two front ends ---- */

enum dm_cli_action { DM_CLI_RUN, DM_CLI_HELP, DM_CLI_VERSION };

/* options.c: argv into @c (and files named by --config). */
int dm_parse_args(int argc, char **argv, struct dm_config *c,
		  enum dm_cli_action *action, struct dm_error *err);
/* The --help text (man-page style). */
extern const char dm_usage_text[];

/* config_file.c: a configuration file (doc/devicemodel.md) into @c. */
int dm_config_file(const char *path, struct dm_config *c,
		   struct dm_error *err);
int dm_config_text(const char *text, const char *name, struct dm_config *c,
		   struct dm_error *err);

#endif /* DM_CONFIG_H */
