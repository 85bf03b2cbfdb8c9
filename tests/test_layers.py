"""Imports go one way: cli -> core -> adapters. Only the CLI may use typer and rich."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "eventctl"
BELOW_CLI = ["core", "adapters", "config.py", "errors.py", "paths.py"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(*parts: str) -> list[Path]:
    result: list[Path] = []
    for part in parts:
        target = PACKAGE / part
        result.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    return [p for p in result if p.exists()]


def top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("path", files(*BELOW_CLI), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_below_cli_never_imports_typer_rich_or_the_cli(path: Path) -> None:
    modules = imported_modules(path)
    assert not {m for m in modules if top(m) in {"typer", "rich", "click"}}
    assert not {m for m in modules if m.startswith("eventctl.cli")}


@pytest.mark.parametrize("path", files("adapters"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_adapters_never_import_core(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m.startswith("eventctl.core")}


@pytest.mark.parametrize("path", files(*BELOW_CLI), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_below_cli_never_reads_the_process_environment(path: Path) -> None:
    source = path.read_text()
    assert "os.environ" not in source and "os.getenv" not in source


def test_the_scan_sees_the_packages() -> None:
    # Guards the tests above against silently scanning nothing.
    assert len(files(*BELOW_CLI)) >= 8


ROOT = PACKAGE.parent


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    "path",
    _python_files("services") + _python_files("platform_model"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_services_and_the_model_never_import_the_operator_cli(path: Path) -> None:
    # A service image holds services/ and platform_model/ only: an import of eventctl there
    # would fail in the image (and would ship the operator CLI if it were copied in).
    modules = imported_modules(path)
    assert not {m for m in modules if top(m) in {"eventctl", "typer", "rich", "click"}}
    if path.parts[-2:-1] == ("platform_model",) or "platform_model" in path.parts:
        source = path.read_text()
        assert "os.environ" not in source and "os.getenv" not in source


def test_the_service_scan_sees_the_services_and_the_model() -> None:
    assert len(_python_files("services")) >= 30
    assert len(_python_files("platform_model")) >= 5


def test_services_carry_the_eventctl_version() -> None:
    import eventctl
    import services

    assert services.__version__ == eventctl.__version__
