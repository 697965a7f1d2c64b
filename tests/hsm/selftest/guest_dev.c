/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The devices of the selftest's guests (guest_dev.h) and the checks of
 * the guest-io guest's run, shared by the tests that run it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guest_dev.h"
#include "selftest.h"

static const char hello_text[] = "Hello from a User VM\n";

void guest_dev_unexpected(struct guest_dev *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->unexpected++) {
		va_start(ap, fmt);
		vsnprintf(d->first_unexpected, sizeof(d->first_unexpected), fmt,
			  ap);
		va_end(ap);
	}
}

static void log_access(struct guest_dev *d, uint32_t type, uint32_t dir,
		       uint64_t addr, uint64_t size, uint64_t value)
{
	struct dev_access *a;

	if (d->nlog == DEV_LOG_MAX)
		return;
	a = &d->log[d->nlog++];
	a->type = type;
	a->direction = dir;
	a->address = addr;
	a->size = size;
	a->value = value;
}

enum io_verdict guest_dev_pio(struct hsm_vm *vm, unsigned int vcpu,
			      struct islet_pio_request *req, void *ctx)
{
	struct guest_dev *d = ctx;
	bool write = req->direction == ISLET_IOREQ_DIR_WRITE;
	uint32_t v = req->value;

	switch (write ? req->address : ~0ULL) {
	case GUEST_PORT_CONSOLE:
		if (req->size != 1) {
			d->console_bad++;
			return IO_CONTINUE;
		}
		if (d->console_len < DEV_CONSOLE_MAX)
			d->console[d->console_len] = (char)v;
		d->console_len++;
		return IO_CONTINUE;
	case GUEST_PORT_EXIT:
		d->exited = true;
		d->exit_value = v;
		return IO_STOP;
	case GUEST_PORT_REPORT:
		if (d->nreports < DEV_REPORTS_MAX)
			d->reports[d->nreports++] = v;
		return IO_CONTINUE;
	case GUEST_PORT_PERF:
		d->perf_writes++;
		return IO_CONTINUE;
	case GUEST_PORT_TICK:
		if (v != d->next_tick)
			d->tick_errors++;
		d->next_tick = v + 1;
		__atomic_add_fetch(&d->ticks, 1, __ATOMIC_RELEASE);
		if (d->stop_ticks &&
		    __atomic_load_n(d->stop_ticks, __ATOMIC_ACQUIRE))
			return IO_STOP;
		return IO_CONTINUE;
	case GUEST_PORT_READY:
		d->ready++;
		d->ready_value = v;
		return d->stop_on_ready ? IO_STOP : IO_CONTINUE;
	}

	if (req->address == GUEST_PORT_SCRATCH) {
		if (write) {
			d->scratch_pio = v;
		} else {
			req->value = d->scratch_pio ^ GUEST_XOR;
		}
		log_access(d, ISLET_IOREQ_TYPE_PORTIO, req->direction,
			   req->address, req->size, req->value);
		return IO_CONTINUE;
	}
	guest_dev_unexpected(d, "VM %u vCPU %u: port %s 0x%llx, size %llu, "
			     "value 0x%x", vm->vmid, vcpu,
			     write ? "write" : "read",
			     (unsigned long long)req->address,
			     (unsigned long long)req->size, v);
	if (!write)
		req->value = 0xffffffff;
	return IO_CONTINUE;
}

enum io_verdict guest_dev_mmio(struct hsm_vm *vm, unsigned int vcpu,
			       struct islet_mmio_request *req, void *ctx)
{
	struct guest_dev *d = ctx;
	bool write = req->direction == ISLET_IOREQ_DIR_WRITE;

