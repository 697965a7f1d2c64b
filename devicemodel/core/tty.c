// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the terminal on stdin (dm.h), for the one backend that reads
 * it, a UART's (-l comN,stdio) or virtio-console's (@stdio): raw while
 * the guest has it, so that each key reaches the guest as it is typed,
 * and given back as it was, by the backend's teardown or at exit.
 */
#include <stdbool.h>
#include <stdlib.h>
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
