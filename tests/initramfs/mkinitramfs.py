#!/usr/bin/env python3
"""Build the test initramfs: a gzip'd newc cpio archive with busybox (every
applet as a symlink), /init and the given extra files.

The archive is written directly (no staging tree, no mknod, no root needed)
and is reproducible: every entry is owned by root with mtime 0, and the gzip
header carries no time stamp.

usage: mkinitramfs.py -o OUT.cpio.gz --init INIT [--busybox PATH]
                      [--file SRC:DEST[:MODE]]...
       mkinitramfs.py -o OUT.cpio.gz --extra --file SRC:DEST[:MODE]...
DEST is an absolute path inside the image; MODE is octal (default: the
source's permission bits).  --extra writes only the given files (and
their directories): an archive to append to a full one, since the kernel
unpacks concatenated archives in turn.
"""
import argparse
import gzip
import os
import stat
import subprocess
import sys

DIRS = ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys",
        "tmp", "root", "etc", "lib", "lib/modules", "mnt", "run"]


class Cpio:
    """newc ("070701") writer; see the kernel's
    Documentation/driver-api/early-userspace/buffer-format.rst."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 1
        self.names = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        if name in self.names:
            raise SystemExit(f"mkinitramfs: {name} given twice")
        self.names.add(name)
        fields = [self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name) + 1, 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.out += hdr + name.encode() + b"\0"
        self._pad()
        self.out += data
        self._pad()

    def _pad(self):
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, name, perm=0o755):
        self._entry(name, stat.S_IFDIR | perm, nlink=2)

    def file(self, name, data, perm):
        self._entry(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, perm=0o600):
        self._entry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self):
        self.ino = 0
        self._entry("TRAILER!!!", 0, nlink=1)
        return bytes(self.out)


def applets(busybox):
    """Install paths of every applet ("usr/bin/env", ...), from the busybox
    that goes into the image."""
    out = subprocess.run([busybox, "--list-full"], check=True,
                         capture_output=True, text=True).stdout
    return [line.strip().lstrip("/") for line in out.splitlines()
            if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--init")
    ap.add_argument("--extra", action="store_true")
    ap.add_argument("--busybox", default="/bin/busybox")
    ap.add_argument("--file", action="append", default=[],
                    metavar="SRC:DEST[:MODE]")
    args = ap.parse_args()
    if bool(args.init) == args.extra:
        ap.error("give either --init or --extra")

    cpio = Cpio()
    if not args.extra:
        base(cpio, args)
    add_files(cpio, args.file)

    tmp = args.output + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                           compresslevel=9) as gz:
            gz.write(cpio.finish())
    os.replace(tmp, args.output)


def base(cpio, args):
    """The directories, /dev/console, busybox with its applets, /init."""
    with open(args.busybox, "rb") as f:
        bb = f.read()
    # A dynamically linked busybox would find no libc in the image.
    if b"/lib64/ld-linux" in bb[:4096]:
        sys.exit(f"mkinitramfs: {args.busybox} is not static "
                 "(install busybox-static)")
    for d in DIRS:
        cpio.dir(d, 0o1777 if d == "tmp" else 0o755)
    # The kernel opens /dev/console for init before devtmpfs is mounted.
    cpio.chardev("dev/console", 5, 1)
    cpio.file("bin/busybox", bb, 0o755)
    for path in applets(args.busybox):
        if path != "bin/busybox" and path not in cpio.names:
            depth = path.count("/")
            cpio.symlink(path, "../" * depth + "bin/busybox")
    with open(args.init, "rb") as f:
        cpio.file("init", f.read(), 0o755)


def add_files(cpio, specs):
    for spec in specs:
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not parts[1].startswith("/"):
            sys.exit(f"mkinitramfs: bad --file {spec!r}")
        src, dest = parts[0], parts[1].lstrip("/")
        with open(src, "rb") as f:
            data = f.read()
        perm = (int(parts[2], 8) if len(parts) == 3
                else stat.S_IMODE(os.stat(src).st_mode))
        # Create missing parent directories.
        parent = os.path.dirname(dest)
        missing = []
        while parent and parent not in cpio.names:
            missing.append(parent)
            parent = os.path.dirname(parent)
        for d in reversed(missing):
            cpio.dir(d)
        cpio.file(dest, data, perm)


if __name__ == "__main__":
    main()
