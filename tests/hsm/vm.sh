#!/bin/sh
# The VM life cycle through /dev/acrn_hsm, in the Service VM of the test
# machine (busybox), after tests/hsm/remove-cpu.sh gave up CPU 1 (the
# module is loaded).  Run from the test init (islet.test=offline), do not
# source it (it exits):
#   hsm-vm [LOOPS]          (default 1000)
#
# Runs hsm-vm-test: CREATE_VM on the given-up CPU, EBUSY for a second
# file, EEXIST for a second create on one file, EINVAL for bad affinities,
# reserved fields and vm_flag, DESTROY_VM, destroy on close; then LOOPS
# times open, CREATE_VM, close, with MemFree before and after, and a
# create afterwards.  Checks the kernel log stays clean.
# Lines for the harness:
#   HSM-VM: ...                        what hsm-vm-test saw
#   ISLET-MARKER: vm-loop-start <tsc>  before the loop
#   ISLET-MARKER: vm-loop-end <tsc>    after it
# and last
#   HSM-VM-RESULT: PASS        or        HSM-VM-RESULT: FAIL <why>
# Exit status 0 on PASS.
loops=${1:-1000}

fail() {
	dmesg | grep 'islet_hsm' | sed 's/^\[[^]]*\] */HSM-DMESG: /'
	echo "HSM-VM-RESULT: FAIL $*"
	exit 1
}

[ -c /dev/acrn_hsm ] || fail "no /dev/acrn_hsm (is the module loaded?)"
hsm-vm-test || fail "hsm-vm-test"
echo "ISLET-MARKER: vm-loop-start $(islet-probe tsc)"
hsm-vm-test --loop "$loops"
status=$?
echo "ISLET-MARKER: vm-loop-end $(islet-probe tsc)"
[ "$status" = 0 ] || fail "hsm-vm-test --loop $loops"

bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection' |
	head -n 1)
[ -z "$bad" ] || fail "kernel log: $bad"
echo "HSM-VM-RESULT: PASS"
