#!/bin/sh
# /init of check-hsm-qemu's initramfs (busybox sh): the Service VM kernel
# without Islet, under QEMU TCG.  islet_hsm.ko must refuse to load with
# ENODEV and one line in the kernel log, and leave nothing behind.  Two
# attempts: busybox's insmod (which loads twice: finit_module, then
# init_module after any failure), and `hsm-smoke --load` (one finit_module,
# as kmod's insmod).  The kernel log is cleared before each, so each
# attempt's lines can be counted.  Lines for tests/hsm/test_hsm_qemu.py
# start with HSM-; init also gives its own verdict (HSM-RESULT).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "HSM-MARKER: init"

ko=/lib/modules/islet_hsm.ko
result=PASS
for attempt in insmod finit; do
	dmesg -c >/dev/null
	case $attempt in
	insmod) out=$(insmod "$ko" 2>&1) ;;
	finit) out=$(hsm-smoke --load "$ko" 2>&1) ;;
	esac
	rc=$?
	echo "HSM-ATTEMPT: $attempt rc=$rc $out"
	[ "$rc" -ne 0 ] || result="FAIL $attempt succeeded"
	case "$out" in
	*"No such device"*) ;;
	*) [ "$result" = PASS ] && result="FAIL $attempt: not ENODEV: $out" ;;
	esac
	dmesg | grep 'islet_hsm' |
		sed "s/^\[[^]]*\] */HSM-DMESG: $attempt /"
done
if [ -e /dev/acrn_hsm ]; then
	echo "HSM-DEV: present"
	result="FAIL /dev/acrn_hsm exists"
else
	echo "HSM-DEV: absent"
fi
if grep -q '^islet_hsm ' /proc/modules; then
	echo "HSM-LOADED: yes"
	result="FAIL the module is loaded"
else
	echo "HSM-LOADED: no"
fi
echo "HSM-RESULT: $result"
echo "HSM-END"
poweroff -f
