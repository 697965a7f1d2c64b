/* Hypercall dispatch.  The exit handler has already refused callers that
 * are not the Service VM at CPL 0; each handler validates its own
 * arguments, which are guest-physical addresses of the Service VM. */
#include "printk.h"
#include "vm.h"
#include <islet/hypercall.h>

typedef s64 (*hypercall_fn)(struct vcpu *vcpu, u64 arg1, u64 arg2);

static s64 hc_get_api_version(struct vcpu *vcpu, u64 gpa, u64 unused)
{
	struct hc_api_version v = {
		.major_version = ISLET_API_VERSION_MAJOR,
		.minor_version = ISLET_API_VERSION_MINOR,
	};

	if (gpa & 3)
		return -EINVAL;
	return gpa_write(vcpu->vm, gpa, &v, sizeof(v));
}

static const hypercall_fn hypercalls[] = {
	[HC_INDEX(HC_GET_API_VERSION)] = hc_get_api_version,
};

s64 hypercall_dispatch(struct vcpu *vcpu, u64 id, u64 arg1, u64 arg2)
{
	u64 idx = HC_INDEX(id);

	if (HC_ID(idx) != id || idx >= ARRAY_SIZE(hypercalls) || !hypercalls[idx])
		return -ENOTTY;
	return hypercalls[idx](vcpu, arg1, arg2);
}
