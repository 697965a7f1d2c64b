#!/bin/sh
# The HSM selftest in the Service VM of the test machine (busybox), on
# Islet.  Run from the test init (islet.test=hsm), do not source it (it
# exits):
#   hsm-selftest-run CPU...         (e.g. hsm-selftest-run 1 2)
#
# Loads islet_hsm.ko; gives up each CPU through the HSM's remove_cpu (each
# write must succeed and the CPU go offline; tests/hsm/remove-cpu.sh, in
# the islet-offline run, tests the refusals); runs hsm-selftest on those
# CPUs; checks the kernel log stays clean.
# Lines for the harness:
#   HSM-SELFTEST: ...                     what the steps saw
#   HSM-TEST: / HSM-CHECK: / HSM-INFO: / HSM-PERF: / HSM-SUMMARY:
#                                         hsm-selftest's (selftest.h)
#   HSM-DMESG: ...                        the module's kernel log lines
#   ISLET-MARKER: selftest-start <tsc>    before hsm-selftest
#   ISLET-MARKER: selftest-end <tsc>      after it
# and last
#   HSM-SELFTEST-RESULT: PASS        or        HSM-SELFTEST-RESULT: FAIL <why>
# Exit status 0 on PASS.
ko=/lib/modules/islet_hsm.ko
attr=/sys/devices/virtual/misc/acrn_hsm/remove_cpu
ready='islet_hsm: Islet hypervisor API [0-9]*\.[0-9]*; /dev/acrn_hsm ready'

dmesg_hsm() {
	dmesg | grep 'islet_hsm' | sed 's/^\[[^]]*\] */HSM-DMESG: /'
}

fail() {
	dmesg_hsm
	echo "HSM-SELFTEST-RESULT: FAIL $*"
	exit 1
}

[ $# -gt 0 ] || fail "usage: hsm-selftest-run CPU..."
out=$(insmod "$ko" 2>&1) || fail "insmod: $out"
dmesg | grep -q "$ready" || fail "no ready line in the kernel log"
[ -c /dev/acrn_hsm ] || fail "no /dev/acrn_hsm"

args=
for cpu in "$@"; do
	got=$(hsm-smoke --write "$attr" "$cpu")
	echo "HSM-SELFTEST: give up CPU $cpu: ${got#HSM-WRITE: }"
	[ "$got" = "HSM-WRITE: ok" ] || fail "giving up CPU $cpu: $got"
	online=$(cat "/sys/devices/system/cpu/cpu$cpu/online")
	[ "$online" = 0 ] || fail "CPU $cpu still online after remove_cpu"
	args="$args --cpu $cpu"
done
echo "HSM-SELFTEST: CPUs online: $(cat /sys/devices/system/cpu/online)"

echo "ISLET-MARKER: selftest-start $(islet-probe tsc)"
# shellcheck disable=SC2086 # one word per option
hsm-selftest $args
status=$?
echo "ISLET-MARKER: selftest-end $(islet-probe tsc)"

bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection' |
	head -n 1)
[ -z "$bad" ] || fail "kernel log: $bad"
[ "$status" = 0 ] || fail "hsm-selftest exit status $status"
dmesg_hsm
echo "HSM-SELFTEST-RESULT: PASS"
