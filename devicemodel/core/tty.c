// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: what the character backends of a UART (-l comN,...) and of
 * virtio-console share (dm.h).  The terminal on stdin, for the one
 * backend that reads it (stdio): raw while the guest has it, so that
 * each key reaches the guest as it is typed, and given back as it was,
 * by the backend's teardown or at exit.  New pseudo-terminals (pty), and
 * output files (file:PATH).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "dm.h"

static struct termios saved_tio;
static bool tio_saved;

void dm_stdin_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

void dm_stdin_raw(void)
{
	static bool at_exit;
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	/* No line editing or echo, no CR to NL or XON/XOFF: the guest's
	 * own line discipline does those.  ISIG stays, so that ^C still
	 * ends islet-dm. */
	tio.c_lflag &= (tcflag_t)~(ICANON | ECHO);
	tio.c_iflag &= (tcflag_t)~(ICRNL | IXON);
	tio_saved = !tcsetattr(STDIN_FILENO, TCSANOW, &tio);
	/* Whatever way islet-dm ends, the shell gets its terminal back. */
	if (tio_saved && !at_exit)
		at_exit = !atexit(dm_stdin_restore);
}

int dm_pty_open(const char *who, char *name, int *slave,
		struct dm_error *err)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char path[DM_PTY_NAME_MAX];
	struct termios tio;

	if (fd < 0 || grantpt(fd) || unlockpt(fd) ||
	    ptsname_r(fd, path, sizeof(path)) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK))
		goto err;
	/* The terminal's settings are the slave's, set through either
	 * side: raw, the guest's line discipline does the rest. */
	if (!tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	if (slave) {
		*slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (*slave < 0)
			goto err;
	}
	if (name)
		memcpy(name, path, sizeof(path));
	fprintf(stderr, "islet-dm: %s is %s\n", who, path);
	return fd;

err:
	dm_fail(err, "%s: cannot open a pseudo-terminal: %s", who,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int dm_output_file(const char *who, const char *path, struct dm_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		return dm_fail(err, "%s: cannot open %s: %s", who, path,
			       strerror(errno));
	return fd;
}
