#!/usr/bin/env python3
"""Run each `make check-*` target given on the command line, keep going when
one fails, and print one summary line that CI reads."""
import subprocess
import sys
import time

passed, failed = [], []
for target in sys.argv[1:]:
    t0 = time.monotonic()
    print(f"=== {target}", flush=True)
    rc = subprocess.call(["make", "--no-print-directory", target])
    dt = time.monotonic() - t0
    (passed if rc == 0 else failed).append(target)
    print(f"=== {target}: {'PASS' if rc == 0 else 'FAIL'} ({dt:.0f} s)", flush=True)
print()
for t in failed:
    print(f"FAILED: {t}")
print(f"suites: {len(passed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
