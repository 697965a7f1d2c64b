#!/bin/sh
# The guest tests in the Service VM of the test machine (busybox), on
# Islet.  Run from the test init (islet.test=guests):
#   islet-guests-run CPU CPU [TEST...]      (e.g. islet-guests-run 1 2)
# Loads islet_hsm.ko, gives up the two CPUs through the HSM's remove_cpu,
# runs islet-guest-run on them (its lines: tests/guests/runner/runner.c),
# and ends with
#   ISLET-MARKER: guests-start <tsc> / guests-end <tsc>
#   GUESTS-RUN-RESULT: PASS | FAIL <why>
# PASS means the runner ran; which tests must pass is the harness's list
# (tests/machine/run_tests.py).
ko=/lib/modules/islet_hsm.ko
attr=/sys/devices/virtual/misc/acrn_hsm/remove_cpu

fail() {
	dmesg | grep 'islet_hsm' | sed 's/^\[[^]]*\] */HSM-DMESG: /'
	echo "GUESTS-RUN-RESULT: FAIL $*"
	exit 1
}

[ $# -ge 2 ] || fail "usage: islet-guests-run CPU CPU [TEST...]"
cpu1=$1
cpu2=$2
shift 2
out=$(insmod "$ko" 2>&1) || fail "insmod: $out"
[ -c /dev/acrn_hsm ] || fail "no /dev/acrn_hsm"
for cpu in "$cpu1" "$cpu2"; do
	got=$(hsm-smoke --write "$attr" "$cpu")
	[ "$got" = "HSM-WRITE: ok" ] || fail "giving up CPU $cpu: $got"
done
echo "GUESTS: CPUs online: $(cat /sys/devices/system/cpu/online)"

echo "ISLET-MARKER: guests-start $(islet-probe tsc)"
islet-guest-run --config /guests/guests.cfg --cpu "$cpu1" --cpu "$cpu2" "$@"
status=$?
echo "ISLET-MARKER: guests-end $(islet-probe tsc)"
bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection' |
	head -n 1)
[ -z "$bad" ] || fail "kernel log: $bad"
echo "GUESTS-RUN-RESULT: PASS (islet-guest-run exit status $status)"
