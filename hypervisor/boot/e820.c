/* e820 map handling.  Maps are small (E820_MAX entries) and only edited at
 * boot, so the code favours simple in-place array operations, with no
 * allocation and bounded stack use, over asymptotic speed. */
#include "e820.h"
#include "lib.h"

/* End of an entry; a range that would wrap past 2^64 is cut just short of
 * it, so that end stays representable (firmware never reports the last
 * byte of the address space as usable anyway). */
static u64 entry_end(const struct e820_entry *e)
{
	u64 end = e->addr + e->size;

	return end < e->addr ? UINT64_MAX : end;
}

static void remove_at(struct e820_map *m, u32 i)
{
	memmove(&m->e[i], &m->e[i + 1], (m->nr - i - 1) * sizeof(m->e[0]));
	m->nr--;
}

/* Insert @n keeping the entries from @from on sorted by address; the
 * caller guarantees there is room and that @n belongs at or after @from. */
static void insert_sorted(struct e820_map *m, u32 from, struct e820_entry n)
{
	u32 i = from;

	while (i < m->nr && m->e[i].addr <= n.addr)
		i++;
	memmove(&m->e[i + 1], &m->e[i], (m->nr - i) * sizeof(m->e[0]));
	m->e[i] = n;
	m->nr++;
}

static void sort_by_addr(struct e820_map *m)
{
	for (u32 i = 1; i < m->nr; i++) {
		struct e820_entry n = m->e[i];
		u32 j = i;

		for (; j > 0 && m->e[j - 1].addr > n.addr; j--)
			m->e[j] = m->e[j - 1];
		m->e[j] = n;
	}
}

/*
 * Sort, then sweep once over neighbours a = e[i], b = e[i+1] (so
 * a.addr <= b.addr).  Everything before i is final: it ends at or before
 * a.addr.  When a and b overlap, the lower type loses the shared part:
 *   same type      -> merge b into a
 *   a wins         -> b restarts at a's end (re-sorted further on)
 *   b wins         -> a keeps [a.addr, b.addr); any part of a beyond b's
 *                     end becomes a new entry (the only growth: -E2BIG)
 * Removing e[i] can make e[i-1] adjacent to a same-typed entry, so the
 * sweep steps back one in that case.
 */
int e820_sanitize(struct e820_map *m)
{
	u32 i = 0;

	if (m->nr > E820_MAX)
		return -E2BIG;
	while (i < m->nr) {
		struct e820_entry *e = &m->e[i];

		if (!e->size || !e->type) {
			remove_at(m, i);
			continue;
		}
		e->size = entry_end(e) - e->addr;	/* unwrap */
		i++;
	}
	sort_by_addr(m);

	i = 0;
	while (i + 1 < m->nr) {
		struct e820_entry *a = &m->e[i], *b = &m->e[i + 1];
		u64 a_end = entry_end(a), b_end = entry_end(b);

		if (a_end < b->addr || (a_end == b->addr && a->type != b->type)) {
			i++;
		} else if (a->type == b->type) {
			a->size = MAX(a_end, b_end) - a->addr;
			remove_at(m, i + 1);
		} else if (a->type > b->type) {
			struct e820_entry rest = { a_end, b_end - a_end, b->type };

			remove_at(m, i + 1);
			if (b_end > a_end)
				insert_sorted(m, i + 1, rest);
		} else {
			struct e820_entry tail = { b_end, a_end - b_end, a->type };

			a->size = b->addr - a->addr;
			if (!a->size) {
				remove_at(m, i);
				if (i)
					i--;
			}
			if (a_end > b_end) {
				if (m->nr == E820_MAX)
					return -E2BIG;
				insert_sorted(m, i, tail);
			}
		}
	}
	return 0;
}

/* Room is made by sanitizing, which merges the contiguous runs that large
 * firmware maps (EFI especially) are full of. */
int e820_add(struct e820_map *m, u64 addr, u64 size, u32 type)
{
	struct e820_entry *last = m->nr ? &m->e[m->nr - 1] : NULL;

	if (addr + size < addr || !type)
		return -EINVAL;
	if (!size)
		return 0;
	if (last && last->type == type && entry_end(last) == addr) {
		last->size += size;
		return 0;
	}
	if (m->nr >= E820_MAX) {
		int err = e820_sanitize(m);

		if (err)
			return err;
		if (m->nr >= E820_MAX)
			return -E2BIG;
	}
	m->e[m->nr++] = (struct e820_entry){ addr, size, type };
	return 0;
}

/* Entries of another type that lie across the range are cut around it
 * first, so that the new entry does not have to win an overlap by type. */
int e820_set_range(struct e820_map *m, u64 addr, u64 size, u32 type)
{
	u64 end = addr + size;
	int need = 1;

	if (!size || end < addr || !type)
		return -EINVAL;
	/* Count the room needed before touching anything, so that -E2BIG
	 * leaves the map as it was. */
	for (u32 i = 0; i < m->nr; i++) {
		const struct e820_entry *e = &m->e[i];

		if (e->type == type && e->addr <= addr && entry_end(e) >= end)
			return 0;	/* already so */
		if (e->addr < addr && entry_end(e) > end)
			need++;		/* split in two */
		else if (e->addr >= addr && entry_end(e) <= end)
			need--;		/* swallowed */
	}
	if ((int)m->nr + need > E820_MAX)
		return -E2BIG;

	for (u32 i = 0; i < m->nr;) {
		struct e820_entry *e = &m->e[i];
		u64 e_end = entry_end(e);

		if (e_end <= addr || e->addr >= end) {
			i++;
		} else if (e->addr >= addr && e_end <= end) {
			remove_at(m, i);
		} else if (e->addr < addr) {
			/* Overlaps the start (and maybe the end) of the range. */
			e->size = addr - e->addr;
			if (e_end > end)
				m->e[m->nr++] = (struct e820_entry){ end, e_end - end, e->type };
			i++;
		} else {
			e->size = e_end - end;
			e->addr = end;
			i++;
		}
	}
	m->e[m->nr++] = (struct e820_entry){ addr, size, type };
	return e820_sanitize(m);
}

bool e820_range_is(const struct e820_map *m, u64 addr, u64 size, u32 type)
{
	u64 end = addr + size;
	u64 cur = addr;

	if (!size || end < addr)
		return false;
	/* Walk from entry to entry of @type; a gap ends the walk. */
	while (cur < end) {
		u64 next = cur;

		for (u32 i = 0; i < m->nr; i++) {
			const struct e820_entry *e = &m->e[i];

			if (e->type == type && e->addr <= cur && entry_end(e) > cur)
				next = MAX(next, entry_end(e));
		}
		if (next == cur)
			return false;
		cur = next;
	}
	return true;
}

u64 e820_top(const struct e820_map *m, u32 type)
{
	u64 top = 0;

	for (u32 i = 0; i < m->nr; i++) {
		if ((!type || m->e[i].type == type) && m->e[i].size)
			top = MAX(top, entry_end(&m->e[i]));
	}
	return top;
}

u64 e820_total(const struct e820_map *m, u32 type)
{
	u64 total = 0;

	for (u32 i = 0; i < m->nr; i++) {
		if (!type || m->e[i].type == type)
			total += m->e[i].size;
	}
	return total;
}

int e820_service_vm(const struct e820_map *machine, u64 hv_base, u64 hv_size,
		    struct e820_map *out)
{
	*out = *machine;
	return e820_set_range(out, hv_base, hv_size, E820_RESERVED);
}
