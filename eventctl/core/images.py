"""Building the service images, and publishing them to each service's ECR repository.

An image is three layers of parts, built by one Containerfile (`container/Containerfile`):

- the **base**: a Debian root file system (debootstrap, trimmed) or an image given with
  `--base`; made once per machine by `ensure_base`;
- the **runtime**: the base + a venv with the pinned dependencies (`container/requirements.txt`,
  installed from a wheelhouse filled on the host, so the build itself needs no network) + the
  non-root user. It is the same for the five services and is built once per (base, lock,
  Containerfile), named by a hash of the three, so the services share its layers;
- the **service**: the committed `services/` and `platform_model/` (never the operator CLI,
  tests or docs), byte-compiled, with the service's port, readiness path and command.

Reproducible: every build runs without a cache, with `--timestamp` and SOURCE_DATE_EPOCH
taken from the commit time, from a context exported with `git archive` (modes and contents
as committed, whatever the working tree's mtimes), so the same commit on the same base gives
the same image id and digest. A dirty tree is built from the working tree's tracked files
and tagged `<sha>-dirty`, with a warning.

`publish` logs in to ECR with GetAuthorizationToken, and pushes only images the repository
does not already hold: the image id (the config digest, which layer compression does not
change) is compared with the one the repository's tag names.

Nothing here prints: progress goes to the `progress` callback as lines.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from eventctl.adapters.aws.ecr import Ecr
from eventctl.adapters.images import (
    Builder,
    Commit,
    Git,
    ImageToolError,
    Registry,
    RemoteImage,
    auth_file_json,
    compile_rootfs_python,
    debootstrap,
    fill_wheelhouse,
    tar_rootfs,
    trim_rootfs,
)
from eventctl.errors import EventctlError
from platform_model import Platform, Service

Progress = Callable[[str], None]

CONTAINERFILE = Path("container/Containerfile")
LOCK = Path("container/requirements.txt")
IMAGE_SOURCES = ("services", "platform_model")
"""What an image holds of this repository: the services and the model they import."""

DEFAULT_BASE = "localhost/eventplanner-base:bookworm"
RUNTIME_REPOSITORY = "localhost/eventplanner-runtime"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
BASE_ENV = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8")
IMAGE_FORMATS = ("oci", "docker")
SHORT_SHA = 12


def _quiet(_line: str) -> None:
    pass


_quiet_line = _quiet


@dataclass(frozen=True)
class PublishedImage:
    """An image in a service's ECR repository, as task definitions pin it."""

    service: str  # model service name, e.g. "auth"
    repository_uri: str  # "<registry host>/<repository>"
    tag: str  # git sha, or "<sha>-dirty"
    digest: str  # "sha256:..."
    git_sha: str
    size: int  # bytes, uncompressed

    @property
    def reference(self) -> str:
        """What task definitions pin: `<repository_uri>@<digest>`, never a mutable tag."""
        return f"{self.repository_uri}@{self.digest}"

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "reference": self.reference}


@dataclass(frozen=True)
class BuiltImage:
    """A service image in the local image store."""

    service: str
    image: str  # local name, "localhost/<project>/<image_name>:<tag>"
    tag: str
    digest: str  # the local manifest's digest
    image_id: str  # the config digest (hex): the same wherever the image is pushed
    git_sha: str
    size: int  # bytes, uncompressed
    created: str  # ISO 8601, from the commit time
    dirty: bool

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ImageTools:
    """The outside programs a build uses, with the environment they run in."""

    builder: Builder
    git: Git
    environ: Mapping[str, str]
    pip: Sequence[str]  # how to run the host's pip, e.g. [sys.executable, "-m", "pip"]
    tool_output: Progress = field(default=_quiet_line)  # each line the tools print


@dataclass(frozen=True)
class BuildSettings:
    """Where and how images are built.

    `work_dir` keeps the wheelhouse (reused while the lock is unchanged) and temporary build
    contexts. `base_image` None means DEFAULT_BASE, made from Debian packages when missing.
    """

    repo_root: Path
    work_dir: Path
    base_image: str | None = None
    image_format: str = "oci"
    debian_suite: str = "bookworm"
    debian_mirror: str = "http://deb.debian.org/debian"
    extra_labels: Mapping[str, str] = field(default_factory=dict)
    base_tarball: Path | None = None
    """A kept copy of the trimmed Debian root file system: imported instead of running
    debootstrap when it exists, written after debootstrap when it does not (CI caches)."""


