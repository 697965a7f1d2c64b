#!/usr/bin/env python3
"""The machine suite: boots the stack in Bochs and checks what it printed.

  bare         GRUB linux -> kernel -> init: no hypervisor, marker, power-off
  islet-boot   GRUB multiboot2 -> islet -> Service VM -> init: the Islet
               signature and the privileged bit, marker, power-off, and the
               hypervisor's exit statistics; booted with apicv=off, which
               the hypervisor must report taking
  islet-hvmem  the Service VM writes into the hypervisor's .bss through
               /dev/mem: the hypervisor reports the refusal, the write does
               not land, the Service VM goes on and powers off
  bare-smp     2 emulated CPUs, no hypervisor: both online, the probe runs
               pinned to each (the control for islet-smp)
  islet-smp    2 emulated CPUs under Islet: the hypervisor starts the Service
               VM on both, Linux brings the AP up (no smpboot errors), both
               CPUs online, the probe passes pinned to each, power-off
  islet-reboot the Service VM runs `reboot -f`: the hypervisor reports the
               reset with its exit statistics, the machine really resets, and
               BIOS -> GRUB -> Islet boot again (the run ends at the second
               banner)
  islet-offline 2 emulated CPUs under Islet: the Service VM gives up CPU 1
               through the HSM's remove_cpu (tests/hsm/remove-cpu.sh): bad
               numbers fail with EINVAL, "1" succeeds (CPU 1 offline, the
               hypervisor's "gave up" line), "1" again fails with EBUSY;
               then Linux cannot bring CPU 1 back (the hypervisor refuses
               the start-up IPIs); power-off
  islet-hsm    3 emulated CPUs under Islet: the Service VM gives up CPUs 1
               and 2 and runs hsm-selftest on them (tests/hsm/selftest/):
               User VMs with tiny guests whose port and MMIO accesses it
               serves, two VMs at once, a triple fault reported as the
               VM's stop, every bad input with its errno, 1000 x (open,
               create, memory, close) without a leak, a killed device
               model, ioeventfds; every test must PASS, the hypervisor must
               report the triple fault, and every VM it created must be
               destroyed; power-off
  islet-guests 3 emulated CPUs under Islet: the Service VM gives up CPUs 1
               and 2 and runs the guest test kernels (tests/guests/) on
               them with islet-guest-run; every test of
               GUEST_TESTS_PASSING must PASS, every other test listed in
               guests.cfg must have run (its verdict is printed), and every
               VM created must be destroyed; power-off.  The CPU model has
               APIC virtualization: the hypervisor must say it uses it and
               the VMs' exit counts must show APIC-write and EOI-induced
               exits
  islet-dm     3 emulated CPUs under Islet: islet-dm, run from the Service
               VM's shell, refuses bad command lines with one line each and
               no VM, gives up CPU 1 itself, runs guest kernels (-E) with
               the UART, PM timer, reset, S5 power-off, --debugexit, SMP
               and a configuration file, and ends on SIGTERM; every case
               must PASS and every VM created must be destroyed
  islet-guests-emul  the same on a CPU model without APIC-register
               virtualization and virtual-interrupt delivery (Ivy Bridge):
               the hypervisor must say it emulates the local APICs, and no
               VM may have an APIC-access, APIC-write or EOI-induced exit

After the verdicts, "machine: measurements" gives the figures: the
hypervisor image's size and reserved range, marker ticks bare and under
Islet with their ratio and the exit statistics by reason, for 1 and 2 CPUs.
Nothing asserts on them (tests/perf/ is the benchmark).

The runs go in parallel (-j, default: all at once; Bochs is single-threaded
and tick counts do not depend on the host's load).  Each test prints PASS or
FAIL with its reasons; the last line is "machine: N passed, M failed", and
the exit status is 1 when any failed.
"""
import argparse
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bochs  # noqa: E402
import measure  # noqa: E402
from measure import hv_layout, islet_lines  # noqa: E402,F401

# The hypervisor's banner, first thing it prints at each boot.
BANNER = rb"Islet hypervisor \S+ \(boot: "
# What Linux's smpboot prints (at error level, so loglevel=4 shows it) when
# an AP does not come up.
SMPBOOT_ERRORS = ("do_boot_cpu failed", "failed to wakeup",
                  "APIC never delivered", "APIC delivery error")


@dataclass
class Spec:
    """One test: what boots (mode, the init's islet.test= mode, extra
    kernel parameters), on how many CPUs, its wall-clock limit, and the
    extra arguments of bochs.run."""
    name: str
    mode: str
    test: str
    cpus: int = 1
    timeout: float = 480
    extra_cmdline: str = ""
    run_args: dict = field(default_factory=dict)
    islet_args: str = ""     # after the hypervisor's default arguments
    initrd: str = "test"     # "linux": the one with the User VM's files


# Wall-clock limits: a 1-CPU boot takes 20-30 s of CPU here, a 2-CPU one
# 30-40 s; with all of them at once on two cores each takes 2-3 times that.
# The islet-offline and islet-hsm runs' ips (their Specs): ticks to emulated
# seconds.
OFFLINE_IPS = 10_000_000
HSM_IPS = OFFLINE_IPS
# hsm-selftest's tests (tests/hsm/selftest/harness.c): each must PASS.
HSM_SELFTESTS = ("life-cycle", "guest-io", "two-vms", "triple-fault",
                 "bad-input", "leak", "kill-running", "ioeventfd-irqfd", "modes",
                 "irq")

# Bochs's model without APIC-register virtualization and virtual-interrupt
# delivery (../shared/reference/test-machine.md): the emulated path.
EMUL_CPU_MODEL = "corei7_ivy_bridge_3770k"
# The hypervisor's line for each path (arch/x86/vmx/vmx_caps.c).
APICV_LINE = "User VM local APICs virtualized by the CPU"
EMUL_LINE = "User VM local APICs emulated (the CPU lacks"
# VMX exit reasons of APIC virtualization: APIC access, EOI-induced, APIC
# write.
APICV_EXITS = (44, 45, 56)

