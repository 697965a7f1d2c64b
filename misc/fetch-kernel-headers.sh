#!/bin/sh
# Install the kernel headers that islet_hsm.ko is built against: Debian's
# linux-headers-<version> for the Service VM kernel that misc/fetch-kernel.sh
# fetched (the same version, so the module's vermagic matches it).  The
# package pulls in linux-kbuild-6.1 and the compiler the kernel was built
# with.  Writes:
#   OUTDIR/kdir   the kernel build directory (/usr/src/linux-headers-<ver>)
# Cached: does nothing when OUTDIR/kdir names a directory with a Makefile.
# Runs misc/fetch-kernel.sh first (itself cached) to learn the version.
# Usage: misc/fetch-kernel-headers.sh [OUTDIR]   (default: build/kernel)
set -eu

out=${1:-build/kernel}
if [ -s "$out/kdir" ] && [ -f "$(cat "$out/kdir")/Makefile" ]; then
	exit 0
fi

"$(dirname "$0")/fetch-kernel.sh" "$out"
ver=$(cat "$out/version")
pkg=linux-headers-$ver
kdir=/usr/src/$pkg

if [ ! -f "$kdir/Makefile" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		echo "fetch-kernel-headers: apt-cache does not know $pkg; running apt-get update" >&2
		$SUDO apt-get update -qq
	fi
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		# Debian keeps only the current kernel ABI in the archive: the
		# cached kernel in $out is older than what apt now offers.
		echo "fetch-kernel-headers: $pkg is not in the archive any more;" \
			"remove $out to fetch the current kernel and its headers" >&2
		exit 1
	fi
	echo "fetch-kernel-headers: installing $pkg" >&2
	$SUDO apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
fi
[ -f "$kdir/Makefile" ] || {
	echo "fetch-kernel-headers: $pkg installed, but $kdir/Makefile is missing" >&2
	exit 1
}
echo "$kdir" > "$out/kdir.tmp"
mv "$out/kdir.tmp" "$out/kdir"
