// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-probe: what the test initramfs asks the machine from userspace.
 *
 *   islet-probe cpuid            hypervisor leaves, one "ISLET-PROBE:" line,
 *                                with the CPU it ran on (run it under
 *                                `taskset -c N` to probe CPU N)
 *   islet-probe tsc              the time stamp counter, in decimal
 *   islet-probe peek ADDR        read 32 bits at physical ADDR via /dev/mem
 *   islet-probe poke ADDR VALUE  write 32 bits at physical ADDR, read back
 *   islet-probe drain            wait until the console (stdout) has sent
 *                                everything, before a power-off cuts it
 *
 * Every line it prints starts with "ISLET-PROBE: " except the bare number of
 * `tsc`, so the test harness can find them among kernel messages.  A fault
 * during a /dev/mem access is reported as a line too, and exit status 3.
 */
#define _GNU_SOURCE	/* sched_getcpu */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#define HV_LEAF_BASE		0x40000000u
#define HV_LEAF_FEATURES	0x40000001u
#define CPUID1_ECX_HYPERVISOR	(1u << 31)
#define CPUID1_ECX_MONITOR	(1u << 3)
#define ACRN_SIGNATURE		"ACRNACRNACRN"
#define ACRN_FEATURE_PRIVILEGED	(1u << 0)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_regs cpuid(uint32_t leaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(0));
	return r;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence: do not let the read move above earlier instructions. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * The 12-byte vendor signature of leaf 0x40000000 ("KVMKVMKVM" pads with
 * NULs, which are dropped), with anything else that is not printable ASCII
 * shown as '?', so garbage cannot upset the console.
 */
static void hv_signature(const struct cpuid_regs *r, char sig[13])
{
	uint32_t words[3] = { r->ebx, r->ecx, r->edx };
	int len = 12;

	memcpy(sig, words, 12);
	while (len > 0 && sig[len - 1] == '\0')
		len--;
	sig[len] = '\0';
	for (int i = 0; i < len; i++)
		if (sig[i] < 0x21 || sig[i] > 0x7e)
			sig[i] = '?';
}

/*
 * Bochs without a hypervisor answers leaf 0x40000000 with the data of its
 * highest basic leaf, so the leaf alone proves nothing: a hypervisor is
 * reported only when CPUID.1:ECX[31] says one is present.  The signature
 * is printed either way (as leaf=...) for diagnosis.  cpu= is the CPU the
 * kernel says the probe ran on (read before and after the CPUIDs: -1 if the
 * probe moved meanwhile), apic= the initial APIC id CPUID.1 reports there,
 * monitor= its MONITOR/MWAIT bit (Islet hides it from the Service VM).
 * tsc= stays the last field: the init takes the marker from it.
 */
static int cmd_cpuid(void)
{
	int cpu = sched_getcpu();
	struct cpuid_regs l1 = cpuid(1);
	struct cpuid_regs base = cpuid(HV_LEAF_BASE);
	int hv_bit = !!(l1.ecx & CPUID1_ECX_HYPERVISOR);
	char sig[13];
	int privileged = 0;

	hv_signature(&base, sig);
	if (hv_bit && strcmp(sig, ACRN_SIGNATURE) == 0 &&
	    base.eax >= HV_LEAF_FEATURES)
		privileged = !!(cpuid(HV_LEAF_FEATURES).eax &
				ACRN_FEATURE_PRIVILEGED);
	if (sched_getcpu() != cpu)
		cpu = -1;
	printf("ISLET-PROBE: hypervisor=%s privileged=%d hv-bit=%d "
	       "leaf=%s max-leaf=0x%08" PRIx32 " cpu=%d apic=%" PRIu32
	       " monitor=%d tsc=%" PRIu64 "\n",
	       hv_bit ? sig : "none", privileged, hv_bit, sig, base.eax, cpu,
	       l1.ebx >> 24, !!(l1.ecx & CPUID1_ECX_MONITOR), rdtsc());
	return 0;
}

/* CPUID round trip from userspace: under a hypervisor every CPUID is a
 * VM exit, so this is the exit's full cost (exit, handler, entry).  The
 * TSC counts emulated instructions in the test machine, so the figures
 * are ticks and repeat exactly.  rdtsc sits between consecutive CPUIDs;
 * an empty loop is measured too and subtracted. */
static int cmd_bench_cpuid(const char *n_s)
{
	char *end;
	unsigned long n = strtoul(n_s, &end, 0);
	uint64_t best = UINT64_MAX, total = 0, empty = UINT64_MAX;

	if (*end || n == 0 || n > 10000000) {
		fprintf(stderr, "islet-probe: bad count %s\n", n_s);
		return 2;
	}
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = rdtsc(), t1 = rdtsc();

		if (t1 - t0 < empty)
			empty = t1 - t0;
	}
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = rdtsc(), d;

		(void)cpuid(0);
		d = rdtsc() - t0;
		total += d;
		if (d < best)
			best = d;
	}
	printf("ISLET-BENCH: cpuid round trip: %lu iterations, mean %" PRIu64
	       " ticks, min %" PRIu64 " ticks (rdtsc pair %" PRIu64
	       " ticks subtracted)\n", n, total / n - empty, best - empty,
	       empty);
	return 0;
}