# The guest tests (tests/guests/guests.cfg) that must PASS; the others run
# and their verdicts are printed (they wait for the virtual LAPIC, IOAPIC,
# PIC, the CPU model and more MMIO forms).  Every guest kernel enters long
# mode with RDMSR/WRMSR of IA32_EFER, which needs the CPU model's EFER
# handling: on a hypervisor without it every test stops at its first
# instruction in long mode.  With it (checked in Bochs with a scratch
# patch) these pass; cpuid waits for the CPU model's leaves, mmio-mov for
# RIP-relative and segment-override MMIO.
GUEST_TESTS_PASSING = ("cpuid", "msr", "exceptions", "ept", "mmio-mov",
                       "mmio-alu", "mmio-bit", "mmio-string",
                       "mmio-addr32", "hlt", "apic", "x2apic", "ipi", "smp",
                       "ioapic", "pic", "msi", "nmi", "exitcost")

SPECS = [
    Spec("bare", "bare", "bare", timeout=300),
    # apicv=off: only User VMs would use APIC virtualization; here the
    # option is checked to be taken (the hypervisor says so).
    Spec("islet-boot", "islet", "boot", islet_args="apicv=off"),
    Spec("islet-hvmem", "islet", "hvmem=<set from the ELF>"),
    Spec("bare-smp", "bare", "bare-smp=2", cpus=2),
    Spec("islet-smp", "islet", "smp=2", cpus=2, timeout=600),
    # Linux's default reset here is the keyboard controller (0x64 <- 0xfe),
    # which Bochs turns into a *software* reset that the BIOS does not
    # survive (IA32_FEATURE_CONTROL stays locked; its WRMSR triple-faults),
    # bare or not.  The hypervisor turns any Service VM reset into a hard
    # platform reset, so Linux's default must work here.
    Spec("islet-reboot", "islet", "reboot",
         run_args=dict(end_on_reset=False, stop_at=(BANNER, 2))),
    # A 2-CPU boot, plus Linux's 10 s wait for the CPU that the hypervisor
    # no longer starts: do_boot_cpu() spins on CPU 0 (schedule() in a loop)
    # for 10 emulated seconds, ips instructions each.  At 10M instead of
    # the suite's 50M that is 100M ticks instead of 500M (and the boot's
    # device polling shrinks too: 1.0G ticks in all instead of 1.55G; 50 s
    # wall alone instead of 76 s).  Its ticks are not compared with the
    # other runs'.
    Spec("islet-offline", "islet", "offline", cpus=2, timeout=600,
         run_args=dict(ips=OFFLINE_IPS)),
    # 3 CPUs: the Service VM keeps CPU 0 and gives up 1 and 2 for User VMs.
    # At 10M ips, as islet-offline: the boot's device polling shrinks
    # (fewer ticks per emulated second), and the selftest's time limits
    # are emulated seconds.  Its ticks are not compared with other runs'.
    Spec("islet-hsm", "islet", "hsm", cpus=3, timeout=1500,
         run_args=dict(ips=HSM_IPS)),
    # As islet-hsm: 3 CPUs at 10M ips, the guests' time limits are
    # emulated seconds.
    Spec("islet-guests", "islet", "guests", cpus=3, timeout=1500,
         run_args=dict(ips=HSM_IPS)),
    # The fallback path of the same tests: a CPU model whose VMX lacks
    # APIC-register virtualization and virtual-interrupt delivery.
    Spec("islet-guests-emul", "islet", "guests", cpus=3, timeout=1500,
         run_args=dict(ips=HSM_IPS, cpu_model=EMUL_CPU_MODEL)),
    # islet-dm from the Service VM's shell (tests/dm/machine.sh): 3 CPUs
    # at 10M ips as islet-hsm.
    Spec("islet-dm", "islet", "dm", cpus=3, timeout=1500,
         run_args=dict(ips=HSM_IPS)),
    # A Linux User VM launched by one islet-dm command
    # (tests/uservm/run.sh) on CPU 1; 10M ips as islet-hsm.
    Spec("islet-linux", "islet", "linux", cpus=2, timeout=2400,
         run_args=dict(ips=HSM_IPS), initrd="linux"),
]
TESTS = [s.name for s in SPECS]


# --- Checks -----------------------------------------------------------------

class Check:
    def __init__(self, name):
        self.name = name
        self.reasons = []
        self.info = []
        self.marker = None   # the userspace marker tick, for the figures
        self.stats = None    # the first exit statistics block, likewise
        self.perf = []       # islet-hsm, islet-guests: HSM-/GUEST-PERF lines
        self.kernel_ticks = None  # bare: GRUB's hand-over to the marker
        self.launch = None   # islet-linux: linux_launch()'s figures

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


def check_result(c, r):
    """The init's own verdict."""
    if "ISLET-RESULT: PASS" not in r.serial:
        fails = bochs.lines_with(r.serial, "ISLET-RESULT: ")
        c.require(False, "the init did not print ISLET-RESULT: PASS" +
                  (f" ({fails[0]})" if fails else ""))


def check_marker(c, r):
    tick = bochs.marker_tick(r.serial, "userspace")
    if c.require(tick is not None, "no 'ISLET-MARKER: userspace <tsc>'"):
        c.info.append(f"marker tick {tick}")
        if r.end_tick is not None:
            # The TSC is the tick count: the marker precedes the power-off.
            c.require(tick < r.end_tick, f"marker tick {tick} is not before "
                      f"the last logged tick {r.end_tick}")
    c.marker = tick
    return tick


def check_probe(c, r, *words):
    probe = probe_line(r)
    if c.require(probe is not None, "the probe printed no hypervisor line"):
        for w in words:
            c.require(f" {w} " in f" {probe} ", f"expected {w}: {probe}")


