// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the physical CPUs of the VM.  A User VM runs on CPUs the
 * Service VM gave up (the HSM's remove_cpu, as ACRN's launch scripts do);
 * islet-dm gives up the ones of --cpu_affinity that are still online, so
 * that one command is enough.  Without --cpu_affinity the VM gets the
 * highest-numbered CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cpus.h"

#define SYS_CPU		"/sys/devices/system/cpu"
#define REMOVE_CPU	"/sys/devices/virtual/misc/acrn_hsm/remove_cpu"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return 0;
}

int dm_cpus_choose(uint64_t *affinity, struct dm_error *err)
{
	char buf[256];
	uint64_t present;
	struct dm_error e = { { 0 } };

	if (read_line(SYS_CPU "/present", buf, sizeof(buf)) ||
	    dm_parse_cpu_list(buf, &present, &e))
		return dm_fail(err, "cannot read the CPUs present (%s)",
			       SYS_CPU "/present");
	if (!*affinity) {
		if (present < 2)
			return dm_fail(err, "the Service VM has one CPU: none "
				       "is left for a User VM");
		*affinity = 1ULL << (63 - __builtin_clzll(present));
	}
	if (*affinity & 1)
		return dm_fail(err, "CPU 0 is the Service VM's boot CPU and "
			       "cannot run a User VM");
	if (*affinity & ~present)
		return dm_fail(err, "--cpu_affinity names CPUs that are not "
			       "present (present: %s)", buf);
	return 0;
}

int dm_cpus_give_up(uint64_t affinity, struct dm_error *err)
{
	for (unsigned int n = 1; n < DM_MAX_CPUS; n++) {
		char path[96], buf[16];
		int fd;
		ssize_t w;

		if (!(affinity & (1ULL << n)))
			continue;
		snprintf(path, sizeof(path), SYS_CPU "/cpu%u/online", n);
		if (read_line(path, buf, sizeof(buf)) || strcmp(buf, "1"))
			continue;	/* offline already */
		fd = open(REMOVE_CPU, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return dm_fail(err, "cannot give up CPU %u: %s: %s "
				       "(is islet_hsm.ko loaded?)", n,
				       REMOVE_CPU, strerror(errno));
		snprintf(buf, sizeof(buf), "%u", n);
		w = write(fd, buf, strlen(buf));
		close(fd);
		if (w < 0)
			return dm_fail(err, "cannot give up CPU %u: %s", n,
				       strerror(errno));
	}
	return 0;
}

int dm_mem_available(uint64_t *bytes)
{
	char line[128];
	unsigned long long kb;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			fclose(f);
			*bytes = (uint64_t)kb << 10;
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}
