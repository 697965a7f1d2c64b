"""The test machine: GRUB + Bochs, run headless, with the outcome classified.

A run boots a GRUB ISO in Bochs 2.7 (corei7_haswell_4770, 1 GiB, 1 CPU
unless `cpus` says otherwise) either straight into Linux ("bare": GRUB
`linux`/`initrd`) or into the hypervisor ("islet": GRUB `multiboot2` +
`module2` for the Service VM kernel and initrd), and returns what COM1 and
port 0xE9 received, where bochs.log is, and how the run ended.

How Bochs is run (and why):
- Debian's Bochs has two display libraries, `term` (curses, needs a tty)
  and `rfb` (a VNC server).  rfb with `timeout=0` needs no terminal and
  does not wait for a client, so Bochs's stdout is free: the port 0xE9 hack
  writes there (putc + fflush per byte), and it goes straight to a file.
  With no terminal there is nothing for Bochs to block on (the stall seen
  with `term` under `script`).
- Bochs is built with its debugger; the -rc file says `c` (continue).  The
  debugger also gives physical-memory write watchpoints (`watch_writes`):
  each hit stops the machine, is recorded with the tick, CS:RIP and
  instruction, and the -rc file continues it.
- Bochs seeds rand() with the host time and answers RDRAND from it; the
  harness preloads fixed_seed.so (see fixed_seed.c) so runs repeat tick for
  tick.
- It runs in its own session (process group); a timeout, a detected kernel
  panic or a guest reset kills the whole group with SIGKILL.  Where
  `unshare --net --map-root-user` works, it also runs in an empty network
  namespace, so the rfb (VNC) port it opens is reachable from nowhere.
- COM1 goes to a file (Bochs fflushes it per byte), which is watched while
  the machine runs; `console` mode instead attaches COM1 to a pty that is
  relayed to the user's terminal (see `run_console`).

How the end of a run is detected (`RunResult.end`):
- "poweroff": Bochs exited by itself and bochs.log has its last PANIC-level
  line "ACPI control: soft power off" (that is what Bochs 2.7 logs when the
  guest writes SLP_EN with sleep type S5, e.g. Linux `poweroff -f`; it then
  calls quit_sim and exits with status 1).
- "shutdown-port": Bochs exited after "Shutdown" was written to port 0x8900
  (its log: "[UNMAP] Shutdown port: shutdown requested", a PANIC).
- "triple-fault": bochs.log has the CPU's "3rd ... exception with no
  resolution" panic (cpu: reset_on_triple_fault=0 turns the reset into a
  panic, and panic: action=fatal ends Bochs).
- "bochs-panic": Bochs exited on any other PANIC (its message in `detail`).
- "kernel-panic": the serial console shows "Kernel panic - not syncing";
  the machine is given a little more time to print the trace, then killed.
  It takes precedence over whatever followed (a reset with panic=N).
- "reset": bochs.log shows a second system reset (the guest or the
  hypervisor rebooted the machine); it is killed, and if Bochs ended first
  (a warm-started BIOS may triple-fault at once) the reset still wins.
  With end_on_reset=False the machine goes on through resets instead (each
  is in `RunResult.resets`), until one of the other ends.
- "stop-at": COM1 showed the pattern given as stop_at=(regex, n) for the
  n-th time (e.g. the hypervisor's banner a second time, after a reboot);
  the machine is killed there.
- "timeout": none of the above within the time limit; killed.
- "bochs-exit": Bochs exited with no recognised reason (see bochs.err).
"""
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time
import tty
from dataclasses import dataclass, field

