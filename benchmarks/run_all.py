"""Every benchmark in one command: forecasting accuracy (issue 5), sequence classification
(issue 8), speed and memory (issue 7), and the long-memory gradient study, one after another.

    python benchmarks/run_all.py [--quick] [--only NAME ...] [--out DIR]

Each script runs in its own process with this interpreter and writes its tables into DIR
(default benchmarks/results); the forecasting benchmark uses two worker processes. Exits
non-zero as soon as one fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = {  # name -> extra arguments
    "forecasting": ["--jobs", "2"],
    "classification": [],
    "speed": [],
    "long_memory": [],
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="each script's --quick mode")
    parser.add_argument("--only", nargs="+", choices=list(SCRIPTS), default=list(SCRIPTS))
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    for name in args.only:
        command = [sys.executable, str(HERE / f"{name}.py"), *SCRIPTS[name], "--out", args.out]
        command += ["--quick"] if args.quick else []
        print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
        start = time.perf_counter()
        code = subprocess.run(command).returncode
        print(f"=== {name}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True)
        if code:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
