#!/bin/sh
# The Linux User VM test, in the Service VM of the test machine (busybox,
# on Islet, CPUs 1 and 2 free for User VMs).  Run from the test init
# (islet.test=linux) as /bin/islet-linux-run:
#   - one islet-dm command boots the Debian cloud kernel (the Service VM's
#     own) with tests/uservm/init as its initramfs, virtio-blk (an ext4
#     image and a raw one for throughput), virtio-net (tap0, created by
#     islet-dm), virtio-console (a file backend) and virtio-rnd;
#   - the guest checks its devices and powers off (UVM-RESULT lines);
#   - this script then checks the guest's token in the ext4 image (loop
#     mount) and in the console's file.
# Each check prints "LINUX-RESULT: <check> PASS | FAIL <why>", the run
# ends with "LINUX-RUN-RESULT: PASS | FAIL <n> failed"; the guest's lines
# are relayed as "UVM: <line>", figures as "LINUX-PERF: <name> <value>".
#
# islet-linux-run --shell (the init's `launch` mode, `make run`): the same
# command with the User VM's console on this terminal and a shell in it.
U=/uservm
failed=0

result() {	# check verdict...
	echo "LINUX-RESULT: $*"
	[ "$2" = PASS ] || failed=$((failed + 1))
}

finish() {
	if [ $failed = 0 ]; then
		echo "LINUX-RUN-RESULT: PASS"
	else
		echo "LINUX-RUN-RESULT: FAIL $failed failed"
	fi
	[ $failed = 0 ]
	exit
}

for m in /lib/modules/islet_hsm.ko $U/tun.ko $U/loop.ko; do
	[ -d "/sys/module/$(basename "$m" .ko)" ] || insmod "$m" ||
		{ result setup FAIL "insmod $m"; finish; }
done

# tap0 gets its address once islet-dm has created it.
tap_up() {
	n=0
	while [ ! -e /sys/class/net/tap0 ] && [ $n -lt 300 ]; do
		sleep 1
		n=$((n + 1))
	done
	ip link set tap0 up && ip addr add 10.0.2.1/24 dev tap0
}

# launch EXTRA_DEVICE_OPTIONS BOOTARGS: the one islet-dm command, printed
# first (the same for `make run` and the test).
mem_mib=256
launch() {
	set -- islet-dm -m ${mem_mib}M --cpu_affinity 1 -s 0:0,hostbridge \
		-s 1:0,lpc -s 3,virtio-blk,/tmp/disk.img $1 \
		-s 5,virtio-net,tap0 \
		-s 6,virtio-console,@file:uvm=/tmp/hvc0.out -s 7,virtio-rnd \
		-l com1,stdio -k $U/vmlinuz -r $U/initramfs.cpio.gz \
		-B "console=ttyS0 quiet $2" uvm
	echo "launching a Linux User VM on CPU 1: $*"
	"$@"
}

if [ "$1" = --shell ]; then
	[ -e /tmp/disk.img ] || cp $U/disk.img /tmp/disk.img
	tap_up &
	launch "" uvm.mode=shell
	echo "islet-dm exited with status $?"
	exit
fi

# The disks: the ext4 image from the build, and a raw one of 16 MiB for
# the throughput figures, read here first as the yardstick.
cp $U/disk.img /tmp/disk.img
dd if=/dev/zero of=/tmp/perf.img bs=65536 count=256 2> /dev/null
t0=$(islet-probe tsc)
dd if=/tmp/perf.img of=/dev/null bs=65536 2> /dev/null
t1=$(islet-probe tsc)
echo "LINUX-PERF: svm-read $((256 * 65536)) $((t1 - t0))"
t0=$(islet-probe tsc)
dd if=/dev/zero of=/tmp/perf.img bs=65536 count=256 conv=fsync 2> /dev/null
t1=$(islet-probe tsc)
echo "LINUX-PERF: svm-write $((256 * 65536)) $((t1 - t0))"

token=$(cut -c1-8 /proc/sys/kernel/random/uuid)
echo "LINUX-PERF: launch-tsc $(islet-probe tsc)"
# The one command.  islet-dm creates tap0; once it is there this side
# gets its address.
# Its output is relayed as it comes (and kept for the checks).
rm -f /tmp/uvm.out /tmp/uvm.status
( launch "-s 4,virtio-blk,/tmp/perf.img" "uvm.token=$token" \
	< /dev/null 2>&1
  echo $? > /tmp/uvm.status ) |
while IFS= read -r line; do
	echo "UVM: $line"
	echo "$line" >> /tmp/uvm.out
	case "$line" in
	"UVM-MARKER: userspace "*)
		echo "LINUX-PERF: marker-seen-tsc $(islet-probe tsc)" ;;
	"UVM-RESULT: "*)
		# islet-dm's resident memory as the guest uses its devices
		# (all guest RAM is pinned, hence resident), and that RAM,
		# both in KiB.
		rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\) kB/\1/p' \
			"/proc/$(pidof islet-dm)/status" 2> /dev/null)
		[ -z "$rss" ] ||
			echo "LINUX-PERF: dm-rss $rss $((mem_mib * 1024))" ;;
	esac
done &
dm=$!
tap_up || result tap FAIL "tap0 did not come up"
echo "LINUX-INFO: tap0 up; Service VM CPUs online: $(cat /sys/devices/system/cpu/online)"
wait $dm
status=$(cat /tmp/uvm.status 2> /dev/null)

if [ "$status" != 0 ]; then
	result islet-dm FAIL "exit status $status"
else
	result islet-dm PASS
fi
for check in acpi cpus blk net rnd console; do
	line=$(grep "^UVM-RESULT: $check " /tmp/uvm.out | head -1)
	case "$line" in
	"UVM-RESULT: $check PASS"*) result "guest-$check" PASS ;;
	"") result "guest-$check" FAIL "no UVM-RESULT line" ;;
	*) result "guest-$check" FAIL "${line#UVM-RESULT: $check }" ;;
	esac
done
grep -q "^UVM-DONE" /tmp/uvm.out || result guest-done FAIL "no UVM-DONE"
# Every virtio device's queue doorbells were ioeventfds (islet-dm says
# when the HSM refuses them; the devices then work, only slower).
refused=$(grep "doorbells stay I/O requests" /tmp/uvm.out | head -1)
if [ -z "$refused" ]; then
	result doorbells PASS
else
	result doorbells FAIL "$refused"
fi
bad=$(sed -n 's/^UVM-RESULT: modules FAIL //p' /tmp/uvm.out | tr '\n' ' ')
[ -z "$bad" ] || result guest-modules FAIL "$bad"

# What the guest wrote and synced must be in the image, and its console
# line in the backend file.
mkdir -p /mnt/uvm
if ! mount -o loop -t ext4 /tmp/disk.img /mnt/uvm; then
	result disk-file FAIL "cannot mount the image"
elif [ "$(cat /mnt/uvm/uvm-token 2> /dev/null)" != "islet $token" ]; then
	result disk-file FAIL "uvm-token holds '$(cat /mnt/uvm/uvm-token 2>&1)'"
else
	result disk-file PASS
fi
umount /mnt/uvm 2> /dev/null
# The guest's tty turns its newline into CR LF.
if grep -q "^hvc0 $token" /tmp/hvc0.out 2> /dev/null; then
	result console-file PASS
else
	result console-file FAIL "no 'hvc0 $token' in the backend file:" \
		"$(head -c 200 /tmp/hvc0.out 2>&1 | tr '\r\n' '^|')"
fi
finish
