"""Runs the fault suite and the bad-input tests and writes docs/reliability.md from what they saw.

Every row of the document comes from a test's `reliability` record and that test's real
outcome, so the page says what ran on this machine and nothing more.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = ["tests/faults", "tests/badinput"]


def main() -> int:
    target = ROOT / "docs" / "reliability.md"
    suites = [s for s in SUITES if (ROOT / s).exists()]
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--reliability-report={target}", *suites]
    print("running:", " ".join(cmd), flush=True)
    rc = subprocess.run(cmd, cwd=ROOT, env=os.environ.copy()).returncode
    print(f"wrote {target.relative_to(ROOT)}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