def check_exit_stats(c, r, when="at power-off"):
    stats = measure.exit_stats(r)
    c.require(stats, f"no 'islet: exit statistics' {when}: is the "
              "hypervisor still alive?")
    c.stats = stats[0] if stats else None
    return stats


def check_bare(r):
    c = Check("bare")
    # monitor=1: the CPU model has MONITOR/MWAIT, so the monitor=0 the
    # Islet runs expect is the hypervisor's doing.
    check_probe(c, r, "hypervisor=none", "monitor=1")
    check_result(c, r)
    marker = check_marker(c, r)
    # The kernel's own share (a figure, not a check): from GRUB's
    # hand-over to the same marker, the yardstick of a User VM's boot.
    handoff = bochs.handoff_tick(r)
    if handoff is not None and marker is not None and handoff < marker:
        c.kernel_ticks = marker - handoff
        c.info.append(f"GRUB hands over to the kernel at tick {handoff}: "
                      f"{c.kernel_ticks} ticks from there to the marker")
    check_ended_by_poweroff(c, r)
    return c


def check_islet_boot(r):
    c = Check("islet-boot")
    check_probe(c, r, "hypervisor=ACRNACRNACRN", "privileged=1",
              "monitor=0")
    check_result(c, r)
    hsm = bochs.lines_with(r.serial, "HSM-")
    c.info += ["  " + h for h in hsm]
    c.require("HSM-RESULT: PASS" in r.serial,
              "the HSM module did not load and answer on Islet: " +
              "; ".join(bochs.lines_with(r.serial, "HSM-RESULT")))
    c.require("User VM local APICs emulated (apicv=off)" in r.serial,
              "the hypervisor did not take apicv=off")
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    check_exit_stats(c, r)
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
    check_exit_stats(c, r)
    return c


def check_cpus(c, r, n, *words):
    """Linux brought CPUs 0..n-1 up without smpboot errors, and the probe
    pinned to each ran there with every WORD among its fields (the init
    checks the same; this says which part failed)."""
    want = "0" if n == 1 else f"0-{n - 1}"
    online = bochs.lines_with(r.serial, "ISLET-PROBE: smp online=")
    if c.require(online, "the init printed no 'ISLET-PROBE: smp online='"):
        got = online[0].split()[2].split("=", 1)[1]
        c.info.append(f"CPUs online: {got}")
        c.require(got == want, f"CPUs online: {got}, expected {want}")
    errors = [ln for e in SMPBOOT_ERRORS
              for ln in bochs.lines_with(r.serial, e)]
    c.require(not errors, "Linux failed to start a CPU: " + "; ".join(errors))
    probes = bochs.lines_with(r.serial, "ISLET-PROBE: hypervisor=")
    # The first is probe_and_mark's, wherever it ran; then one per CPU.
    pinned = probes[1:]
    for cpu in range(n):
        mine = [p for p in pinned if f" cpu={cpu} " in f" {p} "]
        if not c.require(mine, f"no probe line from CPU {cpu}"):
            continue
        missing = [w for w in words if f" {w} " not in f" {mine[0]} "]
        c.require(not missing, f"CPU {cpu}: expected {' '.join(missing)} "
                  f"in: {mine[0]}")
    ran = [(m.group(1), m.group(2)) for p in pinned
           for m in [re.search(r" cpu=(-?\d+) apic=(\d+) ", p)] if m]
    c.info.append("pinned probes ran on " + (", ".join(
        f"CPU {cpu} (APIC id {apic})" for cpu, apic in ran) or "no CPU"))
    check_result(c, r)


def check_bare_smp(r, n=2):
    c = Check("bare-smp")
    check_cpus(c, r, n, "hypervisor=none")
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    return c


def check_islet_smp(r, n=2):
    c = Check("islet-smp")
    lines = islet_lines(r)
    start = [ln for ln in lines if "starting the Service VM on" in ln]
    if c.require(start, "the hypervisor did not say 'starting the Service "
                 "VM on N CPUs'"):
        c.info.append(start[0])
        c.require(f"starting the Service VM on {n} CPUs" in start[0],
                  f"expected the Service VM on {n} CPUs: {start[0]}")
    check_cpus(c, r, n, "hypervisor=ACRNACRNACRN", "privileged=1",
              "monitor=0")
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    check_exit_stats(c, r)
    return c


def check_islet_reboot(r):
    c = Check("islet-reboot")
    banners = [m.start() for m in
               re.finditer(BANNER.decode(), r.serial)]
    # The first boot: everything before the second banner.
    first = r.serial[:banners[1]] if len(banners) > 1 else r.serial
    check_probe(c, r, "hypervisor=ACRNACRNACRN", "privileged=1",
              "monitor=0")
    check_result(c, r)
    marker = bochs.marker_tick(first, "reboot")
    c.require(marker is not None, "no 'ISLET-MARKER: reboot': the init did "
              "not get to `reboot -f`")
    c.require("ISLET-MARKER: poweroff" not in first,
              "the init went on to power off: `reboot -f` returned")
    said = first.find("islet: Service VM resets the platform")
    if c.require(said >= 0, "the hypervisor did not report 'Service VM "
                 "resets the platform'"):
        stats = measure.exit_stats_in(first[said:])
        if c.require(stats, "no 'islet: exit statistics' after the reset "
                     "report"):
            c.stats = stats[0]
            c.info.append(f"reset reported, then exit statistics: "
                          f"{stats[0]['total']} exits")
    for tick, kind in r.resets:
        c.info.append(f"system reset ({kind}) at tick {tick}")
    if c.require(r.resets, "bochs.log shows no system reset after the "
                 "power-on one"):
        if marker is not None:
            c.require(r.resets[0][0] > marker, f"the first reset (tick "
                      f"{r.resets[0][0]}) came before the init's reboot "
                      f"marker (tick {marker})")
    if c.require(r.end == "stop-at" and len(banners) > 1,
                 f"the hypervisor's banner did not come a second time: "
                 f"the run ended by {r.end} ({r.detail})"):
        c.info.append("BIOS -> GRUB -> Islet again: second banner seen")
    return c


