"""How long `env render` takes, against references measured in the same run.

    python bench/render_bench.py [ROUNDS]

Prints, per environment: building the tfvars from the model, rendering every file in memory,
the full render to disk (without and with `terraform fmt`), and two references: copying the
template tree byte for byte, and one bare `terraform fmt -check` of the output. Figures depend
on the machine (shared cores); read the ratios, not the absolute times.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from eventctl.core.render import render_contents, render_environment
from eventctl.core.tfvars import terraform_variables
from eventctl.paths import templates_dir
from platform_model import build_platform


def timed(action: Callable[[], object], rounds: int) -> float:
    """Median wall time of `action` in milliseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def bench_environment(
    env: str, out: Path, rounds: int, copy_ms: float, terraform: str | None
) -> None:
    platform = build_platform()
    tfvars_ms = timed(lambda: terraform_variables(platform, env), rounds)
    memory_ms = timed(lambda: render_contents(platform, env), rounds)
    disk_ms = timed(lambda: render_environment(platform, env, out), rounds)
    print(f"{env}: model -> tfvars                         {tfvars_ms:8.2f} ms")
    print(f"{env}: render in memory                        {memory_ms:8.2f} ms")
    print(
        f"{env}: render to disk (no fmt)                 {disk_ms:8.2f} ms"
        f"  ({disk_ms / copy_ms:.1f}x the copy)"
    )
    if terraform is None:
        print(f"{env}: terraform not on PATH: fmt figures skipped")
        return
    fmt_rounds = max(3, rounds // 4)
    fmt_ms = timed(
        lambda: render_environment(platform, env, out, terraform_bin=terraform), fmt_rounds
    )
    check = [terraform, "fmt", "-check", "-recursive", str(out)]
    check_ms = timed(lambda: subprocess.run(check, capture_output=True, check=True), fmt_rounds)
    print(
        f"{env}: render to disk with terraform fmt       {fmt_ms:8.2f} ms"
        f"  ({fmt_ms / check_ms:.1f}x one bare `terraform fmt -check` = {check_ms:.0f} ms)"
    )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    terraform = shutil.which("terraform")
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        copy_ms = timed(
            lambda: shutil.copytree(
                templates_dir() / "terraform", base / "copy", dirs_exist_ok=True
            ),
            rounds,
        )
        print(f"reference: copy the template tree            {copy_ms:8.2f} ms")
        for env in ("dev", "prod"):
            bench_environment(env, base / env, rounds, copy_ms, terraform)


if __name__ == "__main__":
    main()