ROM = "/usr/share/bochs/BIOS-bochs-latest"
VGAROM = "/usr/share/vgabios/vgabios.bin"
CPU_MODEL = "corei7_haswell_4770"
MEGS = 1024
# Emulated instructions per emulated second.  With clock sync=none this only
# sets how many instructions one emulated second holds, so the TSC runs at
# IPS Hz and tick counts of pure CPU work do not depend on it.  (The guest's
# TSC is the tick count itself: measured, an RDTSC 6 instructions before the
# ACPI power-off write read 6 less than the tick bochs.log gives the write.)
# What does depend on it is device time spent polling: the BIOS/GRUB loading
# 15 MB from the CD and each COM1 byte (87 us at 115200 baud = 4,350 ticks
# here).  At 50M a bare boot takes ~1.04G ticks against ~1.55G at 200M.
IPS = 50_000_000
# A fixed start date: time0=1 means "the host's local time" to Bochs, which
# would make the RTC, and with it the run, differ from one run to the next.
TIME0 = 946684800  # 2000-01-01 00:00:00 UTC

# The Service VM / bare kernel command line of every test.
#   console=ttyS0,115200  the console is COM1, shared with the hypervisor
#   loglevel=4            warnings and worse: each COM1 byte costs ticks
#   nokaslr               the kernel's placement stays the same in every
#                         run: KASLR hashes boot_params (e820, pointers,
#                         which differ between GRUB and the hypervisor's
#                         loader) and RDTSC/RDRAND into its seed, so bare
#                         and islet runs, and tests with different
#                         command lines, would each put the kernel
#                         elsewhere; fixed, addresses in traces and tick
#                         counts compare across runs and modes
#   cryptomgr.notests     skip the crypto self-tests: 3.7 emulated seconds
#                         (~740M ticks at 200M IPS, ~40% of the boot), and
#                         nothing this project tests
BASE_CMDLINE = "console=ttyS0,115200 loglevel=4 nokaslr cryptomgr.notests"


def test_cmdline(test):
    return f"{BASE_CMDLINE} islet.test={test}"


@dataclass
class Boot:
    """What GRUB boots.  mode is "bare" (GRUB `linux` + `initrd`) or
    "islet" (GRUB `multiboot2` islet.bin + `module2` kernel and initrd)."""
    mode: str
    kernel: str
    initrd: str
    cmdline: str
    islet: str = None
    islet_args: str = "uart=0x3f8"


@dataclass
class WatchHit:
    """A write to a watched physical address: the tick, and the CS selector,
    RIP and instruction the CPU was at when Bochs stopped (just after the
    writing instruction)."""
    addr: int
    tick: int
    cs: int
    rip: int
    insn: str

    def __str__(self):
        return (f"write to 0x{self.addr:x} at tick {self.tick}, next "
                f"{self.cs:04x}:{self.rip:x} ({self.insn})")


@dataclass
class RunResult:
    end: str
    detail: str
    serial: str
    e9: str
    log_path: str
    workdir: str
    wall: float
    end_tick: int = None
    bochs_rc: int = None
    watch_hits: list = field(default_factory=list)
    # System resets after the power-on one: [(tick, "HARDWARE"|"SOFTWARE")]
    resets: list = field(default_factory=list)

    def summary(self):
        tick = f", tick {self.end_tick}" if self.end_tick is not None else ""
        return f"{self.end} ({self.detail}){tick}, {self.wall:.0f} s wall"


