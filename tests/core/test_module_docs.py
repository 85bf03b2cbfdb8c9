"""Every Terraform module's README lists its inputs and outputs as variables.tf and outputs.tf
declare them (regenerate with `python -m tests.helpers.module_docs`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.module_docs import BEGIN, modules, readme_with_tables, tables


@pytest.mark.parametrize("module", modules(), ids=lambda path: path.name)
def test_the_readme_tables_match_the_module(module: Path) -> None:
    readme = (module / "README.md").read_text(encoding="utf-8")
    assert BEGIN in readme, f"run python -m tests.helpers.module_docs ({module.name})"
    assert readme == readme_with_tables(module), (
        f"{module.name}/README.md is stale: run python -m tests.helpers.module_docs"
    )


@pytest.mark.parametrize("module", modules(), ids=lambda path: path.name)
def test_every_input_and_output_has_a_row(module: Path) -> None:
    table = tables(module)
    declared = re.findall(r'^(?:variable|output) "(\w+)"', _interface(module), re.M)
    assert declared, f"nothing declared in {module.name}"
    assert all(f"| `{name}` |" in table for name in declared)
    rows = [row for row in table.splitlines() if row.startswith("| `")]
    assert not [row for row in rows if row.endswith("|  |")], "a row lacks a description"


def test_the_scan_sees_every_module() -> None:
    assert {path.name for path in modules()} >= {"network", "data", "ecs", "alb", "frontend"}


def _interface(module: Path) -> str:
    return "".join(
        (module / name).read_text(encoding="utf-8") for name in ("variables.tf", "outputs.tf")
    )
