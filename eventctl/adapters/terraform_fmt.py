"""`terraform fmt` over a directory tree (the only Terraform command rendering needs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from eventctl.errors import EventctlError


def format_tree(terraform_bin: str, directory: Path) -> None:
    """Rewrite every .tf file under `directory` in Terraform's canonical style.

    Raises EventctlError when terraform cannot run or refuses a file (a syntax error).
    """
    try:
        completed = subprocess.run(
            [terraform_bin, "fmt", "-recursive", "-list=false", "-no-color", str(directory)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EventctlError(
            f"cannot run {terraform_bin} fmt: {exc}",
            hint="check the terraform binary, or render without it (the files stay unformatted)",
        ) from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()
        raise EventctlError(
            f"terraform fmt refused the rendered files: {detail}",
            hint="this is a bug in eventctl's templates; please report it with the output above",
        )
