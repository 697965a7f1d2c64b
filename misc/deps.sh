#!/bin/sh
# Install the Debian packages a build or test step needs, only when some are
# missing.  Usage: misc/deps.sh build|check
set -e
build="make gcc binutils libc6-dev gnu-efi libcunit1-dev linux-libc-dev
       acpica-tools"
check="$build bochs bochs-term bochsbios vgabios grub-pc-bin grub-common
       xorriso mtools busybox-static cpio gzip python3 qemu-system-x86 ovmf
       dpkg-dev sparse e2fsprogs"
case "$1" in
build) want=$build ;;
check) want=$check ;;
*) echo "usage: $0 build|check" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
