/* SPDX-License-Identifier: BSD-3-Clause */
/* islet-dm: the VM's physical CPUs and the Service VM's memory (cpus.c). */
#ifndef DM_CPUS_H
#define DM_CPUS_H

#include <stdint.h>

#include "config.h"

/* Checks @affinity against the CPUs present (0: pick the last one). */
int dm_cpus_choose(uint64_t *affinity, struct dm_error *err);
/* Gives up to the hypervisor the CPUs of @affinity that are online. */
int dm_cpus_give_up(uint64_t affinity, struct dm_error *err);
/* MemAvailable of the Service VM. */
int dm_mem_available(uint64_t *bytes);

#endif /* DM_CPUS_H */