# -- what to build ---------------------------------------------------------------------------


def select_services(platform: Platform, names: Sequence[str], all_services: bool) -> list[Service]:
    """The services named (or every one with `all_services`); unknown names fail first."""
    if all_services and names:
        raise EventctlError("give service names or --all, not both", hint="e.g. --all")
    if all_services:
        return list(platform.services)
    if not names:
        raise EventctlError(
            "no service given",
            hint=f"name one or more of {', '.join(s.name for s in platform.services)}, or --all",
        )
    chosen = [platform.service(name) for name in names]
    return list({service.name: service for service in chosen}.values())


def image_tag(commit: Commit) -> str:
    """The commit's short sha, `-dirty` when the tree has uncommitted changes."""
    return commit.sha[:SHORT_SHA] + ("-dirty" if commit.dirty else "")


def local_name(platform: Platform, service: Service, tag: str) -> str:
    return f"localhost/{platform.project}/{service.image_name}:{tag}"


def dirty_warning(commit: Commit) -> str:
    return (
        f"warning: the working tree has uncommitted changes; building them as "
        f"{image_tag(commit)} (not reproducible: commit to get a release image)"
    )


# -- base and runtime ------------------------------------------------------------------------


def ensure_base(
    tools: ImageTools, settings: BuildSettings, *, force: bool = False, progress: Progress = _quiet
) -> str:
    """The base image: `settings.base_image` when given (it must exist), else DEFAULT_BASE,
    made from Debian packages (debootstrap) when it is missing or `force` is set."""
    builder = tools.builder
    if settings.base_image:
        if not builder.exists(settings.base_image):
            raise EventctlError(
                f"base image {settings.base_image} is not in {builder.name}'s image store",
                hint=f"pull it first ({builder.name} pull {settings.base_image}), or leave out "
                "--base to make one from Debian packages",
            )
        return settings.base_image
    if builder.exists(DEFAULT_BASE) and not force:
        return DEFAULT_BASE
    progress(f"making the base image {DEFAULT_BASE} from Debian {settings.debian_suite} packages")
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    cached = settings.base_tarball
    if cached is not None and cached.is_file():
        builder.import_rootfs(cached, DEFAULT_BASE, env=BASE_ENV, cmd="/bin/bash")
        progress(f"base image {DEFAULT_BASE} ready (from {cached.name})")
        return DEFAULT_BASE
    with tempfile.TemporaryDirectory(prefix="base-", dir=settings.work_dir) as tmp:
        rootfs = Path(tmp) / "rootfs"
        debootstrap(
            rootfs,
            suite=settings.debian_suite,
            mirror=settings.debian_mirror,
            packages=BASE_PACKAGES,
            environ=tools.environ,
            on_line=tools.tool_output,
        )
        trim_rootfs(rootfs)
        compile_rootfs_python(rootfs, tools.environ)
        tarball = Path(tmp) / "rootfs.tar"
        tar_rootfs(rootfs, tarball)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(tarball, cached)
            tarball = cached
        builder.import_rootfs(tarball, DEFAULT_BASE, env=BASE_ENV, cmd="/bin/bash")
    progress(f"base image {DEFAULT_BASE} ready")
    return DEFAULT_BASE


