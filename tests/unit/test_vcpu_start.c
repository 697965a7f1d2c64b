/* hypervisor/arch/x86/vcpu_start.c, the INIT/SIPI/give-up state machine,
 * compiled for the host: apic_send_ipi() is this file's, recording the
 * kicks (real INITs) sent, and cpu_relax() (tests/unit/shim/asm/cpu.h) is
 * a hook called at every spin of vcpu_wait_for_sipi().  Single-threaded
 * tests run the wait through wait_bounded(): the hook plays the other CPU
 * at chosen spins (sending SIPIs, INITs, giving the CPU up) and ends the
 * wait by longjmp after a bound, so a vCPU that would spin forever is a
 * result, not a hung test.  Interleaving tests put another CPU's INIT,
 * SIPI or give-up exactly between a read of the state and the write that
 * acts on it (a write fault on the vCPU's page, see trap_arm()).
 * Two-thread tests race a waiting vCPU against INIT, SIPI and give-up sent
 * from other threads. */
#define _GNU_SOURCE		/* REG_EFL in ucontext_t */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "unit.h"
#include "vm.h"
#include <asm/apic.h>
#include <asm/cpu.h>

#define TEST_APIC_ID		5
#define KICK_LOW	(ICR_ASSERT | (ICR_MODE_NMI << 8))
#define STARTING(vec)	(VCPU_STARTING | ((u32)(vec) << 8))

/* ---- apic_send_ipi(): the kicks ---- */

#define MAX_IPIS	16
static struct { u32 dest, low; } ipis[MAX_IPIS];
static u32 nr_ipis;		/* atomic: senders may be several threads */

void apic_send_ipi(u32 dest, u32 low)
{
	u32 i = __atomic_fetch_add(&nr_ipis, 1, __ATOMIC_ACQ_REL);

	if (i < MAX_IPIS) {
		ipis[i].dest = dest;
		ipis[i].low = low;
	}
}

static u32 ipi_count(void)
{
	return __atomic_load_n(&nr_ipis, __ATOMIC_ACQUIRE);
}

/* Whether IPI @i is the kick: an INIT (level, assert) to @apic_id's
 * physical destination, no shorthand. */
static bool is_kick(u32 i, u32 apic_id)
{
	u32 low = ipis[i].low;

	return ipis[i].dest == apic_id && low == KICK_LOW &&
	       ICR_MODE(low) == ICR_MODE_NMI && !(low & ICR_LOGICAL) &&
	       ICR_SHORTHAND(low) == ICR_DEST_FIELD;
}

/* ---- cpu_relax(): the spins ---- */

static u64 relaxes;		/* atomic: every thread's spins */

/* Per thread, set by wait_bounded(). */
static __thread jmp_buf *bail;
static __thread bool (*step)(struct vcpu *v, u32 n);
static __thread struct vcpu *waiting;
static __thread u32 spins, spin_limit;

void cpu_relax(void)
{
	__atomic_add_fetch(&relaxes, 1, __ATOMIC_RELAXED);
	if (!bail)
		return;		/* not from a wait_bounded() wait */
	spins++;
	if ((step && step(waiting, spins)) || spins >= spin_limit)
		longjmp(*bail, 1);
}

/* Set when vcpu_wait_for_sipi() returned -EPERM: the vCPU was given up,
 * never started, and its CPU went to serve User VMs. */
static bool left_given_up;

/* Runs vcpu_wait_for_sipi(@v) on this thread.  @fn (may be NULL) is called
 * at spin n = 1, 2, ...; it may act on @v as another CPU would, and end the
 * wait by returning true.  The wait also ends after @limit spins.  Returns
 * whether vcpu_wait_for_sipi() returned a SIPI vector, in *@vec; a return
 * because the vCPU was given up sets left_given_up instead. */
static bool wait_bounded(struct vcpu *v, bool (*fn)(struct vcpu *, u32),
			 u32 limit, u8 *vec)
{
	jmp_buf env;
	int ret;

	left_given_up = false;
	spins = 0;
	spin_limit = limit;
	step = fn;
	waiting = v;
	bail = &env;
	if (setjmp(env)) {
		bail = NULL;
		return false;
	}
	ret = vcpu_wait_for_sipi(v);
	bail = NULL;
	if (ret < 0) {
		CU_ASSERT_EQUAL(ret, -EPERM);
		__atomic_store_n(&left_given_up, true, __ATOMIC_RELEASE);
		return false;
	}
	*vec = (u8)ret;
	return true;
}

