#!/usr/bin/env python3
"""check-hsm-qemu: without the hypervisor, islet_hsm.ko refuses to load,
cleanly.  The Service VM kernel (Debian's cloud kernel) boots under QEMU
TCG, which has no VT-x and no ACRN signature, with an initramfs whose init
(tests/hsm/init-qemu.sh) tries to load the module twice and reports: with
busybox's insmod, which makes two load calls (finit_module, then
init_module after any failure), and with one finit_module call
(`hsm-smoke --load`, what kmod's insmod does).

Cases:
  boot         init ran to its end and powered the machine off
  refused      both attempts failed
  enodev       ... with "No such device" (ENODEV)
  log-line     the module logged exactly its one clear line per load call
  nothing-left no /dev/acrn_hsm, the module is not loaded
  clean-kernel no oops, BUG, WARNING or call trace on the console
  init-result  init's own verdict is PASS

usage: test_hsm_qemu.py --kernel VMLINUZ --initrd INITRD --work DIR
                        [--timeout 120]
Prints one line per case and "hsm-qemu: N passed, M failed"."""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

EXPECTED = ("islet_hsm: not running as the Islet Service VM "
            "(no ACRN hypervisor signature): not loading")
# Lines the kernel itself prints about the module on its first load.
KERNEL_TAINT = re.compile(r"islet_hsm: (loading out-of-tree module taints "
                          r"kernel|module verification failed)")
BAD = re.compile(r"Oops|BUG:|WARNING:|Call Trace|general protection|"
                 r"Kernel panic|segfault")
# Attempt: the number of load calls it makes, so of lines expected.
ATTEMPTS = {"insmod": 2, "finit": 1}


def run_qemu(args):
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
           "-cpu", "max", "-smp", "1", "-m", "512", "-nographic",
           "-no-reboot", "-nic", "none", "-kernel", args.kernel,
           "-initrd", args.initrd, "-append",
           "console=ttyS0 ignore_loglevel panic=-1 cryptomgr.notests"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=args.timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        timed_out = True
    wall = time.monotonic() - t0
    text = out.decode("utf-8", "replace").replace("\r", "")
    with open(os.path.join(args.work, "console.log"), "w") as f:
        f.write(text)
    return text, timed_out, proc.returncode, wall


def lines(text, prefix):
    return [l[len(prefix):].strip() for l in text.splitlines()
            if l.startswith(prefix)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    text, timed_out, rc, wall = run_qemu(args)
    results = []

    def report(name, errors):
        results.append(not errors)
        print(f"{'PASS' if not errors else 'FAIL'}: {name}")
        for e in errors:
            print(f"    {e}")

    errors = []
    if "HSM-MARKER: init" not in text:
        errors.append("init did not start")
    elif "HSM-END" not in text:
        errors.append("init did not reach its end")
    if timed_out:
        errors.append(f"no power-off within {args.timeout:.0f} s")
    report(f"boot: init ran and powered off ({wall:.1f} s wall)", errors)

    attempts = {}
    for l in lines(text, "HSM-ATTEMPT:"):
        m = re.match(r"(\S+) rc=(\d+) (.*)", l)
        if m:
            attempts[m.group(1)] = (int(m.group(2)), m.group(3))
    errors = [f"no attempt {a}" for a in ATTEMPTS if a not in attempts]
    errors += [f"{a} succeeded: {out}" for a, (rc, out) in attempts.items()
               if rc == 0]
    report("refused: each attempt failed", errors)

    report("enodev: the error is \"No such device\"",
           [f"{a} not ENODEV: {out}" for a, (rc, out) in attempts.items()
            if "No such device" not in out]
           + ([] if attempts else ["no attempt"]))

    errors = []
    for attempt, calls in ATTEMPTS.items():
        logged = [l[len(attempt) + 1:] for l in lines(text, "HSM-DMESG:")
                  if l.startswith(attempt + " ")]
        module = [l for l in logged if not KERNEL_TAINT.search(l)]
        errors += [f"{attempt}: unexpected line: {l}" for l in module
                   if l != EXPECTED]
        if module.count(EXPECTED) != calls:
            errors.append(f"{attempt}: {module.count(EXPECTED)} times "
                          f"{EXPECTED!r}, expected {calls}")
    report("log-line: one clear line per load call", errors)

    errors = []
    if lines(text, "HSM-DEV:") != ["absent"]:
        errors.append(f"/dev/acrn_hsm: {lines(text, 'HSM-DEV:')}")
    if lines(text, "HSM-LOADED:") != ["no"]:
        errors.append(f"module loaded: {lines(text, 'HSM-LOADED:')}")
    report("nothing-left: no device, module not loaded", errors)

    report("clean-kernel: no oops, BUG, WARNING or trace",
           [f"console: {l.strip()}" for l in text.splitlines()
            if BAD.search(l)])

    verdict = lines(text, "HSM-RESULT:")
    report("init-result: init's verdict",
           [] if verdict == ["PASS"] else [f"HSM-RESULT: {verdict}"])

    if not all(results):
        print(f"    console: {os.path.join(args.work, 'console.log')}")
    passed = sum(results)
    print(f"hsm-qemu: {passed} passed, {len(results) - passed} failed "
          f"({wall:.1f} s wall)")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
