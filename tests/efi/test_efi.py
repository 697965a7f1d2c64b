#!/usr/bin/env python3
"""The EFI boot path, end to end: islet.efi under QEMU (TCG, q35, OVMF)
loads the hypervisor, the kernel and the initrd named in islet.cfg and
enters the hypervisor, which prints its boot lines on the serial port and
stops at "VT-x not available" (QEMU's TCG has no VMX).  Also runs the host
unit tests of islet.efi's pure parts.

usage: test_efi.py --efi build/islet.efi --unit BIN --work DIR
                   [--kernel build/kernel/vmlinuz] [--timeout 120] [-k NAME]
Prints one line per case and a final "efi: N passed, M failed"."""
import argparse
import gzip
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
# Printed each time the firmware starts the ESP disk (a reset repeats it).
FIRMWARE_BOOT = re.compile(r"BdsDxe: starting Boot[0-9A-F]+ \"UEFI QEMU HARDDISK")
FIRMWARE_FAILED = r"BdsDxe: failed to start Boot[0-9A-F]+ \"UEFI QEMU HARDDISK"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
BAD = re.compile(r"FAULT|PANIC|#GP")


def empty_initrd():
    """A gzip'd newc cpio archive holding only its trailer."""
    name = b"TRAILER!!!\0"
    fields = [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, len(name), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields) + name
    hdr += b"\0" * (-len(hdr) % 4)
    return gzip.compress(hdr + b"\0" * (-len(hdr) % 512), mtime=0)


def make_esp(esp, efi, cfg, files):
    shutil.rmtree(esp, ignore_errors=True)
    os.makedirs(os.path.join(esp, "EFI", "BOOT"))
    shutil.copyfile(efi, os.path.join(esp, "EFI", "BOOT", "BOOTX64.EFI"))
    with open(os.path.join(esp, "islet.cfg"), "w") as f:
        f.write(cfg)
    for name, data in files.items():
        dst = os.path.join(esp, name)
        if isinstance(data, bytes):
            with open(dst, "wb") as f:
                f.write(data)
        else:
            shutil.copyfile(data, dst)


