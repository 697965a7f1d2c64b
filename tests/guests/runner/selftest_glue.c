/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What hsm_lib.c (the HSM selftest's library, linked as it is) needs from
 * its framework (selftest.h), for this program: the options, checks that
 * print a line and remember the first failure, and the abort of a test,
 * which ends the child process that runs it (runner.c).
 */
#define _GNU_SOURCE	/* strerrorname_np */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "selftest.h"

struct selftest_opts opts = {
	.device = "/dev/acrn_hsm",
};

/* Set by runner.c for the child: where a failed check's text goes. */
char *glue_why;
size_t glue_whylen;

bool check_at(const char *file, int line, bool ok, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	emit("GUEST-RUNNER: FAIL %s (%s:%d)", what, file, line);
	if (glue_why && !glue_why[0])
		snprintf(glue_why, glue_whylen, "%s", what);
	return false;
}

bool check_errno_at(const char *file, int line, int err, int want,
		    const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return check_at(file, line, err == want, "%s: %s, expected %s", what,
			errno_name(err), errno_name(want));
}

void test_abort(void)
{
	_exit(1);
}

const char *errno_name(int err)
{
	const char *name = err ? strerrorname_np(err) : "0";

	return name ? name : "errno ?";
}
