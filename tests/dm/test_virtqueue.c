/*
 * The split virtqueue (devicemodel/virtio/virtqueue.c) over a fake guest
 * RAM: chains as a driver builds them, each way a hostile driver can
 * break them (the queue must end up broken without reading or writing
 * outside the RAM buffer: the suite runs under ASan), the used ring, and
 * interrupt suppression with and without VIRTIO_F_EVENT_IDX.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "virtqueue.h"
#include "dm_unit.h"

#define RAM_SIZE	0x10000U
#define QSIZE		8
#define DESC_GPA	0x0000U
#define AVAIL_GPA	0x1000U
#define USED_GPA	0x2000U
#define INDIRECT_GPA	0x3000U
#define BUF_GPA		0x4000U

#define F_INDIRECT	(1ULL << VIRTIO_F_INDIRECT_DESC)
#define F_EVENT_IDX	(1ULL << VIRTIO_F_EVENT_IDX)

static uint8_t *ram;
static struct dm_mem mem;
static struct virtq vq;
static struct virtq_seg segs[2 * QSIZE];
static struct virtq_chain chain;
static uint16_t avail_idx;

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram + gpa, sizeof(v));
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, ram + gpa, sizeof(v));
	return v;
}

static void desc_at(uint64_t table, unsigned int i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = ram + table + 16ULL * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	desc_at(DESC_GPA, i, addr, len, flags, next);
}

/* The driver makes the chain at @head available. */
static void make_avail(uint16_t head)
{
	put16(AVAIL_GPA + 4 + 2 * (avail_idx % QSIZE), head);
	avail_idx++;
	put16(AVAIL_GPA + 2, avail_idx);
}

static void setup_mem(uint8_t *base, uint64_t size)
{
	mem.base = base;
	mem.size = size;
	mem.lowmem = size;
	mem.highmem = 0;
}

/* A fresh RAM and an enabled queue of QSIZE entries. */
static void setup(uint64_t features)
{
	free(ram);
	ram = aligned_alloc(4096, RAM_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ram);
	memset(ram, 0, RAM_SIZE);
	setup_mem(ram, RAM_SIZE);
	avail_idx = 0;
	virtq_init(&vq, &mem, QSIZE);
	vq.desc_gpa = DESC_GPA;
	vq.avail_gpa = AVAIL_GPA;
	vq.used_gpa = USED_GPA;
	CU_ASSERT_EQUAL_FATAL(virtq_enable(&vq, features), 0);
}

static int pop(void)
{
	memset(&chain, 0, sizeof(chain));
	return virtq_pop(&vq, segs, 2 * QSIZE, &chain);
}

/* The queue is broken, stays broken and gives nothing back. */
static void assert_broken(void)
{
	uint16_t used = get16(USED_GPA + 2);
	struct virtq_chain any = { .gen = vq.gen };

	CU_ASSERT_TRUE(vq.broken);
	CU_ASSERT_EQUAL(pop(), -1);
	CU_ASSERT_FALSE(virtq_push(&vq, &any, 0));
	CU_ASSERT_FALSE(virtq_need_interrupt(&vq));
	CU_ASSERT_FALSE(virtq_has_avail(&vq));
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), used);
}

