#!/bin/sh
# The HSM on Islet, in the Service VM of the test machine (busybox).  Run it
# from the test init (do not source it: it exits):
#   hsm-on-islet [MODULE [SMOKE]]
# (defaults: /lib/modules/islet_hsm.ko, hsm-smoke from PATH).
#
# Loads islet_hsm.ko and expects its one "ready" line in the kernel log and
# /dev/acrn_hsm; runs hsm-smoke (the ioctl dispatch's refusals); unloads
# and reloads the module; checks the kernel log has no oops or warning.
# Prints the module's kernel log lines as "HSM-DMESG: ..." and ends with
#   HSM-RESULT: PASS
# or
#   HSM-RESULT: FAIL <why>
# Exit status 0 on PASS.  The module is left loaded.
ko=${1:-/lib/modules/islet_hsm.ko}
smoke=${2:-hsm-smoke}
ready='islet_hsm: Islet hypervisor API [0-9]*\.[0-9]*; /dev/acrn_hsm ready'

fail() {
	dmesg | grep 'islet_hsm' | sed 's/^\[[^]]*\] */HSM-DMESG: /'
	echo "HSM-RESULT: FAIL $*"
	exit 1
}

out=$(insmod "$ko" 2>&1) || fail "insmod: $out"
dmesg | grep -q "$ready" || fail "no ready line in the kernel log"
[ -c /dev/acrn_hsm ] || fail "no character device /dev/acrn_hsm"
"$smoke" /dev/acrn_hsm || fail "hsm-smoke"

out=$(rmmod islet_hsm 2>&1) || fail "rmmod: $out"
[ -e /dev/acrn_hsm ] && fail "/dev/acrn_hsm still there after rmmod"
out=$(insmod "$ko" 2>&1) || fail "second insmod: $out"
[ "$(dmesg | grep -c "$ready")" = 2 ] || fail "no ready line after the reload"
[ -c /dev/acrn_hsm ] || fail "no /dev/acrn_hsm after the reload"

dmesg | grep 'islet_hsm' | sed 's/^\[[^]]*\] */HSM-DMESG: /'
bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection' |
	head -n 1)
[ -z "$bad" ] || fail "kernel log: $bad"
echo "HSM-RESULT: PASS"