/* ---- helpers ---- */

static void reset(struct vcpu *v, u32 state)
{
	memset(v, 0, sizeof(*v));
	v->apic_id = TEST_APIC_ID;
	v->start_state = state;
	memset(ipis, 0, sizeof(ipis));
	__atomic_store_n(&nr_ipis, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&relaxes, 0, __ATOMIC_RELEASE);
}

static u32 state(struct vcpu *v)
{
	return __atomic_load_n(&v->start_state, __ATOMIC_ACQUIRE);
}

/* ---- INIT ---- */

static void test_init_running_kicks(void)
{
	static const u32 ids[] = { TEST_APIC_ID, 0, 0xfe, 0x123, 0xfffffffe };
	struct vcpu v;

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		reset(&v, VCPU_RUNNING);
		v.apic_id = ids[i];
		CU_ASSERT_EQUAL(vcpu_send_init(&v), 0);
		CU_ASSERT_EQUAL(state(&v), VCPU_WAIT_SIPI);
		CU_ASSERT_EQUAL_FATAL(ipi_count(), 1);
		CU_ASSERT_TRUE(is_kick(0, ids[i]));
		CU_ASSERT_EQUAL(ipis[0].dest, ids[i]);
		CU_ASSERT_FALSE(vcpu_given_up(&v));
	}
	CU_ASSERT_EQUAL(relaxes, 0);
}

/* A held vCPU is in the hypervisor already: no kick.  From STARTING (SIPI
 * taken, not yet entered) INIT holds it again and drops the vector. */
