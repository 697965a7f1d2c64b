/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C start of a test kernel (the BSP's long-mode entry from boot.S),
 * its reports and its end through the exit port.
 */
#include "internal.h"

/* Multiboot v1 information (the fields used). */
struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
};
#define MB_INFO_CMDLINE	BIT(2)
#define MB_BOOT_MAGIC	0x2badb002

#define MAX_ARGS	16

static struct spinlock report_lock;
static unsigned int tests, failures, skipped;
static const char *prefixes[4];
static unsigned int nprefix;
static char cmdline[256];

static int parse_cmdline(char **argv)
{
	const struct mb_info *mb = (const struct mb_info *)(u64)mb_info;
	int argc = 0;
	char *p;

	argv[argc++] = "guest";
	if (mb_magic != MB_BOOT_MAGIC || !mb || !(mb->flags & MB_INFO_CMDLINE))
		return argc;
	memcpy(cmdline, (const char *)(u64)mb->cmdline, sizeof(cmdline) - 1);
	for (p = cmdline; *p && argc < MAX_ARGS;) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return argc;
}

void guest_start(void)
{
	static char *argv[MAX_ARGS + 1];
	int argc;

	idt_init();
	idt_load();
	/* Both 8259s masked: a firmware before us (QEMU's SeaBIOS) may have
	 * left them at real-mode vector bases with the timer running; the
	 * pic test initializes them itself. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	cpu_data(0)->id = 0;
	argc = parse_cmdline(argv);
	if (mb_magic != MB_BOOT_MAGIC)
		printf("note: entered with EAX 0x%x, not the multiboot magic\n",
		       mb_magic);
	exit(main(argc, argv));
}

bool test_arg(int argc, char **argv, const char *w)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], w))
			return true;
	return false;
}

static void vreport(const char *what, const char *fmt, va_list ap)
{
	char msg[400];
	char pre[96];
	unsigned int o = 0;

	for (unsigned int i = 0; i < nprefix; i++)
		o += (unsigned int)snprintf(pre + o, sizeof(pre) - o, "%s: ",
					    prefixes[i]);
	if (!nprefix)
		pre[0] = 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("%s: %s%s\n", what, pre, msg);
}

bool report(bool cond, const char *fmt, ...)
{
	va_list ap;

	spin_lock(&report_lock);
	tests++;
	if (!cond)
		failures++;
	spin_unlock(&report_lock);
	va_start(ap, fmt);
	vreport(cond ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	return cond;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	spin_lock(&report_lock);
	skipped++;
	spin_unlock(&report_lock);
	va_start(ap, fmt);
	vreport("SKIP", fmt, ap);
	va_end(ap);
}

void report_prefix_push(const char *prefix)
{
	if (nprefix < ARRAY_SIZE(prefixes))
		prefixes[nprefix] = prefix;
	nprefix++;
}

void report_prefix_pop(void)
{
	if (nprefix)
		nprefix--;
}

int report_summary(void)
{
	printf("SUMMARY: %u tests, %u unexpected failures, %u skipped\n",
	       tests, failures, skipped);
	return failures ? 1 : 0;
}

void exit(int code)
{
	/* The runner ends the VM on this write; nothing runs after it. */
	outl(EXIT_PORT, (u32)code);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void abort_test(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("FAIL", fmt, ap);
	va_end(ap);
	failures++;
	tests++;
	exit(report_summary() | 1);
}

/* ---- Time ---------------------------------------------------------------- */

u64 tsc_khz(void)
{
	static u64 khz;
	struct cpuid c;

	if (khz)
		return khz;
	c = cpuid(0x40000000);
	if (c.a >= 0x40000010 && c.a < 0x40000100) {
		khz = cpuid(0x40000010).a;
		if (khz)
			return khz;
	}
	if (cpuid(0).a >= 0x15) {
		c = cpuid(0x15);
		if (c.a && c.b && c.c)
			return khz = (u64)c.c / 1000 * c.b / c.a;
	}
	if (cpuid(0).a >= 0x16 && (cpuid(0x16).a & 0xffff))
		return khz = (u64)(cpuid(0x16).a & 0xffff) * 1000;
	return khz = 1000000;
}

void delay_us(u64 us)
{
	u64 end = rdtsc() + us * tsc_khz() / 1000;

	while (rdtsc() < end)
		pause();
}

bool wait_flag(volatile u32 *flag, u64 us)
{
	u64 end = rdtsc() + us * tsc_khz() / 1000;

	while (!*flag) {
		if (rdtsc() >= end)
			return *flag != 0;
		pause();
	}
	return true;
}
