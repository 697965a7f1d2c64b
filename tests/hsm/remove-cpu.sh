#!/bin/sh
# The Service VM gives up CPU 1 through the HSM's sysfs file remove_cpu, in
# the test machine with 2 CPUs (busybox).  Run from the test init
# (islet.test=offline), do not source it (it exits):
#   hsm-remove-cpu [MODULE]        (default: /lib/modules/islet_hsm.ko)
#
# Loads islet_hsm.ko, then, in order:
#   - remove_cpu exists, write-only for its owner (0200);
#   - "abc", "-1", "0" (the boot CPU) and "99" (>= nr_cpu_ids) each fail
#     with EINVAL, and CPU 1 is still online after them;
#   - "1" succeeds: CPU 1 offline in /sys, the module's info line in the
#     kernel log (the hypervisor prints its own "gave up" line on COM1);
#   - "1" again fails with EBUSY (the hypervisor already has the CPU) and
#     leaves CPU 1 offline: the module does not try to bring back a CPU it
#     did not take down (see hsm-module/cpu.c);
#   - writing 1 to cpu1/online fails (the hypervisor refuses the start-up
#     IPIs; Linux gives up after its 10 s wake-up timeout) and CPU 1 stays
#     offline;
#   - the Service VM still runs: the probe on CPU 0, and no oops or BUG in
#     the kernel log.
# Lines for the harness:
#   HSM-OFFLINE: <step> ...           what each step saw
#   HSM-DMESG: ...                    the module's kernel log lines
#   ISLET-MARKER: give-up <tsc>       before the first write of "1"
#   ISLET-MARKER: online-attempt <tsc>  before the write to cpu1/online
#   ISLET-MARKER: survived <tsc>      after it, the Service VM still runs
# and last
#   HSM-RESULT: PASS        or        HSM-RESULT: FAIL <why>
# Exit status 0 on PASS.
ko=${1:-/lib/modules/islet_hsm.ko}
attr=/sys/devices/virtual/misc/acrn_hsm/remove_cpu
cpu1=/sys/devices/system/cpu/cpu1/online
ready='islet_hsm: Islet hypervisor API [0-9]*\.[0-9]*; /dev/acrn_hsm ready'

dmesg_hsm() {
	dmesg | grep 'islet_hsm' | sed 's/^\[[^]]*\] */HSM-DMESG: /'
}

fail() {
	dmesg_hsm
	echo "HSM-RESULT: FAIL $*"
	exit 1
}

# try_write FILE STRING EXPECT: one write(2); EXPECT is ok, an errno name
# or "error" (any errno).
try_write() {
	got=$(hsm-smoke --write "$1" "$2")
	got=${got#HSM-WRITE: }
	echo "HSM-OFFLINE: write '$2' to $1: $got"
	case "$3:$got" in
	"error:ok") fail "writing '$2' to $1 succeeded, expected an error" ;;
	error:*) ;;
	"$3:$3" | "$3:$3 "*) ;;
	*) fail "writing '$2' to $1: $got, expected $3" ;;
	esac
}

# online CPU WANT: /sys says CPU's online file reads WANT.
online() {
	got=$(cat "/sys/devices/system/cpu/cpu$1/online")
	[ "$got" = "$2" ] || fail "cpu$1/online reads $got, expected $2"
}

online 1 1
out=$(insmod "$ko" 2>&1) || fail "insmod: $out"
dmesg | grep -q "$ready" || fail "no ready line in the kernel log"
[ -f "$attr" ] || fail "no $attr"
mode=$(stat -c %a "$attr")
echo "HSM-OFFLINE: $attr mode $mode"
[ "$mode" = 200 ] || fail "$attr has mode $mode, expected 200"

for bad in abc -1 0 99; do
	try_write "$attr" "$bad" EINVAL
done
online 1 1

echo "ISLET-MARKER: give-up $(islet-probe tsc)"
try_write "$attr" 1 ok
online 1 0
echo "HSM-OFFLINE: CPUs online after giving up CPU 1: $(cat /sys/devices/system/cpu/online)"
dmesg | grep -q 'islet_hsm: CPU 1 (APIC id [0-9]*) given to the hypervisor' ||
	fail "no 'CPU 1 ... given to the hypervisor' line in the kernel log"

try_write "$attr" 1 EBUSY
online 1 0

echo "ISLET-MARKER: online-attempt $(islet-probe tsc)"
try_write "$cpu1" 1 error
online 1 0
echo "ISLET-MARKER: survived $(islet-probe tsc)"
echo "HSM-OFFLINE: CPUs online at the end: $(cat /sys/devices/system/cpu/online)"
line=$(taskset -c 0 islet-probe cpuid 2>&1)
echo "$line"
case " $line " in
*" cpu=0 "*) ;;
*) fail "the probe pinned to CPU 0 did not run there: $line" ;;
esac

dmesg_hsm
bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection' |
	head -n 1)
[ -z "$bad" ] || fail "kernel log: $bad"
echo "HSM-RESULT: PASS"