def grub_cfg(boot):
    # GRUB writes to COM1 too, so that its errors ("file not found", a bad
    # multiboot2 header) land in the serial log.  No menu, no wait.
    lines = [
        "serial --unit=0 --speed=115200",
        "terminal_input serial console",
        "terminal_output serial console",
        "set timeout=0",
        "set timeout_style=hidden",
        "set default=0",
        f'menuentry "islet-test {boot.mode}" {{',
    ]
    if boot.mode == "bare":
        # The rdmsr is GRUB's last act before it jumps to the kernel, and
        # Bochs logs every APICBASE read with its tick: the hand-over
        # (HANDOFF_LINE), for the kernel's own share of the boot.
        lines += [f"  linux /boot/vmlinuz {boot.cmdline}",
                  "  initrd /boot/initrd.gz",
                  "  insmod rdmsr",
                  "  rdmsr -v islet_handoff 0x1b"]
    elif boot.mode == "islet":
        # --nounzip: module2 would otherwise gunzip the initrd (GRUB opens
        # files through its decompressors), in emulated GRUB code, and hand
        # over the raw cpio; `initrd` in bare mode passes it compressed.
        lines += [f"  multiboot2 /boot/islet.bin {boot.islet_args}",
                  f"  module2 --nounzip /boot/vmlinuz kernel {boot.cmdline}",
                  "  module2 --nounzip /boot/initrd.gz initrd"]
    else:
        raise ValueError(f"unknown boot mode {boot.mode!r}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def make_iso(boot, workdir):
    """Builds workdir/boot.iso with grub-mkrescue; returns its path."""
    root = os.path.join(workdir, "iso")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "boot", "grub"))
    shutil.copyfile(boot.kernel, os.path.join(root, "boot", "vmlinuz"))
    shutil.copyfile(boot.initrd, os.path.join(root, "boot", "initrd.gz"))
    if boot.mode == "islet":
        if not boot.islet or not os.path.exists(boot.islet):
            raise FileNotFoundError(f"hypervisor image {boot.islet} missing")
        shutil.copyfile(boot.islet, os.path.join(root, "boot", "islet.bin"))
    with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(grub_cfg(boot))
    iso = os.path.join(workdir, "boot.iso")
    p = subprocess.run(["grub-mkrescue", "-o", iso, root],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"grub-mkrescue failed:\n{p.stderr}")
    shutil.rmtree(root)
    return iso


# Continue commands in the debugger's -rc file: one for the start, one per
# watchpoint hit.  When they run out the debugger reads stdin (/dev/null)
# and quits, which ends the run as "bochs-exit".
MAX_WATCH_HITS = 200


def write_bochsrc(workdir, iso, com1, ips=IPS, watch_writes=(),
                  sync="none", cpus=1, cpu_model=CPU_MODEL):
    """com1 is the bochsrc value after "com1: enabled=1, ".  With cpus > 1,
    Bochs runs the CPUs in turn, `quantum` (16, its default) instructions
    each; a tick is then one such step of every CPU."""
    rc = f"""\
megs: {MEGS}
cpu: model={cpu_model}, count={cpus}, ips={ips}, reset_on_triple_fault=0
romimage: file={ROM}, options=fastboot
vgaromimage: file={VGAROM}
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, {com1}
display_library: rfb, options="timeout=0"
speaker: enabled=0
log: {os.path.join(workdir, "bochs.log")}
panic: action=fatal
error: action=ignore
clock: sync={sync}, time0={TIME0}
port_e9_hack: enabled=1
"""
    path = os.path.join(workdir, "bochsrc")
    with open(path, "w") as f:
        f.write(rc)
    with open(os.path.join(workdir, "cont.rc"), "w") as f:
        for addr in watch_writes:
            f.write(f"watch w 0x{addr:x}\n")
        f.write("c\n" * (1 + (MAX_WATCH_HITS if watch_writes else 0)))
    return path


