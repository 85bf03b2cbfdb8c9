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


# -- the one AWS seam ----------------------------------------------------------------------

SEAM = "eventctl/adapters/aws/_calls.py"
FACTORY = "eventctl/adapters/aws/clients.py"
EVENTCTL_FILES = sorted(PACKAGE.rglob("*.py"))


def _defined_names(path: Path) -> set[str]:
    """Classes and functions defined anywhere in `path` (nested ones too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    kinds = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {node.name for node in ast.walk(tree) if isinstance(node, kinds)}


@pytest.mark.parametrize(
    "name", ["AwsError", "CredentialsError", "ThrottledError", "Backoff", "call", "translate"]
)
def test_the_aws_error_and_call_stack_is_defined_once(name: str) -> None:
    where = [str(p.relative_to(ROOT)) for p in EVENTCTL_FILES if name in _defined_names(p)]
    assert where == [SEAM]


def _builds_a_client(node: ast.AST) -> bool:
    """`boto3.client(...)`, `boto3.Session(...)`, `session.create_client(...)` and the like."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    attribute, owner = node.func.attr, node.func.value
    owner_name = owner.id if isinstance(owner, ast.Name) else ""
    if attribute == "create_client" or attribute == "get_session":
        return True
    return owner_name in {"boto3", "botocore"} and attribute in {"client", "resource", "Session"}


@pytest.mark.parametrize("path", EVENTCTL_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_aws_clients_come_only_from_the_factory(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    modules = imported_modules(path)
    if relative != FACTORY:
        tree = ast.parse(path.read_text(), filename=str(path))
        assert not [node for node in ast.walk(tree) if _builds_a_client(node)]
        assert "botocore.session" not in modules and "boto3.session" not in modules
    if relative.startswith("eventctl/cli/"):
        assert not {m for m in modules if top(m) in {"boto3", "botocore"}}


def test_the_seam_scan_sees_the_adapters_and_the_cli() -> None:
    relative = {str(p.relative_to(ROOT)) for p in EVENTCTL_FILES}
    assert {SEAM, FACTORY, "eventctl/cli/cost.py", "eventctl/cli/_aws.py"} <= relative
    assert _builds_a_client(ast.parse("boto3.client('s3')").body[0].value)  # type: ignore[attr-defined]
