// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's PCI bus 0 (pci.h): the linker set of device types, the
 * functions -s asks for (plus the host bridge and the LPC bridge every PC
 * has), configuration space as the guest reaches it (PCICFG requests from
 * the HSM's 0xcf8/0xcfc decoding, and ECAM), capabilities, INTx, and the
 * power-on image a VM reset returns to.  BARs are pci_bar.c's, MSI-X
 * pci_msix.c's.
 *
 * Everything the guest sends here is untrusted: an access of a size PCI
 * does not have, one that crosses a dword, or one to a function that does
 * not exist reads all-ones and writes nothing, as on a real bus.
 *
 * Locking: each function's recursive mutex covers its config space, BARs
 * and MSI-X state; config and BAR accesses take it, and so do the helpers
 * device types call from their own threads.  INTx lines are shared between
 * functions, so the count of functions asserting each GSI has a lock of
 * its own, taken inside a function's.
 */
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "pci.h"
#include "pci_int.h"

/* The linker makes these for the section DM_PCI_DEVICE() fills, because
 * its name is a C identifier; referring to them also keeps ld from
 * dropping the section under --gc-sections. */
extern const struct dm_pci_ops *const __start_dm_pci_devices[]
	__attribute__((visibility("hidden")));
extern const struct dm_pci_ops *const __stop_dm_pci_devices[]
	__attribute__((visibility("hidden")));

static struct pci_func *funcs[DM_MAX_SLOTS][DM_MAX_FUNCS];
static bool ecam_registered;

static pthread_mutex_t intx_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int gsi_users[DM_PCI_INTX_NGSI];

const struct dm_pci_ops *dm_pci_find_type(const char *name)
{
	for (const struct dm_pci_ops *const *t = __start_dm_pci_devices;
	     t < __stop_dm_pci_devices; t++)
		if (*t && (*t)->name && !strcmp((*t)->name, name))
			return *t;
	return NULL;
}

struct dm_pci_dev *dm_pci_get(unsigned int slot, unsigned int func)
{
	if (slot >= DM_MAX_SLOTS || func >= DM_MAX_FUNCS || !funcs[slot][func])
		return NULL;
	return &funcs[slot][func]->dev;
}

/* ---- Config space helpers ---- */

static void put(uint8_t *b, unsigned int off, unsigned int size, uint32_t v)
{
	for (unsigned int i = 0; i < size && off + i < DM_PCI_CFG_SIZE; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

void dm_pci_cfg_set8(struct dm_pci_dev *d, unsigned int off, uint8_t v)
{
	put(d->cfg, off, 1, v);
}

void dm_pci_cfg_set16(struct dm_pci_dev *d, unsigned int off, uint16_t v)
{
	put(d->cfg, off, 2, v);
}

void dm_pci_cfg_set32(struct dm_pci_dev *d, unsigned int off, uint32_t v)
{
	put(d->cfg, off, 4, v);
}

uint32_t dm_pci_cfg_get(const struct dm_pci_dev *d, unsigned int off,
			unsigned int size)
{
	uint32_t v = 0;

	if (size > 4)
		return 0;
	for (unsigned int i = 0; i < size && off + i < DM_PCI_CFG_SIZE; i++)
		v |= (uint32_t)d->cfg[off + i] << (8 * i);
	return v;
}

void dm_pci_set_ids(struct dm_pci_dev *d, uint16_t vendor, uint16_t device,
		    uint32_t class_code, uint8_t revision,
		    uint16_t subsys_vendor, uint16_t subsys_id)
{
	dm_pci_cfg_set16(d, DM_PCIR_VENDOR, vendor);
	dm_pci_cfg_set16(d, DM_PCIR_DEVICE, device);
	dm_pci_cfg_set8(d, DM_PCIR_REVID, revision);
	put(d->cfg, DM_PCIR_CLASS, 3, class_code);
	dm_pci_cfg_set16(d, DM_PCIR_SUBVEND, subsys_vendor);
	dm_pci_cfg_set16(d, DM_PCIR_SUBDEV, subsys_id);
}

unsigned int dm_pci_add_cap(struct dm_pci_dev *d, const uint8_t *body,
			    unsigned int len, const uint8_t *wmask)
{
	unsigned int off = d->cap_next;

	if (len < 2 || off < DM_PCI_CAP_START || off > DM_PCI_CFG_SIZE ||
	    len > DM_PCI_CFG_SIZE - off)
		return 0;
	memcpy(&d->cfg[off], body, len);
	memset(&d->w1c[off], 0, len);
	if (wmask)
		memcpy(&d->wmask[off], wmask, len);
	else
		memset(&d->wmask[off], 0, len);
	/* The ID and the chain are the bus's, never the guest's. */
	d->cfg[off + 1] = 0;
	d->wmask[off] = d->wmask[off + 1] = 0;
	if (d->cap_last) {
		d->cfg[d->cap_last + 1] = (uint8_t)off;
	} else {
		d->cfg[DM_PCIR_CAP_PTR] = (uint8_t)off;
		d->cfg[DM_PCIR_STATUS] |= DM_PCI_STS_CAP_LIST;
	}
	d->cap_last = off;
	/* Capabilities start on a dword, as the low two bits of every
	 * pointer are reserved. */
	d->cap_next = (off + len + 3) & ~3U;
	return off;
}

/* ---- INTx ---- */

void pci_intx_update(struct dm_pci_dev *d)
{
	struct pci_func *f = pci_func_of(d);
	unsigned int pin = d->cfg[DM_PCIR_INTPIN];
	uint16_t cmd = (uint16_t)dm_pci_cfg_get(d, DM_PCIR_COMMAND, 2);
	bool on = d->intx_level && pin >= 1 && pin <= 4 &&
		  !(cmd & DM_PCI_CMD_INTX_DISABLE) && !dm_pci_msix_enabled(d);
	unsigned int *users;

	if (on == f->intx_driven)
		return;
	/* Functions share GSIs: the line is high while any of them holds
	 * it, so it moves on the first raise and the last release only. */
	pthread_mutex_lock(&intx_lock);
	if (on)
		f->intx_gsi = DM_PCI_INTX_GSI(d->slot, pin);
	users = &gsi_users[f->intx_gsi - DM_PCI_INTX_GSI_BASE];
	if (on && (*users)++ == 0)
		dm_irq->gsi(f->intx_gsi, true);
	else if (!on && *users && --*users == 0)
		dm_irq->gsi(f->intx_gsi, false);
	f->intx_driven = on;
	pthread_mutex_unlock(&intx_lock);
}

void dm_pci_intx(struct dm_pci_dev *d, bool level)
{
	pthread_mutex_lock(&d->lock);
	d->intx_level = level;
	/* STATUS shows the device's own level, whether or not the line is
	 * masked, so a driver can poll it with INTx disabled. */
	if (level)
		d->cfg[DM_PCIR_STATUS] |= DM_PCI_STS_INTX;
	else
		d->cfg[DM_PCIR_STATUS] &= (uint8_t)~DM_PCI_STS_INTX;
	pci_intx_update(d);
	pthread_mutex_unlock(&d->lock);
}

/* ---- Guest accesses ---- */

static void cfg_write(struct dm_pci_dev *d, unsigned int reg,
		      unsigned int size, uint32_t v)
{
	unsigned int msix_ctrl = d->msix.cap + 2;
	uint16_t old_msix = (uint16_t)dm_pci_cfg_get(d, msix_ctrl, 2);

	for (unsigned int i = 0; i < size; i++) {
		unsigned int r = reg + i;
		uint8_t b = (uint8_t)(v >> (8 * i));

		d->cfg[r] = (uint8_t)((d->cfg[r] & ~d->wmask[r]) |
				      (b & d->wmask[r]));
		d->cfg[r] &= (uint8_t)~(b & d->w1c[r]);
	}
	if (pci_overlaps(reg, size, DM_PCIR_BAR(0), 4 * DM_PCI_NBARS))
		pci_bar_cfg_write(d, reg, size, v);
	if (pci_overlaps(reg, size, DM_PCIR_COMMAND, 2)) {
		pci_bars_update(d);
		pci_intx_update(d);
	}
	if (d->msix.nvec && pci_overlaps(reg, size, msix_ctrl, 2))
		pci_msix_ctrl_written(d, old_msix);
	if (d->ops->cfg_written)
		d->ops->cfg_written(d, reg, size);
}

void dm_pci_cfg_access(unsigned int bus, unsigned int slot,
		       unsigned int func, unsigned int reg, unsigned int size,
		       bool write, uint32_t *value)
{
	struct dm_pci_dev *d = NULL;

	/* PCI has 1-, 2- and 4-byte accesses within one dword. */
	if (bus == 0 && (size == 1 || size == 2 || size == 4) &&
	    reg < 4096 && (reg & 3) + size <= 4)
		d = dm_pci_get(slot, func);
	if (!d) {
		if (!write)
			*value = ~0U;
		return;
	}
	if (reg >= DM_PCI_CFG_SIZE) {
		/* Extended space, which none of ours uses: no capabilities
		 * there (a zero header ends the list). */
		if (!write)
			*value = 0;
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (write)
		cfg_write(d, reg, size, *value & (uint32_t)dm_size_mask(size));
	else
		*value = dm_pci_cfg_get(d, reg, size);
	pthread_mutex_unlock(&d->lock);
}

/* ECAM: bus in bits 27:20 (only 0 is in the window), device 19:15,
 * function 14:12, register 11:0. */
static void ecam_access(uint64_t addr, unsigned int size, bool write,
			uint64_t *value)
{
	uint64_t off = addr - DM_PCI_ECAM_BASE;
	uint32_t v = (uint32_t)*value;

	if (size > 4) {		/* an 8-byte MOV: not a PCI access */
		if (!write)
			*value = ~0ULL;
		return;
	}
	dm_pci_cfg_access((unsigned int)(off >> 20),
			  (unsigned int)(off >> 15) & 31,
			  (unsigned int)(off >> 12) & 7,
			  (unsigned int)off & 0xfff, size, write, &v);
	if (!write)
		*value = v;
}

static void ecam_read(void *dev, uint64_t addr, unsigned int size,
		      uint64_t *value)
{
	*value = 0;
	ecam_access(addr, size, false, value);
}

static void ecam_write(void *dev, uint64_t addr, unsigned int size,
		       uint64_t value)
{
	ecam_access(addr, size, true, &value);
}

static const struct dm_io_ops ecam_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

/* ---- Life cycle ---- */

static void free_func(struct pci_func *f)
{
	pthread_mutex_destroy(&f->dev.lock);
	free(f);
}

/* A new function at @slot:@func of type @ops, set up from @conf. */
static int add_func(unsigned int slot, unsigned int func,
		    const struct dm_pci_ops *ops, const char *conf,
		    struct dm_error *err)
{
	struct dm_error e = { { 0 } };
	pthread_mutexattr_t attr;
	struct dm_pci_dev *d;
	struct pci_func *f;
	unsigned int pin;

	f = calloc(1, sizeof(*f));
	if (!f)
		return dm_fail(err, "-s %u:%u,%s: out of memory", slot, func,
			       ops->name);
	d = &f->dev;
	d->ops = ops;
	d->slot = (uint8_t)slot;
	d->func = (uint8_t)func;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&d->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	d->cap_next = DM_PCI_CAP_START;
	for (int i = 0; i < DM_PCI_NBARS; i++)
		f->bar_ctx[i] = (struct pci_bar_ctx){ .d = d, .idx = i };
	/* What the guest may write in every type 0 header: I/O, memory and
	 * bus master enables, parity and SERR responses, INTx disable;
	 * cache line size, latency timer, interrupt line.  STATUS's error
	 * bits are write-1-to-clear (nothing here sets them). */
	put(d->wmask, DM_PCIR_COMMAND, 2, 0x0547);
	put(d->w1c, DM_PCIR_STATUS, 2, 0xf900);
	d->wmask[DM_PCIR_CACHELINE] = 0xff;
	d->wmask[DM_PCIR_LATENCY] = 0xff;
	d->wmask[DM_PCIR_INTLINE] = 0xff;

	if (ops->init && ops->init(d, conf, &e)) {
		free_func(f);
		return dm_fail(err, "-s %u:%u,%s: %s", slot, func, ops->name,
			       e.msg[0] ? e.msg : "cannot be set up");
	}
	pin = d->cfg[DM_PCIR_INTPIN];
	if (pin > 4) {
		if (ops->deinit)
			ops->deinit(d);
		free_func(f);
		return dm_fail(err, "-s %u:%u,%s: interrupt pin %u (INTA-INTD "
			       "are 1-4)", slot, func, ops->name, pin);
	}
	/* The line the DSDT's _PRT gives the pin: firmware and OSes read it
	 * here. */
	if (pin)
		d->cfg[DM_PCIR_INTLINE] = (uint8_t)DM_PCI_INTX_GSI(slot, pin);
	funcs[slot][func] = f;
	return 0;
}

/* The device type -s @s asks for, or NULL with @err. */
static const struct dm_pci_ops *slot_type(const struct dm_slot *s,
					  struct dm_error *err)
{
	const struct dm_pci_ops *ops;

	if (s->slot >= DM_MAX_SLOTS || s->func >= DM_MAX_FUNCS) {
		dm_fail(err, "-s %u:%u,%s: no such slot (slots 0-%d, functions "
			"0-%d)", s->slot, s->func, s->driver, DM_MAX_SLOTS - 1,
			DM_MAX_FUNCS - 1);
		return NULL;
	}
	ops = dm_pci_find_type(s->driver);
	if (!ops)
		dm_fail(err, "-s %u:%u,%s: no device type %s", s->slot,
			s->func, s->driver, s->driver);
	return ops;
}

int dm_pci_init(const struct dm_config *cfg, struct dm_error *err)
{
	const struct dm_pci_ops *types[DM_MAX_SLOTS][DM_MAX_FUNCS] = { { 0 } };
	const char *confs[DM_MAX_SLOTS][DM_MAX_FUNCS] = { { 0 } };
	bool named_hb = false, named_lpc = false;
	unsigned int s, fn;

	dm_pci_deinit();
	pci_bar_alloc_reset();
	for (unsigned int i = 0; i < cfg->nslots && i < DM_MAX_DEVICES; i++) {
		const struct dm_slot *sl = &cfg->slots[i];
		const struct dm_pci_ops *ops = slot_type(sl, err);

		if (!ops)
			return -1;
		if (types[sl->slot][sl->func])
			return dm_fail(err, "-s %u:%u,%s: slot conflict with "
				       "%s", sl->slot, sl->func, sl->driver,
				       types[sl->slot][sl->func]->name);
		types[sl->slot][sl->func] = ops;
		confs[sl->slot][sl->func] = sl->conf;
		named_hb |= !strcmp(ops->name, "hostbridge");
		named_lpc |= !strcmp(ops->name, "lpc");
	}
	/* Every PC has these two; acrn-dm scripts place them with -s, and
	 * a place taken by something else is left to it. */
	if (!named_hb && !types[0][0])
		types[0][0] = dm_pci_find_type("hostbridge");
	if (!named_lpc && !types[31][0])
		types[31][0] = dm_pci_find_type("lpc");
	/* Software probes function 0 and looks further only when its header
	 * says multi-function: the others would be invisible. */
	for (s = 0; s < DM_MAX_SLOTS; s++)
		for (fn = 1; fn < DM_MAX_FUNCS; fn++)
			if (types[s][fn] && !types[s][0])
				return dm_fail(err, "-s %u:%u,%s: slot %u has "
					       "no function 0", s, fn,
					       types[s][fn]->name, s);

	if (dm_io_register(DM_MMIO, DM_PCI_ECAM_BASE, DM_PCI_ECAM_SIZE,
			   &ecam_ops, NULL, "pci-ecam"))
		return dm_fail(err, "the PCI ECAM window at 0x%llx is taken",
			       (unsigned long long)DM_PCI_ECAM_BASE);
	ecam_registered = true;

	for (s = 0; s < DM_MAX_SLOTS; s++)
		for (fn = 0; fn < DM_MAX_FUNCS; fn++)
			if (types[s][fn] &&
			    add_func(s, fn, types[s][fn],
				     confs[s][fn] ? confs[s][fn] : "", err)) {
				dm_pci_deinit();
				return -1;
			}

	for (s = 0; s < DM_MAX_SLOTS; s++) {
		for (fn = 1; fn < DM_MAX_FUNCS; fn++)
			if (funcs[s][fn])
				funcs[s][0]->dev.cfg[DM_PCIR_HDRTYPE] |=
					DM_PCI_HDR_MULTIFUNC;
		for (fn = 0; fn < DM_MAX_FUNCS; fn++) {
			struct pci_func *f = funcs[s][fn];

			if (!f)
				continue;
			memcpy(f->cfg_init, f->dev.cfg, sizeof(f->cfg_init));
			for (int b = 0; b < DM_PCI_NBARS; b++)
				f->bar_init[b] = f->dev.bar[b].addr;
		}
	}
	return 0;
}

void dm_pci_reset(void)
{
	for (unsigned int s = 0; s < DM_MAX_SLOTS; s++) {
		for (unsigned int fn = 0; fn < DM_MAX_FUNCS; fn++) {
			struct pci_func *f = funcs[s][fn];
			struct dm_pci_dev *d;

			if (!f)
				continue;
			d = &f->dev;
			pthread_mutex_lock(&d->lock);
			pci_bars_unregister(d);
			d->intx_level = false;
			memcpy(d->cfg, f->cfg_init, sizeof(d->cfg));
			d->cfg[DM_PCIR_STATUS] &= (uint8_t)~DM_PCI_STS_INTX;
			for (int b = 0; b < DM_PCI_NBARS; b++)
				d->bar[b].addr = f->bar_init[b];
			pci_msix_reset(d);
			pci_intx_update(d);	/* lowers the line */
			pthread_mutex_unlock(&d->lock);
			if (d->ops->reset)
				d->ops->reset(d);
		}
	}
}

void dm_pci_deinit(void)
{
	for (unsigned int s = 0; s < DM_MAX_SLOTS; s++) {
		for (unsigned int fn = 0; fn < DM_MAX_FUNCS; fn++) {
			struct pci_func *f = funcs[s][fn];

			if (!f)
				continue;
			pci_bars_unregister(&f->dev);
			if (f->dev.ops->deinit)
				f->dev.ops->deinit(&f->dev);
			free_func(f);
			funcs[s][fn] = NULL;
		}
	}
	if (ecam_registered)
		dm_io_unregister(DM_MMIO, DM_PCI_ECAM_BASE);
	ecam_registered = false;
	/* The VM may be gone already: its lines are not lowered, only
	 * forgotten. */
	pthread_mutex_lock(&intx_lock);
	memset(gsi_users, 0, sizeof(gsi_users));
	pthread_mutex_unlock(&intx_lock);
}
