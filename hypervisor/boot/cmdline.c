/* Looking up "key=value" words in the hypervisor's command line. */
#include "bootinfo.h"
#include "lib.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Words are separated by blanks; there is no quoting (nothing the
 * hypervisor takes needs a blank in a value).  When a key is repeated the
 * last word wins, so that an option appended by a boot menu overrides the
 * default before it. */
int cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	const char *found = NULL;
	size_t flen = 0;

	if (!klen)
		return -ENOENT;
	while (*cmdline) {
		const char *word = cmdline;
		size_t wlen = 0;

		while (word[wlen] && !is_space(word[wlen]))
			wlen++;
		cmdline = word + wlen;
		while (is_space(*cmdline))
			cmdline++;
		if (wlen < klen || strncmp(word, key, klen))
			continue;
		if (wlen == klen) {
			found = word + wlen;	/* bare "key": empty value */
			flen = 0;
		} else if (word[klen] == '=') {
			found = word + klen + 1;
			flen = wlen - klen - 1;
		}
	}
	if (!found)
		return -ENOENT;
	if (!val)
		return (int)flen;
	if (flen >= len)
		return -E2BIG;
	memcpy(val, found, flen);
	val[flen] = '\0';
	return (int)flen;
}
