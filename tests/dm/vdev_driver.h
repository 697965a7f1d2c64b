/*
 * A fake guest for the suites of islet-dm's virtio devices
 * (test_virtio_pci.c, test_virtio_blk.c, test_virtio_net.c,
 * test_virtio_console.c): guest RAM over a malloc'd buffer in dm_vm.mem,
 * the real PCI bus with one device at slot VDRV_SLOT reached by MMIO
 * through io.c, interrupts recorded and ioeventfds kept through dm_irq
 * (a fake HSM), and a driver that
 * sets the device up and builds chains the way Linux's virtio drivers do
 * (or the way a hostile one would).
 */
#ifndef VDEV_DRIVER_H
#define VDEV_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "virtio.h"

#define VDRV_SLOT	3
#define VDRV_RAM_SIZE	(4U << 20)

struct vdrv_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;		/* device-writable */
};

/* The machine with -s VDRV_SLOT,@dev,@conf; 0, or -1 with @err when the
 * bus (the device's init) refused it. */
int vdrv_start(const char *dev, const char *conf, struct dm_error *err);
void vdrv_stop(void);
struct virtio_dev *vdrv_dev(void);

/* Guest memory: a host pointer to @gpa, and fresh buffers (zeroed). */
uint8_t *vdrv_ram(uint64_t gpa);
uint64_t vdrv_alloc(uint32_t len);

/* A register of the common configuration structure (VIRTIO_COMMON_*). */
uint64_t vdrv_common_rd(unsigned int off, unsigned int size);
void vdrv_common_wr(unsigned int off, unsigned int size, uint64_t v);
uint64_t vdrv_device_features(void);
/* The probe up to FEATURES_OK with @features; the status read back. */
uint8_t vdrv_negotiate(uint64_t features);
/* Queue @q of @size entries at the driver's rings, enabled. */
void vdrv_queue(unsigned int q, uint16_t size);
void vdrv_driver_ok(void);
uint8_t vdrv_status(void);
/* Writes 0 to device_status; the driver's rings are forgotten. */
void vdrv_reset(void);
uint64_t vdrv_config(unsigned int off, unsigned int size);

/* Puts a chain of @n buffers in queue @q and makes it available (no
 * notify); its head. */
uint16_t vdrv_add(unsigned int q, const struct vdrv_buf *bufs, unsigned int n);
/* Notifies queue @q: through its ioeventfd when the device assigned one
 * (the eventfd signalled, then one round of the event loop), else as a
 * 16-bit MMIO write to its doorbell. */
void vdrv_kick(unsigned int q);
/* The doorbells the device has as ioeventfds in the fake HSM: their
 * number, and up to @max of their addresses in @gpa.  vdrv_stop() checks
 * that none is left. */
unsigned int vdrv_doorbells(uint64_t *gpa, unsigned int max);
/* From now on the fake HSM refuses ioeventfds (as one without them). */
void vdrv_refuse_doorbells(bool refuse);
/* Kicks that went through an ioeventfd. */
unsigned int vdrv_rung(void);
/* The next used element of queue @q: true with *@id and *@len. */
bool vdrv_used(unsigned int q, uint32_t *id, uint32_t *len);
/* The same, waiting up to 5 s (devices with a thread of their own). */
bool vdrv_wait_used(unsigned int q, uint32_t *id, uint32_t *len);
/* Used-buffer interrupts raised: INTx rising edges (the ISR is not read
 * here, so the line stays up after the first). */
unsigned int vdrv_interrupts(void);

#endif /* VDEV_DRIVER_H */
