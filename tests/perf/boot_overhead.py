#!/usr/bin/env python3
"""Boot overhead benchmark: the stack boots in the test machine bare and
under Islet, on 1 and 2 emulated CPUs, and the figures are printed.

A benchmark prints numbers and asserts nothing about them: the exit status
is 1 only when a run gave no figure at all (it did not get to the init's
marker).  The figures are emulated ticks (clock sync=none: the TSC is the
instruction count), so they repeat exactly from run to run and do not
depend on the host or its load:

  marker      the TSC when the Service VM's (or bare Linux's) init ran its
              first probe: the boot, BIOS to userspace
  power-off   the last tick bochs.log gives (the ACPI power-off)
  islet/bare  the marker ratio, and the difference in ticks
  exits       the hypervisor's exit statistics at power-off, by reason (of
              the vCPU that powered off; on 1 CPU they include the
              benchmark's CPUIDs)
  cpuid       on 1 CPU, after the marker: the CPUID round trip from the
              Service VM's userspace (islet-probe bench-cpuid), i.e. the
              full cost of a CPUID exit, and the same instruction bare

The init modes are the machine suite's (tests/initramfs/init): bench/
bare-bench on 1 CPU, smp=N/bare-smp=N on N.  The runs go in parallel (-j).
"""
import argparse
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "machine"))
import bochs  # noqa: E402
import measure  # noqa: E402


def init_mode(kind, cpus):
    if cpus == 1:	# with the CPUID round-trip benchmark after the marker
        return "bare-bench" if kind == "bare" else "bench"
    return f"bare-smp={cpus}" if kind == "bare" else f"smp={cpus}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bochs.add_input_args(ap)
    ap.add_argument("--work", default="build/perf")
    ap.add_argument("--cpus", default="1,2",
                    help="comma-separated CPU counts (default 1,2)")
    ap.add_argument("-j", "--jobs", type=int, default=0,
                    help="runs at once (default: all)")
    ap.add_argument("--timeout", type=float, default=900,
                    help="wall-clock limit of each run, in seconds")
    args = ap.parse_args()
    try:
        cpu_counts = [int(x) for x in args.cpus.split(",") if x]
    except ValueError:
        ap.error(f"bad --cpus {args.cpus!r}")

    jobs = []
    for cpus in cpu_counts:
        for kind in ("bare", "islet"):
            boot = bochs.Boot(mode=kind, kernel=args.kernel,
                              initrd=args.initrd, islet=args.islet,
                              cmdline=bochs.test_cmdline(init_mode(kind,
                                                                   cpus)))
            jobs.append((kind, cpus, boot))
    runs = {}
    lock = threading.Lock()
    sem = threading.Semaphore(args.jobs or len(jobs))

    def worker(kind, cpus, boot):
        with sem:
            try:
                r = bochs.run(boot, os.path.join(args.work,
                                                 f"{kind}-{cpus}cpu"),
                              timeout=args.timeout, cpus=cpus)
            except Exception as e:  # a missing tool, a broken ISO build
                r = e
            with lock:
                runs[(kind, cpus)] = r
                what = r.summary() if isinstance(r, bochs.RunResult) \
                    else f"could not run: {r}"
                print(f"perf: {kind}, {cpus} CPU(s): {what}", flush=True)

    if not bochs.default_preload():
        print("perf: note: fixed_seed.so is missing; tick counts will "
              "differ slightly between runs", flush=True)
    t0 = time.monotonic()
    bochs.run_parallel(worker, jobs)

    missing = []

    def figures(kind, cpus):
        r = runs.get((kind, cpus))
        if not isinstance(r, bochs.RunResult):
            missing.append(f"{kind}/{cpus}")
            return None, None, None
        marker = bochs.marker_tick(r.serial, "userspace")
        if marker is None:
            missing.append(f"{kind}/{cpus} ({r.summary()}; files in "
                           f"{r.workdir})")
        end = r.end_tick if r.end == "poweroff" else None
        stats = measure.exit_stats(r) if kind == "islet" else []
        return marker, end, stats[0] if stats else None

    print("perf: boot overhead (emulated ticks)")
    for line in measure.image_lines(args.elf):
        print(f"  {line}")
    for cpus in cpu_counts:
        bm, be, _ = figures("bare", cpus)
        im, ie, stats = figures("islet", cpus)
        label = f"{cpus} CPU" + ("s" if cpus > 1 else "")
        print("  " + measure.ratio_line(label, bm, im) +
              (f", islet-bare {im - bm:+d}" if bm and im else ""))
        print(f"    power-off tick: bare {be if be else 'n/a'}, "
              f"islet {ie if ie else 'n/a'}")
        for kind in ("bare", "islet"):
            r = runs.get((kind, cpus))
            if isinstance(r, bochs.RunResult):
                for line in bochs.lines_with(r.serial, "ISLET-BENCH"):
                    print(f"    {kind}: {line.split('ISLET-BENCH: ', 1)[1]}")
        for line in measure.stats_lines(stats, indent="    "):
            print(line)
    walls = [f"{k}/{c} CPU {r.wall:.0f} s" for (k, c), r in runs.items()
             if isinstance(r, bochs.RunResult)]
    print(f"  wall per run: {', '.join(walls)}; in all "
          f"{time.monotonic() - t0:.0f} s")
    if missing:
        print(f"perf: no figure from: {'; '.join(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
