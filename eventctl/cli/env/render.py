"""`eventctl env render`: write the Terraform of an AWS environment, rendered from the model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EnvArgument, JsonOption

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Directory to write into (default: .eventctl/ENV/terraform).",
        file_okay=False,
        show_default=False,
    ),
]


def render(
    ctx: typer.Context, env: EnvArgument, out: OutOption = None, json_output: JsonOption = False
) -> None:
    """Write the Terraform root of an AWS environment (dev, prod), rendered from the model.

    Self-contained: root module, modules, terraform.tfvars.json, an empty S3 backend block.

    Same model, same bytes. Runs terraform fmt when terraform is on the PATH. No AWS access.

    Example:

        eventctl env render dev --out build/dev-terraform
    """
    import shutil

    from eventctl.core.render import render_environment

    cli = get_app(ctx)
    out_dir = out if out is not None else Path(".eventctl") / env / "terraform"
    terraform_bin = shutil.which("terraform")
    result = render_environment(cli.platform, env, out_dir, terraform_bin=terraform_bin)
    files = [path.relative_to(result.root).as_posix() for path in result.files]
    if json_output:
        cli.print_json(
            {
                "environment": result.env,
                "root": str(result.root),
                "files": files,
                "formatted": result.formatted,
            }
        )
        return
    for name in files:
        cli.out.print(name, highlight=False, markup=False)
    formatted = "terraform fmt applied" if result.formatted else "terraform not found: not fmt-ed"
    cli.err.print(
        f"rendered {result.env} into {result.root} ({len(files)} files, {formatted})",
        highlight=False,
        markup=False,
    )
