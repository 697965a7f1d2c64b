#!/bin/sh
# islet-dm in the Service VM of the test machine (busybox), on Islet, with
# CPUs 1 and 2 free for User VMs.  Run from the test init (islet.test=dm):
#   islet-dm-run
# Each case prints one line
#   DM-RESULT: <case> PASS | FAIL <why>
# the guests' output is relayed as "DM-GUEST: <case>: <line>", and the
# run ends with
#   DM-RUN-RESULT: PASS | FAIL <n> failed
# The harness (tests/machine/run_tests.py, islet-dm) also checks the
# hypervisor's side: every VM created was destroyed.
ko=/lib/modules/islet_hsm.ko
G=/guests
failed=0

result() {	# case verdict...
	name=$1
	shift
	echo "DM-RESULT: $name $*"
	[ "$1" = PASS ] || failed=$((failed + 1))
}

# run CASE WANT_STATUS ARGS...: islet-dm ARGS with output to a file; PASS
# when it exits with WANT_STATUS and its guest printed no FAIL line.
run() {
	name=$1
	want=$2
	shift 2
	islet-dm "$@" > /tmp/dm.out 2>&1
	status=$?
	sed "s/^/DM-GUEST: $name: /" /tmp/dm.out
	if [ "$status" != "$want" ]; then
		result "$name" FAIL "exit status $status, expected $want"
	elif grep -q '^FAIL' /tmp/dm.out; then
		result "$name" FAIL "the guest reported failures"
	else
		result "$name" PASS
	fi
}

# refuse CASE WANT_STATUS PATTERN ARGS...: islet-dm fails with WANT_STATUS
# and exactly one line on stderr, which matches PATTERN, and nothing on
# stdout.
refuse() {
	name=$1
	want=$2
	pattern=$3
	shift 3
	islet-dm "$@" > /tmp/dm.out 2> /tmp/dm.err
	status=$?
	sed "s/^/DM-STDERR: $name: /" /tmp/dm.err
	lines=$(wc -l < /tmp/dm.err)
	if [ "$status" != "$want" ]; then
		result "$name" FAIL "exit status $status, expected $want"
	elif [ "$lines" != 1 ] || [ -s /tmp/dm.out ]; then
		result "$name" FAIL "$lines lines on stderr, or output on stdout"
	elif ! grep -q "$pattern" /tmp/dm.err; then
		result "$name" FAIL "the message does not say \"$pattern\""
	else
		result "$name" PASS
	fi
}

# wait_for PATTERN FILE: until a guest's log shows PATTERN, 10 s at most.
wait_for() {
	i=0
	while [ $i -lt 100 ] && ! grep -q "$1" "$2" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
}

insmod "$ko" || { echo "DM-RUN-RESULT: FAIL insmod"; exit 1; }

# Command-line errors first: no VM may be created by any of them.
refuse bad-option 2 "unknown option --bogus" --bogus vm
refuse no-kernel 2 "nothing to boot" vm
refuse slot-conflict 2 "slot conflict" -s 3,virtio-blk,a.img \
	-s 3:0,virtio-rnd -E $G/dm.elf vm
refuse missing-kernel 1 "cannot open /nope.elf" -E /nope.elf vm
refuse too-much-memory 1 "not enough memory" -m 64G -E $G/dm.elf vm
refuse cpu0 1 "CPU 0" --cpu_affinity 0 -E $G/dm.elf vm
refuse no-device-type 1 "no device type virtio-bogus" -s 3,virtio-bogus \
	-E $G/dm.elf vm
refuse missing-disk 1 "/nope.img" -s 3,virtio-blk,/nope.img -E $G/dm.elf vm
islet-dm --help > /tmp/dm.out 2>&1
if [ $? = 0 ] && grep -q '^SYNOPSIS' /tmp/dm.out &&
   grep -q -- '--cpu_affinity' /tmp/dm.out; then
	result help PASS
else
	result help FAIL "--help: no SYNOPSIS or --cpu_affinity"
fi

# islet-dm gives CPU 1 up itself (it is online until now).
echo "DM: CPUs online before: $(cat /sys/devices/system/cpu/online)"
run uart 1 --cpu_affinity 1 -l com1,stdio --debugexit -E $G/dm.elf \
	-B uart dm-uart
online=$(cat /sys/devices/system/cpu/online)
echo "DM: CPUs online after: $online"
case "$online" in
0|0,2) result give-up PASS ;;
*) result give-up FAIL "CPU 1 still online ($online)" ;;
esac
run pmtimer 1 --cpu_affinity 1 -l com1,stdio --debugexit -E $G/dm.elf \
	-B pmtimer dm-pmtimer
