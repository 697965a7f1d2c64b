#!/bin/sh
# Fetch the Service VM kernel: Debian's cloud kernel package, the version the
# linux-image-cloud-amd64 metapackage depends on, unpacked (not installed)
# into build/kernel/:
#   build/kernel/vmlinuz   the bzImage
#   build/kernel/config    its .config
#   build/kernel/version   the kernel release (e.g. 6.1.0-56-cloud-amd64)
#   build/kernel/pkg/      the unpacked package (modules: pkg/lib/modules)
#   build/kernel/deb/      the downloaded .deb files
# The matching headers (linux-headers-<version>, to build islet_hsm.ko) are
# installed by misc/fetch-kernel-headers.sh; this script writes only the above.
# Cached: does nothing when build/kernel/vmlinuz and version exist.
# Usage: misc/fetch-kernel.sh [OUTDIR]   (default: build/kernel)
set -eu

out=${1:-build/kernel}
if [ -s "$out/vmlinuz" ] && [ -s "$out/version" ] && [ -s "$out/config" ]; then
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

meta=linux-image-cloud-amd64
pkg_of_meta() {
	apt-cache depends "$meta" 2>/dev/null |
		awk '/Depends: linux-image-/{print $2; exit}'
}
pkg=$(pkg_of_meta)
if [ -z "$pkg" ]; then
	echo "fetch-kernel: apt-cache does not know $meta; running apt-get update" >&2
	$SUDO apt-get update -qq
	pkg=$(pkg_of_meta)
fi
if [ -z "$pkg" ]; then
	echo "fetch-kernel: cannot resolve $meta to a kernel package" >&2
	exit 1
fi
ver=${pkg#linux-image-}

mkdir -p "$out/deb"
rm -rf "$out/pkg"
# apt-get download writes to the current directory and verifies the file
# against the signed package index.  As root it would drop to the _apt user,
# which cannot write into build/: download as root instead (no warning).
set --
[ "$(id -u)" -ne 0 ] || set -- -o APT::Sandbox::User=root
(cd "$out/deb" && rm -f "$pkg"_*.deb && apt-get download -q "$@" "$pkg")
deb=$(ls "$out/deb/$pkg"_*.deb)
mkdir -p "$out/pkg"
dpkg-deb -x "$deb" "$out/pkg"

vmlinuz="$out/pkg/boot/vmlinuz-$ver"
config="$out/pkg/boot/config-$ver"
[ -s "$vmlinuz" ] || { echo "fetch-kernel: $deb has no $vmlinuz" >&2; exit 1; }
[ -s "$config" ] || { echo "fetch-kernel: $deb has no $config" >&2; exit 1; }
cp "$config" "$out/config"
# The version file is written last and vmlinuz before it: an interrupted run
# leaves no version file and is redone.
cp "$vmlinuz" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$ver" > "$out/version.tmp"
mv "$out/version.tmp" "$out/version"
echo "fetch-kernel: $pkg -> $out/vmlinuz" >&2