	if (req->address == GUEST_MMIO_REG) {
		if (write)
			d->scratch_mmio = (uint32_t)req->value;
		else
			req->value = d->scratch_mmio ^ GUEST_XOR;
		log_access(d, ISLET_IOREQ_TYPE_MMIO, req->direction,
			   req->address, req->size, req->value);
		return IO_CONTINUE;
	}
	guest_dev_unexpected(d, "VM %u vCPU %u: MMIO %s 0x%llx, size %llu, "
			     "value 0x%llx", vm->vmid, vcpu,
			     write ? "write" : "read",
			     (unsigned long long)req->address,
			     (unsigned long long)req->size,
			     (unsigned long long)req->value);
	if (!write)
		req->value = ~0ULL;
	return IO_CONTINUE;
}

/* Function 00:03.0: its register GUEST_PCI_REG reads back as written ^
 * ~0, at any byte offset and width within it. */
enum io_verdict guest_dev_pci(struct hsm_vm *vm, unsigned int vcpu,
			      struct islet_pci_request *req, void *ctx)
{
	struct guest_dev *d = ctx;
	bool write = req->direction == ISLET_IOREQ_DIR_WRITE;
	unsigned int shift = 8 * (req->reg & 3);

	if (req->bus == 0 && req->dev == GUEST_PCI_DEV && req->func == 0 &&
	    (req->reg & ~3U) == GUEST_PCI_REG &&
	    (req->size == 1 || req->size == 2 || req->size == 4) &&
	    (req->reg & 3) + req->size <= 4) {
		uint32_t mask = req->size == 4 ? ~0U : (1U << (8 * req->size)) - 1;

		if (write)
			d->pci_reg = (d->pci_reg & ~(mask << shift)) |
				     ((req->value & mask) << shift);
		else
			req->value = ((d->pci_reg ^ GUEST_XOR) >> shift) & mask;
		log_access(d, ISLET_IOREQ_TYPE_PCICFG, req->direction,
			   req->reg, req->size, req->value);
		return IO_CONTINUE;
	}
	guest_dev_unexpected(d, "VM %u vCPU %u: PCI %s %02x:%02x.%x reg 0x%x, "
			     "size %llu", vm->vmid, vcpu, write ? "write" : "read",
			     req->bus, req->dev, req->func, req->reg,
			     (unsigned long long)req->size);
	if (!write)
		req->value = 0xffffffff;
	return IO_CONTINUE;
}

const struct io_handlers guest_dev_handlers = {
	.pio = guest_dev_pio,
	.mmio = guest_dev_mmio,
	.pci = guest_dev_pci,
};

bool guest_run_to_exit(struct hsm_vm *vm, struct guest_dev *d,
		       const struct io_handlers *h, const char *what)
{
	enum serve_end end;
	bool ok;

	step("%s: serving VM %u", what, vm->vmid);
	end = vm_serve(vm, h ? h : &guest_dev_handlers, d);
	ok = check(end == SERVE_HANDLER_STOP && d->exited,
		   "%s: VM %u served until the guest's exit: %s", what,
		   vm->vmid, end == SERVE_HANDLER_STOP && !d->exited ?
		   "a handler stopped first" : serve_end_name(end, vm));
	if (vm->stopped)
		info("%s: VM %u: stop report: port 0x%llx, size %llu, value "
		     "0x%x, after %lu requests", what, vm->vmid,
		     (unsigned long long)vm->stop.reqs.pio_request.address,
		     (unsigned long long)vm->stop.reqs.pio_request.size,
		     vm->stop.reqs.pio_request.value, vm->served);
	check(!d->unexpected, "%s: %lu accesses no device claims; the first: "
	      "%s", what, d->unexpected, d->first_unexpected);
	check(!vm->not_polling, "%s: %lu of %lu requests had "
	      "completion_polling != 1 (the hypervisor always sets it)", what,
	      vm->not_polling, vm->served);
	return ok;
}

/* @s with control characters escaped, for a message. */
static const char *escaped(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = 0;
	return buf;
}