def default_preload():
    """fixed_seed.so, where machine.mk builds it, if it is there."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "build", "tests", "machine",
                        "fixed_seed.so")
    return os.path.abspath(path) if os.path.exists(path) else None


_NETNS = None


def _netns_prefix():
    """The rfb display listens on 0.0.0.0:5900 (or the next free port): an
    unauthenticated VNC server for the test machine's screen and keyboard.
    Where unprivileged namespaces work, Bochs gets its own empty network
    namespace instead; it needs no network."""
    global _NETNS
    if _NETNS is None:
        cmd = ["unshare", "--net", "--map-root-user"]
        try:
            ok = subprocess.run(cmd + ["true"], capture_output=True,
                                timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        _NETNS = cmd if ok else []
    return _NETNS


def _start_bochs(workdir, preload):
    out = open(os.path.join(workdir, "bochs.out"), "wb")
    err = open(os.path.join(workdir, "bochs.err"), "wb")
    env = dict(os.environ)
    if preload:
        env["LD_PRELOAD"] = preload
    try:
        # Its own session: killpg() then reaches every process it started.
        return subprocess.Popen(
            _netns_prefix() + ["bochs", "-q", "-f", "bochsrc", "-rc",
                               "cont.rc"],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            env=env, start_new_session=True)
    finally:
        out.close()
        err.close()


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


class _Tail:
    """Reads the complete lines appended to a file since the last call (a
    pattern is never split between two reads)."""

    def __init__(self, path):
        self.path = path
        self.pos = 0

    def read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return b""
        data = data[:data.rfind(b"\n") + 1]
        self.pos += len(data)
        return data


# bochs.log: "<tick><level>[<module>] message"
LOG_LINE = re.compile(rb"^(\d+)([idepf])\[([^\]]*)\] ?(.*)$", re.M)
RESET_LINE = re.compile(rb"bx_pc_system_c::Reset\((\w+)\) called")
KERNEL_PANIC = re.compile(rb"Kernel panic - not syncing[^\r\n]*")
# Grace after a kernel panic message, for the trace to reach the log.
PANIC_GRACE = 5.0


HANDOFF_LINE = re.compile(rb"RDMSR: Read [0-9a-f:]+ from MSR_APICBASE")


def handoff_tick(r):
    """The tick at which GRUB handed a bare boot over to the kernel (its
    APICBASE read, the first of the log), or None."""
    try:
        with open(r.log_path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    for m in LOG_LINE.finditer(data):
        if HANDOFF_LINE.search(m.group(4)):
            return int(m.group(1))
    return None


def log_resets(data):
    """The system resets in bochs.log's text after the power-on one:
    [(tick, kind)]."""
    out = []
    for m in LOG_LINE.finditer(data):
        r = RESET_LINE.search(m.group(4))
        if r:
            out.append((int(m.group(1)), r.group(1).decode()))
    return out[1:]


def _classify_exit(log_path, rc, end_on_reset=True):
    """Why did Bochs exit by itself?  Returns (end, detail, tick)."""
    panics = []
    resets = []
    last_tick = None
    try:
        with open(log_path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        data = b""
    for m in LOG_LINE.finditer(data):
        last_tick = int(m.group(1))
        if m.group(2) == b"p":
            panics.append((int(m.group(1)), m.group(3).strip().decode(),
                           m.group(4).decode(errors="replace")))
        r = RESET_LINE.search(m.group(4))
        if r:
            resets.append((last_tick, r.group(1).decode()))
    end, detail, tick = "bochs-exit", f"bochs exited with status {rc}", \
        last_tick
    if panics:
        tick, module, msg = panics[-1]
        msg = msg.replace(">>PANIC<<", "").strip()
        if "ACPI control: soft power off" in msg:
            end, detail = "poweroff", msg
        elif "with no resolution" in msg:
            end, detail = "triple-fault", f"[{module}] {msg}"
        elif "Shutdown port: shutdown requested" in msg:
            end, detail = "shutdown-port", msg
        else:
            end, detail = "bochs-panic", f"[{module}] {msg}"
    if len(resets) > 1 and end_on_reset:
        # The machine rebooted (the first reset is the power-on one); what
        # came after is a consequence (the BIOS may well crash on a warm
        # start).
        rtick, kind = resets[1]
        return "reset", f"system reset ({kind}) at tick {rtick}; then " \
            f"{end}: {detail}", rtick
    return end, detail, tick


# What the debugger prints on a watchpoint hit (amid port 0xE9 output).
WATCH_HIT = re.compile(
    r"\(0\) Caught write watch point at 0x([0-9a-f]+)\n"
    r"Next at t=(\d+)\n"
    r"\(0\) \[0x[0-9a-f]+\] ([0-9a-f]{4}):([0-9a-f]+) \([^)]*\): "
    r"([^;\n]*?) *;[^\n]*\n")
WATCH_SET = re.compile(r"write watchpoint at 0x[0-9a-f]+ len=\d+ inserted\n")


def split_bochs_stdout(raw):
    """Bochs's stdout holds the port 0xE9 output framed by the banner and
    the debugger's lines.  Returns (e9 text, [WatchHit])."""
    text = raw.decode(errors="replace")
    start = text.find("Next at t=0\n")
    if start >= 0:
        nl = text.find("\n", start + len("Next at t=0\n"))
        text = text[nl + 1:] if nl >= 0 else ""
    text = WATCH_SET.sub("", text)
    hits = [WatchHit(addr=int(m.group(1), 16), tick=int(m.group(2)),
                     cs=int(m.group(3), 16), rip=int(m.group(4), 16),
                     insn=m.group(5).strip())
            for m in WATCH_HIT.finditer(text)]
    text = WATCH_HIT.sub("", text)
    # When the simulation stops, the debugger prints "(0).[tick] [addr] ..."
    # (twice after a panic).
    m = re.search(r"(?:\(0\)\.\[\d+\] \[0x[0-9a-f]+\] [^\n]*\n?)+\Z",
                  text)
    if m:
        text = text[:m.start()]
    return text, hits