def first_at(text, needle, start=0):
    """Where needle first occurs in text at or after start, or None."""
    i = text.find(needle, start)
    return i if i >= 0 else None


def check_smp_islet_start(c, r, lines, n):
    """The Service VM started on n CPUs under Islet, all n online in
    Linux at first."""
    start = [ln for ln in lines if "starting the Service VM on" in ln]
    c.require(start and f"starting the Service VM on {n} CPUs" in start[0],
              f"expected the Service VM on {n} CPUs: "
              f"{start[0] if start else 'no such line'}")
    check_probe(c, r, "hypervisor=ACRNACRNACRN", "privileged=1",
              "monitor=0")
    online = bochs.lines_with(r.serial, "ISLET-PROBE: smp online=")
    c.require(online and online[0].endswith(f"online=0-{n - 1}"),
              f"CPUs online at the start: {online[:1]}, expected 0-{n - 1}")


def check_islet_offline(r, n=2):
    c = Check("islet-offline")
    serial = r.serial
    lines = islet_lines(r)
    check_smp_islet_start(c, r, lines, n)
    c.info += ["  " + ln for ln in bochs.lines_with(serial, "HSM-OFFLINE: ")]
    dmesg = bochs.lines_with(serial, "HSM-DMESG: ")
    c.info += ["  " + ln for ln in dmesg]
    c.require("HSM-RESULT: PASS" in serial, "the remove_cpu steps failed: " +
              "; ".join(bochs.lines_with(serial, "HSM-RESULT")))
    check_result(c, r)

    # The order of events on COM1, shared by the hypervisor and Linux.
    give_up = first_at(serial, "ISLET-MARKER: give-up")
    attempt = first_at(serial, "ISLET-MARKER: online-attempt")
    survived = first_at(serial, "ISLET-MARKER: survived")
    c.require(give_up is not None and attempt is not None,
              "the init did not get to the give-up and online-attempt "
              "markers")

    gave = [ln for ln in lines if "Service VM gave up CPU" in ln]
    if c.require(len(gave) == 1, f"expected one 'islet: Service VM gave up "
                 f"CPU' line, got {len(gave)}: {gave}"):
        c.info.append(gave[0])
        m = re.search(r"gave up CPU (\d+) \(APIC id (\d+)\)", gave[0])
        mod = [re.search(r"CPU 1 \(APIC id (\d+)\) given", ln) for ln in dmesg]
        mod = [x.group(1) for x in mod if x]
        c.require(m and mod and m.group(2) == mod[0],
                  f"the hypervisor gave up APIC id "
                  f"{m.group(2) if m else '?'}, the module asked for "
                  f"{mod[0] if mod else '?'}")
        at = first_at(serial, "Service VM gave up CPU")
        if at is not None and give_up is not None and attempt is not None:
            c.require(give_up < at < attempt, "the 'gave up' line is not "
                      "between the give-up and online-attempt markers")

    refused = [ln for ln in lines if "refused" in ln and "given-up" in ln]
    if c.require(refused, "the hypervisor did not report refusing a start-up "
                 "IPI to the given-up CPU ('refused' ... 'given-up')"):
        c.info += ["  " + ln for ln in refused[:3]]
        at = first_at(serial, refused[0])
        early = [ln for ln in bochs.lines_with(serial[:attempt or 0],
                                               "islet: ")
                 if "refused" in ln and "given-up" in ln]
        c.require(not early, "the hypervisor refused IPIs to the given-up "
                  "CPU before Linux tried to start it: " + "; ".join(early))
        if at is not None and attempt is not None and survived is not None:
            c.require(attempt < at < survived, "the refusal is not between "
                      "the online-attempt and survived markers")

    # Linux's own failure report, after the attempt only.
    errors = [(serial.find(e), e) for e in SMPBOOT_ERRORS if e in serial]
    before = [e for i, e in errors if attempt is None or i < attempt]
    c.require(not before, "Linux failed to start a CPU before the online "
              "attempt: " + "; ".join(before))
    after = [ln for e in SMPBOOT_ERRORS
             for ln in bochs.lines_with(serial[attempt or 0:], e)]
    c.info += ["  Linux: " + ln for ln in after]

    t_attempt = bochs.marker_tick(serial, "online-attempt")
    t_survived = bochs.marker_tick(serial, "survived")
    if c.require(t_survived is not None, "no 'ISLET-MARKER: survived': the "
                 "Service VM did not go on after the failed start"):
        if t_attempt is not None:
            c.info.append(f"the failed start of CPU 1 took "
                          f"{t_survived - t_attempt} ticks")
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    check_exit_stats(c, r)
    return c


