"""The one seam of the lifecycle commands: where the Terraform root module comes from.

`root_factory` renders it from the model; tests (and the plan benchmark) assign a root of
builtin `terraform_data` resources here, so everything after it -- init, plan, show, apply,
destroy, output, force-unlock -- is the code operators run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventctl.core.env_lifecycle import RootFactory
    from platform_model import Platform


def _render_root(platform: Platform, env: str, out_dir: Path, terraform_bin: str | None) -> Path:
    from eventctl.core.env_lifecycle import render_root

    return render_root(platform, env, out_dir, terraform_bin)


root_factory: RootFactory = _render_root
