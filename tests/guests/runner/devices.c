/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The devices of a guest test VM, served from the I/O requests
 * (CONTRACT4 "Guest tests", doc/testing.md):
 *   COM1 0x3f8-0x3ff   THR writes are the guest's output (printed line by
 *                      line, prefixed); LSR reads 0x60; other reads 0
 *   0xf4               exit: the value is the result (0 PASS); serving ends
 *   0xe0 (dword)       SET_IRQLINE(value & 0xff, value >> 8)
 *   0xe4 (dword read)  how many requests were served so far (this one too)
 *   0xe8 / 0xec        latch an MSI address / INJECT_MSI(address, data)
 *   MMIO 0xd0000000-0xd0000fff  4 KiB of memory: reads return what was
 *                      written, sizes 1, 2, 4, 8
 *   anything else      reads all ones, writes dropped (counted)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "runner.h"

#define COM1_BASE	0x3f8
#define COM1_LSR	(COM1_BASE + 5)
#define LSR_THR_EMPTY	0x60	/* THRE | TEMT */
#define EXIT_PORT	0xf4
#define DEV_IRQLINE	0xe0
#define DEV_SERVED	0xe4
#define DEV_MSI_ADDR	0xe8
#define DEV_MSI_DATA	0xec
#define WINDOW_GPA	0xd0000000ULL

static void count_line(struct guest_devs *d)
{
	if (!strncmp(d->line, "PASS: ", 6))
		d->out->checks++;
	else if (!strncmp(d->line, "FAIL: ", 6)) {
		d->out->checks++;
		d->out->failed++;
	}
}

void guest_devs_flush(struct guest_devs *d)
{
	if (!d->linelen)
		return;
	d->line[d->linelen] = 0;
	count_line(d);
	emit("GUEST: %s: %s", d->name, d->line);
	d->linelen = 0;
}

static void serial_out(struct guest_devs *d, char c)
{
	if (c == '\r')
		return;
	if (c == '\n' || d->linelen == sizeof(d->line) - 1) {
		guest_devs_flush(d);
		if (c == '\n')
			return;
	}
	/* Control characters would garble the harness's log. */
	d->line[d->linelen++] = (c < 0x20 || c == 0x7f) ? '?' : c;
}

static void runner_error(struct guest_devs *d, const char *what, int err)
{
	if (!d->out->why[0])
		snprintf(d->out->why, sizeof(d->out->why), "%s: %s", what,
			 strerror(err));
}

static enum io_verdict devs_pio(struct hsm_vm *vm, unsigned int vcpu,
				struct islet_pio_request *req, void *ctx)
{
	struct guest_devs *d = ctx;
	bool write = req->direction == ISLET_IOREQ_DIR_WRITE;
	uint64_t port = req->address;

	if (port >= COM1_BASE && port < COM1_BASE + 8) {
		if (write && port == COM1_BASE)
			serial_out(d, (char)req->value);
		else if (!write)
			req->value = port == COM1_LSR ? LSR_THR_EMPTY : 0;
		return IO_CONTINUE;
	}
	if (port == EXIT_PORT && write) {
		guest_devs_flush(d);
		d->out->exited = true;
		d->out->exit_code = req->value;
		return IO_STOP;
	}
	if (port == DEV_SERVED && !write) {
		req->value = (uint32_t)vm->served;
		return IO_CONTINUE;
	}
	if (port == DEV_IRQLINE && write) {
		uint64_t line = ISLET_IRQLINE(req->value & 0xff,
					      (req->value >> 8) & 0xff);

		if (hsm_ioctl_value(d->fd, ISLET_IOCTL_SET_IRQLINE, line))
			runner_error(d, "SET_IRQLINE", errno);
		return IO_CONTINUE;
	}
	if (port == DEV_MSI_ADDR && write) {
		d->msi_addr = req->value;
		return IO_CONTINUE;
	}
	if (port == DEV_MSI_DATA && write) {
		struct islet_msi_entry m = {
			.msi_addr = d->msi_addr, .msi_data = req->value,
		};
		int err = hsm_ioctl(d->fd, ISLET_IOCTL_INJECT_MSI, &m);

		if (err)
			runner_error(d, "INJECT_MSI", err);
		return IO_CONTINUE;
	}
	d->out->unmapped++;
	if (!write)
		req->value = 0xffffffff;
	return IO_CONTINUE;
}

static enum io_verdict devs_mmio(struct hsm_vm *vm, unsigned int vcpu,
				 struct islet_mmio_request *req, void *ctx)
{
	struct guest_devs *d = ctx;
	bool write = req->direction == ISLET_IOREQ_DIR_WRITE;
	uint64_t off = req->address - WINDOW_GPA;
	uint64_t size = req->size;

	if (req->address >= WINDOW_GPA && off < sizeof(d->window) &&
	    (size == 1 || size == 2 || size == 4 || size == 8) &&
	    off + size <= sizeof(d->window)) {
		if (write) {
			memcpy(d->window + off, &req->value, size);
		} else {
			req->value = 0;
			memcpy(&req->value, d->window + off, size);
		}
		return IO_CONTINUE;
	}
	d->out->unmapped++;
	if (!write)
		req->value = ~0ULL;
	return IO_CONTINUE;
}

/* PCI configuration space: no device. */
static enum io_verdict devs_pci(struct hsm_vm *vm, unsigned int vcpu,
				struct islet_pci_request *req, void *ctx)
{
	struct guest_devs *d = ctx;

	d->out->unmapped++;
	if (req->direction == ISLET_IOREQ_DIR_READ)
		req->value = 0xffffffff;
	return IO_CONTINUE;
}

const struct io_handlers guest_devs_handlers = {
	.pio = devs_pio,
	.mmio = devs_mmio,
	.pci = devs_pci,
};