def check_islet_hsm(r, n=3):
    """tests/hsm/selftest/run.sh: CPUs 1 and 2 given up, then hsm-selftest
    on them; every test passes, the hypervisor reports the triple fault,
    and every VM it created is destroyed."""
    c = Check("islet-hsm")
    serial = r.serial
    lines = islet_lines(r)
    check_smp_islet_start(c, r, lines, n)
    c.info += ["  " + ln for ln in bochs.lines_with(serial, "HSM-SELFTEST: ")]
    gave = [ln for ln in lines if "Service VM gave up CPU" in ln]
    c.info += ["  " + ln for ln in gave]
    for cpu in range(1, n):
        c.require(any(f"gave up CPU {cpu} " in ln for ln in gave),
                  f"no 'islet: Service VM gave up CPU {cpu}' line")

    # The selftest's own verdicts: one HSM-TEST line per test, all PASS.
    c.info += ["  " + ln for ln in bochs.lines_with(serial, "HSM-INFO: ")]
    c.perf = bochs.lines_with(serial, "HSM-PERF: ")
    c.info += ["  " + ln for ln in c.perf]
    verdicts = {}
    for ln in bochs.lines_with(serial, "HSM-TEST: "):
        m = re.match(r"HSM-TEST: (\S+): (PASS|FAIL|SKIP)\b ?(.*)", ln)
        if m:
            verdicts[m.group(1)] = (m.group(2), m.group(3))
    for name in list(HSM_SELFTESTS) + sorted(set(verdicts) -
                                             set(HSM_SELFTESTS)):
        got = verdicts.get(name)
        c.require(got and got[0] == "PASS", f"hsm-selftest {name}: " +
                  (" ".join(got).strip() if got else "no HSM-TEST line"))
    failed = bochs.lines_with(serial, "HSM-CHECK: ")
    c.info += ["  " + ln for ln in failed[:20]]
    summary = re.search(r"HSM-SUMMARY: (\d+) passed, (\d+) failed, "
                        r"(\d+) skipped", serial)
    c.require(summary and int(summary.group(1)) == len(HSM_SELFTESTS) and
              summary.group(2) == "0" and summary.group(3) == "0",
              f"hsm-selftest's summary: "
              f"{summary.group(0) if summary else 'no HSM-SUMMARY line'}, "
              f"expected {len(HSM_SELFTESTS)} passed, 0 failed, 0 skipped")
    c.require("HSM-SELFTEST-RESULT: PASS" in serial, "the selftest run "
              "failed: " + "; ".join(bochs.lines_with(serial,
                                                      "HSM-SELFTEST-RESULT")))
    check_result(c, r)

    # The hypervisor's side of the triple fault: a console line about it,
    # after the selftest said the VM faults now, naming that VM if it
    # names one.
    said = re.search(r"HSM-INFO: triple-fault: VM (\d+) on CPU \d+ "
                     r"triple-faults now", serial)
    faults = [(m.start(), m.group(0)) for m in
              re.finditer(r"islet: [^\r\n]*triple[ _-]fault[^\r\n]*",
                          serial, re.I)]
    if c.require(faults, "the hypervisor printed no 'islet: ... triple "
                 "fault' line for the User VM"):
        c.info += ["  " + f for _, f in faults[:3]]
        if said:
            after = [f for at, f in faults if at > said.start()]
            c.require(after, "no hypervisor triple-fault line after the "
                      "selftest's 'triple-faults now'")
            named = [f for f in after
                     if re.search(r"\bVM ?\d+", f) and
                     not re.search(rf"\bVM ?{said.group(1)}\b", f)]
            c.require(not named, f"the triple-fault line names another VM "
                      f"than {said.group(1)}: {named[:1]}")

    # Every VM the hypervisor created was destroyed (COM1 only: port 0xE9
    # may repeat the lines), all on the given-up CPUs; the leak loop's
    # 1000 among them.
    created = bochs.lines_with(serial, "islet: created VM")
    destroyed = bochs.lines_with(serial, "islet: destroyed VM")
    c.info.append(f"  hypervisor: {len(created)} VMs created, "
                  f"{len(destroyed)} destroyed")
    c.require(len(created) >= 1000, f"the hypervisor reported "
              f"{len(created)} 'created VM' lines, expected over 1000")
    c.require(len(created) == len(destroyed), f"{len(created)} VMs created "
              f"but {len(destroyed)} destroyed: a VM outlived its file")
    odd = [ln for ln in created
           if not re.search(r"created VM [1-7] on CPUs 0x0*[24]\b", ln)]
    c.require(not odd, "a VM not on CPU 1 or CPU 2 alone, or a vmid "
              "outside 1..7: " + "; ".join(odd[:3]))
    loop = re.search(r"HSM-INFO: leak: loop: (\d+) iterations", serial)
    c.require(loop and int(loop.group(1)) == 1000,
              f"the leak loop did not do 1000 iterations: "
              f"{loop.group(0) if loop else 'no leak: loop line'}")

    t0 = bochs.marker_tick(serial, "selftest-start")
    t1 = bochs.marker_tick(serial, "selftest-end")
    if c.require(t0 is not None and t1 is not None,
                 "no selftest-start / selftest-end markers"):
        c.info.append(f"hsm-selftest took {t1 - t0} ticks "
                      f"({(t1 - t0) / HSM_IPS:.1f} s emulated at "
                      f"{HSM_IPS // 1_000_000}M ips)")
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    check_exit_stats(c, r)
    return c


def vm_exit_counts(serial):
    """The hypervisor's "VM n exits: total (reason:count ...)" lines of all
    the User VMs, summed by reason."""
    counts = {}
    for m in re.finditer(r"VM \d+ exits: \d+ \(reason:count([ \d:]*)\)",
                         serial):
        for pair in m.group(1).split():
            reason, count = pair.split(":")
            counts[int(reason)] = counts.get(int(reason), 0) + int(count)
    return counts


def check_apic_path(c, serial, apicv):
    """Which path the User VMs' interrupts took: the hypervisor's choice,
    and the exits only that path has."""
    counts = vm_exit_counts(serial)
    c.require(counts, "no 'VM n exits:' lines from the hypervisor")
    seen = {k: counts.get(k, 0) for k in APICV_EXITS}
    c.info.append("APIC virtualization exits (reason: count): " +
                  ", ".join(f"{k}: {v}" for k, v in seen.items()))
    if apicv:
        c.require(APICV_LINE in serial, f"no '{APICV_LINE}' line")
        c.require(seen[45] > 0, "no EOI-induced exit (the ioapic test's "
                  "level-triggered EOIs should make some)")
        c.require(seen[56] > 0, "no APIC-write exit (ICR writes should "
                  "make some)")
    else:
        c.require(EMUL_LINE in serial, f"no '{EMUL_LINE}' line")
        c.require(not any(seen.values()), "APIC virtualization exits on "
                  "the emulated path")