run cpuid-smp 1 --cpu_affinity 1,2 -m 64M -l com1,stdio --debugexit \
	-E $G/cpuid.elf cpuid
run apic 1 --cpu_affinity 2 -l com1,stdio --debugexit -E $G/apic.elf apic
run reset 1 --cpu_affinity 1 -l com1,stdio --debugexit -E $G/dm.elf \
	-B reset dm-reset
grep -q "dm: resetting" /tmp/dm.out ||
	result reset-seen FAIL "the first boot did not reset"
run poweroff 0 --cpu_affinity 1 -l com1,stdio -E $G/dm.elf -B poweroff \
	dm-poweroff

# Exit costs with islet-dm serving the guest's port and MMIO accesses
# (its vCPU thread, ATTACH_IOREQ_VCPU): pio-user and mmio-user are the
# round trips through islet-dm.
run exitcost 1 --cpu_affinity 1 -l com1,stdio --debugexit \
	-E $G/exitcost.elf exitcost
sed -n 's/^GUEST-PERF: /DM-PERF: /p' /tmp/dm.out

# The configuration-file form of the uart case.
cat > /tmp/vm.cfg <<CFG
# islet-dm configuration (doc/devicemodel.md)
name = dm-config
cpus = 2
memory = 32M
elf = $G/dm.elf
cmdline = uart pmtimer
com1 = stdio
debugexit = yes
CFG
run config-file 1 --config /tmp/vm.cfg

# The custom backend of devicemodel/examples/ on libislet.
islet-example-counter 1 > /tmp/dm.out 2>&1
status=$?
sed "s/^/DM-GUEST: example-counter: /" /tmp/dm.out
if [ $status = 0 ] && grep -q "answered 123: right" /tmp/dm.out; then
	result example-counter PASS
else
	result example-counter FAIL "exit status $status"
fi
# The second one: a doorbell through an ioeventfd, the answer through an
# irqfd.  On failure its one stderr line says why.
islet-example-doorbell 1 > /tmp/dm.out 2>&1
status=$?
sed "s/^/DM-GUEST: example-doorbell: /" /tmp/dm.out
if [ $status = 0 ] && grep -q "answered interrupt 0x40: right" /tmp/dm.out
then
	result example-doorbell PASS
else
	result example-doorbell FAIL "exit status $status: $(tail -n 1 /tmp/dm.out)"
fi

# SIGTERM while the guest runs: the VM goes, its CPU is free again.
rm -f /tmp/spin.log
islet-dm --cpu_affinity 1 -m 32M -l com1,file:/tmp/spin.log -E $G/dm.elf \
	-B spin dm-spin &
pid=$!
wait_for "dm: spinning" /tmp/spin.log
# islet-dm's resident memory beyond the guest's 32 MiB (all of which the
# HSM pinned, so it is resident too).
rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\) kB/\1/p' /proc/$pid/status)
echo "DM-PERF: resident ${rss} KiB with 32768 KiB of guest RAM:" \
	"$((rss - 32768)) KiB beyond it"
kill -TERM $pid
wait $pid
status=$?
if ! grep -q "dm: spinning" /tmp/spin.log 2>/dev/null; then
	result sigterm FAIL "the guest never printed (log: $(cat /tmp/spin.log))"
elif [ "$status" != 143 ]; then
	result sigterm FAIL "exit status $status, expected 143 (128 + SIGTERM)"
else
	result sigterm PASS
fi
run after-sigterm 1 --cpu_affinity 1 -l com1,stdio --debugexit \
	-E $G/dm.elf -B pmtimer dm-after

# SIGUSR1 presses the ACPI power button: the guest sees the SCI.
rm -f /tmp/pb.log
islet-dm --cpu_affinity 1 -m 32M -l com1,file:/tmp/pb.log --debugexit \
	-E $G/dm.elf -B pwrbtn dm-pwrbtn &
pid=$!
wait_for "dm: waiting" /tmp/pb.log
kill -USR1 $pid
wait $pid
status=$?
sed "s/^/DM-GUEST: pwrbtn: /" /tmp/pb.log
if [ "$status" != 1 ] || grep -q '^FAIL' /tmp/pb.log; then
	result pwrbtn FAIL "exit status $status (1 expected), or the guest failed"
else
	result pwrbtn PASS
fi

bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection' |
	head -n 1)
[ -z "$bad" ] || result kernel-log FAIL "$bad"
if [ $failed = 0 ]; then
	echo "DM-RUN-RESULT: PASS"
	exit 0
fi
echo "DM-RUN-RESULT: FAIL $failed failed"
exit 1