static int cmd_tsc(void)
{
	printf("%" PRIu64 "\n", rdtsc());
	return 0;
}

/* What the process was doing when a fault arrived, for the report. */
static const char *volatile fault_step = "starting";

static void put_str(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void on_fault(int sig)
{
	/* Only async-signal-safe calls here. */
	put_str("ISLET-PROBE: fault: ");
	put_str(sig == SIGBUS ? "SIGBUS" : sig == SIGSEGV ? "SIGSEGV" : "signal");
	put_str(" during ");
	put_str(fault_step);
	put_str("\n");
	_exit(3);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || end == s || *end) ? -1 : 0;
}

/* Maps the page holding physical ADDR; returns the 32-bit word or NULL. */
static volatile uint32_t *map_phys(uint64_t addr, int writable)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t base = addr & ~(uint64_t)(page - 1);
	int fd;
	void *p;

	if (addr & 3) {
		printf("ISLET-PROBE: mem 0x%" PRIx64 " is not 4-byte aligned\n",
		       addr);
		return NULL;
	}
	/* O_SYNC: an uncached mapping, so the access reaches the bus. */
	fd = open("/dev/mem", (writable ? O_RDWR : O_RDONLY) | O_SYNC);
	if (fd < 0) {
		printf("ISLET-PROBE: mem 0x%" PRIx64 " open /dev/mem: %s\n",
		       addr, strerror(errno));
		return NULL;
	}
	p = mmap(NULL, (size_t)page, PROT_READ | (writable ? PROT_WRITE : 0),
		 MAP_SHARED, fd, (off_t)base);
	close(fd);
	if (p == MAP_FAILED) {
		printf("ISLET-PROBE: mem 0x%" PRIx64 " mmap: %s\n", addr,
		       strerror(errno));
		return NULL;
	}
	return (volatile uint32_t *)((char *)p + (addr - base));
}

static void catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static int cmd_peek(const char *addr_s)
{
	uint64_t addr;
	volatile uint32_t *w;
	uint32_t v;

	if (parse_u64(addr_s, &addr)) {
		printf("ISLET-PROBE: bad address '%s'\n", addr_s);
		return 2;
	}
	w = map_phys(addr, 0);
	if (!w)
		return 1;
	catch_faults();
	fault_step = "read";
	v = *w;
	printf("ISLET-PROBE: peek 0x%" PRIx64 " read=0x%08" PRIx32 "\n", addr, v);
	return 0;
}

static int cmd_poke(const char *addr_s, const char *value_s)
{
	uint64_t addr, value;
	volatile uint32_t *w;
	uint32_t back;

	if (parse_u64(addr_s, &addr) || parse_u64(value_s, &value) ||
	    value > UINT32_MAX) {
		printf("ISLET-PROBE: bad address or value '%s' '%s'\n", addr_s,
		       value_s);
		return 2;
	}
	w = map_phys(addr, 1);
	if (!w)
		return 1;
	catch_faults();
	/* Say what is about to happen first: the write may not come back. */
	printf("ISLET-PROBE: poke 0x%" PRIx64 " writing 0x%08" PRIx32 "\n",
	       addr, (uint32_t)value);
	fflush(stdout);
	fault_step = "write";
	*w = (uint32_t)value;
	fault_step = "read back";
	back = *w;
	printf("ISLET-PROBE: poke 0x%" PRIx64 " wrote=0x%08" PRIx32
	       " read=0x%08" PRIx32 " %s\n", addr, (uint32_t)value, back,
	       back == (uint32_t)value ? "same" : "differs");
	return 0;
}

/*
 * The serial driver sends from a buffer: what the shell echoed just before
 * `poweroff -f` would be lost with the machine.  tcdrain() waits for the
 * UART to have sent it all.
 */
static int cmd_drain(void)
{
	if (tcdrain(STDOUT_FILENO) && errno != ENOTTY) {
		fprintf(stderr, "islet-probe: tcdrain: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static void usage(void)
{
	fputs("usage: islet-probe cpuid | tsc | bench-cpuid N | peek ADDR | poke ADDR VALUE "
	      "| drain\n", stderr);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "cpuid") == 0)
		return cmd_cpuid();
	if (argc == 2 && strcmp(argv[1], "tsc") == 0)
		return cmd_tsc();
	if (argc == 2 && strcmp(argv[1], "drain") == 0)
		return cmd_drain();
	if (argc == 3 && strcmp(argv[1], "bench-cpuid") == 0)
		return cmd_bench_cpuid(argv[2]);
	if (argc == 3 && strcmp(argv[1], "peek") == 0)
		return cmd_peek(argv[2]);
	if (argc == 4 && strcmp(argv[1], "poke") == 0)
		return cmd_poke(argv[2], argv[3]);
	usage();
	return 2;
}
