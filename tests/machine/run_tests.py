#!/usr/bin/env python3
"""The machine suite: boots the stack in Bochs and checks what it printed.

  bare         GRUB linux -> kernel -> init: no hypervisor, marker, power-off
  islet-boot   GRUB multiboot2 -> islet -> Service VM -> init: the Islet
               signature and the privileged bit, marker, power-off, and the
               hypervisor's exit statistics
  islet-hvmem  the Service VM writes into the hypervisor's .bss through
               /dev/mem: the hypervisor reports the refusal, the write does
               not land, the Service VM goes on and powers off

The runs go in parallel (-j, default: all at once; Bochs is single-threaded
and tick counts do not depend on the host's load).  Each test prints PASS or
FAIL with its reasons; the last line is "machine: N passed, M failed", and
the exit status is 1 when any failed.
"""
import argparse
import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bochs  # noqa: E402

TESTS = ["bare", "islet-boot", "islet-hvmem"]
HV_ALIGN = 2 << 20
# Wall-clock limits.  A bare boot takes ~1.04G ticks, about 30-60 s here;
# under the hypervisor it is slower by the cost of its exits.
TIMEOUT = {"bare": 300, "islet-boot": 480, "islet-hvmem": 480}


# --- The hypervisor's layout, from its ELF ---------------------------------

