"""What `env up` checks before it starts anything: service packages, installed modules, the
built web app and free ports. Each check raises EventctlError with the fix; none changes
anything.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path

from eventctl.core.local import procs
from eventctl.core.local.spec import EMULATOR, GATEWAY
from eventctl.errors import EventctlError

# Imported by the processes a run starts (module -> what provides it).
REQUIRED_MODULES = {
    "moto.server": "moto[server]",
    "uvicorn": "uvicorn",
    "starlette": "starlette",
    "cryptography": "cryptography",
}
INSTALL_HINT = "install the project with its development extra: pip install -e '.[dev]'"


def check_packages(services: tuple[str, ...]) -> None:
    """Every chosen service has its package in this checkout."""
    missing = [name for name in services if not importable(f"services.{name}.__main__")]
    if missing:
        present = [name for name in services if name not in missing]
        only = " ".join(f"--service {name}" for name in present)
        raise EventctlError(
            "no service package for "
            + ", ".join(f"{name} (services/{name}/)" for name in missing)
            + ": this checkout cannot run "
            + ("it" if len(missing) == 1 else "them"),
            hint=f"run the others: eventctl env up {only}" if present else None,
        )


def check_modules() -> None:
    """The modules the started processes import are installed."""
    missing = sorted({dist for module, dist in REQUIRED_MODULES.items() if not importable(module)})
    if missing:
        raise EventctlError(
            f"the local environment needs {', '.join(missing)}, which "
            + ("is" if len(missing) == 1 else "are")
            + " not installed",
            hint=INSTALL_HINT,
        )


def importable(module: str) -> bool:
    """Whether `module` can be imported here (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def check_frontend(frontend_dir: Path | None) -> Path:
    """The built web app's folder, resolved; it must hold index.html."""
    if frontend_dir is None or not (frontend_dir / "index.html").is_file():
        raise EventctlError(
            f"no web app at {frontend_dir}: index.html is missing",
            hint="run from a checkout of the project (frontend_dist/ holds the web app)",
        )
    return frontend_dir.resolve()


def check_ports(ports: Mapping[str, int]) -> None:
    """Every component's port is free; otherwise name each busy port and its owner."""
    busy = [(name, port) for name, port in ports.items() if not procs.port_is_free(port)]
    if not busy:
        return
    parts = []
    for name, port in busy:
        owner = procs.port_owner(port)
        who = f"pid {owner.pid} ({owner.command})" if owner else "another process"
        parts.append(f"port {port} ({component_label(name)}) is in use by {who}")
    raise EventctlError(
        "; ".join(parts),
        hint="stop that process, or give the local environment other ports in eventctl.toml: "
        "[environments.local.local] gateway_port, aws_emulator_port, "
        "service_ports = { auth = 18081 }",
    )


def component_label(component: str) -> str:
    """How messages name a component: "AWS emulator", "gateway", "auth service"."""
    if component == EMULATOR:
        return "AWS emulator"
    return "gateway" if component == GATEWAY else f"{component} service"