static void test_chain(void)
{
	setup(0);
	CU_ASSERT_FALSE(virtq_has_avail(&vq));
	CU_ASSERT_EQUAL(pop(), 0);
	desc(2, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
	desc(5, BUF_GPA + 0x100, 0, VIRTQ_DESC_F_NEXT, 7);	/* empty */
	desc(7, BUF_GPA + 0x1000, 32, VIRTQ_DESC_F_WRITE, 0);
	make_avail(2);
	CU_ASSERT_TRUE(virtq_has_avail(&vq));
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_EQUAL(chain.head, 2);
	CU_ASSERT_EQUAL(chain.nseg, 2);
	CU_ASSERT_EQUAL(chain.nread, 1);
	CU_ASSERT_EQUAL(chain.read_len, 16);
	CU_ASSERT_EQUAL(chain.write_len, 32);
	CU_ASSERT_PTR_EQUAL(segs[0].addr, ram + BUF_GPA);
	CU_ASSERT_EQUAL(segs[0].len, 16);
	CU_ASSERT_FALSE(segs[0].write);
	CU_ASSERT_PTR_EQUAL(segs[1].addr, ram + BUF_GPA + 0x1000);
	CU_ASSERT_EQUAL(segs[1].len, 32);
	CU_ASSERT_TRUE(segs[1].write);
	CU_ASSERT_EQUAL(pop(), 0);
	CU_ASSERT_FALSE(vq.broken);
}

static void test_used_ring(void)
{
	struct virtq_chain first;

	setup(0);
	desc(0, BUF_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
	desc(1, BUF_GPA + 64, 64, VIRTQ_DESC_F_WRITE, 0);
	make_avail(1);
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	first = chain;
	CU_ASSERT_EQUAL(pop(), 1);
	/* Completed out of order, the second one with too long a length. */
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 1000));
	CU_ASSERT_TRUE(virtq_push(&vq, &first, 10));
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 2);
	CU_ASSERT_EQUAL(get32(USED_GPA + 4), 0);	/* id */
	CU_ASSERT_EQUAL(get32(USED_GPA + 8), 64);	/* clamped */
	CU_ASSERT_EQUAL(get32(USED_GPA + 12), 1);
	CU_ASSERT_EQUAL(get32(USED_GPA + 16), 10);
	/* No more back than was taken. */
	CU_ASSERT_FALSE(virtq_push(&vq, &first, 10));
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 2);
	/* The ring wraps: QSIZE more chains reuse the entries. */
	for (int i = 0; i < 3 * QSIZE; i++) {
		make_avail(0);
		CU_ASSERT_EQUAL(pop(), 1);
		CU_ASSERT_TRUE(virtq_push(&vq, &chain, (uint32_t)i));
	}
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 2 + 3 * QSIZE);
	CU_ASSERT_EQUAL(get32(USED_GPA + 4 + 8 * ((1 + 3 * QSIZE) % QSIZE) +
			      4), 3 * QSIZE - 1);
	CU_ASSERT_FALSE(vq.broken);
}

