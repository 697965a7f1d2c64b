/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest test framework (tests/guests/, doc/testing.md): what a test
 * kernel calls.  In the kvm-unit-tests model: a test is main() in a
 * freestanding 64-bit kernel that boots by multiboot v1, checks things
 * with report(), and ends by returning from main() (or exit()), which
 * prints the summary and writes the exit port 0xf4.
 *
 *   int main(int argc, char **argv)     argv: the multiboot command line
 *   {                                    (the "args" of guests.cfg)
 *           report(cpuid_max() >= 1, "basic leaves");
 *           return report_summary();
 *   }
 *
 * Split by concern: processor.h (instructions), desc.h (IDT, exceptions),
 * apic.h (xAPIC/x2APIC), smp.h (APs); this header has output and reports.
 */
#ifndef GUEST_LIBGUEST_H
#define GUEST_LIBGUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1ULL << (n))

/* The runner's ports (CONTRACT, doc/testing.md). */
#define COM1_PORT		0x3f8
#define EXIT_PORT		0xf4	/* 0: PASS, other: FAIL with that code */
#define TESTDEV_IRQLINE		0xe0	/* dword: gsi | op << 8 */
#define TESTDEV_SERVED		0xe4	/* dword read: requests served */
#define TESTDEV_MSI_ADDR	0xe8	/* dword: latch the MSI address */
#define TESTDEV_MSI_DATA	0xec	/* dword: inject (latched addr, data) */
#define MMIO_WINDOW		0xd0000000UL	/* 4 KiB of runner-backed RAM */
#define MMIO_WINDOW_SIZE	0x1000

/* ISLET_IRQLINE_* (include/islet/hypercall.h) */
#define IRQLINE_HIGH		0
#define IRQLINE_LOW		1
#define IRQLINE_RAISING_PULSE	2
#define IRQLINE_FALLING_PULSE	3

/* ---- Output ------------------------------------------------------------ */

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* To COM1, one call at a time across CPUs. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void puts_serial(const char *s);

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
long strtol(const char *s, char **end, int base);

/* ---- Reports ----------------------------------------------------------- */

/* "PASS: <msg>" or "FAIL: <msg>"; counts it.  Returns cond. */
bool report(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "SKIP: <msg>", counted apart. */
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A prefix for the following reports ("apic: timer: "), nested. */
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
/* "SUMMARY: n tests, f unexpected failures, s skipped"; returns the exit
 * code main() should return: 0 when nothing failed. */
int report_summary(void);
/* Ends the test: code 0 is PASS.  Never returns. */
void exit(int code) __attribute__((noreturn));
/* A failure that stops the test (printed, then exit(1)). */
void abort_test(const char *fmt, ...) __attribute__((noreturn,
	format(printf, 1, 2)));

/* Is word @w one of the command-line words (argv)? */
bool test_arg(int argc, char **argv, const char *w);

/* ---- Time ------------------------------------------------------------------ */

/* The TSC rate: CPUID 0x40000010 EAX when the hypervisor gives it, else
 * leaf 0x15/0x16, else 1 GHz. */
u64 tsc_khz(void);
void delay_us(u64 us);
/* Spin until *flag is non-zero or @us microseconds pass: false on time-out. */
bool wait_flag(volatile u32 *flag, u64 us);

#include "processor.h"

#endif /* GUEST_LIBGUEST_H */
