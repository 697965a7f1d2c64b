/* The C library routines the freestanding hypervisor needs (see lib.h).
 * Plain loops, except memcpy and memset: the hypervisor copies the Service
 * VM's kernel (14 MiB) at boot, which a byte loop makes cost tens of
 * millions of instructions; string instructions move 8 bytes a step. */
#include "lib.h"

/* GCC's loop distribution can recognise these loops as memcpy/memset
 * idioms and replace them with a call to the very function being defined
 * (infinite recursion, GCC bug 56888); -fno-builtin is not documented to
 * prevent it, so the pass is switched off for these functions. */
#define NO_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t words = n >> 3, tail = n & 7;

	asm volatile("rep movsq; movq %3, %%rcx; rep movsb"
		     : "+D"(d), "+S"(src), "+c"(words)
		     : "r"(tail)
		     : "memory");
	return dst;
}

NO_IDIOM void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	/* Copy backwards when the destination starts inside the source, so
	 * that bytes are read before they are overwritten. */
	if (d > s && d < s + n) {
		while (n--)
			d[n] = s[n];
		return dst;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	u64 pattern = 0x0101010101010101ULL * (u8)c;
	size_t words = n >> 3, tail = n & 7;

	asm volatile("rep stosq; movq %3, %%rcx; rep stosb"
		     : "+D"(d), "+c"(words)
		     : "a"(pattern), "r"(tail)
		     : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Characters compare as unsigned char, as the C standard requires. */
int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		u8 x = (u8)*a, y = (u8)*b;

		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}