def runtime_image(
    tools: ImageTools, settings: BuildSettings, base: str, progress: Progress = _quiet
) -> str:
    """The runtime image for `base` and the lock, built when it is not there yet (always OCI:
    only the service stage's format decides whether HEALTHCHECK is kept)."""
    builder = tools.builder
    containerfile = settings.repo_root / CONTAINERFILE
    lock = settings.repo_root / LOCK
    key = hashlib.sha256()
    for part in (
        builder.inspect(base).image_id.encode(),
        lock.read_bytes(),
        containerfile.read_bytes(),
    ):
        key.update(hashlib.sha256(part).digest())
    ref = f"{RUNTIME_REPOSITORY}:{key.hexdigest()[:16]}"
    if builder.exists(ref):
        return ref
    wheelhouse = settings.work_dir / "wheels" / hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    progress("filling the wheelhouse from the lock (pip wheel, on the host)")
    fill_wheelhouse(
        lock, wheelhouse, pip=tools.pip, environ=tools.environ, on_line=tools.tool_output
    )
    epoch = tools.git.last_change(str(CONTAINERFILE.parent)) or tools.git.head().epoch
    progress(f"building the runtime image {ref}")
    with tempfile.TemporaryDirectory(prefix="runtime-", dir=settings.work_dir) as tmp:
        context = Path(tmp)
        shutil.copyfile(lock, context / "requirements.txt")
        shutil.copytree(wheelhouse, context / "wheels", ignore=shutil.ignore_patterns(".*"))
        builder.build(
            containerfile=containerfile,
            context=context,
            tag=ref,
            target="runtime",
            build_args={"BASE_IMAGE": base, "SOURCE_DATE_EPOCH": str(epoch)},
            labels={},
            timestamp=epoch,
            image_format="oci",  # reproducible; a docker-format service image is made on it
            on_line=tools.tool_output,
        )
    return ref


# -- service images --------------------------------------------------------------------------


def export_sources(git: Git, commit: Commit, repo_root: Path, dest: Path) -> None:
    """The files an image holds, under `dest`: as committed (git archive) for a clean tree,
    else the working tree's tracked files with their modes reduced to 0644/0755 as git
    records them."""
    dest.mkdir(parents=True, exist_ok=True)
    if not commit.dirty:
        git.export(dest, *IMAGE_SOURCES)
        return
    for relative in git.tracked_files(*IMAGE_SOURCES):
        source = repo_root / relative
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        executable = source.stat().st_mode & stat.S_IXUSR
        os.chmod(target, 0o755 if executable else 0o644)


def labels_for(
    platform: Platform, service: Service, commit: Commit, tag: str, base: str
) -> dict[str, str]:
    """OCI annotations as image labels: where, what and when it was built from."""
    return {
        "org.opencontainers.image.title": service.full_name,
        "org.opencontainers.image.source": commit.origin or platform.project,
        "org.opencontainers.image.revision": commit.sha,
        "org.opencontainers.image.version": tag,
        "org.opencontainers.image.created": iso_time(commit.epoch),
        "org.opencontainers.image.base.name": base,
    }


def iso_time(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_images(
    platform: Platform,
    services: Sequence[Service],
    *,
    tools: ImageTools,
    settings: BuildSettings,
    progress: Progress = _quiet,
) -> list[BuiltImage]:
    """Build one image per service from HEAD (or the dirty working tree); see the module doc."""
    if settings.image_format not in IMAGE_FORMATS:
        raise EventctlError(
            f"unknown image format {settings.image_format!r}", hint="use oci or docker"
        )
    commit = tools.git.head()
    tag = image_tag(commit)
    if commit.dirty:
        progress(dirty_warning(commit))
    if settings.image_format == "docker" and tools.builder.reproducible:
        progress(
            f"note: {tools.builder.name} writes a random container id into docker-format "
            "images, so their digest differs on every build (docs/images.md)"
        )
    base = ensure_base(tools, settings, progress=progress)
    runtime = runtime_image(tools, settings, base, progress)
    built: list[BuiltImage] = []
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="context-", dir=settings.work_dir) as tmp:
        context = Path(tmp)
        export_sources(tools.git, commit, settings.repo_root, context)
        for service in services:
            name = local_name(platform, service, tag)
            progress(f"building {name}")
            tools.builder.build(
                containerfile=settings.repo_root / CONTAINERFILE,
                context=context,
                tag=name,
                target="service",
                build_args={
                    "BASE_IMAGE": base,
                    "RUNTIME_IMAGE": runtime,
                    "SOURCE_DATE_EPOCH": str(commit.epoch),
                    "SERVICE": service.name,
                    "PORT": str(service.port),
                    "READY_PATH": service.ready_path,
                },
                labels={
                    **labels_for(platform, service, commit, tag, base),
                    **settings.extra_labels,
                },
                timestamp=commit.epoch,
                image_format=settings.image_format,
                on_line=tools.tool_output,
            )
            info = tools.builder.inspect(name)
            built.append(
                BuiltImage(
                    service=service.name,
                    image=name,
                    tag=tag,
                    digest=info.digest,
                    image_id=info.image_id,
                    git_sha=commit.sha,
                    size=info.size,
                    created=iso_time(commit.epoch),
                    dirty=commit.dirty,
                )
            )
    return built