def _result(workdir, end, detail, tick, wall, rc, serial_path):
    try:
        with open(serial_path, "rb") as f:
            serial = f.read().decode(errors="replace")
    except FileNotFoundError:
        serial = ""
    try:
        with open(os.path.join(workdir, "bochs.out"), "rb") as f:
            e9, hits = split_bochs_stdout(f.read())
    except FileNotFoundError:
        e9, hits = "", []
    with open(os.path.join(workdir, "e9.txt"), "w") as f:
        f.write(e9)
    log_path = os.path.join(workdir, "bochs.log")
    try:
        with open(log_path, "rb") as f:
            resets = log_resets(f.read())
    except FileNotFoundError:
        resets = []
    return RunResult(end=end, detail=detail, serial=serial, e9=e9,
                     log_path=log_path, workdir=workdir, wall=wall,
                     end_tick=tick, bochs_rc=rc, watch_hits=hits,
                     resets=resets)


def _watch(proc, workdir, timeout, serial_tail, poll=0.25, end_on_reset=True,
           stop_at=None):
    """Waits for the run to end.  Returns (end, detail, tick) or None when
    Bochs exited by itself (then the log says why)."""
    log_tail = _Tail(os.path.join(workdir, "bochs.log"))
    t0 = time.monotonic()
    serial_seen = b""
    resets = 0
    panic_at = None
    panic_msg = ""
    stop_re, stop_n = (re.compile(stop_at[0]), stop_at[1]) if stop_at \
        else (None, 0)
    stop_seen = 0
    while True:
        time.sleep(poll)
        if proc.poll() is not None:
            return None
        now = time.monotonic()
        new = serial_tail.read() if serial_tail else b""
        if new:
            serial_seen = (serial_seen + new)[-4096:]
            m = KERNEL_PANIC.search(serial_seen)
            if m and panic_at is None:
                panic_at = now
                panic_msg = m.group(0).decode(errors="replace")
            # _Tail hands over whole lines: a match is never split.
            if stop_re is not None:
                stop_seen += len(stop_re.findall(new))
                if stop_seen >= stop_n and panic_at is None:
                    _kill(proc)
                    return "stop-at", f"COM1 showed /" \
                        f"{stop_re.pattern.decode(errors='replace')}/ " \
                        f"{stop_seen} times", None
        for m in RESET_LINE.finditer(log_tail.read()):
            resets += 1
            if resets > 1 and end_on_reset:  # the first is power-on's
                _kill(proc)
                return "reset", f"system reset ({m.group(1).decode()})", None
        if panic_at is not None and now - panic_at > PANIC_GRACE:
            _kill(proc)
            return "kernel-panic", panic_msg, None
        if now - t0 > timeout:
            _kill(proc)
            return "timeout", f"no end after {timeout:.0f} s", None


