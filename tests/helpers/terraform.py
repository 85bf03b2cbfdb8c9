"""Helpers for tests over rendered Terraform: parse it, find the provider mirror and checkov."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROVIDER_MIRROR = Path("/opt/tf-plugins")
MIRROR_AWS_VERSION = "5.100.0"
CHECKOV = Path("/opt/eventctl-checkov/venv/bin/checkov")


def parse_tree(root: Path) -> dict[str, dict[str, Any]]:
    """Every .tf file under `root` parsed by python-hcl2, by relative path."""
    import hcl2
    from hcl2 import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    return {
        path.relative_to(root).as_posix(): hcl2.loads(
            path.read_text(encoding="utf-8"), serialization_options=options
        )
        for path in sorted(root.rglob("*.tf"))
        if ".terraform" not in path.parts
    }


def blocks(parsed: dict[str, Any], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every `kind` block ('resource', 'data') of one parsed file."""
    for entry in parsed.get(kind, []):
        for type_, named in entry.items():
            for name, body in named.items():
                yield type_, name, body


def resources_by_module(tree: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """{module directory ('' for the root): {resource type, ...}}."""
    found: dict[str, set[str]] = {}
    for relative, parsed in tree.items():
        module = str(Path(relative).parent) if "/" in relative else ""
        module = module.removeprefix("modules/")
        found.setdefault(module, set()).update(t for t, _, _ in blocks(parsed, "resource"))
    return found


def mirror_copy(rendered: Path, target: Path) -> Path:
    """A copy of `rendered` that accepts the mirror's provider version and has no backend."""
    shutil.copytree(rendered, target)
    for path in target.rglob("versions.tf"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'(version\s*=\s*)"~> 6\.0"', rf'\1"{MIRROR_AWS_VERSION}"', text)
        text = text.replace('backend "s3" {}', "")
        path.write_text(text, encoding="utf-8")
    config = target / ".terraformrc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{PROVIDER_MIRROR}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n',
        encoding="utf-8",
    )
    return config


def run_terraform(
    terraform_bin: str, args: list[str], cwd: Path, extra_env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", **extra_env}
    return subprocess.run(
        [terraform_bin, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def plan_json(terraform_bin: str, workdir: Path, extra_env: dict[str, str]) -> dict[str, Any]:
    """`terraform init` + `plan -out` + `show -json` in `workdir`; fails the test on error."""
    for args in (
        ["init", "-input=false", "-no-color"],
        ["plan", "-input=false", "-no-color", "-out=plan.bin"],
    ):
        done = run_terraform(terraform_bin, args, workdir, extra_env)
        assert done.returncode == 0, f"terraform {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    shown = run_terraform(terraform_bin, ["show", "-json", "plan.bin"], workdir, extra_env)
    assert shown.returncode == 0, shown.stderr
    return dict(json.loads(shown.stdout))