def check_islet_guests(r, n=3, name="islet-guests", apicv=True):
    """tests/guests/run.sh: CPUs 1 and 2 given up, then islet-guest-run
    on them; each test of GUEST_TESTS_PASSING passes, each VM created is
    destroyed; the interrupts took the path expected of the CPU model."""
    c = Check(name)
    serial = r.serial
    lines = islet_lines(r)
    check_smp_islet_start(c, r, lines, n)
    verdicts = {}
    for ln in bochs.lines_with(serial, "GUEST-RESULT: "):
        m = re.match(r"GUEST-RESULT: (\S+) (PASS|FAIL)\b ?(.*)", ln)
        if m:
            verdicts[m.group(1)] = (m.group(2), m.group(3))
    for name in GUEST_TESTS_PASSING:
        got = verdicts.get(name)
        c.require(got and got[0] == "PASS", f"guest test {name}: " +
                  (" ".join(got).strip() if got else "no GUEST-RESULT line"))
    for name, (verdict, why) in sorted(verdicts.items()):
        if name not in GUEST_TESTS_PASSING:
            c.info.append(f"  guest test {name} (not required): {verdict} "
                          f"{why}".rstrip())
    # The failed checks of every test, for whoever widens the list.
    c.info += ["  " + ln for ln in
               bochs.lines_with(serial, "GUEST: ") if ": FAIL: " in ln][:60]
    c.info += ["  " + ln for ln in bochs.lines_with(serial, "GUEST-RUNNER: ")]
    c.perf = [ln.split("GUEST-PERF: ", 1)[1]
              for ln in bochs.lines_with(serial, "GUEST-PERF: ")]
    summary = bochs.lines_with(serial, "GUEST-SUMMARY: ")
    c.require(summary, "no GUEST-SUMMARY line: the runner did not finish")
    c.info += ["  " + ln for ln in summary]
    c.require("GUESTS-RUN-RESULT: PASS" in serial, "the guest run failed: " +
              "; ".join(bochs.lines_with(serial, "GUESTS-RUN-RESULT")))
    check_result(c, r)
    created = bochs.lines_with(serial, "islet: created VM")
    destroyed = bochs.lines_with(serial, "islet: destroyed VM")
    c.require(len(created) == len(destroyed), f"{len(created)} VMs created "
              f"but {len(destroyed)} destroyed: a VM outlived its file")
    t0 = bochs.marker_tick(serial, "guests-start")
    t1 = bochs.marker_tick(serial, "guests-end")
    if c.require(t0 is not None and t1 is not None,
                 "no guests-start / guests-end markers"):
        c.info.append(f"the guest tests took {t1 - t0} ticks "
                      f"({(t1 - t0) / HSM_IPS:.1f} s emulated at "
                      f"{HSM_IPS // 1_000_000}M ips)")
    check_apic_path(c, serial, apicv)
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    return c


def check_verdicts(c, serial, tag, cases, what):
    """A script's "<tag>: <case> PASS|FAIL [why]" lines: each of @cases
    must PASS every time it is printed, and any other case printed must
    PASS too (scripts print extra cases only when something failed)."""
    verdicts = {}
    for ln in bochs.lines_with(serial, tag + ": "):
        m = re.match(tag + r": (\S+) (PASS|FAIL)\b ?(.*)", ln)
        if m:
            verdicts.setdefault(m.group(1), []).append(m.group(2) + " " +
                                                       m.group(3))
    for case in cases:
        got = verdicts.get(case)
        c.require(got and all(v.startswith("PASS") for v in got),
                  f"{what} {case}: " +
                  ("; ".join(got) if got else f"no {tag} line"))
    for case, got in verdicts.items():
        if case not in cases:
            c.require(all(v.startswith("PASS") for v in got),
                      f"{what} {case}: {'; '.join(got)}")


# tests/dm/machine.sh's cases: each must print "DM-RESULT: <case> PASS".
DM_CASES = ("bad-option", "no-kernel", "slot-conflict", "missing-kernel",
            "too-much-memory", "cpu0", "no-device-type", "missing-disk",
            "help", "uart", "give-up", "pmtimer", "cpuid-smp", "apic",
            "reset", "poweroff", "exitcost", "config-file",
            "example-counter", "example-doorbell", "sigterm",
            "after-sigterm", "pwrbtn")


def check_islet_dm(r, n=3):
    """tests/dm/machine.sh: islet-dm's cases each PASS, and the hypervisor
    destroyed every VM it created."""
    c = Check("islet-dm")
    serial = r.serial
    check_smp_islet_start(c, r, islet_lines(r), n)
    check_verdicts(c, serial, "DM-RESULT", DM_CASES, "islet-dm case")
    c.info += ["  " + ln for ln in bochs.lines_with(serial, "DM-GUEST: ")
               if ": FAIL" in ln][:40]
    c.info += ["  " + ln for ln in bochs.lines_with(serial, "DM-STDERR: ")]
    c.info += ["  " + ln for ln in bochs.lines_with(serial, "DM-PERF: ")]
    c.require("DM-RUN-RESULT: PASS" in serial, "the islet-dm run failed: " +
              "; ".join(bochs.lines_with(serial, "DM-RUN-RESULT")))
    created = bochs.lines_with(serial, "islet: created VM")
    destroyed = bochs.lines_with(serial, "islet: destroyed VM")
    c.require(created, "no VM was created")
    c.require(len(created) == len(destroyed), f"{len(created)} VMs created "
              f"but {len(destroyed)} destroyed: a VM outlived islet-dm")
    c.info.append(f"{len(created)} VMs created and destroyed")
    check_result(c, r)
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    return c


# tests/uservm/run.sh's checks: each must PASS.
LINUX_CASES = ("islet-dm", "guest-acpi", "guest-cpus", "guest-blk",
               "guest-net", "guest-rnd", "guest-console", "disk-file",
               "console-file", "doorbells")


