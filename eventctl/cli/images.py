"""`eventctl images`: build the service images and push them to ECR."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, JsonOption

if TYPE_CHECKING:
    from eventctl.cli._app import App
    from eventctl.core.images import BuildSettings, ImageTools

app = typer.Typer(
    help="Images: build the service images (reproducibly, without a network) and push them.",
    no_args_is_help=True,
)

ServicesArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Services to build (auth or auth-service).", metavar="SERVICE...", show_default=False
    ),
]
AllOption = Annotated[bool, typer.Option("--all", help="Every service of the model.")]
BuilderOption = Annotated[
    str | None,
    typer.Option(
        "--builder",
        help="docker, podman or buildah; default: the first of them that is installed.",
        metavar="NAME",
        show_default=False,
    ),
]
BaseOption = Annotated[
    str | None,
    typer.Option(
        "--base",
        help="Base image (Debian-based, with python3); default: the one `images base` makes.",
        metavar="IMAGE",
        show_default=False,
    ),
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="oci (reproducible; the health check lives in the task definition) or docker "
        "(keeps HEALTHCHECK in the image; buildah < 1.41 makes its digest differ per build).",
        metavar="FORMAT",
    ),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show the builder's own output.")
]


def image_tools(cli: App, builder: str | None, verbose: bool = False) -> ImageTools:
    """The builder, git and pip of this machine, run with the process environment."""
    import sys

    from eventctl.adapters.images import Git, find_builder
    from eventctl.core.images import ImageTools

    environ = dict(cli.environ)

    def tool_line(line: str) -> None:
        if verbose:
            cli.err.print(f"  {line}", style="dim", highlight=False, markup=False)

    return ImageTools(
        builder=find_builder(builder, environ),
        git=Git(_source_root(), environ),
        environ=environ,
        pip=[sys.executable, "-m", "pip"],
        tool_output=tool_line,
    )


def build_settings(base: str | None, image_format: str) -> BuildSettings:
    from eventctl.core.images import BuildSettings

    root = _source_root()
    return BuildSettings(
        repo_root=root,
        work_dir=root / ".eventctl" / "images",
        base_image=base,
        image_format=image_format,
    )


def _source_root() -> Path:
    from eventctl.core.images import CONTAINERFILE
    from eventctl.errors import EventctlError
    from eventctl.paths import SOURCE_ROOT

    if not (SOURCE_ROOT / CONTAINERFILE).is_file():
        raise EventctlError(
            "images are built from a checkout of the project, and this install has none",
            hint="run eventctl from a git clone (pip install -e .)",
        )
    return SOURCE_ROOT


def _progress(cli: App) -> Callable[[str], None]:
    def show(line: str) -> None:
        style = "yellow" if line.startswith("warning:") else None
        cli.err.print(line, style=style, highlight=False, markup=False, soft_wrap=True)

    return show


@app.command("base")
def base(
    ctx: typer.Context,
    force: Annotated[
        bool, typer.Option("--force", help="Make it again even if it exists.")
    ] = False,
    builder: BuilderOption = None,
    json_output: JsonOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Make the base image from Debian packages (debootstrap), unless it exists.

    The base is a minimal Debian bookworm with python3, trimmed of package
    caches, manuals and translations. It is made once per machine; `images
    build` makes it by itself when it is missing. Needs root (debootstrap) and
    the Debian mirror.

    Example:

        eventctl images base

        eventctl images base --force --builder buildah
    """
    from eventctl.core.images import ensure_base

    cli = get_app(ctx)
    tools = image_tools(cli, builder, verbose)
    settings = build_settings(None, "oci")
    ref = ensure_base(tools, settings, force=force, progress=_progress(cli))
    info = tools.builder.inspect(ref)
    if json_output:
        cli.print_json({"image": ref, "image_id": info.image_id, "size": info.size})
    else:
        cli.out.print(f"{ref}  {info.image_id[:12]}  {_mb(info.size)}", highlight=False)


@app.command("build")
def build(
    ctx: typer.Context,
    services: ServicesArgument = None,
    all_services: AllOption = False,
    builder: BuilderOption = None,
    base_image: BaseOption = None,
    image_format: FormatOption = "oci",
    json_output: JsonOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Build service images from the current commit, tagged with its sha.

    Each image holds the service code and the platform model (never the
    operator CLI, tests or docs) on a runtime shared by every service. The
    same commit built twice gives the same digest. A tree with uncommitted
    changes is built as it is and tagged <sha>-dirty, with a warning.
    Progress goes to stderr; the result (image, digest, size) to stdout.

    Example:

        eventctl images build auth

        eventctl images build --all --json
    """
    from eventctl.core.images import build_images, select_services

    cli = get_app(ctx)
    chosen = select_services(cli.platform, services or [], all_services)
    tools = image_tools(cli, builder, verbose)
    built = build_images(
        cli.platform,
        chosen,
        tools=tools,
        settings=build_settings(base_image, image_format),
        progress=_progress(cli),
    )
    if json_output:
        cli.print_json([image.to_dict() for image in built])
        return
    for image in built:
        cli.out.print(f"{image.image}  {image.digest}  {_mb(image.size)}", highlight=False)


@app.command("push")
def push(
    ctx: typer.Context,
    services: ServicesArgument = None,
    all_services: AllOption = False,
    env: Annotated[
        str,
        typer.Option(
            "--env", "-e", help="Environment: dev or prod.", metavar="ENV", show_default=False
        ),
    ] = "",
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="Push here instead of ECR's registry, with ECR's login "
            "(http://HOST:PORT for a plain-HTTP one).",
            metavar="URL",
            show_default=False,
        ),
    ] = None,
    builder: BuilderOption = None,
    base_image: BaseOption = None,
    image_format: FormatOption = "oci",
    json_output: JsonOption = False,
    verbose: VerboseOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Build the service images from the current commit and push them to ECR.

    Logs in with ECR's GetAuthorizationToken (no credential helper), checks
    every repository, then builds and pushes. An image the repository already
    holds under its tag is not pushed again; a tag that holds another image
    (tags are immutable) fails before anything is pushed. Prints each image's
    digest as the registry reports it, and `repository@digest`, the reference
    task definitions pin.

    Example:

        eventctl images push --all --env dev

        eventctl images push auth booking --env prod --json
    """
    from eventctl.adapters.aws.clients import make_client
    from eventctl.adapters.aws.ecr import Ecr
    from eventctl.cli._aws import aws_target
    from eventctl.core.images import local_environment_error, publish, select_services
    from eventctl.errors import EventctlError

    cli = get_app(ctx)
    if not env:
        raise EventctlError("--env is required", hint="e.g. eventctl images push --all --env dev")
    profile = cli.platform.environment(env)
    if profile.kind == "local":
        raise local_environment_error(env)
    chosen = select_services(cli.platform, services or [], all_services)
    tools = image_tools(cli, builder, verbose)
    published = publish(
        cli.platform,
        env,
        chosen,
        tools=tools,
        settings=build_settings(base_image, image_format),
        ecr=Ecr(make_client("ecr", aws_target(cli, env, endpoint_url))),
        registry=registry,
        progress=_progress(cli),
    )
    if json_output:
        cli.print_json([image.to_dict() for image in published])
        return
    for image in published:
        cli.out.print(f"{image.service}: {image.reference}  {_mb(image.size)}", highlight=False)


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
