"""What `eventctl env plan` costs on top of the terraform commands it runs.

Starts a moto server on a free loopback port, bootstraps the state backend, and times, on the
same builtin-only root module (tests/helpers/lifecycle.py):

  reference: terraform init + plan -out + show -json, run by hand
  eventctl:  `eventctl env plan dev --json` (STS, backend check, init, plan, show, summary)

Prints the medians and their ratio. Run: python bench/plan_overhead.py [ROUNDS]
Figures depend on the machine and its load; compare the ratio, not the seconds.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _loadgen import free_port  # bench/ is on sys.path when a bench script runs

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "helpers"))

from lifecycle import TestRoot  # noqa: E402

DRIVER = """
import sys
sys.path.insert(0, {tests!r})
from lifecycle import TestRoot
from eventctl.cli.env import _root as env_lifecycle
from eventctl.cli.main import main
env_lifecycle.root_factory = TestRoot()
sys.argv = ["eventctl", "env", "plan", "dev", "--json"]
main()
"""


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 2):
        raise SystemExit(f"{command} failed:\n{result.stderr}")
    return elapsed


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    terraform = shutil.which("terraform")
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if not terraform or not moto:
        raise SystemExit("needs terraform and moto_server on PATH")
    port = free_port()
    server = subprocess.Popen(
        [moto, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    work = Path(tempfile.mkdtemp(prefix="eventctl-bench-"))
    try:
        time.sleep(2)
        (work / "terraformrc").write_text("")
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "eu-west-1",
            "TF_CLI_CONFIG_FILE": str(work / "terraformrc"),
            "NO_COLOR": "1",
        }
        eventctl = [sys.executable, "-m", "eventctl"]
        subprocess.run(
            [*eventctl, "env", "bootstrap", "dev", "--yes"],
            env=env,
            check=True,
            cwd=work,
            capture_output=True,
        )
        driver = work / "driver.py"
        driver.write_text(DRIVER.format(tests=str(REPO / "tests" / "helpers")))
        # The reference: the same root and backend file, terraform by hand.
        by_hand = work / "by-hand"
        TestRoot()(None, "dev", by_hand, terraform)
        ours = []
        reference = []
        for _ in range(rounds):
            ours.append(timed([sys.executable, str(driver)], work, env))
            backend = work / ".eventctl/dev/terraform/eventctl.s3.tfbackend"
            shutil.copy(backend, by_hand / "backend.tfbackend")
            started = time.perf_counter()
            for command in (
                ["init", "-input=false", "-no-color", "-backend-config=backend.tfbackend"],
                ["plan", "-input=false", "-no-color", "-out=p.bin", "-detailed-exitcode"],
                ["show", "-json", "p.bin"],
            ):
                timed([terraform, *command], by_hand, {**env, "TF_IN_AUTOMATION": "1"})
            reference.append(time.perf_counter() - started)
        ref = statistics.median(reference)
        mine = statistics.median(ours)
        print(f"rounds: {rounds}")
        print(f"terraform init+plan+show by hand: median {ref:.2f}s")
        print(f"eventctl env plan dev --json:     median {mine:.2f}s")
        print(f"ratio eventctl / by hand: {mine / ref:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
