"""How long `eventctl cost report` takes, against `eventctl --help` measured in the same run.

Usage: python bench/cost_report_speed.py [RUNS]. Prints the median wall time of each command
(a fresh interpreter each run, as a user would start it) and the ratio. Not a test: it prints.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    python = [sys.executable, "-m", "eventctl"]
    with tempfile.TemporaryDirectory() as cache:
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "eventctl --help": [*python, "--help"],
            "eventctl cost report (table, dev+prod)": [
                *python,
                "cost",
                "report",
                "--cache-dir",
                cache,
            ],
            "eventctl cost report --format json": [
                *python,
                "cost",
                "report",
                "--format",
                "json",
                "--cache-dir",
                cache,
            ],
        }
        results = {name: median_seconds(args, runs) for name, args in cases.items()}
    reference = results["eventctl --help"]
    print(f"median of {runs} runs each, fresh interpreter per run")
    for name, seconds in results.items():
        print(f"{name:42s} {seconds * 1000:7.0f} ms  {seconds / reference:5.2f}x --help")


if __name__ == "__main__":
    main()
