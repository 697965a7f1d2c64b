#!/usr/bin/env python3
"""check-hsm-build: islet_hsm.ko builds with no warning at all under W=1
(extra gcc warnings) and C=1 (sparse), from a fresh copy of the sources.

Cases:
  clean        the W=1 C=1 build succeeds and prints no warning or error
  sparse-ran   sparse checked every .c file (a CHECK line each)
  vermagic     the module is built for the kernel of KDIR
  catches-w1   a copy with a planted W=1-only warning fails to build
  catches-sparse  a copy with a planted sparse-only warning shows it
The last two prove the first would see a real warning.

usage: check_build.py --src hsm-module --abi include/islet --kdir KDIR
                      --work DIR
Prints one line per case and "hsm-build: N passed, M failed"."""
import argparse
import os
import re
import shutil
import subprocess
import sys

# Lines of kbuild's own output that are not diagnostics.  Everything else
# that mentions a warning or an error fails the build check.
DIAG = re.compile(r"warning|error|\bWARNING\b", re.IGNORECASE)

# Planted faults: each compiles with plain gcc; only the named checker
# objects to it.
CANARY_W1 = """\
// SPDX-License-Identifier: GPL-2.0
/* W=1 only: a global function with no prototype (-Wmissing-prototypes). */
int islet_canary_w1(void)
{
	return 0;
}
"""
CANARY_SPARSE = """\
// SPDX-License-Identifier: GPL-2.0
/* sparse only: a user pointer dereferenced directly. */
#include <linux/compiler.h>
int islet_canary_sparse(int __user *p);
int islet_canary_sparse(int __user *p)
{
	return *p;
}
"""


def stage(src, abi, work):
    """A fresh source tree: the module's files and include/islet/."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "include"))
    for name in os.listdir(src):
        # The sources, not Kbuild's products of an in-place build.
        if name in ("Kbuild", "Makefile", "dkms.conf") or (
                name.endswith((".c", ".h")) and not name.endswith(".mod.c")):
            shutil.copy(os.path.join(src, name), work)
    shutil.copytree(abi, os.path.join(work, "include", "islet"))


def plant(work, name, text):
    with open(os.path.join(work, name + ".c"), "w") as f:
        f.write(text)
    with open(os.path.join(work, "Kbuild"), "a") as f:
        f.write(f"islet_hsm-y += {name}.o\n")


def start_build(kdir, work):
    """The W=1 C=1 build of @work, started (they run side by side)."""
    log = open(os.path.join(work, "build.log"), "w+")
    proc = subprocess.Popen(["make", "-C", kdir,
                             f"M={os.path.abspath(work)}", "W=1", "C=1",
                             "modules"],
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    return proc, log


def finish_build(started):
    """(exit status, output, diagnostic lines) of a started build."""
    proc, log = started
    rc = proc.wait()
    log.seek(0)
    out = log.read()
    log.close()
    diags = [l for l in out.splitlines() if DIAG.search(l)
             and not l.startswith(("make[", "make:"))]
    return rc, out, diags


def modinfo(ko):
    """The .modinfo section's key=value strings."""
    tmp = ko + ".modinfo"
    subprocess.run(["objcopy", "-O", "binary", "--only-section=.modinfo",
                    ko, tmp], check=True)
    with open(tmp, "rb") as f:
        raw = f.read()
    os.unlink(tmp)
    info = {}
    for item in raw.split(b"\0"):
        if b"=" in item:
            k, v = item.decode().split("=", 1)
            info.setdefault(k, v)
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--abi", required=True)
    ap.add_argument("--kdir", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    results = []

    def report(name, errors):
        results.append(not errors)
        print(f"{'PASS' if not errors else 'FAIL'}: {name}")
        for e in errors:
            print(f"    {e}")

    clean = os.path.join(args.work, "clean")
    stage(args.src, args.abi, clean)
    w1 = os.path.join(args.work, "canary-w1")
    stage(args.src, args.abi, w1)
    plant(w1, "canary_w1", CANARY_W1)
    sp = os.path.join(args.work, "canary-sparse")
    stage(args.src, args.abi, sp)
    plant(sp, "canary_sparse", CANARY_SPARSE)
    builds = {w: start_build(args.kdir, w) for w in (clean, w1, sp)}

    rc, out, diags = finish_build(builds[clean])
    errors = [f"make exited {rc}"] if rc else []
    errors += [f"diagnostic: {d}" for d in diags]
    report("clean: W=1 C=1 build, no warning", errors)

    sources = sorted(n for n in os.listdir(clean) if n.endswith(".c")
                     and not n.endswith(".mod.c"))
    checked = set(re.findall(r"^\s+CHECK\s+\S*/([^/\s]+\.c)$", out, re.M))
    missing = [s for s in sources if s not in checked]
    report(f"sparse-ran: sparse checked {len(sources)} files",
           [f"no CHECK line for {s}" for s in missing] +
           (["no source files"] if not sources else []))

    ko = os.path.join(clean, "islet_hsm.ko")
    errors = []
    if not os.path.exists(ko):
        errors.append("no islet_hsm.ko")
    else:
        # UTS_RELEASE, not include/config/kernel.release: Debian's
        # headers give the upstream version (6.1.x) there.
        with open(os.path.join(args.kdir, "include", "generated",
                               "utsrelease.h")) as f:
            release = re.search(r'UTS_RELEASE "([^"]+)"', f.read()).group(1)
        vermagic = modinfo(ko).get("vermagic", "")
        if vermagic.split(" ")[0] != release:
            errors.append(f"vermagic {vermagic!r}, kernel {release}")
    report("vermagic: built for the kernel of KDIR", errors)

    rc, out, diags = finish_build(builds[w1])
    report("catches-w1: a planted -Wmissing-prototypes fails the build",
           [] if rc and any("missing-prototypes" in d for d in diags)
           else [f"make exited {rc}; diagnostics: {diags}"])

    rc, out, diags = finish_build(builds[sp])
    report("catches-sparse: a planted __user dereference is reported",
           [] if any("canary_sparse.c" in d and "warning" in d for d in diags)
           else [f"make exited {rc}; diagnostics: {diags}"])

    passed = sum(results)
    print(f"hsm-build: {passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