def check_islet_linux(r, n=2):
    """tests/uservm/run.sh: a Linux User VM launched by one islet-dm
    command checks its devices, and the Service VM finds what it wrote."""
    c = Check("islet-linux")
    serial = r.serial
    check_smp_islet_start(c, r, islet_lines(r), n)
    check_verdicts(c, serial, "LINUX-RESULT", LINUX_CASES,
                   "islet-linux check")
    c.perf = linux_figures(serial)
    c.launch = linux_launch(serial)
    c.info += ["  " + ln for ln in c.perf]
    c.require("LINUX-RUN-RESULT: PASS" in serial, "the Linux User VM run "
              "failed: " + "; ".join(bochs.lines_with(serial,
                                                      "LINUX-RUN-RESULT")))
    created = bochs.lines_with(serial, "islet: created VM")
    destroyed = bochs.lines_with(serial, "islet: destroyed VM")
    c.require(len(created) == 1 and len(destroyed) == 1,
              f"{len(created)} VMs created, {len(destroyed)} destroyed "
              "(one of each expected)")
    check_result(c, r)
    check_marker(c, r)
    check_ended_by_poweroff(c, r)
    return c


def perf_figures(serial):
    """{name: [numbers]} of the islet-linux run's LINUX-PERF and UVM-PERF
    lines (the last line of a name wins)."""
    perf = {}
    for ln in bochs.lines_with(serial, "LINUX-PERF: ") + \
            bochs.lines_with(serial, "UVM-PERF: "):
        parts = ln.split(": ", 1)[1].split()
        perf[parts[0]] = [int(x) for x in parts[1:] if x.isdigit()]
    return perf


def linux_launch(serial):
    """The launch figures in Service VM ticks: from just before the
    islet-dm command (launch-tsc) to the Service VM's reading of the
    guest's marker line (marker-seen-tsc: the guest's boot, islet-dm's
    start-up and the relay of that line over the emulated COM1), the
    guest's own marker (its TSC counts from its vCPU's first reset), and
    islet-dm's resident memory while the guest ran (the largest sample)."""
    perf = perf_figures(serial)
    out = {}
    launch, seen = perf.get("launch-tsc"), perf.get("marker-seen-tsc")
    if launch and seen and seen[0] > launch[0]:
        out["launch"] = seen[0] - launch[0]
    guest = guest_marker(serial)
    if guest is not None:
        out["guest"] = guest
    samples = [nums for nums in (
        [int(x) for x in ln.split()[2:] if x.isdigit()]
        for ln in bochs.lines_with(serial, "LINUX-PERF: dm-rss "))
        if len(nums) == 2]
    if samples:
        out["rss"], out["ram"] = max(samples)   # rss KiB, guest RAM KiB
    return out


def guest_marker(serial):
    """The guest's TSC at its userspace marker (it counts from the VM's
    start), or None."""
    lines = bochs.lines_with(serial, "UVM-MARKER: userspace")
    return int(lines[0].split()[-1]) if lines else None


def linux_figures(serial):
    """The islet-linux run's figures: launch to the guest's userspace
    (guest ticks: its TSC counts from the VM's start), and virtio-blk
    throughput next to the Service VM's own reads of an image file."""
    perf = perf_figures(serial)
    out = []
    guest = guest_marker(serial)
    if guest is not None:
        out.append(f"User VM userspace reached at guest tick {guest} "
                   "(its TSC starts with the VM)")
    for op in ("read", "write"):
        g, s = perf.get(f"blk-{op}"), perf.get(f"svm-{op}")
        if g and s and g[1] and s[1]:
            gbps = g[0] / g[1]
            sbps = s[0] / s[1]
            out.append(f"virtio-blk {op}: {g[0] >> 20} MiB in {g[1]:,} "
                       f"guest ticks; the Service VM {s[0] >> 20} MiB in "
                       f"{s[1]:,}; ratio {gbps / sbps:.3f}")
    return out


CHECKS = {
    "bare": check_bare,
    "islet-boot": check_islet_boot,
    "bare-smp": check_bare_smp,
    "islet-smp": check_islet_smp,
    "islet-reboot": check_islet_reboot,
    "islet-offline": check_islet_offline,
    "islet-hsm": check_islet_hsm,
    "islet-guests": check_islet_guests,
    "islet-guests-emul": lambda r: check_islet_guests(
        r, name="islet-guests-emul", apicv=False),
    "islet-dm": check_islet_dm,
    "islet-linux": check_islet_linux,
}


# --- The figures --------------------------------------------------------------

def linux_launch_lines(checks):
    """The Linux User VM's launch next to the same kernel booted bare, and
    islet-dm's resident memory beyond the guest's RAM."""
    linux = checks.get("islet-linux")
    fig = getattr(linux, "launch", None)
    if not fig:
        return []
    bare = getattr(checks.get("bare"), "kernel_ticks", None)
    ram = f"{fig['ram'] >> 10} MiB, " if "ram" in fig else ""
    out = [f"    Linux User VM (islet-linux, the Debian kernel, {ram}"
           "1 vCPU, virtio blk/net/console/rnd):"]
    if "launch" in fig:
        guest = fig.get("guest")
        own = (f" (the guest's TSC at its marker: {guest:,}; islet-dm's "
               f"start-up and the marker line's relay: "
               f"{fig['launch'] - guest:,})" if guest else "")
        out.append(f"      islet-dm command to the guest's userspace "
                   f"marker: {fig['launch']:,} ticks{own}")
        b = f"{bare:,} ticks" if bare else "n/a"
        ratio = f"{fig['launch'] / bare:.3f}" if bare else "n/a"
        out.append(f"      the same kernel bare (bare run, GRUB's hand-over "
                   f"to the marker, 1 GiB): {b}; User VM/bare {ratio}")
    if "rss" in fig:
        out.append(f"      islet-dm resident {fig['rss']:,} KiB with "
                   f"{fig['ram']:,} KiB of guest RAM: "
                   f"{fig['rss'] - fig['ram']:,} KiB beyond it")
    return out


