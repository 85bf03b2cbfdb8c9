"""Which images a release rolls out: found in ECR by `--tag`, or built and pushed (`--build`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from eventctl.cli._app import App
    from eventctl.cli.deploy._tools import Connection
    from eventctl.core.deploy.images import ReleaseImage

TagOption = Annotated[
    str | None,
    typer.Option(
        "--tag",
        "--image-tag",
        "-t",
        help="Deploy the image tagged TAG in each service's ECR repository (pinned by its "
        "digest). Without it, --build.",
        metavar="TAG",
        show_default=False,
    ),
]
BuildOption = Annotated[
    bool,
    typer.Option(
        "--build",
        help="Build the images from this commit and push them to ECR first (the default "
        "without --tag; see docs/images.md).",
    ),
]
RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry",
        help="With --build: push here instead of ECR's registry, with ECR's login.",
        metavar="URL",
        show_default=False,
    ),
]
BuilderOption = Annotated[
    str | None,
    typer.Option(
        "--builder",
        help="With --build: docker, podman or buildah (default: the first installed).",
        metavar="NAME",
        show_default=False,
    ),
]


def check_choice(tag: str | None, build: bool) -> None:
    """--tag and --build exclude each other; a tag must be one ECR accepts."""
    from eventctl.core.deploy.images import check_tag
    from eventctl.errors import EventctlError

    if tag is not None and build:
        raise EventctlError(
            "--tag and --build exclude each other",
            hint="--tag deploys an image already in ECR; --build builds one from this commit",
        )
    if tag is not None:
        check_tag(tag)


def images_to_roll(
    cli: App,
    connection: Connection,
    services: Sequence[str],
    *,
    tag: str | None,
    registry: str | None,
    builder: str | None,
) -> tuple[list[ReleaseImage], str]:
    """(the images, where they came from for people: 'tag v2' or 'build 3f9c2e1')."""
    from eventctl.adapters.aws.ecr import Ecr
    from eventctl.core.deploy.images import resolve_tag

    env = connection.names.env
    ecr = Ecr(connection.client("ecr"))
    if tag is not None:
        return list(resolve_tag(cli.platform, env, services, tag, ecr=ecr)), f"tag {tag}"
    from eventctl.cli.images import build_settings, image_tools
    from eventctl.core import images

    chosen = [cli.platform.service(name) for name in dict.fromkeys(services)]

    def progress(line: str) -> None:
        cli.err.print(line, highlight=False, soft_wrap=True, markup=False)

    published = images.publish(
        cli.platform,
        env,
        chosen,
        tools=image_tools(cli, builder),
        settings=build_settings(None, "oci"),
        ecr=ecr,
        registry=registry,
        progress=progress,
    )
    shas = sorted({image.git_sha for image in published})
    return list(published), f"build {', '.join(shas)}"
