#!/usr/bin/env python3
"""`make run`: boot Islet and the Service VM in Bochs with the Service VM's
serial console on this terminal.  The Service VM launches a Linux User VM
with one islet-dm command (tests/uservm/run.sh --shell), whose console is
this terminal too; when it powers off (`poweroff -f` in it) the Service
VM's busybox shell follows (`exit` or `poweroff -f` powers the machine
off, Ctrl-A x kills it).  --shell skips the User VM.

Input is held back until the Service VM's init says its shell is up, so
keys typed (or lines piped in) during the boot are not eaten by GRUB.  With
--bare, Linux boots without the hypervisor.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bochs  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bochs.add_input_args(ap, elf=False)
    ap.add_argument("--work", default="build/run")
    ap.add_argument("--bare", action="store_true",
                    help="boot Linux directly, without the hypervisor")
    ap.add_argument("--cmdline", default="",
                    help="more Service VM kernel parameters")
    ap.add_argument("--shell", action="store_true",
                    help="only the Service VM's shell, no User VM")
    ap.add_argument("--linux-initrd", default="build/initramfs-linux.cpio.gz",
                    help="the initramfs with the User VM's files")
    ap.add_argument("--cpus", type=int, default=None,
                    help="emulated CPUs (default 2 with the User VM, else 1)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="kill the machine after this many seconds")
    args = ap.parse_args()

    launch = not (args.shell or args.bare)
    if args.cpus is None:
        args.cpus = 2 if launch else 1
    cmdline = bochs.test_cmdline("launch" if launch else "shell")
    if args.cmdline:
        cmdline += " " + args.cmdline
    boot = bochs.Boot(mode="bare" if args.bare else "islet",
                      kernel=args.kernel,
                      initrd=args.linux_initrd if launch else args.initrd,
                      cmdline=cmdline, islet=args.islet)
    def say(msg):
        os.write(2, msg.encode())
    say(f"run: booting {'Linux' if args.bare else 'Islet + Service VM'} in "
        "Bochs (takes a minute or two; Ctrl-A x quits)\r\n")
    r = bochs.run_console(boot, args.work, hold_input_until=b"ISLET-MARKER: "
                          b"shell", timeout=args.timeout, cpus=args.cpus)
    say(f"\r\nrun: {r.summary()}\r\nrun: serial, port 0xE9 and bochs.log "
        f"are in {r.workdir}\r\n")
    return 0 if r.end in ("poweroff", "killed") else 1


if __name__ == "__main__":
    sys.exit(main())
