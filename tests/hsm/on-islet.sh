#!/bin/sh
# The HSM on Islet, in the Service VM of the test machine (busybox).  Run it
# from the test init (do not source it: it exits):
#   hsm-on-islet [MODULE [SMOKE]]
# (defaults: /lib/modules/islet_hsm.ko, hsm-smoke from PATH).
#
# Loads islet_hsm.ko and expects its one "ready" line in the kernel log and
# /dev/acrn_hsm; checks the hypervisor's notification PCI function (Linux
# enumerated it with its ids and no BARs, islet_hsm is bound to it, its MSI
# is in /proc/interrupts: one "HSM-NOTIFY: ..." line); runs hsm-smoke (the
# ioctl dispatch's refusals); unloads (the function is unbound, its
# interrupt gone) and reloads the module (bound again); checks the kernel
# log has no oops or warning.
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

# The notification function (hypervisor/core/hsm_notify.c): its sysfs
# directory, found by vendor and device id (busybox has no lspci).
notify_vendor=0x49e7
notify_device=0x0001
notify_class=0x088000
notify_find() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = $notify_vendor ] &&
			[ "$(cat "$d/device")" = $notify_device ] && echo "$d"
	done
}

# notify_check bound|unbound
notify_check() {
	dev=$(notify_find)
	[ -n "$dev" ] || fail "no PCI device $notify_vendor:$notify_device in /sys/bus/pci/devices"
	[ "$(echo "$dev" | wc -l)" = 1 ] || fail "more than one notification device: $dev"
	bdf=${dev##*/}
	class=$(cat "$dev/class")
	[ "$class" = $notify_class ] || fail "$bdf: class $class, expected $notify_class"
	sub="$(cat "$dev/subsystem_vendor"):$(cat "$dev/subsystem_device")"
	[ "$sub" = $notify_vendor:$notify_device ] || fail "$bdf: subsystem ids $sub"
	rev=$(cat "$dev/revision")
	[ "$rev" = 0x01 ] || fail "$bdf: revision $rev, expected 0x01"
	# No BARs: every resource line is zero.
	res=$(grep -cv '^0x0* 0x0* 0x0*$' "$dev/resource")
	[ "$res" = 0 ] || fail "$bdf: $res resources (BARs) assigned, expected none"
	driver=$(readlink "$dev/driver")
	msi=$(grep 'PCI-MSI.*islet_hsm' /proc/interrupts)
	if [ "$1" = unbound ]; then
		[ -z "$driver" ] || fail "$bdf still bound to ${driver##*/} after rmmod"
		[ -z "$msi" ] || fail "an islet_hsm interrupt after rmmod: $msi"
		return
	fi
	[ "${driver##*/}" = islet_hsm ] || fail "$bdf: driver '${driver##*/}', expected islet_hsm"
	irq=$(ls "$dev/msi_irqs" 2>/dev/null)
	[ -n "$irq" ] && [ "$(echo "$irq" | wc -l)" = 1 ] ||
		fail "$bdf: MSI vectors '$irq', expected one"
	line=$(grep "^ *$irq:" /proc/interrupts)
	case "$line" in
	*PCI-MSI*islet_hsm*) ;;
	*) fail "$bdf: /proc/interrupts has no PCI-MSI islet_hsm line for IRQ $irq: '$line'" ;;
	esac
	# The emulated config space itself: the MSI capability (ID 5 at 0x40)
	# enabled, bus mastering on, and the message Linux programmed.
	cfg() { od -An -t"x$2" -j"$1" -N"$2" "$dev/config" | tr -d ' '; }
	[ "$(cfg 64 1)" = 05 ] || fail "$bdf: no MSI capability at 0x40"
	[ $(($(printf '%d' 0x"$(cfg 66 1)") & 1)) = 1 ] || fail "$bdf: MSI not enabled"
	[ $(($(printf '%d' 0x"$(cfg 4 1)") & 4)) = 4 ] || fail "$bdf: bus mastering off"
	echo "HSM-NOTIFY: $bdf $(cat "$dev/vendor"):$(cat "$dev/device") class $class" \
		"driver islet_hsm; MSI address 0x$(cfg 68 4) data 0x$(cfg 76 2);" \
		"IRQ $irq:$(echo "$line" | tr -s ' ' | cut -d: -f2-)"
}

out=$(insmod "$ko" 2>&1) || fail "insmod: $out"
dmesg | grep -q "$ready" || fail "no ready line in the kernel log"
[ -c /dev/acrn_hsm ] || fail "no character device /dev/acrn_hsm"
notify_check bound
"$smoke" /dev/acrn_hsm || fail "hsm-smoke"

out=$(rmmod islet_hsm 2>&1) || fail "rmmod: $out"
[ -e /dev/acrn_hsm ] && fail "/dev/acrn_hsm still there after rmmod"
notify_check unbound
out=$(insmod "$ko" 2>&1) || fail "second insmod: $out"
[ "$(dmesg | grep -c "$ready")" = 2 ] || fail "no ready line after the reload"
[ -c /dev/acrn_hsm ] || fail "no /dev/acrn_hsm after the reload"
notify_check bound

dmesg | grep 'islet_hsm' | sed 's/^\[[^]]*\] */HSM-DMESG: /'
bad=$(dmesg | grep -E 'Oops|BUG:|WARNING:|Call Trace|general protection' |
	head -n 1)
[ -z "$bad" ] || fail "kernel log: $bad"
echo "HSM-RESULT: PASS"
