"""Render the Terraform root of one AWS environment from the platform model.

Templates live in `templates/terraform/`: plain `.tf` files are copied as they are, `.j2` files
go through Jinja (only where a Terraform construct cannot take a variable, such as `lifecycle`
blocks and checkov suppressions). The model's data goes into `terraform.tfvars.json`. The whole
tree is built in memory and validated before a single file is written, so a bad setting
leaves the output directory as it was.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventctl.core.tfvars import terraform_variables
from eventctl.errors import EventctlError
from eventctl.paths import templates_dir
from platform_model import Platform

TFVARS_FILE = "terraform.tfvars.json"
MANIFEST_FILE = ".eventctl-render.json"


@dataclass(frozen=True)
class RenderResult:
    """What `render_environment` wrote."""

    env: str
    root: Path
    """The directory holding the root module (run terraform here)."""
    files: list[Path]
    """Every file written, sorted."""
    formatted: bool
    """Whether `terraform fmt` ran over the output."""


def render_environment(
    platform: Platform, env: str, out_dir: Path, *, terraform_bin: str | None = None
) -> RenderResult:
    """Write the complete Terraform root of AWS environment `env` into `out_dir`.

    Deterministic: the same model gives byte-identical files. Refuses environments that run
    without Terraform (`local`). With `terraform_bin`, the output is `terraform fmt`-ed.
    Files a previous render wrote and this one no longer does are removed; anything else in
    `out_dir` (`.terraform/`, plans, the lock file) is left alone.
    """
    contents = render_contents(platform, env)
    if out_dir.exists() and not out_dir.is_dir():
        raise EventctlError(
            f"{out_dir} exists and is not a directory", hint="choose another --out directory"
        )
    if terraform_bin is not None:
        contents = _formatted(contents, terraform_bin)
    files = _write(out_dir, contents)
    return RenderResult(env=env, root=out_dir, files=files, formatted=terraform_bin is not None)


def render_contents(platform: Platform, env: str) -> dict[str, str]:
    """Every output file of `env` as {relative path: text}, without touching the disk."""
    variables = terraform_variables(platform, env)
    profile = platform.environment(env)
    context = {"env": profile, "names": platform.names(env), "platform": platform}
    contents = _render_templates(templates_dir() / "terraform", context)
    contents[TFVARS_FILE] = json.dumps(variables, indent=2) + "\n"
    manifest = {"environment": env, "files": sorted([*contents, MANIFEST_FILE])}
    contents[MANIFEST_FILE] = json.dumps(manifest, indent=2) + "\n"
    return dict(sorted(contents.items()))


def _render_templates(root: Path, context: dict[str, Any]) -> dict[str, str]:
    import jinja2

    if not root.is_dir():
        raise EventctlError(
            f"the Terraform templates are missing ({root})",
            hint="reinstall eventctl; the templates ship inside the package",
        )
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    contents: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(part.startswith((".", "__")) for part in relative.parts):
            continue
        key = relative.as_posix()
        if key.endswith(".j2"):
            template = environment.get_template(key)
            contents[key.removesuffix(".j2")] = template.render(**context)
        else:
            contents[key] = path.read_text(encoding="utf-8")
    return contents


def _formatted(contents: dict[str, str], terraform_bin: str) -> dict[str, str]:
    """`contents` after `terraform fmt`, run in a scratch copy so the output is written once."""
    from eventctl.adapters.terraform_fmt import format_tree

    with tempfile.TemporaryDirectory(prefix="eventctl-render-") as scratch:
        base = Path(scratch)
        for relative, text in contents.items():
            target = base / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        format_tree(terraform_bin, base)
        return {relative: (base / relative).read_text(encoding="utf-8") for relative in contents}


def _write(out_dir: Path, contents: dict[str, str]) -> list[Path]:
    previous = _previous_files(out_dir)
    written: list[Path] = []
    try:
        for relative, text in contents.items():
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            if not target.is_file() or target.read_bytes() != data:
                target.write_bytes(data)
            written.append(target)
        for relative in sorted(previous - set(contents)):
            stale = out_dir / relative
            stale.unlink(missing_ok=True)
            _remove_empty_parents(stale.parent, out_dir)
    except OSError as exc:
        raise EventctlError(
            f"cannot write the Terraform files into {out_dir}: {exc}",
            hint="check the directory's permissions and free space, or choose another --out",
        ) from None
    return sorted(written)


def _previous_files(out_dir: Path) -> set[str]:
    """Files the last render into `out_dir` wrote, from its manifest (empty if none)."""
    try:
        manifest = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    # Only plain relative paths inside out_dir: a tampered manifest must not delete elsewhere.
    return {
        f
        for f in files
        if isinstance(f, str) and not Path(f).is_absolute() and ".." not in Path(f).parts
    }


def _remove_empty_parents(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