def run(boot, workdir, timeout=300, ips=IPS, watch_writes=(),
        preload="default", cpus=1, end_on_reset=True, stop_at=None,
        cpu_model=CPU_MODEL):
    """Boots `boot` headless; returns a RunResult.  watch_writes: physical
    addresses whose writes are recorded (RunResult.watch_hits).  cpus: the
    number of emulated CPUs, cpu_model their Bochs model.  end_on_reset=False lets the machine go on
    through resets; stop_at=(regex bytes, n) ends the run when COM1 has
    shown the pattern n times (see the module's doc)."""
    if preload == "default":
        preload = default_preload()
    workdir = os.path.abspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    for name in ("serial.txt", "bochs.log", "bochs.out", "bochs.err",
                 "e9.txt"):
        try:
            os.unlink(os.path.join(workdir, name))
        except FileNotFoundError:
            pass
    iso = make_iso(boot, workdir)
    serial_path = os.path.join(workdir, "serial.txt")
    # Bochs opens the file only at the first byte: create it so it exists.
    open(serial_path, "wb").close()
    write_bochsrc(workdir, iso, f"mode=file, dev={serial_path}", ips,
                  watch_writes, cpus=cpus, cpu_model=cpu_model)
    t0 = time.monotonic()
    proc = _start_bochs(workdir, preload)
    try:
        ended = _watch(proc, workdir, timeout, _Tail(serial_path),
                       end_on_reset=end_on_reset, stop_at=stop_at)
    except BaseException:
        _kill(proc)
        raise
    wall = time.monotonic() - t0
    if ended is None:
        end, detail, tick = _classify_exit(os.path.join(workdir, "bochs.log"),
                                           proc.returncode, end_on_reset)
    else:
        end, detail, tick = ended
    if end not in ("poweroff", "kernel-panic"):
        # A panic (with panic=N) reboots or crashes: the panic is the news.
        with open(serial_path, "rb") as f:
            m = KERNEL_PANIC.search(f.read())
        if m:
            detail = f"{m.group(0).decode(errors='replace')}; then {end}: " \
                f"{detail}"
            end = "kernel-panic"
    return _result(workdir, end, detail, tick, wall, proc.returncode,
                   serial_path)


# --- Interactive console ---------------------------------------------------

ESCAPE = b"\x01"  # Ctrl-A, then x: quit; Ctrl-A Ctrl-A: a literal Ctrl-A