def report_measurements(checks, runs, elf):
    """What the lead reads: the image, marker ticks and their ratio, exits
    by reason; for 1 and 2 CPUs.  n/a where a run is missing or failed to
    give the figure."""
    def marker(name):
        return getattr(checks.get(name), "marker", None)

    def stats(name):
        return getattr(checks.get(name), "stats", None)

    out = ["machine: measurements (emulated ticks: the TSC at the init's "
           "first probe)"]
    out += ["    " + ln for ln in measure.image_lines(elf)]
    specs = {s.name: s for s in SPECS}
    for bare, islet in (("bare", "islet-boot"), ("bare-smp", "islet-smp")):
        if bare not in runs and islet not in runs:
            continue
        cpus = specs[islet].cpus
        label = f"{cpus} CPU" + ("s" if cpus > 1 else "")
        out.append("    " + measure.ratio_line(label, marker(bare),
                                                marker(islet)))
        if islet in runs:
            out += measure.stats_lines(stats(islet), indent="      ")
            if cpus > 1 and stats(islet):
                out.append("      (the hypervisor reports the vCPU that "
                           "powered off; the other vCPUs' exits are not "
                           "printed)")
    hsm = checks.get("islet-hsm")
    if hsm and hsm.perf:
        out.append(f"    User VMs (islet-hsm, 3 CPUs, "
                   f"{HSM_IPS // 1_000_000}M ips):")
        out += ["      " + ln for ln in hsm.perf]
    for name, path in (("islet-guests", "APIC virtualization"),
                       ("islet-guests-emul", "APIC emulation")):
        guests = checks.get(name)
        if guests and guests.perf:
            out.append(f"    Exit costs, guest exit to resume ({name}, "
                       f"{path}, tests/guests/exitcost.c, "
                       f"{HSM_IPS // 1_000_000}M ips):")
            out += ["      " + ln for ln in guests.perf]
    out += linux_launch_lines(checks)
    walls = [f"{n} {r.wall:.0f} s" for n, r in runs.items()
             if isinstance(r, bochs.RunResult)]
    if walls:
        out.append("    wall per run: " + ", ".join(walls))
    return out


# --- Driver -----------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bochs.add_input_args(ap)
    ap.add_argument("--work", default="build/tests/machine")
    ap.add_argument("-j", "--jobs", type=int, default=len(TESTS))
    ap.add_argument("--timeout-scale", type=float, default=1.0)
    ap.add_argument("--linux-initrd", default="build/initramfs-linux.cpio.gz",
                    help="the initramfs of the islet-linux run")
    ap.add_argument("tests", nargs="*", default=TESTS)
    args = ap.parse_args()
    for t in args.tests:
        if t not in TESTS:
            ap.error(f"unknown test {t}; known: {' '.join(TESTS)}")

    checks = {}
    runs = {}
    jobs = []
    layout = None
    specs = {s.name: s for s in SPECS}
    for t in args.tests:
        spec = specs[t]
        test = spec.test
        if t == "islet-hvmem":
            try:
                layout = hv_layout(args.elf)
            except (OSError, ValueError) as e:
                c = Check(t)
                c.require(False, f"cannot find the hypervisor's memory: {e}")
                checks[t] = c
                continue
            test = f"hvmem=0x{layout['target']:x}"
        if spec.mode == "islet" and not os.path.exists(args.islet):
            c = Check(t)
            c.require(False, f"{args.islet} does not exist")
            checks[t] = c
            continue
        cmdline = bochs.test_cmdline(test)
        if spec.extra_cmdline:
            cmdline += " " + spec.extra_cmdline
        boot = bochs.Boot(mode=spec.mode, kernel=args.kernel,
                          initrd=(args.linux_initrd if spec.initrd == "linux"
                                  else args.initrd), cmdline=cmdline,
                          islet=args.islet)
        if spec.islet_args:
            boot.islet_args += " " + spec.islet_args
        jobs.append((spec, boot))
    # The longest first, for when -j is below the number of tests.
    jobs.sort(key=lambda j: (-j[0].cpus, j[0].mode == "bare"))

    if not bochs.default_preload():
        print("machine: note: build/tests/machine/fixed_seed.so is missing; "
              "tick counts will differ slightly between runs", flush=True)
    sem = threading.Semaphore(max(1, args.jobs))
    lock = threading.Lock()

    def worker(spec, boot):
        name = spec.name
        with sem:
            with lock:
                print(f"machine: {name}: booting ({boot.mode}, {spec.cpus} "
                      f"CPU{'s' if spec.cpus > 1 else ''}: {boot.cmdline})",
                      flush=True)
            watch = [layout["target"]] if name == "islet-hvmem" else []
            try:
                r = bochs.run(boot, os.path.join(args.work, name),
                              timeout=spec.timeout * args.timeout_scale,
                              watch_writes=watch, cpus=spec.cpus,
                              **spec.run_args)
            except Exception as e:  # a broken ISO build, a missing tool
                r = e
            with lock:
                runs[name] = r
                if isinstance(r, Exception):
                    print(f"machine: {name}: could not run: {r}", flush=True)
                else:
                    print(f"machine: {name}: {r.summary()}", flush=True)

    t0 = time.monotonic()
    bochs.run_parallel(worker, jobs)

    for name, r in runs.items():
        if isinstance(r, Exception):
            c = Check(name)
            c.require(False, f"could not run: {r}")
        elif name == "islet-hvmem":
            c = check_islet_hvmem(r, layout)
        else:
            c = CHECKS[name](r)
        checks[name] = c

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
    for line in report_measurements(checks, runs, args.elf):
        print(line)
    print(f"machine: wall {time.monotonic() - t0:.0f} s")
    print(f"machine: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