static void describe(const struct dev_access *a, unsigned int n, char *buf,
		     size_t size)
{
	size_t o = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s %s 0x%llx/%llu "
				      "0x%llx", i ? ", " : "",
				      a[i].type == ISLET_IOREQ_TYPE_MMIO ?
				      "MMIO" : "PIO",
				      a[i].direction == ISLET_IOREQ_DIR_WRITE ?
				      "W" : "R",
				      (unsigned long long)a[i].address,
				      (unsigned long long)a[i].size,
				      (unsigned long long)a[i].value);
}

uint64_t guest_check_hello(const struct guest_dev *d, unsigned long timed)
{
	static const struct dev_access want[] = {
		{ ISLET_IOREQ_TYPE_MMIO, ISLET_IOREQ_DIR_WRITE, GUEST_MMIO_REG,
		  4, GUEST_MMIO_VALUE },
		{ ISLET_IOREQ_TYPE_MMIO, ISLET_IOREQ_DIR_READ, GUEST_MMIO_REG,
		  4, GUEST_MMIO_VALUE ^ GUEST_XOR },
		{ ISLET_IOREQ_TYPE_PORTIO, ISLET_IOREQ_DIR_WRITE,
		  GUEST_PORT_SCRATCH, 4, GUEST_SCRATCH_VALUE },
		{ ISLET_IOREQ_TYPE_PORTIO, ISLET_IOREQ_DIR_READ,
		  GUEST_PORT_SCRATCH, 4, GUEST_SCRATCH_VALUE ^ GUEST_XOR },
		/* 0xcf8 stays in the HSM; 0xcfc-0xcff become PCICFG */
		{ ISLET_IOREQ_TYPE_PCICFG, ISLET_IOREQ_DIR_WRITE,
		  GUEST_PCI_REG, 4, GUEST_PCI_VALUE },
		{ ISLET_IOREQ_TYPE_PCICFG, ISLET_IOREQ_DIR_READ,
		  GUEST_PCI_REG, 4, GUEST_PCI_VALUE ^ GUEST_XOR },
		{ ISLET_IOREQ_TYPE_PCICFG, ISLET_IOREQ_DIR_READ,
		  GUEST_PCI_REG + 2, 1, ((GUEST_PCI_VALUE ^ GUEST_XOR) >> 16) & 0xff },
	};
	const unsigned int nwant = sizeof(want) / sizeof(want[0]);
	char got_s[400], want_s[400], text[160];
	unsigned int i;
	bool same = d->nlog == nwant;

	check(!strcmp(d->console, hello_text) &&
	      d->console_len == sizeof(hello_text) - 1,
	      "the guest's console text: \"%s\" (%lu bytes), expected "
	      "\"Hello from a User VM\\n\"",
	      escaped(d->console, text, sizeof(text)), d->console_len);
	check(!d->console_bad, "%lu console accesses were not 1-byte writes",
	      d->console_bad);
	for (i = 0; same && i < nwant; i++)
		same = !memcmp(&d->log[i], &want[i], sizeof(want[i]));
	describe(d->log, d->nlog, got_s, sizeof(got_s));
	describe(want, nwant, want_s, sizeof(want_s));
	check(same, "the scratch registers' accesses: [%s], expected [%s]",
	      got_s, want_s);
	check(d->exited && d->exit_value == 0, "the guest's exit value 0x%x, "
	      "expected 0 (bit 0: its MMIO read-back was wrong, bit 1: its "
	      "port read-back, bit 2: a PCI configuration read)", d->exit_value);
	if (!timed) {
		check(!d->nreports && !d->perf_writes, "%u reports and %lu "
		      "timed writes, none asked for", d->nreports,
		      d->perf_writes);
		return 0;
	}
	if (!check(d->nreports == 3 && d->reports[2] == timed &&
		   d->perf_writes == timed, "the timed loop: %lu writes seen, "
		   "%u reports (count %u), expected %lu writes, 3 reports",
		   d->perf_writes, d->nreports,
		   d->nreports > 2 ? d->reports[2] : 0, timed))
		return 0;
	return (uint64_t)d->reports[1] << 32 | d->reports[0];
}