class Elf:
    """Just enough of an ELF64 little-endian file: sections, loadable
    segments and the symbol table."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise ValueError(f"{path}: not an ELF64 little-endian file")
        (self.phoff, self.shoff) = struct.unpack_from("<QQ", d, 0x20)
        (self.phentsize, self.phnum, self.shentsize, self.shnum,
         self.shstrndx) = struct.unpack_from("<HHHHH", d, 0x36)
        self.sections = []
        for i in range(self.shnum):
            (name, typ, flags, addr, off, size, link, info, align,
             entsize) = struct.unpack_from("<IIQQQQIIQQ", d,
                                           self.shoff + i * self.shentsize)
            self.sections.append(dict(name=name, type=typ, flags=flags,
                                      addr=addr, offset=off, size=size,
                                      link=link, entsize=entsize))
        strtab = self.sections[self.shstrndx]
        for s in self.sections:
            s["name"] = self._str(strtab, s["name"])
        self.segments = []
        for i in range(self.phnum):
            (typ, flags, off, vaddr, paddr, filesz, memsz,
             align) = struct.unpack_from("<IIQQQQQQ", d,
                                         self.phoff + i * self.phentsize)
            if typ == 1:  # PT_LOAD
                self.segments.append(dict(vaddr=vaddr, paddr=paddr,
                                          memsz=memsz))

    def _str(self, strtab, off):
        start = strtab["offset"] + off
        return self.data[start:self.data.index(b"\0", start)].decode()

    def section(self, name):
        for s in self.sections:
            if s["name"] == name:
                return s
        return None

    def symbols(self):
        out = {}
        for s in self.sections:
            if s["type"] != 2:  # SHT_SYMTAB
                continue
            strtab = self.sections[s["link"]]
            for off in range(s["offset"], s["offset"] + s["size"], 24):
                name, info, other, shndx, value, size = struct.unpack_from(
                    "<IBBHQQ", self.data, off)
                if name:
                    out[self._str(strtab, name)] = value
        return out

    def phys(self, vaddr):
        """The load (physical) address of a link address."""
        for seg in self.segments:
            if seg["vaddr"] <= vaddr <= seg["vaddr"] + seg["memsz"]:
                return vaddr - seg["vaddr"] + seg["paddr"]
        deltas = {seg["vaddr"] - seg["paddr"] for seg in self.segments}
        if len(deltas) == 1:
            return vaddr - deltas.pop()
        raise ValueError(f"0x{vaddr:x} is in no loadable segment")


def hv_layout(elf_path):
    """The hypervisor's physical range and the address the hvmem test writes
    to: the middle of .bss, 8-byte aligned."""
    elf = Elf(elf_path)
    syms = elf.symbols()
    for name in ("__hv_start", "__hv_end"):
        if name not in syms:
            raise ValueError(f"{elf_path} has no symbol {name}")
    start, end = elf.phys(syms["__hv_start"]), elf.phys(syms["__hv_end"])
    bss = elf.section(".bss")
    if bss is None or bss["size"] < 16:
        raise ValueError(f"{elf_path} has no .bss to aim at")
    target = elf.phys(bss["addr"] + bss["size"] // 2) & ~7
    if not start <= target < end:
        raise ValueError(f"the middle of .bss, 0x{target:x}, is outside "
                         f"[__hv_start 0x{start:x}, __hv_end 0x{end:x})")
    return dict(start=start, end=end,
                range=(start & ~(HV_ALIGN - 1),
                       (end + HV_ALIGN - 1) & ~(HV_ALIGN - 1)),
                bss=(elf.phys(bss["addr"]), bss["size"]), target=target)


# --- Checks -----------------------------------------------------------------

class Check:
    def __init__(self, name):
        self.name = name
        self.reasons = []
        self.info = []

    def require(self, cond, reason):
        if not cond:
            self.reasons.append(reason)
        return cond

    @property
    def ok(self):
        return not self.reasons


def check_ended_by_poweroff(c, r):
    c.require(r.end == "poweroff", f"ended by {r.end} ({r.detail}), "
              "not by power-off")


def probe_line(r):
    lines = bochs.lines_with(r.serial, "ISLET-PROBE: hypervisor=")
    return lines[0] if lines else None


def check_marker(c, r):
    tick = bochs.marker_tick(r.serial, "userspace")
    if c.require(tick is not None, "no 'ISLET-MARKER: userspace <tsc>'"):
        c.info.append(f"marker tick {tick}")
        if r.end_tick is not None:
            # The TSC is the tick count: the marker precedes the power-off.
            c.require(tick < r.end_tick, f"marker tick {tick} is not before "
                      f"the last logged tick {r.end_tick}")
    return tick


def check_bare(r):
    c = Check("bare")
    probe = probe_line(r)
    if c.require(probe is not None, "the probe printed no hypervisor line"):
        c.require(" hypervisor=none " in f" {probe} ",
                  f"expected hypervisor=none: {probe}")
    c.require("ISLET-RESULT: PASS" in r.serial,
              "the init did not print ISLET-RESULT: PASS")
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    c.marker = bochs.marker_tick(r.serial, "userspace")
    return c


def islet_lines(r):
    # The hypervisor prints on COM1 and may print on port 0xE9 too.
    return bochs.lines_with(r.serial + "\n" + r.e9, "islet: ")


def exit_statistics(r):
    lines = islet_lines(r)
    for i, line in enumerate(lines):
        if "exit statistics" in line:
            return lines[i:]
    return []


def check_islet_boot(r):
    c = Check("islet-boot")
    probe = probe_line(r)
    if c.require(probe is not None, "the probe printed no hypervisor line"):
        fields = f" {probe} "
        c.require(" hypervisor=ACRNACRNACRN " in fields,
                  f"expected the ACRN signature: {probe}")
        c.require(" privileged=1 " in fields,
                  f"expected the privileged bit: {probe}")
    c.require("ISLET-RESULT: PASS" in r.serial,
              "the init did not print ISLET-RESULT: PASS")
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    stats = exit_statistics(r)
    if c.require(stats, "no 'islet: exit statistics' at power-off"):
        c.info += ["  " + s for s in stats]
    c.marker = bochs.marker_tick(r.serial, "userspace")
    return c


def check_islet_hvmem(r, layout):
    c = Check("islet-hvmem")
    target = layout["target"]
    lo, hi = layout["range"]
    c.info.append(f"hypervisor 0x{layout['start']:x}-0x{layout['end']:x} "
                  f"(2 MiB range 0x{lo:x}-0x{hi:x}), wrote at 0x{target:x} "
                  f"(.bss 0x{layout['bss'][0]:x}+0x{layout['bss'][1]:x})")
    probe = probe_line(r)
    c.require(probe and "hypervisor=ACRNACRNACRN" in probe,
              f"not running under Islet: {probe}")
    pokes = bochs.lines_with(r.serial, "ISLET-PROBE: poke") + \
        bochs.lines_with(r.serial, "ISLET-PROBE: mem") + \
        bochs.lines_with(r.serial, "ISLET-PROBE: fault")
    c.info += ["  " + p for p in pokes]
    if any("mmap:" in p or "open /dev/mem" in p for p in pokes):
        c.require(False, "the Service VM kernel refused the mapping itself "
                  "(is hypervisor memory listed as RAM in its e820?); the "
                  "hypervisor was never asked")
    c.require(any(" wrote=" in p for p in pokes),
              "the probe did not complete its write and read-back")
    # Bochs watched the target's physical address: the hypervisor writes
    # its own .bss (privilege 0), the Service VM's probe runs at CPL 3.
    # (A read-back equal to the value proves nothing either way: the
    # hypervisor may give the access a scratch page.)
    for hit in r.watch_hits:
        c.info.append(f"  watchpoint: {hit}")
    landed = [h for h in r.watch_hits if h.cs & 3 == 3]
    c.require(not landed, "the Service VM's write reached hypervisor memory: "
              + "; ".join(str(h) for h in landed))
    refused = [ln for ln in islet_lines(r)
               if "refused" in ln and "hypervisor memory" in ln]
    if c.require(refused, "the hypervisor reported no refused access to "
                 "hypervisor memory"):
        c.info += ["  " + ln for ln in refused[:3]]
    c.require(bochs.marker_tick(r.serial, "survived") is not None,
              "no 'ISLET-MARKER: survived': the Service VM did not go on")
    check_ended_by_poweroff(c, r)
    c.require(exit_statistics(r), "no 'islet: exit statistics' at power-off:"
              " is the hypervisor still alive?")
    return c


# --- Driver -----------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", default="build/kernel/vmlinuz")
    ap.add_argument("--initrd", default="build/initramfs.cpio.gz")
    ap.add_argument("--islet", default="build/islet.bin")
    ap.add_argument("--elf", default="build/hypervisor/islet.elf")
    ap.add_argument("--work", default="build/tests/machine")
    ap.add_argument("-j", "--jobs", type=int, default=len(TESTS))
    ap.add_argument("--timeout-scale", type=float, default=1.0)
    ap.add_argument("tests", nargs="*", default=TESTS)
    args = ap.parse_args()
    for t in args.tests:
        if t not in TESTS:
            ap.error(f"unknown test {t}; known: {' '.join(TESTS)}")

    checks = {}
    runs = {}
    jobs = []
    for t in args.tests:
        cmdline, mode = None, "islet"
        if t == "bare":
            cmdline, mode = bochs.test_cmdline("bare"), "bare"
        elif t == "islet-boot":
            cmdline = bochs.test_cmdline("boot")
        elif t == "islet-hvmem":
            try:
                layout = hv_layout(args.elf)
            except (OSError, ValueError) as e:
                c = Check(t)
                c.require(False, f"cannot find the hypervisor's memory: {e}")
                checks[t] = c
                continue
            cmdline = bochs.test_cmdline(f"hvmem=0x{layout['target']:x}")
        if mode == "islet" and not os.path.exists(args.islet):
            c = Check(t)
            c.require(False, f"{args.islet} does not exist")
            checks[t] = c
            continue
        boot = bochs.Boot(mode=mode, kernel=args.kernel, initrd=args.initrd,
                          cmdline=cmdline, islet=args.islet)
        jobs.append((t, boot))

    if not bochs.default_preload():
        print("machine: note: build/tests/machine/fixed_seed.so is missing; "
              "tick counts will differ slightly between runs", flush=True)
    sem = threading.Semaphore(max(1, args.jobs))
    lock = threading.Lock()

    def worker(name, boot):
        with sem:
            print(f"machine: {name}: booting ({boot.mode}: {boot.cmdline})",
                  flush=True)
            watch = [layout["target"]] if name == "islet-hvmem" else []
            try:
                r = bochs.run(boot, os.path.join(args.work, name),
                              timeout=TIMEOUT[name] * args.timeout_scale,
                              watch_writes=watch)
            except Exception as e:  # a broken ISO build, a missing tool
                r = e
            with lock:
                runs[name] = r
                if isinstance(r, Exception):
                    print(f"machine: {name}: could not run: {r}", flush=True)
                else:
                    print(f"machine: {name}: {r.summary()}", flush=True)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=j) for j in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    for name, r in runs.items():
        if isinstance(r, Exception):
            c = Check(name)
            c.require(False, f"could not run: {r}")
        elif name == "bare":
            c = check_bare(r)
        elif name == "islet-boot":
            c = check_islet_boot(r)
        else:
            c = check_islet_hvmem(r, layout)
        checks[name] = c

    boot = checks.get("islet-boot")
    bare_marker = getattr(checks.get("bare"), "marker", None)
    if boot is not None and getattr(boot, "marker", None) and bare_marker:
        boot.info.append(f"marker ticks islet/bare: {boot.marker} / "
                         f"{bare_marker} = {boot.marker / bare_marker:.3f}")

    passed = failed = 0
    for name in args.tests:
        c = checks[name]
        r = runs.get(name)
        print(f"{'PASS' if c.ok else 'FAIL'}: {name}")
        for line in c.info:
            print(f"    {line}")
        for reason in c.reasons:
            print(f"    reason: {reason}")
        if not c.ok and isinstance(r, bochs.RunResult):
            print(f"    run: {r.summary()}; files in {r.workdir}")
            print("    serial (last lines):")
            print(bochs.tail(r.serial))
            if r.e9.strip():
                print("    port 0xE9 (last lines):")
                print(bochs.tail(r.e9))
        if c.ok:
            passed += 1
        else:
            failed += 1
    print(f"machine: wall {time.monotonic() - t0:.0f} s")
    print(f"machine: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
