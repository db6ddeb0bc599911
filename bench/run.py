"""`make bench`: run every benchmark in bench/ (or those named: `bench/run.py notify_latency`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "notify_latency": HERE / "notify_latency.py",
    "crime": HERE / "crime.py",
    "contract_report": HERE / "bench_contract_report.py",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        print(f"== {name}", flush=True)
        status |= subprocess.run([sys.executable, str(BENCHES[name])], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
