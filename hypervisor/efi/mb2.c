/* Multiboot2 information block builder (see mb2.h). */
#include "mb2.h"

#define RSDP_V1_LEN	20
#define RSDP_V2_MIN	36
#define RSDP_MAX	64	/* what struct boot_info keeps */

static void put(void *dst, const void *src, size_t n)
{
	const u8 *s = src;
	u8 *d = dst;

	while (n--)
		*d++ = *s++;
}

static void put32(u8 *dst, u32 v)
{
	put(dst, &v, sizeof(v));
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Room for a tag of @size bytes (header included) plus, always, the end
 * tag; returns where it starts or NULL. */
static u8 *tag_room(struct mb2_builder *b, u64 size)
{
	if (!b->buf || b->done)
		return NULL;
	if (size > b->cap || ALIGN_UP(size, MB2_TAG_ALIGN) + 8 > b->cap - b->len)
		return NULL;
	return b->buf + b->len;
}

static void tag_close(struct mb2_builder *b, u8 *tag, u32 type, u64 size)
{
	u64 i;

	put32(tag, type);
	put32(tag + 4, (u32)size);
	for (i = size; i < ALIGN_UP(size, MB2_TAG_ALIGN); i++)
		tag[i] = 0;
	b->len += ALIGN_UP(size, MB2_TAG_ALIGN);
}

int mb2_init(struct mb2_builder *b, void *buf, u64 cap)
{
	*b = (struct mb2_builder){ 0 };
	if (!buf || !IS_ALIGNED((uintptr_t)buf, MB2_TAG_ALIGN) || cap < 16 ||
	    cap > 0xffffffffULL)
		return -EINVAL;
	b->buf = buf;
	b->cap = cap;
	put32(b->buf, 0);
	put32(b->buf + 4, 0);
	b->len = 8;
	return 0;
}

int mb2_add_string(struct mb2_builder *b, u32 type, const char *s)
{
	u64 n = str_len(s) + 1, size = 8 + n;
	u8 *tag = tag_room(b, size);

	if (!tag)
		return -ENOSPC;
	put(tag + 8, s, n);
	tag_close(b, tag, type, size);
	return 0;
}

int mb2_add_module(struct mb2_builder *b, u64 start, u64 end,
		   const char *name, const char *args)
{
	u64 name_len = str_len(name);
	u64 args_len = args ? str_len(args) : 0;
	u64 str = name_len + (args_len ? 1 + args_len : 0) + 1;
	u64 size = 16 + str;
	u8 *tag;

	if (start > end || end > 0xffffffffULL)
		return -ERANGE;
	tag = tag_room(b, size);
	if (!tag)
		return -ENOSPC;
	put32(tag + 8, (u32)start);
	put32(tag + 12, (u32)end);
	put(tag + 16, name, name_len);
	if (args_len) {
		tag[16 + name_len] = ' ';
		put(tag + 17 + name_len, args, args_len);
	}
	tag[16 + str - 1] = '\0';
	tag_close(b, tag, MB2_TAG_MODULE, size);
	return 0;
}

int mb2_add_efi64(struct mb2_builder *b, u64 system_table)
{
	u8 *tag = tag_room(b, 16);

	if (!tag)
		return -ENOSPC;
	put(tag + 8, &system_table, 8);
	tag_close(b, tag, MB2_TAG_EFI64, 16);
	return 0;
}

static u8 checksum(const u8 *p, u32 n)
{
	u8 sum = 0;

	while (n--)
		sum += *p++;
	return sum;
}

int mb2_add_acpi(struct mb2_builder *b, const void *rsdp)
{
	const u8 *r = rsdp;
	u32 len = RSDP_V1_LEN, type = MB2_TAG_ACPI_OLD;
	u8 *tag;

	if (!r || !(r[0] == 'R' && r[1] == 'S' && r[2] == 'D' && r[3] == ' ' &&
		    r[4] == 'P' && r[5] == 'T' && r[6] == 'R' && r[7] == ' '))
		return -EINVAL;
	if (checksum(r, RSDP_V1_LEN))
		return -EINVAL;
	if (r[15] >= 2) {
		put(&len, r + 20, 4);
		if (len < RSDP_V2_MIN || len > RSDP_MAX || checksum(r, len))
			return -EINVAL;
		type = MB2_TAG_ACPI_NEW;
	}
	tag = tag_room(b, 8 + len);
	if (!tag)
		return -ENOSPC;
	put(tag + 8, r, len);
	tag_close(b, tag, type, 8 + len);
	return 0;
}

int mb2_mmap_area(struct mb2_builder *b, void **area, u64 *area_size)
{
	u8 *tag = tag_room(b, MB2_EFI_MMAP_HDR);

	if (!tag)
		return -ENOSPC;
	*area = tag + MB2_EFI_MMAP_HDR;
	*area_size = ALIGN_DOWN(b->cap - b->len - MB2_EFI_MMAP_HDR - 8,
				MB2_TAG_ALIGN);
	return 0;
}

int mb2_mmap_commit(struct mb2_builder *b, u64 map_size, u32 desc_size,
		    u32 desc_version)
{
	u64 size = MB2_EFI_MMAP_HDR + map_size;
	u8 *tag = tag_room(b, size);

	if (!tag)
		return -ENOSPC;
	if (desc_size == 0 || map_size % desc_size)
		return -EINVAL;
	put32(tag + 8, desc_size);
	put32(tag + 12, desc_version);
	tag_close(b, tag, MB2_TAG_EFI_MMAP, size);
	return 0;
}

s64 mb2_finish(struct mb2_builder *b)
{
	u8 *tag = tag_room(b, 0);

	if (!tag)
		return -ENOSPC;
	put32(tag, MB2_TAG_END);
	put32(tag + 4, 8);
	b->len += 8;
	b->done = true;
	put32(b->buf, (u32)b->len);
	return (s64)b->len;
}