def run_console(boot, workdir, hold_input_until=None, timeout=None,
                ips=IPS, stdin_fd=0, stdout_fd=1, preload="default", cpus=1):
    """Boots `boot` with COM1 on a pty relayed to stdin/stdout.

    stdin goes to COM1 (raw mode when it is a terminal, restored on exit);
    COM1 goes to stdout and to workdir/serial.txt.  Ctrl-A x kills the
    machine.  Keystrokes are held back until COM1 has printed
    hold_input_until (bytes), if given, so that input typed or piped early
    is not eaten by GRUB or lost before the shell reads the line.  Returns a
    RunResult like run()."""
    if preload == "default":
        preload = default_preload()
    workdir = os.path.abspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    iso = make_iso(boot, workdir)
    serial_path = os.path.join(workdir, "serial.txt")
    master, slave = os.openpty()
    # Raw slave: no echo or line editing between Bochs and us; Bochs sets
    # its own mode too.  Non-blocking master: a full buffer never blocks us.
    tty.setraw(slave)
    os.set_blocking(master, False)
    # sync=slowdown, not none: with none an idle guest (a shell waiting for
    # a key) spins Bochs at 100% CPU and its clock runs ~40x too fast
    # (`sleep 10` returns at once); slowdown sleeps instead and keeps the
    # guest clock near the wall clock.  The boot takes as long either way.
    write_bochsrc(workdir, iso, f"mode=term, dev={os.ttyname(slave)}", ips,
                  sync="slowdown", cpus=cpus)

    saved = None
    if os.isatty(stdin_fd):
        saved = termios.tcgetattr(stdin_fd)
        tty.setraw(stdin_fd)
    log = open(serial_path, "wb")
    held = bytearray()
    pending = bytearray()  # for the master, when it would block
    state = {"open": hold_input_until is None, "seen": b"", "esc": False,
             "quit": False, "stdin_eof": False, "cr": False}

    def out(data):
        log.write(data)
        log.flush()
        if saved is not None:
            # The terminal is raw: a bare LF (the hypervisor may print
            # those) would not return the cursor.
            fixed = bytearray()
            for b in data:
                if b == 0x0A and not state["cr"]:
                    fixed += b"\r"
                state["cr"] = b == 0x0D
                fixed.append(b)
            data = bytes(fixed)
        while data:
            try:
                data = data[os.write(stdout_fd, data):]
            except BlockingIOError:
                select.select([], [stdout_fd], [])

    def from_master():
        try:
            data = os.read(master, 4096)
        except (BlockingIOError, OSError):
            return
        if not data:
            return
        out(data)
        if not state["open"]:
            state["seen"] = (state["seen"] + data)[-4096:]
            if hold_input_until in state["seen"]:
                state["open"] = True
                pending.extend(held)
                held.clear()

    def from_stdin():
        data = os.read(stdin_fd, 1024)
        if not data:
            state["stdin_eof"] = True
            return
        keep = bytearray()
        for b in data:
            c = bytes([b])
            if state["esc"]:
                state["esc"] = False
                if c in (b"x", b"X"):
                    state["quit"] = True
                    return
                keep += c
            elif c == ESCAPE and saved is not None:
                state["esc"] = True
            else:
                keep += c
        (pending if state["open"] else held).extend(keep)

    def on_fd(fd):
        if fd == master:
            from_master()
        elif fd == stdin_fd:
            from_stdin()

    t0 = time.monotonic()
    proc = _start_bochs(workdir, preload)
    ended = None
    try:
        while True:
            fds = [master] + ([] if state["stdin_eof"] else [stdin_fd])
            wfds = [master] if pending else []
            r, w, _ = select.select(fds, wfds, [], 0.25)
            for fd in r:
                on_fd(fd)
            if w and pending:
                try:
                    n = os.write(master, bytes(pending))
                    del pending[:n]
                except BlockingIOError:
                    pass
            if state["quit"]:
                _kill(proc)
                ended = ("killed", "Ctrl-A x", None)
                break
            if proc.poll() is not None:
                from_master()
                break
            if timeout and time.monotonic() - t0 > timeout:
                _kill(proc)
                ended = ("timeout", f"no end after {timeout:.0f} s", None)
                break
    except BaseException:
        _kill(proc)
        raise
    finally:
        if saved is not None:
            termios.tcsetattr(stdin_fd, termios.TCSAFLUSH, saved)
        log.close()
        os.close(master)
        os.close(slave)
    wall = time.monotonic() - t0
    if ended is None:
        end, detail, tick = _classify_exit(os.path.join(workdir, "bochs.log"),
                                           proc.returncode)
    else:
        end, detail, tick = ended
    return _result(workdir, end, detail, tick, wall, proc.returncode,
                   serial_path)


# --- Reading the output ----------------------------------------------------

def lines_with(text, prefix):
    """Each occurrence of prefix in text, to the end of its line.  COM1 is
    shared by the hypervisor and the Service VM, so a line may start in the
    middle of another."""
    out = []
    for line in text.replace("\r", "").split("\n"):
        i = line.find(prefix)
        if i >= 0:
            out.append(line[i:])
    return out


def marker_tick(text, name):
    """The TSC printed with "ISLET-MARKER: <name> <tsc>", or None."""
    m = re.search(rf"ISLET-MARKER: {re.escape(name)} (\d+)", text)
    return int(m.group(1)) if m else None


def tail(text, n=15):
    lines = [ln for ln in text.replace("\r", "").split("\n") if ln.strip()]
    return "\n".join("    | " + ln for ln in lines[-n:])


if __name__ == "__main__":
    sys.exit("bochs.py is a library; see run_tests.py and run.py")


def add_input_args(ap, elf=True):
    """The build products every harness script takes (argparse options
    with the build tree's defaults)."""
    ap.add_argument("--kernel", default="build/kernel/vmlinuz")
    ap.add_argument("--initrd", default="build/initramfs.cpio.gz")
    ap.add_argument("--islet", default="build/islet.bin")
    if elf:
        ap.add_argument("--elf", default="build/hypervisor/islet.elf")


def run_parallel(worker, jobs):
    """Call worker(*job) for every job, each in its own thread, and wait
    for all: Bochs runs are single-threaded, so they go side by side."""
    threads = [threading.Thread(target=worker, args=j) for j in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
