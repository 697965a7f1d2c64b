/* The fake Service VM of the hypercall tests, defined in test_hypercall.c
 * and shared with test_user_vm_mem.c: gpa_read()/gpa_write() serve the
 * Service VM GPAs [0, FAKE_SV_MEM_SIZE) of sv from gmem (and fail with
 * -EFAULT beyond), and service_vm_given_up_cpu() answers for the CPUs in
 * given_up_mask.  Each test sets up sv as it needs. */
#ifndef ISLET_UNIT_FAKE_SERVICE_VM_H
#define ISLET_UNIT_FAKE_SERVICE_VM_H

#include "vm.h"

/* Room for a batch and 512 memory regions (16 KiB) after it. */
#define FAKE_SV_MEM_SIZE	(8 * PAGE_SIZE)

extern struct vm sv;
extern u8 gmem[FAKE_SV_MEM_SIZE];
extern u64 given_up_mask;

#endif
