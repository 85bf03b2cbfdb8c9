"""The images a release rolls out, as data: where they come from does not matter to a rollout.

`--tag TAG` finds each service's image in its ECR repository (`resolve_tag`); `--build` builds
and pushes them (`eventctl.core.images.publish`). Either way a rollout receives, per service,
an image reference pinned by digest (`<repository uri>@sha256:...`): a task definition never
names a mutable tag, so what a release ran can always be told and run again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from eventctl.adapters.aws.ecr import Ecr, RepositoryNotFound
from eventctl.errors import EventctlError
from platform_model import Platform

_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_GIT_SHA = re.compile(r"[0-9a-f]{7,40}(-dirty)?")


class ReleaseImage(Protocol):
    """One service's image of a release (`core.images.PublishedImage` is one)."""

    @property
    def service(self) -> str: ...

    @property
    def reference(self) -> str:
        """'<repository uri>@sha256:...'"""
        ...

    @property
    def digest(self) -> str: ...

    @property
    def git_sha(self) -> str | None: ...


@dataclass(frozen=True)
class TaggedImage:
    """An image found in ECR by its tag."""

    service: str
    repository_uri: str
    tag: str
    digest: str
    git_sha: str | None

    @property
    def reference(self) -> str:
        return f"{self.repository_uri}@{self.digest}"


def check_tag(tag: str) -> None:
    """Refuse what ECR would not accept as a tag (and a digest, which is not a tag)."""
    if not _TAG.fullmatch(tag):
        raise EventctlError(
            f"{tag!r} is not an image tag",
            hint="a tag is up to 128 letters, digits, '_', '.' and '-', e.g. v1.4.2 or a git sha",
        )


def resolve_tag(
    platform: Platform, env: str, services: Sequence[str], tag: str, *, ecr: Ecr
) -> list[TaggedImage]:
    """Each service's image tagged `tag`, pinned by its digest; an error naming the first
    repository that lacks it. Reads only."""
    check_tag(tag)
    names = platform.names(env)
    chosen = list(dict.fromkeys(platform.service(name) for name in services))
    git_sha = tag if _GIT_SHA.fullmatch(tag) else None
    images = []
    for service in chosen:
        repository = names.ecr_repository(service)
        uri, digest = _find(ecr, repository, tag, env)
        images.append(TaggedImage(service.name, uri, tag, digest, git_sha))
    return images


def _find(ecr: Ecr, repository: str, tag: str, env: str) -> tuple[str, str]:
    try:
        uri = ecr.repository_uri(repository)
        digest = ecr.image_digest(repository, tag)
    except RepositoryNotFound:
        raise EventctlError(
            f"ECR repository {repository} does not exist",
            hint=f"create the {env} environment with `eventctl env up {env}`",
        ) from None
    if digest is None:
        raise EventctlError(
            f"ECR repository {repository} has no image tagged {tag!r}",
            hint="push an image with that tag first, or pick a tag it holds: "
            f"aws ecr list-images --repository-name {repository}",
        )
    return uri, digest
