"""Measurements of the test machine's runs, shared by the machine suite
(run_tests.py) and the benchmarks (tests/perf/): the hypervisor's image
(size, reserved range, from its ELF), the marker ticks, and the exit
statistics the hypervisor prints when the Service VM powers off or resets.

Nothing here asserts on a number: the suite checks that the figures exist,
and prints them.
"""
import os
import re
import struct
import subprocess

import bochs

HV_ALIGN = 2 << 20


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


def image_size(elf_path):
    """text/data/bss/dec as `size` (Berkeley format) gives them, from the
    size.txt the build writes next to the ELF, else from running `size`;
    plus the flat image's size when islet.bin is there (build/)."""
    out = None
    txt = os.path.join(os.path.dirname(elf_path), "size.txt")
    if os.path.exists(txt) and os.path.getmtime(txt) >= \
            os.path.getmtime(elf_path):
        with open(txt) as f:
            out = f.read()
    if out is None:
        try:
            out = subprocess.run(["size", elf_path], capture_output=True,
                                 text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise ValueError(f"size {elf_path}: {e}") from e
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and all(x.isdigit() for x in f[:4]):
            info = dict(text=int(f[0]), data=int(f[1]), bss=int(f[2]),
                        total=int(f[3]))
            break
    else:
        raise ValueError(f"cannot read the output of size: {out!r}")
    flat = os.path.join(os.path.dirname(os.path.dirname(elf_path)),
                        "islet.bin")
    if os.path.exists(flat):
        info["flat"] = os.path.getsize(flat)
    return info


def image_lines(elf_path):
    """The hypervisor image's size and reserved range, as report lines."""
    out = []
    try:
        s = image_size(elf_path)
        flat = f"; islet.bin {s['flat']} bytes" if "flat" in s else ""
        out.append(f"hypervisor image: text {s['text']} + data {s['data']} "
                   f"+ bss {s['bss']} = {s['total']} bytes "
                   f"({s['total'] / 1024:.0f} KiB){flat}")
    except (OSError, ValueError) as e:
        out.append(f"hypervisor image: size unknown ({e})")
    try:
        lay = hv_layout(elf_path)
        lo, hi = lay["range"]
        out.append(f"hypervisor reserved range: __hv_start 0x{lay['start']:x}"
                   f" .. __hv_end 0x{lay['end']:x} "
                   f"({(lay['end'] - lay['start']) / 1024:.0f} KiB); "
                   f"2 MiB-aligned 0x{lo:x}-0x{hi:x} "
                   f"({(hi - lo) >> 20} MiB)")
    except (OSError, ValueError) as e:
        out.append(f"hypervisor reserved range: unknown ({e})")
    return out


# --- Exit statistics ----------------------------------------------------------

STATS_HEAD = re.compile(r"islet: exit statistics: (.*?) vCPU (\d+): "
                        r"(\d+) exits")
STATS_LINE = re.compile(r"islet:\s+exit\s+(\d+)\s+(.*?)\s+(\d+)\s*$")


def islet_lines(r):
    # The hypervisor prints on COM1 and may print on port 0xE9 too.
    return bochs.lines_with(r.serial + "\n" + r.e9, "islet: ")


def exit_stats(r):
    """Each block of exit statistics the hypervisor printed in a run, in
    order: [dict(vm, vcpu, total, reasons=[(number, name, count)], lines)]."""
    return exit_stats_in(r.serial + "\n" + r.e9)


def exit_stats_in(text):
    """exit_stats() of some output text."""
    blocks = []
    cur = None
    for line in bochs.lines_with(text, "islet: "):
        m = STATS_HEAD.search(line)
        if m:
            cur = dict(vm=m.group(1), vcpu=int(m.group(2)),
                       total=int(m.group(3)), reasons=[], lines=[line])
            blocks.append(cur)
            continue
        m = STATS_LINE.match(line)
        if m and cur is not None:
            cur["reasons"].append((int(m.group(1)), m.group(2),
                                   int(m.group(3))))
            cur["lines"].append(line)
        else:
            cur = None
    return blocks


def stats_lines(block, indent="  "):
    """One exit-statistics block as report lines: the total, then one line
    per reason with its share."""
    if not block:
        return [f"{indent}exits: none reported"]
    out = [f"{indent}exits of {block['vm']} vCPU {block['vcpu']}: "
           f"{block['total']}"]
    for num, name, count in block["reasons"]:
        share = 100 * count / block["total"] if block["total"] else 0
        out.append(f"{indent}  {num:3d} {name:<22s} {count:9d} "
                   f"{share:5.1f}%")
    return out


def ratio_line(label, bare, islet):
    """"LABEL: marker ticks bare B, islet I, islet/bare R", with n/a for a
    missing figure."""
    b = f"{bare}" if bare is not None else "n/a"
    i = f"{islet}" if islet is not None else "n/a"
    ratio = f"{islet / bare:.3f}" if bare and islet else "n/a"
    return f"{label}: marker ticks bare {b}, islet {i}, islet/bare {ratio}"
