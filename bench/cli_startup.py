"""CLI start-up time against the cost of importing boto3, measured in the same run.

Usage: python bench/cli_startup.py [--runs N]

Prints the median wall time of `eventctl --help`, `eventctl env show dev --json` and
`python -c 'import boto3'`, and the ratios. Target: `eventctl --help` at most 0.9x the boto3
import. Commands run interleaved so machine noise hits all of them alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = {
    "eventctl --help": [str(BIN / "eventctl"), "--help"],
    "eventctl env show dev --json": [str(BIN / "eventctl"), "env", "show", "dev", "--json"],
    "python -c 'import boto3'": [sys.executable, "-c", "import boto3"],
}


def time_once(argv: list[str], cwd: str) -> float:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=cwd, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory() as cwd:  # no eventctl.toml around
        for argv in COMMANDS.values():  # warm the file cache once
            time_once(argv, cwd)
        for _ in range(runs):
            for name, argv in COMMANDS.items():
                samples[name].append(time_once(argv, cwd))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    reference = medians["python -c 'import boto3'"]
    print(f"runs per command: {runs} (median wall time, interleaved)")
    for name, median in medians.items():
        print(f"  {name:<32} {median * 1000:7.1f} ms   {median / reference:5.2f}x boto3 import")
    ratio = medians["eventctl --help"] / reference
    verdict = "meets" if ratio <= 0.9 else "MISSES"
    print(f"eventctl --help / import boto3 = {ratio:.2f} ({verdict} the <= 0.90 target)")


if __name__ == "__main__":
    main()