# -- publishing ------------------------------------------------------------------------------


def local_environment_error(env: str) -> EventctlError:
    return EventctlError(
        f"{env} runs the services from source, not from images: there is no registry to push to",
        hint="run `eventctl env up local`; to try an image, `eventctl images build SERVICE` "
        "and run it with podman (docs/images.md)",
    )


def publish(
    platform: Platform,
    env: str,
    services: Sequence[Service],
    *,
    tools: ImageTools,
    settings: BuildSettings,
    ecr: Ecr,
    registry: str | None = None,
    progress: Progress = _quiet,
) -> list[PublishedImage]:
    """Build `services` from HEAD and push each image to its ECR repository in `env`.

    Parameters:
      platform, env  the model and the environment (dev or prod; local has no registry);
      services       the model services to build (`select_services` makes the list);
      tools          builder, git, environment and host pip the build runs with;
      settings       repository root, work dir, base image, image format;
      ecr            the ECR adapter of `env`'s account and region: it gives the login
                     (GetAuthorizationToken) and each repository's URI;
      registry       push here instead of ECR's own registry ("http://127.0.0.1:5000", or
                     "host:port" for https), keeping ECR's login: a mirror, or a local
                     registry in tests;
      progress       called with each progress line.

    Checks everything before changing anything: the environment, the login (a refused one
    fails here), every repository, and that no repository holds the tag with another image
    (ECR tags are immutable). An image whose id the repository already holds under the tag
    is not pushed again. Returns one PublishedImage per service, in order, each with the
    digest read back from the registry.
    """
    profile = platform.environment(env)
    if profile.kind == "local":
        raise local_environment_error(env)
    names = platform.names(env)
    login = ecr.login()
    endpoint = _registry_endpoint(registry or login.endpoint)
    remote = Registry(endpoint, login.username, login.password)
    remote.check_login()
    repositories = {s.name: names.ecr_repository(s) for s in services}
    for service in services:
        ecr.repository_uri(repositories[service.name])  # RepositoryNotFound before any build
    built = build_images(platform, services, tools=tools, settings=settings, progress=progress)

    present: dict[str, RemoteImage | None] = {}
    for image in built:
        repository = repositories[image.service]
        found = remote.image(repository, image.tag)
        if found is not None and found.image_id != image.image_id:
            raise EventctlError(
                f"{remote.host}/{repository} already holds {image.tag} with another image "
                f"(image id {found.image_id[:12]}, this build {image.image_id[:12]})",
                hint="tags are immutable: commit the change to get a new tag, or rebuild "
                "from the same base as the image that was pushed",
            )
        present[image.service] = found

    published: list[PublishedImage] = []
    with tempfile.TemporaryDirectory(prefix="push-", dir=settings.work_dir) as tmp:
        auth_file = Path(tmp) / "config.json"
        auth_file.touch(0o600)
        auth_file.write_text(auth_file_json(remote.host, login.username, login.password))
        for image in built:
            repository = repositories[image.service]
            destination = f"{remote.host}/{repository}"
            found = present[image.service]
            if found is not None:
                progress(f"{destination}:{image.tag} is already there ({found.digest}): not pushed")
            else:
                progress(f"pushing {image.image} to {destination}:{image.tag}")
                tools.builder.push(
                    image.image,
                    f"{destination}:{image.tag}",
                    auth_file=auth_file,
                    tls_verify=remote.tls_verify,
                )
                found = remote.image(repository, image.tag)
                if found is None or found.image_id != image.image_id:
                    raise ImageToolError(
                        f"{destination}:{image.tag} is not the image just pushed",
                        hint="another push raced this one; run the command again",
                    )
            published.append(
                PublishedImage(
                    service=image.service,
                    repository_uri=destination,
                    tag=image.tag,
                    digest=found.digest,
                    git_sha=image.git_sha,
                    size=image.size,
                )
            )
    return published


def _registry_endpoint(value: str) -> str:
    """'https://host' for a bare host (ECR's proxyEndpoint has the scheme already)."""
    return value if "://" in value else f"https://{value}"