static void test_init_held_no_kick(void)
{
	struct vcpu v;

	reset(&v, VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(vcpu_send_init(&v), 0);
	CU_ASSERT_EQUAL(state(&v), VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(vcpu_send_init(&v), 0);
	CU_ASSERT_EQUAL(state(&v), VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(ipi_count(), 0);

	reset(&v, STARTING(0x9a));
	CU_ASSERT_EQUAL(vcpu_send_init(&v), 0);
	CU_ASSERT_EQUAL(state(&v), VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(ipi_count(), 0);
	/* the next SIPI's vector is the one that counts */
	CU_ASSERT_EQUAL(vcpu_send_sipi(&v, 0x10), 0);
	CU_ASSERT_EQUAL(state(&v), STARTING(0x10));
	CU_ASSERT_EQUAL(ipi_count(), 0);
	CU_ASSERT_EQUAL(relaxes, 0);
}

/* ---- SIPI ---- */

static void test_sipi_starts_waiting_only(void)
{
	struct vcpu v;

	reset(&v, VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(vcpu_send_sipi(&v, 0x9a), 0);
	CU_ASSERT_EQUAL(state(&v), STARTING(0x9a));
	/* the second SIPI (Linux sends two) does not change the vector */
	CU_ASSERT_EQUAL(vcpu_send_sipi(&v, 0x10), 0);
	CU_ASSERT_EQUAL(state(&v), STARTING(0x9a));

	/* a running vCPU ignores SIPIs, as on hardware */
	reset(&v, VCPU_RUNNING);
	CU_ASSERT_EQUAL(vcpu_send_sipi(&v, 0x9a), 0);
	CU_ASSERT_EQUAL(state(&v), VCPU_RUNNING);
	CU_ASSERT_EQUAL(ipi_count(), 0);
	CU_ASSERT_EQUAL(relaxes, 0);
}

/* Vectors 0 and 0xff travel intact and never look like another state. */
static void test_sipi_vector_range(void)
{
	struct vcpu v;

	for (u32 vec = 0; vec < 256; vec++) {
		u8 got = 0;

		reset(&v, VCPU_WAIT_SIPI);
		CU_ASSERT_EQUAL(vcpu_send_sipi(&v, (u8)vec), 0);
		CU_ASSERT_EQUAL(state(&v), STARTING(vec));
		CU_ASSERT_EQUAL(state(&v) & 0xff, VCPU_STARTING);
		CU_ASSERT_FALSE(vcpu_given_up(&v));
		CU_ASSERT_TRUE(wait_bounded(&v, NULL, 1, &got));
		CU_ASSERT_EQUAL(got, vec);
		CU_ASSERT_EQUAL(state(&v), VCPU_RUNNING);
	}
	CU_ASSERT_EQUAL(ipi_count(), 0);
	CU_ASSERT_EQUAL(relaxes, 0);
}

/* ---- vcpu_wait_for_sipi() ---- */

/* The SIPI came before the vCPU got to wait: it starts at once. */
static void test_wait_sipi_already_there(void)
{
	struct vcpu v;
	u8 vec = 0;

	reset(&v, STARTING(0x9a));
	CU_ASSERT_TRUE(wait_bounded(&v, NULL, 1, &vec));
	CU_ASSERT_EQUAL(vec, 0x9a);
	CU_ASSERT_EQUAL(state(&v), VCPU_RUNNING);
	CU_ASSERT_EQUAL(relaxes, 0);
	CU_ASSERT_EQUAL(ipi_count(), 0);
}

static u32 parked_at;		/* the state seen at the first spin */

static bool sipi_at_3(struct vcpu *v, u32 n)
{
	if (n == 1)
		parked_at = state(v);
	if (n == 3) {
		CU_ASSERT_EQUAL(vcpu_send_sipi(v, 0x42), 0);
		CU_ASSERT_EQUAL(vcpu_send_sipi(v, 0x43), 0);	/* ignored */
	}
	return false;
}

/* A running vCPU that waits (an INIT the hypervisor did not send) is held
 * until a SIPI, whose vector it returns; nothing is kicked. */
static void test_wait_parks_running(void)
{
	struct vcpu v;
	u8 vec = 0;

	reset(&v, VCPU_RUNNING);
	parked_at = ~0U;
	CU_ASSERT_TRUE(wait_bounded(&v, sipi_at_3, 100, &vec));
	CU_ASSERT_EQUAL(parked_at, VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(spins, 3);
	CU_ASSERT_EQUAL(vec, 0x42);
	CU_ASSERT_EQUAL(state(&v), VCPU_RUNNING);
	CU_ASSERT_EQUAL(ipi_count(), 0);

	/* no SIPI: still held after many spins */
	reset(&v, VCPU_RUNNING);
	CU_ASSERT_FALSE(wait_bounded(&v, NULL, 1000, &vec));
	CU_ASSERT_FALSE(left_given_up);
	CU_ASSERT_EQUAL(spins, 1000);
	CU_ASSERT_EQUAL(state(&v), VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(ipi_count(), 0);
}

static bool sipi_then_init(struct vcpu *v, u32 n)
{
	if (n == 2) {
		/* a SIPI, then an INIT before the vCPU looked again */
		CU_ASSERT_EQUAL(vcpu_send_sipi(v, 0x11), 0);
		CU_ASSERT_EQUAL(vcpu_send_init(v), 0);
		CU_ASSERT_EQUAL(state(v), VCPU_WAIT_SIPI);
	}
	if (n == 5)
		CU_ASSERT_EQUAL(vcpu_send_sipi(v, 0x22), 0);
	return false;
}

/* An INIT between a SIPI and the start cancels the SIPI (no kick: the vCPU
 * is in the hypervisor); the next SIPI starts it. */
static void test_wait_init_cancels_sipi(void)
{
	struct vcpu v;
	u8 vec = 0;

	reset(&v, VCPU_WAIT_SIPI);
	CU_ASSERT_TRUE(wait_bounded(&v, sipi_then_init, 100, &vec));
	CU_ASSERT_EQUAL(spins, 5);
	CU_ASSERT_EQUAL(vec, 0x22);
	CU_ASSERT_EQUAL(state(&v), VCPU_RUNNING);
	CU_ASSERT_EQUAL(ipi_count(), 0);
}

/* ---- give-up ---- */

static void test_give_up_running_kicks(void)
{
	struct vcpu v;

	reset(&v, VCPU_RUNNING);
	v.apic_id = 7;
	CU_ASSERT_EQUAL(vcpu_give_up(&v), 0);
	CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
	CU_ASSERT_TRUE(vcpu_given_up(&v));
	CU_ASSERT_EQUAL_FATAL(ipi_count(), 1);
	CU_ASSERT_TRUE(is_kick(0, 7));
	CU_ASSERT_EQUAL(relaxes, 0);
}

static void test_give_up_held_no_kick(void)
{
	const u32 from[] = { VCPU_WAIT_SIPI, STARTING(0x9a), STARTING(0) };
	struct vcpu v;

	for (size_t i = 0; i < ARRAY_SIZE(from); i++) {
		reset(&v, from[i]);
		CU_ASSERT_EQUAL(vcpu_give_up(&v), 0);
		CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
		CU_ASSERT_TRUE(vcpu_given_up(&v));
		CU_ASSERT_EQUAL(ipi_count(), 0);
	}
}

/* Given up is final: a second give-up is -EBUSY, INIT and SIPI are -EPERM,
 * and none of them changes the state or kicks. */
static void test_given_up_is_final(void)
{
	const u32 from[] = { VCPU_RUNNING, VCPU_WAIT_SIPI, STARTING(0x9a) };
	struct vcpu v;

	for (size_t i = 0; i < ARRAY_SIZE(from); i++) {
		u32 kicks;

		reset(&v, from[i]);
		CU_ASSERT_EQUAL(vcpu_give_up(&v), 0);
		kicks = ipi_count();
		CU_ASSERT_EQUAL(kicks, from[i] == VCPU_RUNNING ? 1 : 0);
		CU_ASSERT_EQUAL(vcpu_give_up(&v), -EBUSY);
		CU_ASSERT_EQUAL(vcpu_send_init(&v), -EPERM);
		CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
		CU_ASSERT_EQUAL(vcpu_send_sipi(&v, 0x10), -EPERM);
		CU_ASSERT_EQUAL(vcpu_send_sipi(&v, 0), -EPERM);
		CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
		CU_ASSERT_EQUAL(vcpu_give_up(&v), -EBUSY);
		CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
		CU_ASSERT_TRUE(vcpu_given_up(&v));
		CU_ASSERT_EQUAL(ipi_count(), kicks);
	}
	CU_ASSERT_EQUAL(relaxes, 0);
}

static void test_given_up_only_when_given_up(void)
{
	struct vcpu v;

	reset(&v, VCPU_RUNNING);
	CU_ASSERT_FALSE(vcpu_given_up(&v));
	reset(&v, VCPU_WAIT_SIPI);
	CU_ASSERT_FALSE(vcpu_given_up(&v));
	for (u32 vec = 0; vec < 256; vec++) {
		reset(&v, STARTING(vec));
		CU_ASSERT_FALSE(vcpu_given_up(&v));
	}
}

static bool try_to_start(struct vcpu *v, u32 n)
{
	CU_ASSERT_EQUAL(vcpu_send_sipi(v, (u8)n), -EPERM);
	CU_ASSERT_EQUAL(vcpu_send_init(v), -EPERM);
	return false;
}

/* The kicked vCPU of a given-up CPU is never started again: no INIT or
 * SIPI starts it (whether it had parked itself or not); its wait ends
 * with -EPERM, for the CPU to serve User VMs. */
static void test_given_up_stays_held(void)
{
	struct vcpu v;
	u8 vec = 0;

	reset(&v, VCPU_GIVEN_UP);
	CU_ASSERT_FALSE(wait_bounded(&v, try_to_start, 1000, &vec));
	CU_ASSERT_TRUE(left_given_up);
	CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL(ipi_count(), 0);
}

static bool sipi_then_give_up(struct vcpu *v, u32 n)
{
	if (n == 1) {
		CU_ASSERT_EQUAL(vcpu_send_sipi(v, 0x30), 0);
		CU_ASSERT_EQUAL(state(v), STARTING(0x30));
		CU_ASSERT_EQUAL(vcpu_give_up(v), 0);
	}
	return false;
}

/* A SIPI taken but not yet acted on, then a give-up: the vCPU never runs. */
static void test_give_up_after_sipi(void)
{
	const u32 from[] = { VCPU_RUNNING, VCPU_WAIT_SIPI };
	struct vcpu v;
	u8 vec = 0;

	for (size_t i = 0; i < ARRAY_SIZE(from); i++) {
		reset(&v, from[i]);
		CU_ASSERT_FALSE(wait_bounded(&v, sipi_then_give_up, 500, &vec));
		CU_ASSERT_TRUE(left_given_up);
		CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
		CU_ASSERT_EQUAL(ipi_count(), 0);
	}
}

/* Started, then given up: kicked, and held when the kick's exit waits. */
static void test_give_up_after_start(void)
{
	struct vcpu v;
	u8 vec = 0;

	reset(&v, VCPU_WAIT_SIPI);
	CU_ASSERT_EQUAL(vcpu_send_sipi(&v, 0x30), 0);
	CU_ASSERT_TRUE(wait_bounded(&v, NULL, 1, &vec));
	CU_ASSERT_EQUAL(vec, 0x30);
	CU_ASSERT_EQUAL(vcpu_give_up(&v), 0);
	CU_ASSERT_EQUAL_FATAL(ipi_count(), 1);
	CU_ASSERT_TRUE(is_kick(0, TEST_APIC_ID));
	CU_ASSERT_FALSE(wait_bounded(&v, try_to_start, 200, &vec));
	CU_ASSERT_TRUE(left_given_up);
	CU_ASSERT_EQUAL(state(&v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL(ipi_count(), 1);
}

/* ---- interleavings: another CPU between a read and a write ---- */

/* The vCPU lives alone on a page that is made read-only: the n-th write
 * to it (a locked cmpxchg writes even when the comparison fails) faults,
 * and the SIGSEGV handler makes the page writable and runs the action, as
 * another CPU would between that code's read of the state and its write;
 * the write is then retried against the new state.  Earlier writes go
 * through one at a time: the handler opens the page and sets the trap
 * flag, and the SIGTRAP after the write closes it again. */

#define X86_EFLAGS_TF	0x100

static struct vcpu *trap_v;
static u32 trap_at, trap_writes;
static void (*trap_action)(struct vcpu *);
static bool trap_fired, trap_stepping;
static int action_ret;
static struct sigaction old_segv, old_trap;

static void trap_protect(int prot)
{
	if (mprotect(trap_v, PAGE_SIZE, prot))
		abort();
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	char *a = si->si_addr, *page = (char *)trap_v;

	if (!trap_action || a < page || a >= page + PAGE_SIZE) {
		sigaction(SIGSEGV, &old_segv, NULL);	/* a real fault */
		return;
	}
	trap_protect(PROT_READ | PROT_WRITE);
	if (++trap_writes == trap_at) {
		trap_fired = true;
		trap_action(trap_v);
		trap_action = NULL;
		return;
	}
	uc->uc_mcontext.gregs[REG_EFL] |= X86_EFLAGS_TF;
	trap_stepping = true;
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	uc->uc_mcontext.gregs[REG_EFL] &= ~X86_EFLAGS_TF;
	if (trap_stepping) {
		trap_stepping = false;
		trap_protect(PROT_READ);
	}
}

/* The page, mapped once; the handlers are only installed while armed. */
static void trap_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };

	_Static_assert(sizeof(struct vcpu) <= PAGE_SIZE, "vcpu fits a page");
	if (!trap_v) {
		void *p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			abort();
		trap_v = p;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, &old_trap);
}

/* A fresh vCPU in @st on the page; @action runs at its @at-th write. */
static struct vcpu *trap_arm(u32 st, u32 at, void (*action)(struct vcpu *))
{
	struct vcpu *v;

	trap_install();
	v = trap_v;
	reset(v, st);
	trap_writes = 0;
	trap_at = at;
	trap_action = action;
	trap_fired = false;
	trap_stepping = false;
	action_ret = 1;
	trap_protect(PROT_READ);
	return v;
}

static void trap_disarm(void)
{
	trap_action = NULL;
	trap_protect(PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGTRAP, &old_trap, NULL);
}

static void do_give_up(struct vcpu *v) { action_ret = vcpu_give_up(v); }
static void do_init(struct vcpu *v) { action_ret = vcpu_send_init(v); }
static void do_sipi(struct vcpu *v) { action_ret = vcpu_send_sipi(v, 0x66); }

static bool sipi_at_1(struct vcpu *v, u32 n)
{
	if (n == 1)
		CU_ASSERT_EQUAL(vcpu_send_sipi(v, 0x44), 0);
	return false;
}

/* The waiting vCPU has read STARTING; the give-up lands before its write
 * (write 1 is the park attempt, write 2 the start).  It must not start. */
static void test_race_give_up_before_start(void)
{
	struct vcpu *v = trap_arm(STARTING(0x30), 2, do_give_up);
	u8 vec = 0;

	CU_ASSERT_FALSE(wait_bounded(v, NULL, 200, &vec));
	CU_ASSERT_TRUE(left_given_up);
	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL(ipi_count(), 0);	/* it was not running */
}

/* Same window, an INIT: the SIPI is cancelled, the next one starts it. */
static void test_race_init_before_start(void)
{
	struct vcpu *v = trap_arm(STARTING(0x30), 2, do_init);
	u8 vec = 0;

	CU_ASSERT_TRUE(wait_bounded(v, sipi_at_1, 200, &vec));
	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_EQUAL(vec, 0x44);
	CU_ASSERT_EQUAL(state(v), VCPU_RUNNING);
	CU_ASSERT_EQUAL(ipi_count(), 0);
}

/* An INIT found it running; the give-up lands before the INIT's write:
 * the INIT is refused, the give-up's is the only kick. */
static void test_race_give_up_during_init(void)
{
	struct vcpu *v = trap_arm(VCPU_RUNNING, 1, do_give_up);

	CU_ASSERT_EQUAL(vcpu_send_init(v), -EPERM);
	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL_FATAL(ipi_count(), 1);
	CU_ASSERT_TRUE(is_kick(0, TEST_APIC_ID));
}

/* A give-up found it running; an INIT lands first and kicks it: the
 * give-up then finds it held, and does not kick again. */
static void test_race_init_during_give_up(void)
{
	struct vcpu *v = trap_arm(VCPU_RUNNING, 1, do_init);

	CU_ASSERT_EQUAL(vcpu_give_up(v), 0);
	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL_FATAL(ipi_count(), 1);
	CU_ASSERT_TRUE(is_kick(0, TEST_APIC_ID));
}

/* A give-up found it waiting; a SIPI lands first: given up all the same,
 * and not kicked (it has not entered the guest). */
static void test_race_sipi_during_give_up(void)
{
	struct vcpu *v = trap_arm(VCPU_WAIT_SIPI, 1, do_sipi);
	u8 vec = 0;

	CU_ASSERT_EQUAL(vcpu_give_up(v), 0);
	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL(ipi_count(), 0);
	CU_ASSERT_FALSE(wait_bounded(v, NULL, 100, &vec));
	CU_ASSERT_TRUE(left_given_up);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
}

/* A SIPI found it waiting; the give-up lands before the SIPI's write.  The
 * SIPI changes nothing.  It may return 0: that is the same as the SIPI
 * coming first and the give-up then finding it STARTING. */
static void test_race_give_up_during_sipi(void)
{
	struct vcpu *v = trap_arm(VCPU_WAIT_SIPI, 1, do_give_up);
	int ret = vcpu_send_sipi(v, 0x30);
	u8 vec = 0;

	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_TRUE(ret == 0 || ret == -EPERM);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL(ipi_count(), 0);
	CU_ASSERT_FALSE(wait_bounded(v, NULL, 100, &vec));
	CU_ASSERT_TRUE(left_given_up);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
}

/* Two give-ups: exactly one succeeds, one kick. */
static void test_race_two_give_ups(void)
{
	struct vcpu *v = trap_arm(VCPU_RUNNING, 1, do_give_up);

	CU_ASSERT_EQUAL(vcpu_give_up(v), -EBUSY);
	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_EQUAL(state(v), VCPU_GIVEN_UP);
	CU_ASSERT_EQUAL(ipi_count(), 1);
}

/* A running vCPU starts to park itself; an INIT lands first (and kicks,
 * it found the vCPU running): it is held, and starts on the SIPI. */
static void test_race_init_during_park(void)
{
	struct vcpu *v = trap_arm(VCPU_RUNNING, 1, do_init);
	u8 vec = 0;

	CU_ASSERT_TRUE(wait_bounded(v, sipi_at_1, 200, &vec));
	trap_disarm();
	CU_ASSERT_TRUE(trap_fired);
	CU_ASSERT_EQUAL(action_ret, 0);
	CU_ASSERT_EQUAL(vec, 0x44);
	CU_ASSERT_EQUAL(state(v), VCPU_RUNNING);
	CU_ASSERT_EQUAL(ipi_count(), 1);
}

/* ---- two threads ---- */

struct waiter {
	struct vcpu *v;
	bool tight;		/* spin on the state, yielding the CPU rarely */
	u32 stop;		/* atomic: set by the main thread */
	u32 spun;		/* atomic: spins so far */
	u32 done;		/* atomic: its wait is over */
	bool returned;
	u8 vec;
};

static __thread struct waiter *me;

static bool waiter_step(struct vcpu *v, u32 n)
{
	__atomic_store_n(&me->spun, n, __ATOMIC_RELEASE);
	if (!me->tight || n % 64 == 0)
		sched_yield();
	else
		__builtin_ia32_pause();
	return __atomic_load_n(&me->stop, __ATOMIC_ACQUIRE);
}

static void *waiter_main(void *arg)
{
	me = arg;
	me->returned = wait_bounded(me->v, waiter_step, ~0U, &me->vec);
	__atomic_store_n(&me->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Until the waiter has spun @more more times (so it has read the state
 * again since the call), or its wait is over. */
static void wait_for_waiter(struct waiter *w, u32 more)
{
	u32 base = __atomic_load_n(&w->spun, __ATOMIC_ACQUIRE);

	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&w->spun, __ATOMIC_ACQUIRE) - base < more)
		sched_yield();
}

#define ROUNDS	400
#define RACE_ROUNDS	400

/* The target waits (after an INIT the platform or this state machine
 * delivered) while another CPU sends INIT, then SIPI: it starts with the
 * SIPI's vector.  The INIT kicks at most once, and only the target. */
static void test_threads_init_sipi(void)
{
	unsigned int bad_ret = 0, bad_vec = 0, bad_state = 0, bad_kick = 0;

	for (u32 r = 0; r < ROUNDS; r++) {
		struct vcpu v;
		struct waiter w = { .v = &v };
		pthread_t th;
		u32 n;

		reset(&v, VCPU_RUNNING);
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, waiter_main, &w), 0);
		if (r % 2)
			wait_for_waiter(&w, 1 + r / 2 % 4);
		CU_ASSERT_EQUAL(vcpu_send_init(&v), 0);
		if (r % 3 == 0)
			wait_for_waiter(&w, 1 + r % 4);
		CU_ASSERT_EQUAL(vcpu_send_sipi(&v, (u8)(r + 1)), 0);
		CU_ASSERT_EQUAL(vcpu_send_sipi(&v, (u8)r), 0);	/* ignored */
		/* it starts on its own; stop is only a guard against a bug */
		wait_for_waiter(&w, 10000);
		__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
		CU_ASSERT_EQUAL_FATAL(pthread_join(th, NULL), 0);
		bad_ret += !w.returned;
		bad_vec += w.vec != (u8)(r + 1);
		bad_state += state(&v) != VCPU_RUNNING;
		n = ipi_count();
		bad_kick += n > 1 || (n == 1 && !is_kick(0, TEST_APIC_ID));
		/* the INIT found it running (then it kicked) unless the
		 * waiter had parked itself first */
		if (r % 2)
			bad_kick += n != 0;
	}
	CU_ASSERT_EQUAL(bad_ret, 0);
	CU_ASSERT_EQUAL(bad_vec, 0);
	CU_ASSERT_EQUAL(bad_state, 0);
	CU_ASSERT_EQUAL(bad_kick, 0);
}

struct sipi_sender {
	struct vcpu *v;
	u32 *go;
	u32 ready;		/* atomic: about to wait for go */
	int ret;
};

static void *sipi_sender_main(void *arg)
{
	struct sipi_sender *s = arg;

	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	for (u32 i = 1; !__atomic_load_n(s->go, __ATOMIC_ACQUIRE); i++) {
		if (i % 1024)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
	s->ret = vcpu_send_sipi(s->v, 0x5c);
	return NULL;
}

/* A give-up racing a SIPI to a waiting vCPU.  Whatever the order, the
 * vCPU ends GIVEN_UP and never runs after it: if it started (the SIPI and
 * its start came first) the give-up found it RUNNING and kicked it; if
 * not, nothing was kicked and it is still held.  Odd rounds send the SIPI
 * from a third thread; even rounds send SIPI then give-up back to back
 * while the target spins without yielding, to land the give-up between
 * the target's seeing STARTING and its leaving the wait. */
static void test_threads_give_up_vs_sipi(void)
{
	unsigned int bad = 0, started = 0, held = 0, refused = 0;

	for (u32 r = 0; r < RACE_ROUNDS; r++) {
		struct vcpu v;
		bool third = r % 2;
		struct waiter w = { .v = &v, .tight = !third };
		u32 go = 0;
		struct sipi_sender s = { .v = &v, .go = &go };
		pthread_t wt, st;
		u32 n;

		reset(&v, VCPU_WAIT_SIPI);
		CU_ASSERT_EQUAL_FATAL(pthread_create(&wt, NULL, waiter_main, &w), 0);
		if (third)
			CU_ASSERT_EQUAL_FATAL(pthread_create(&st, NULL, sipi_sender_main, &s), 0);
		wait_for_waiter(&w, 1);
		if (third) {
			while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE))
				sched_yield();
			__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
			for (u32 i = 0; i < r % 16 * 8; i++)
				__builtin_ia32_pause();
		} else {
			s.ret = vcpu_send_sipi(&v, 0x5c);
		}
		bad += vcpu_give_up(&v) != 0;
		if (third)
			CU_ASSERT_EQUAL_FATAL(pthread_join(st, NULL), 0);
		/* the waiter reads the state again: it must not start now */
		wait_for_waiter(&w, 2);
		__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
		CU_ASSERT_EQUAL_FATAL(pthread_join(wt, NULL), 0);

		n = ipi_count();
		bad += state(&v) != VCPU_GIVEN_UP;
		bad += s.ret != 0 && s.ret != -EPERM;
		if (w.returned) {	/* started before the give-up: kicked */
			started++;
			bad += n != 1 || !is_kick(0, TEST_APIC_ID) || w.vec != 0x5c ||
			       s.ret != 0;
		} else {		/* still held: not kicked */
			held++;
			bad += n != 0;
		}
		refused += s.ret == -EPERM;
		bad += vcpu_send_sipi(&v, 1) != -EPERM;
		bad += vcpu_send_init(&v) != -EPERM;
		bad += vcpu_give_up(&v) != -EBUSY;
		bad += state(&v) != VCPU_GIVEN_UP || ipi_count() != n;
	}
	if (getenv("UNIT_VERBOSE"))
		fprintf(stderr, "(started %u, held %u, SIPI refused %u) ",
			started, held, refused);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(started + held, RACE_ROUNDS);
	CU_ASSERT_TRUE(refused <= held);
}

static const struct unit_test tests[] = {
	{ "INIT to a running vCPU kicks it", test_init_running_kicks },
	{ "INIT to a held vCPU does not kick", test_init_held_no_kick },
	{ "SIPI starts only a waiting vCPU, first vector wins",
	  test_sipi_starts_waiting_only },
	{ "SIPI: every vector intact", test_sipi_vector_range },
	{ "wait: SIPI already there", test_wait_sipi_already_there },
	{ "wait: parks a running vCPU until a SIPI", test_wait_parks_running },
	{ "wait: INIT cancels a SIPI not yet taken", test_wait_init_cancels_sipi },
	{ "give-up: running vCPU is kicked", test_give_up_running_kicks },
	{ "give-up: held vCPU is not kicked", test_give_up_held_no_kick },
	{ "give-up is final: -EBUSY, -EPERM", test_given_up_is_final },
	{ "vcpu_given_up only when given up", test_given_up_only_when_given_up },
	{ "given-up vCPU stays held", test_given_up_stays_held },
	{ "give-up between SIPI and start", test_give_up_after_sipi },
	{ "give-up after start kicks, then holds", test_give_up_after_start },
	{ "between read and write: give-up before start",
	  test_race_give_up_before_start },
	{ "between read and write: INIT before start", test_race_init_before_start },
	{ "between read and write: give-up in an INIT", test_race_give_up_during_init },
	{ "between read and write: INIT in a give-up", test_race_init_during_give_up },
	{ "between read and write: SIPI in a give-up", test_race_sipi_during_give_up },
	{ "between read and write: give-up in a SIPI", test_race_give_up_during_sipi },
	{ "between read and write: two give-ups", test_race_two_give_ups },
	{ "between read and write: INIT in the park", test_race_init_during_park },
	{ "threads: INIT then SIPI to a waiting vCPU", test_threads_init_sipi },
	{ "threads: give-up racing a SIPI", test_threads_give_up_vs_sipi },
};

int register_vcpu_start_tests(void)
{
	return UNIT_SUITE("vcpu start-up", tests);
}