static void test_indirect(void)
{
	setup(F_INDIRECT);
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	desc_at(INDIRECT_GPA, 2, BUF_GPA + 8, 8,
		VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	desc_at(INDIRECT_GPA, 1, BUF_GPA + 16, 100, VIRTQ_DESC_F_WRITE, 0);
	/* Direct buffers may lead to the indirect table. */
	desc(3, BUF_GPA + 0x800, 4, VIRTQ_DESC_F_NEXT, 4);
	desc(4, INDIRECT_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(3);
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_EQUAL(chain.head, 3);
	CU_ASSERT_EQUAL(chain.nseg, 4);
	CU_ASSERT_EQUAL(chain.nread, 2);
	CU_ASSERT_EQUAL(chain.read_len, 12);
	CU_ASSERT_EQUAL(chain.write_len, 108);
	CU_ASSERT_PTR_EQUAL(segs[0].addr, ram + BUF_GPA + 0x800);
	CU_ASSERT_PTR_EQUAL(segs[1].addr, ram + BUF_GPA);
	CU_ASSERT_PTR_EQUAL(segs[2].addr, ram + BUF_GPA + 8);
	CU_ASSERT_PTR_EQUAL(segs[3].addr, ram + BUF_GPA + 16);
	CU_ASSERT_EQUAL(segs[3].len, 100);
	/* A table of QSIZE entries is the largest allowed. */
	for (unsigned int i = 0; i < QSIZE; i++)
		desc_at(INDIRECT_GPA, i, BUF_GPA, 1,
			i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0,
			(uint16_t)(i + 1));
	desc(0, INDIRECT_GPA, QSIZE * 16, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_EQUAL(chain.nseg, QSIZE);
	CU_ASSERT_FALSE(vq.broken);
}

/* Each hostile chain is set up by one function on a fresh queue. */
static void bad_loop(void)
{
	desc(0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	make_avail(0);
}

/* Empty buffers take no segment: only the walk's length stops these. */
static void bad_empty_loop(void)
{
	desc(0, BUF_GPA, 0, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 0, VIRTQ_DESC_F_NEXT, 0);
	make_avail(0);
}

static void bad_indirect_empty_loop(void)
{
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 0, VIRTQ_DESC_F_NEXT, 1);
	desc_at(INDIRECT_GPA, 1, BUF_GPA, 0, VIRTQ_DESC_F_NEXT, 0);
	desc(0, INDIRECT_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_self_loop(void)
{
	desc(3, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 3);
	make_avail(3);
}

static void bad_head(void)
{
	make_avail(QSIZE);
}

static void bad_next(void)
{
	desc(0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, QSIZE);
	make_avail(0);
}

static void bad_past_ram(void)
{
	desc(0, RAM_SIZE - 8, 16, 0, 0);
	make_avail(0);
}

static void bad_outside_ram(void)
{
	desc(0, DM_HIGHMEM_BASE, 16, VIRTQ_DESC_F_WRITE, 0);
	make_avail(0);
}

static void bad_wrap(void)
{
	desc(0, ~0ULL - 7, 16, VIRTQ_DESC_F_WRITE, 0);
	make_avail(0);
}

static void bad_read_after_write(void)
{
	desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 8, 8, 0, 0);
	make_avail(0);
}

static void bad_avail_jump(void)
{
	desc(0, BUF_GPA, 8, 0, 0);
	put16(AVAIL_GPA + 2, QSIZE + 1);
}

static void bad_indirect_unnegotiated(void)
{
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 8, 0, 0);
	desc(0, INDIRECT_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_too_many_segs(void)
{
	/* QSIZE - 1 direct buffers, then an indirect table of QSIZE: more
	 * than the QSIZE segments test_hostile() gives room for. */
	for (unsigned int i = 0; i < QSIZE; i++) {
		desc_at(INDIRECT_GPA, i, BUF_GPA, 1,
			i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0,
			(uint16_t)(i + 1));
		desc(i, BUF_GPA, 1, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	}
	desc(QSIZE - 1, INDIRECT_GPA, QSIZE * 16, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_nested_indirect(void)
{
	desc_at(INDIRECT_GPA, 0, INDIRECT_GPA + 0x100, 16,
		VIRTQ_DESC_F_INDIRECT, 0);
	desc_at(INDIRECT_GPA + 0x100, 0, BUF_GPA, 8, 0, 0);
	desc(0, INDIRECT_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_indirect_next(void)
{
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 8, 0, 0);
	desc(0, INDIRECT_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT,
	     1);
	desc(1, BUF_GPA, 8, 0, 0);
	make_avail(0);
}

static void bad_indirect_len0(void)
{
	desc(0, INDIRECT_GPA, 0, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_indirect_len_odd(void)
{
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 8, 0, 0);
	desc(0, INDIRECT_GPA, 20, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_indirect_too_long(void)
{
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 8, 0, 0);
	desc(0, INDIRECT_GPA, (QSIZE + 1) * 16, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_indirect_past_ram(void)
{
	desc(0, RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_indirect_loop(void)
{
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	desc_at(INDIRECT_GPA, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	desc(0, INDIRECT_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void bad_indirect_next_range(void)
{
	/* Index 2 is inside the ring's table but past the indirect one. */
	desc_at(INDIRECT_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	desc(0, INDIRECT_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
}

static void test_hostile(void)
{
	static const struct {
		const char *what;
		void (*build)(void);
		uint64_t features;
	} cases[] = {
		{ "loop", bad_loop, 0 },
		{ "self loop", bad_self_loop, 0 },
		{ "loop of empty buffers", bad_empty_loop, 0 },
		{ "head out of range", bad_head, 0 },
		{ "next out of range", bad_next, 0 },
		{ "buffer past RAM", bad_past_ram, 0 },
		{ "buffer outside RAM", bad_outside_ram, 0 },
		{ "address wraps", bad_wrap, 0 },
		{ "readable after writable", bad_read_after_write, 0 },
		{ "avail idx jump", bad_avail_jump, 0 },
		{ "too many segments", bad_too_many_segs, F_INDIRECT },
		{ "indirect not negotiated", bad_indirect_unnegotiated, 0 },
		{ "nested indirect", bad_nested_indirect, F_INDIRECT },
		{ "indirect with next", bad_indirect_next, F_INDIRECT },
		{ "indirect length 0", bad_indirect_len0, F_INDIRECT },
		{ "indirect length 20", bad_indirect_len_odd, F_INDIRECT },
		{ "indirect too long", bad_indirect_too_long, F_INDIRECT },
		{ "indirect past RAM", bad_indirect_past_ram, F_INDIRECT },
		{ "indirect loop", bad_indirect_loop, F_INDIRECT },
		{ "indirect loop of empty buffers", bad_indirect_empty_loop,
		  F_INDIRECT },
		{ "indirect next out of range", bad_indirect_next_range,
		  F_INDIRECT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(cases[i].features);
		cases[i].build();
		memset(&chain, 0, sizeof(chain));
		if (cases[i].build == bad_too_many_segs) {
			CU_ASSERT_EQUAL(virtq_pop(&vq, segs, QSIZE, &chain),
					-1);
		} else {
			CU_ASSERT_EQUAL(pop(), -1);
		}
		if (!vq.broken)
			fprintf(stderr, "\n  not broken by: %s\n",
				cases[i].what);
		assert_broken();
	}
	/* The same chain goes through with room enough. */
	setup(F_INDIRECT);
	bad_too_many_segs();
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_EQUAL(chain.nseg, 2 * QSIZE - 1);
	/* A full ring at once is no jump. */
	setup(0);
	desc(0, BUF_GPA, 8, 0, 0);
	for (int i = 0; i < QSIZE; i++)
		make_avail(0);
	for (int i = 0; i < QSIZE; i++)
		CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_EQUAL(pop(), 0);
	/* A reset brings a broken queue back. */
	setup(0);
	bad_loop();
	CU_ASSERT_EQUAL(pop(), -1);
	virtq_reset(&vq);
	CU_ASSERT_FALSE(vq.broken);
	CU_ASSERT_FALSE(vq.enabled);
}

/* Lengths adding up past 32 bits, over a large sparse RAM. */
static void test_total_length(void)
{
	uint64_t size = 0x90000000ULL;
	uint8_t *big = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *saved = ram;

	CU_ASSERT_FATAL(big != MAP_FAILED);
	ram = big;
	setup_mem(big, size);
	avail_idx = 0;
	virtq_init(&vq, &mem, QSIZE);
	vq.desc_gpa = DESC_GPA;
	vq.avail_gpa = AVAIL_GPA;
	vq.used_gpa = USED_GPA;
	CU_ASSERT_EQUAL(virtq_enable(&vq, 0), 0);
	/* 2 GiB + 2 GiB - 1: the most a chain may hold in one direction. */
	desc(0, 0x10000, 0x80000000U, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
	     1);
	desc(1, 0x10000, 0x7fffffffU, VIRTQ_DESC_F_WRITE, 0);
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_EQUAL(chain.write_len, UINT32_MAX);
	/* One byte more overflows. */
	desc(1, 0x10000, 0x80000000U, VIRTQ_DESC_F_WRITE, 0);
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), -1);
	CU_ASSERT_TRUE(vq.broken);
	munmap(big, size);
	ram = saved;
}

static void test_enable_checks(void)
{
	static const struct {
		uint16_t size;
		uint64_t desc, avail, used;
	} bad[] = {
		{ 0, DESC_GPA, AVAIL_GPA, USED_GPA },
		{ 6, DESC_GPA, AVAIL_GPA, USED_GPA },	/* not a power of 2 */
		{ 16, DESC_GPA, AVAIL_GPA, USED_GPA },	/* above the max */
		{ QSIZE, DESC_GPA + 8, AVAIL_GPA, USED_GPA },
		{ QSIZE, DESC_GPA, AVAIL_GPA + 1, USED_GPA },
		{ QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA + 2 },
		{ QSIZE, RAM_SIZE - 64, AVAIL_GPA, USED_GPA },
		{ QSIZE, DESC_GPA, RAM_SIZE - 20, USED_GPA },
		{ QSIZE, DESC_GPA, AVAIL_GPA, RAM_SIZE - 68 },
		{ QSIZE, DESC_GPA, AVAIL_GPA, ~0ULL - 3 },
	};

	setup(0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		virtq_reset(&vq);
		vq.size = bad[i].size;
		vq.desc_gpa = bad[i].desc;
		vq.avail_gpa = bad[i].avail;
		vq.used_gpa = bad[i].used;
		CU_ASSERT_EQUAL(virtq_enable(&vq, 0), -1);
		CU_ASSERT_TRUE(vq.broken);
		CU_ASSERT_FALSE(vq.enabled);
		CU_ASSERT_PTR_NULL(vq.used);
	}
	/* The tightest fit at the end of RAM, on a shrunk queue. */
	virtq_reset(&vq);
	vq.size = 4;
	vq.desc_gpa = RAM_SIZE - 64;
	vq.avail_gpa = RAM_SIZE - 64 - 14;
	vq.used_gpa = RAM_SIZE - 64 - 16 - 40;
	CU_ASSERT_EQUAL(virtq_enable(&vq, 0), 0);
	CU_ASSERT_TRUE(vq.enabled);
	/* Disabled: nothing popped, nothing pushed. */
	virtq_reset(&vq);
	CU_ASSERT_EQUAL(pop(), 0);
}

static void test_reset_drops_old_chains(void)
{
	struct virtq_chain old;

	setup(0);
	desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	old = chain;
	/* The driver resets and sets the queue up again. */
	virtq_reset(&vq);
	memset(ram, 0, 0x3000);
	avail_idx = 0;
	vq.desc_gpa = DESC_GPA;
	vq.avail_gpa = AVAIL_GPA;
	vq.used_gpa = USED_GPA;
	CU_ASSERT_EQUAL(virtq_enable(&vq, 0), 0);
	desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_FALSE(virtq_push(&vq, &old, 4));
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 0);
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 4));
	CU_ASSERT_EQUAL(get16(USED_GPA + 2), 1);
}

static void test_no_interrupt_flag(void)
{
	setup(0);
	desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	CU_ASSERT_FALSE(virtq_need_interrupt(&vq));	/* nothing used */
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 8));
	put16(AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
	CU_ASSERT_FALSE(virtq_need_interrupt(&vq));
	make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 8));
	put16(AVAIL_GPA, 0);
	CU_ASSERT_TRUE(virtq_need_interrupt(&vq));
	CU_ASSERT_FALSE(virtq_need_interrupt(&vq));	/* nothing new */
}

static void test_event_idx(void)
{
	uint64_t used_event = AVAIL_GPA + 4 + 2 * QSIZE;
	uint64_t avail_event = USED_GPA + 4 + 8 * QSIZE;

	setup(F_EVENT_IDX);
	desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	/* Empty: the device asks to be told of entry 0. */
	put16(avail_event, 0xffff);
	CU_ASSERT_EQUAL(pop(), 0);
	CU_ASSERT_EQUAL(get16(avail_event), 0);
	/* The driver wants an interrupt once entry 2 is used (used idx
	 * goes past 2), and ignores the flags with event idx. */
	put16(used_event, 2);
	put16(AVAIL_GPA, VIRTQ_AVAIL_F_NO_INTERRUPT);
	for (int i = 0; i < 4; i++)
		make_avail(0);
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_EQUAL(get16(avail_event), 1);
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 8));
	CU_ASSERT_FALSE(virtq_need_interrupt(&vq));	/* used idx 1 */
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 8));
	CU_ASSERT_FALSE(virtq_need_interrupt(&vq));	/* 2 */
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 8));
	CU_ASSERT_TRUE(virtq_need_interrupt(&vq));	/* 3: past 2 */
	CU_ASSERT_EQUAL(pop(), 1);
	CU_ASSERT_TRUE(virtq_push(&vq, &chain, 8));
	CU_ASSERT_FALSE(virtq_need_interrupt(&vq));	/* already told */
	/* Batched: used_event inside the batch still interrupts. */
	put16(used_event, 5);
	for (int i = 0; i < 3; i++) {
		make_avail(0);
		CU_ASSERT_EQUAL(pop(), 1);
		CU_ASSERT_TRUE(virtq_push(&vq, &chain, 8));
	}
	CU_ASSERT_TRUE(virtq_need_interrupt(&vq));	/* 4 -> 7 */
	CU_ASSERT_EQUAL(pop(), 0);
	CU_ASSERT_EQUAL(get16(avail_event), 7);
}

/* A chain's bytes walked across its buffers, wherever they are cut. */
static void test_chain_bytes(void)
{
	uint8_t r0[3] = "abc", r1[5] = "defgh", w0[2], w1[4], out[16];
	struct virtq_seg s[4] = {
		{ r0, 3, false }, { r1, 5, false },
		{ w0, 2, true }, { w1, 4, true },
	};
	struct virtq_chain c = { .nseg = 4, .nread = 2, .read_len = 8,
				 .write_len = 6 };
	struct iovec iov[4];

	memset(out, 0, sizeof(out));
	CU_ASSERT_EQUAL(virtq_copy_from(s, &c, out, 6), 6);
	CU_ASSERT_EQUAL(memcmp(out, "abcdef", 7), 0);
	CU_ASSERT_EQUAL(virtq_copy_from(s, &c, out, sizeof(out)), 8);
	memset(w0, 0, 2);
	memset(w1, 0, 4);
	CU_ASSERT_EQUAL(virtq_copy_to(s, &c, "xyz", 3), 3);
	CU_ASSERT_EQUAL(memcmp(w0, "xy", 2), 0);
	CU_ASSERT_EQUAL(memcmp(w1, "z\0\0\0", 4), 0);
	CU_ASSERT_EQUAL(virtq_copy_to(s, &c, "0123456789", 10), 6);
	CU_ASSERT_EQUAL(memcmp(w1, "2345", 4), 0);
	/* Bytes 2..6 of the readable part: the end of one buffer and most
	 * of the next. */
	CU_ASSERT_EQUAL(virtq_iov(s, 0, 2, 2, 5, iov), 2);
	CU_ASSERT_PTR_EQUAL(iov[0].iov_base, r0 + 2);
	CU_ASSERT_EQUAL(iov[0].iov_len, 1);
	CU_ASSERT_PTR_EQUAL(iov[1].iov_base, r1);
	CU_ASSERT_EQUAL(iov[1].iov_len, 4);
	/* Skipping a whole buffer, and asking past the end. */
	CU_ASSERT_EQUAL(virtq_iov(s, 2, 4, 2, 100, iov), 1);
	CU_ASSERT_PTR_EQUAL(iov[0].iov_base, w1);
	CU_ASSERT_EQUAL(iov[0].iov_len, 4);
}

static const struct unit_test tests[] = {
	{ "a chain of direct descriptors", test_chain },
	{ "used ring contents", test_used_ring },
	{ "indirect descriptors", test_indirect },
	{ "hostile chains break the queue", test_hostile },
	{ "total length overflow", test_total_length },
	{ "ring addresses checked on enable", test_enable_checks },
	{ "a reset drops chains popped before", test_reset_drops_old_chains },
	{ "VIRTQ_AVAIL_F_NO_INTERRUPT", test_no_interrupt_flag },
	{ "VIRTIO_F_EVENT_IDX suppression", test_event_idx },
	{ "a chain's bytes across its buffers", test_chain_bytes },
};

int register_virtqueue_tests(void)
{
	return UNIT_SUITE("virtqueue", tests);
}
