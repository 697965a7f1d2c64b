/* Parser of islet.cfg (format in config.h). */
#include "config.h"

struct config_key {
	const char *name;
	size_t offset;		/* of the field in struct efi_config */
	size_t size;		/* of that field, NUL included */
};

#define KEY(n, field) { n, offsetof(struct efi_config, field), \
			sizeof(((struct efi_config *)0)->field) }
static const struct config_key config_keys[] = {
	KEY("hypervisor", hypervisor),
	KEY("kernel", kernel),
	KEY("cmdline", cmdline),
	KEY("initrd", initrd),
};
#undef KEY

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool span_equals(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (word[i] != s[i])
			return false;
	return word[n] == '\0';
}

static void span_trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

static int fail(struct config_error *err, u32 line, const char *what,
		const char *key, size_t key_len)
{
	size_t i, n = MIN(key_len, sizeof(err->key) - 1);

	err->line = line;
	err->what = what;
	for (i = 0; i < n; i++)
		err->key[i] = key[i];
	err->key[n] = '\0';
	return -EINVAL;
}

/* One line without its '\n'. */
static int parse_line(const char *s, size_t n, u32 line, struct efi_config *cfg,
		      u32 *seen, struct config_error *err)
{
	const char *key, *val;
	size_t key_len, val_len, i, k;
	char *field;

	span_trim(&s, &n);
	if (n == 0 || s[0] == '#')
		return 0;
	for (i = 0; i < n && s[i] != '='; i++)
		;
	if (i == n)
		return fail(err, line, "expected key=value", s, n);
	key = s;
	key_len = i;
	span_trim(&key, &key_len);
	val = s + i + 1;
	val_len = n - i - 1;
	span_trim(&val, &val_len);

	for (k = 0; k < ARRAY_SIZE(config_keys); k++)
		if (span_equals(key, key_len, config_keys[k].name))
			break;
	if (k == ARRAY_SIZE(config_keys))
		return fail(err, line, "unknown key", key, key_len);
	if (*seen & BIT(k))
		return fail(err, line, "duplicate key", key, key_len);
	if (val_len >= config_keys[k].size)
		return fail(err, line, "value too long", key, key_len);
	*seen |= BIT(k);

	field = (char *)cfg + config_keys[k].offset;
	for (i = 0; i < val_len; i++)
		field[i] = val[i];
	field[val_len] = '\0';
	return 0;
}

int config_parse(const char *text, size_t len, struct efi_config *cfg,
		 struct config_error *err)
{
	size_t start = 0, i;
	u32 line = 1, seen = 0;
	int ret;

	*cfg = (struct efi_config){ 0 };
	*err = (struct config_error){ 0 };
	for (i = 0; i < len; i++)
		if (text[i] == '\0')
			return fail(err, line, "NUL byte in file", "", 0);
		else if (text[i] == '\n')
			line++;

	line = 1;
	for (i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		ret = parse_line(text + start, i - start, line, cfg, &seen, err);
		if (ret)
			return ret;
		start = i + 1;
		line++;
	}
	if (str_len(cfg->kernel) == 0)
		return fail(err, 0, "no kernel= given", "kernel", 6);
	return 0;
}