class Qemu:
    """QEMU with OVMF and the ESP folder; serial on stdout, kept in a log."""

    def __init__(self, work, esp, log):
        vars_fd = os.path.join(work, "vars.fd")
        shutil.copyfile(OVMF_VARS, vars_fd)
        self.cmd = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
            "-cpu", "max", "-smp", "2", "-m", "512", "-nographic",
            "-no-reboot", "-net", "none",
            "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,unit=1,file={vars_fd}",
            "-drive", f"file=fat:rw:{esp},format=raw",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        self.log_path = log
        self.raw = b""
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def text(self):
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def _read(self, timeout):
        """Read what comes within @timeout s; False once QEMU has exited."""
        fd = self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        data = os.read(fd, 65536)
        if not data:
            self.proc.wait()
            return False
        self.raw += data
        return True

    def wait_for(self, pattern, deadline, give_up=None):
        """Until @pattern appears (True), or @give_up appears, QEMU exits
        or @deadline passes (False)."""
        while time.monotonic() < deadline:
            out = self.text()
            if re.search(pattern, out):
                return True
            if give_up and re.search(give_up, out):
                return False
            if not self._read(0.2):
                break
        return bool(re.search(pattern, self.text()))

    def settle(self, quiet=1.0, limit=5.0):
        """Until nothing has come for @quiet s (at most @limit s)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            n = len(self.raw)
            last = time.monotonic()
            while time.monotonic() - last < quiet and time.monotonic() < end:
                if not self._read(0.1):
                    return
                if len(self.raw) != n:
                    break
            else:
                return

    def stop(self):
        exited = self.proc.poll() is not None
        if not exited:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.wall = time.monotonic() - self.t0
        with open(self.log_path, "wb") as f:
            f.write(self.raw)
        return exited


def check_order(out, patterns, errors):
    """Each pattern must match, in this order."""
    pos = 0
    for p in patterns:
        m = re.compile(p).search(out, pos)
        if not m:
            where = "at all" if not re.search(p, out) else "in order"
            errors.append(f"missing {where}: {p}")
            continue
        pos = m.end()


def case_unit(args):
    r = subprocess.run([args.unit], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(r.stdout)
    return [] if r.returncode == 0 else [f"{args.unit} exited {r.returncode}"]


def case_boot(args):
    """Good configuration: islet.efi hands over, the hypervisor boots to
    its VT-x check."""
    esp = os.path.join(args.work, "esp-boot")
    make_esp(esp, args.efi,
             "# islet.efi test configuration\n"
             "hypervisor=console=ttyS0 loglevel=info\n"
             "kernel=\\vmlinuz\n"
             "cmdline=console=ttyS0 earlyprintk=serial\n"
             "initrd=/initrd.img\n",
             {"vmlinuz": args.kernel, "initrd.img": empty_initrd()})
    q = Qemu(args.work, esp, os.path.join(args.work, "boot.log"))
    marks = []
    try:
        deadline = time.monotonic() + args.timeout
        for label, p in (("islet.efi", r"islet\.efi: Islet EFI loader"),
                         ("hypervisor", r"Islet hypervisor"),
                         ("VT-x line", r"VT-x not available")):
            if not q.wait_for(p, deadline, give_up=FIRMWARE_FAILED):
                break
            marks.append(f"{label} at {time.monotonic() - q.t0:.1f} s")
        else:
            # The hypervisor halts there; anything after it is a fault.
            q.settle(quiet=1.0, limit=5.0)
    finally:
        exited = q.stop()
    out = q.text()
    errors = []
    check_order(out, [
        r"islet\.efi: Islet EFI loader",
        r"islet\.efi: kernel \\vmlinuz: \d+ bytes at 0x[0-9A-F]+",
        r"islet\.efi: initrd /initrd\.img: \d+ bytes",
        r"islet\.efi: hypervisor at \[0x[0-9A-F]+",
        r"islet\.efi: ACPI RSDP at 0x[0-9A-F]+ \(ACPI 2\.0 table\)",
        r"islet\.efi: exiting boot services, entering the hypervisor",
        r"Islet hypervisor .*\(boot: efi\)",
        r"islet: memory: \d+ MiB RAM",
        r"islet: acpi: RSDP",
        r"islet: cpus: 2",
        r"VT-x not available",
    ], errors)
    for m in BAD.finditer(out):
        line = out[out.rfind("\n", 0, m.start()) + 1:out.find("\n", m.end())]
        errors.append(f"bad output: {line.strip()}")
    if len(FIRMWARE_BOOT.findall(out)) > 1:
        errors.append("the firmware booted more than once (reset)")
    if exited:
        errors.append(f"QEMU exited by itself (rc {q.proc.returncode}): "
                      "reset or shutdown")
    print(f"  boot: {', '.join(marks) or 'no islet.efi output'}; "
          f"QEMU wall time {q.wall:.1f} s, log {q.log_path}")
    return errors


def case_missing_kernel(args):
    """A configuration naming a missing kernel: a clear error, no entry."""
    esp = os.path.join(args.work, "esp-nokernel")
    make_esp(esp, args.efi, "kernel=\\no-such-kernel\ncmdline=quiet\n", {})
    q = Qemu(args.work, esp, os.path.join(args.work, "missing-kernel.log"))
    try:
        deadline = time.monotonic() + args.timeout
        # The firmware reports the status islet.efi returned, then goes on
        # to its next boot option.
        q.wait_for(FIRMWARE_FAILED + r"[^\n]*\n", deadline)
    finally:
        q.stop()
    out = q.text()
    errors = []
    check_order(out, [
        r"islet\.efi: Islet EFI loader",
        r"islet\.efi: cannot open \\no-such-kernel: Not Found",
        r"islet\.efi: not starting the hypervisor: Not Found",
        FIRMWARE_FAILED + r".*: Not Found",
    ], errors)
    for p in (r"entering the hypervisor", r"Islet hypervisor"):
        if re.search(p, out):
            errors.append(f"unexpected: {p}")
    print(f"  missing-kernel: QEMU wall time {q.wall:.1f} s, log {q.log_path}")
    return errors


CASES = [("host-unit", case_unit), ("boot", case_boot),
         ("missing-kernel", case_missing_kernel)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--efi", required=True)
    ap.add_argument("--unit", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--kernel", default="build/kernel/vmlinuz")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("-k", dest="only", action="append",
                    help="run only this case (repeatable)")
    args = ap.parse_args()
    # An outer timeout's SIGTERM unwinds through the cases' `finally`, which
    # stop QEMU.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(args.work, exist_ok=True)
    if not os.path.exists(args.kernel):
        # The hypervisor stops before it looks into the kernel: any file
        # of a few MiB stands in for it.
        args.kernel = os.path.join(args.work, "fake-vmlinuz")
        with open(args.kernel, "wb") as f:
            f.write(os.urandom(4 << 20))
        print(f"efi: no kernel, using {args.kernel} (random bytes)")

    passed = failed = 0
    for name, fn in CASES:
        if args.only and name not in args.only:
            continue
        t0 = time.monotonic()
        errors = fn(args)
        dt = time.monotonic() - t0
        if errors:
            failed += 1
            print(f"FAIL {name} ({dt:.1f} s)")
            for e in errors:
                print(f"  {e}")
        else:
            passed += 1
            print(f"ok   {name} ({dt:.1f} s)")
    print(f"efi: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
