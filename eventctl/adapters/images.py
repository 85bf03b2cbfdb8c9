"""Image builders (docker, podman or buildah), debootstrap, git and a registry's HTTP API.

Every outside program is run as a subprocess with an environment handed in by the caller
(nothing here reads the process environment), so tests can point the container tools at a
storage in a temp dir (`CONTAINERS_STORAGE_CONF`). A program that fails becomes one
`ImageToolError` naming the command and the last lines it printed.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventctl.errors import EventctlError

BUILDERS = ("docker", "podman", "buildah")
"""Tried in this order when no builder is named."""

INSTALL_HINT = (
    "install one of docker, podman or buildah: on Debian/Ubuntu `apt-get install -y buildah` "
    "(no daemon needed), or pass --builder"
)

Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


class ImageToolError(EventctlError):
    """A builder, git or debootstrap command failed."""


class BuilderNotFound(EventctlError):
    """No container builder is installed (or the one asked for is not)."""


class RegistryLoginError(EventctlError):
    """The registry refused the credentials."""


@dataclass(frozen=True)
class ImageInfo:
    """What a builder knows of a local image."""

    image_id: str  # the config digest, hex without "sha256:"
    digest: str  # the local manifest's digest, "sha256:..."
    size: int  # bytes, uncompressed
    labels: dict[str, str]


def run_tool(
    argv: Sequence[str],
    *,
    environ: Mapping[str, str],
    cwd: Path | None = None,
    input: bytes | None = None,
    on_line: Progress = _quiet,
    what: str | None = None,
) -> str:
    """Run `argv`, stream its stderr (and stdout when `on_line` is given) line by line to
    `on_line`, return stdout; a non-zero exit raises ImageToolError with the last lines."""
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(environ),
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if on_line is not _quiet else subprocess.PIPE,
        )
    except FileNotFoundError:
        raise ImageToolError(f"{argv[0]} is not installed", hint=INSTALL_HINT) from None
    if on_line is _quiet:
        stdout, stderr = process.communicate(input)
        text, tail = stdout.decode(errors="replace"), stderr.decode(errors="replace")
        tail = tail if tail.strip() else text
    else:
        if input is not None:
            assert process.stdin is not None
            process.stdin.write(input)
            process.stdin.close()
        assert process.stdout is not None
        lines: list[str] = []
        with process.stdout:
            for raw in process.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                lines.append(line)
                on_line(line)
        process.wait()
        text, tail = "\n".join(lines), "\n".join(lines[-10:])
    if process.returncode != 0:
        last = " | ".join(line.strip() for line in tail.strip().splitlines()[-3:] if line.strip())
        raise ImageToolError(
            f"{what or ' '.join(argv[:2])} failed (exit {process.returncode}): {last}",
            hint="--verbose shows the whole output of the build tools",
        )
    return text


@dataclass
class Builder:
    """One container builder: `name` is docker, podman or buildah."""

    name: str
    executable: str
    environ: Mapping[str, str] = field(default_factory=dict)

    def _run(self, *args: str, **kwargs: Any) -> str:
        return run_tool([self.executable, *args], environ=self.environ, **kwargs)

    @property
    def reproducible(self) -> bool:
        """Whether builds take `--timestamp` (buildah and podman; docker needs BuildKit)."""
        return self.name in ("buildah", "podman")

    def exists(self, ref: str) -> bool:
        try:
            self.inspect(ref)
        except ImageToolError:
            return False
        return True

    def inspect(self, ref: str) -> ImageInfo:
        """Id, digest, size and labels of a local image; ImageToolError if absent."""
        if self.name == "buildah":
            data = json.loads(self._run("inspect", "--type", "image", ref))
            manifest = json.loads(data["Manifest"])
            config = data.get("OCIv1", {}).get("config") or {}
            return ImageInfo(
                image_id=str(data["FromImageID"]),
                digest=str(data["FromImageDigest"]),
                size=sum(int(layer["size"]) for layer in manifest.get("layers", [])),
                labels=dict(config.get("Labels") or {}),
            )
        (data,) = json.loads(self._run("image", "inspect", ref))
        image_id = str(data["Id"]).removeprefix("sha256:")
        digest = str(data.get("Digest") or f"sha256:{image_id}")
        labels = data.get("Labels") or (data.get("Config") or {}).get("Labels") or {}
        return ImageInfo(image_id, digest, int(data.get("Size", 0)), dict(labels))

    def build(
        self,
        *,
        containerfile: Path,
        context: Path,
        tag: str,
        target: str,
        build_args: Mapping[str, str],
        labels: Mapping[str, str],
        timestamp: int,
        image_format: str,
        on_line: Progress,
    ) -> None:
        """Build `target` of `containerfile` as `tag`, never from a cache (see docs/images.md)."""
        command = "build" if self.name != "buildah" else "bud"
        args = [command, "-f", str(containerfile), "--target", target, "-t", tag]
        if self.reproducible:
            # --layers=false: no cache is read or written (a cached step would keep another
            # build's timestamps) and no intermediate image is committed per instruction,
            # which on a vfs store copies the whole tree each time. buildah's --no-cache
            # would turn layers on.
            args += ["--layers=false", "--isolation", "chroot", "--format", image_format]
            args += ["--timestamp", str(timestamp)]
        for key, value in sorted(build_args.items()):
            args += ["--build-arg", f"{key}={value}"]
        for key, value in sorted(labels.items()):
            args += ["--label", f"{key}={value}"]
        self._run(*args, str(context), on_line=on_line, what=f"{self.name} {command} {tag}")

    def import_rootfs(self, tarball: Path, ref: str, *, env: Sequence[str], cmd: str) -> None:
        """Make image `ref` from a root file system tarball (one layer)."""
        if self.name == "buildah":
            container = self._run("from", "scratch").strip()
            try:
                self._run("add", container, str(tarball), "/")
                config = ["config", "--cmd", cmd]
                for pair in env:
                    config += ["--env", pair]
                self._run(*config, container)
                self._run("commit", "--quiet", "--format", "oci", container, ref)
            finally:
                self._run("rm", container)
            return
        changes = [f"--change=CMD {cmd}", *(f"--change=ENV {pair}" for pair in env)]
        self._run("import", *changes, str(tarball), ref)

    def remove(self, ref: str) -> None:
        args = ("rmi", "--force", ref) if self.name != "buildah" else ("rmi", "-f", ref)
        self._run(*args)

    def push(self, ref: str, destination: str, *, auth_file: Path, tls_verify: bool) -> str:
        """Push `ref` to `destination` (host/repo:tag) with the credentials in `auth_file`;
        returns the digest the registry now has for it."""
        if self.name == "docker":
            environ = {**self.environ, "DOCKER_CONFIG": str(auth_file.parent)}
            run_tool([self.executable, "tag", ref, destination], environ=environ)
            out = run_tool([self.executable, "push", destination], environ=environ)
            digest = next(
                (word for word in out.split() if word.startswith("sha256:")), ""
            )  # "<tag>: digest: sha256:... size: N"
            return digest
        digest_file = auth_file.parent / "digest"
        self._run(
            "push",
            "--quiet",
            f"--tls-verify={'true' if tls_verify else 'false'}",
            "--authfile",
            str(auth_file),
            "--digestfile",
            str(digest_file),
            ref,
            f"docker://{destination}",
            what=f"{self.name} push {destination}",
        )
        return digest_file.read_text().strip()


def find_builder(
    preferred: str | None,
    environ: Mapping[str, str],
    which: Callable[[str], str | None] | None = None,
) -> Builder:
    """The builder named `preferred`, or the first of docker, podman, buildah that exists.

    docker counts only when its daemon answers: a docker client without a daemon (common on
    CI machines) would fail every build.
    """
    if preferred is not None and preferred not in BUILDERS:
        raise BuilderNotFound(
            f"unknown builder {preferred!r}", hint="use --builder docker, podman or buildah"
        )
    if which is None:

        def which(name: str) -> str | None:
            return shutil.which(name, path=environ.get("PATH"))

    for name in (preferred,) if preferred else BUILDERS:
        path = which(name)
        if path is None:
            continue
        builder = Builder(name, path, environ)
        if name == "docker" and not preferred and not _docker_daemon_answers(builder):
            continue
        return builder
    if preferred:
        raise BuilderNotFound(f"{preferred} is not installed", hint=INSTALL_HINT)
    raise BuilderNotFound("no container builder found (docker, podman or buildah)", INSTALL_HINT)


def _docker_daemon_answers(builder: Builder) -> bool:
    try:
        subprocess.run(
            [builder.executable, "info", "--format", "{{.ID}}"],
            env=dict(builder.environ),
            capture_output=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def auth_file_json(registry: str, username: str, password: str) -> str:
    """A containers-auth.json / docker config.json holding one registry's credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return json.dumps({"auths": {registry: {"auth": token}}})


# -- a root file system from Debian packages -------------------------------------------------

BASE_TRIM = (
    "var/cache/apt/archives",
    "var/cache/apt/pkgcache.bin",
    "var/cache/apt/srcpkgcache.bin",
    "var/lib/apt/lists",
    "var/log",
    "usr/share/man",
    "usr/share/info",
    "usr/lib/x86_64-linux-gnu/gconv",
)
"""What a service image never uses: package caches and lists, logs, manuals, iconv modules."""


def debootstrap(
    rootfs: Path,
    *,
    suite: str,
    mirror: str,
    packages: Sequence[str],
    environ: Mapping[str, str],
    on_line: Progress,
) -> None:
    """A minimal Debian root file system in `rootfs` (debootstrap --variant=minbase)."""
    if shutil.which("debootstrap", path=environ.get("PATH")) is None:
        raise ImageToolError(
            "debootstrap is not installed",
            hint="apt-get install -y debootstrap, or pass --base IMAGE to use an existing base",
        )
    run_tool(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(packages)}",
            suite,
            str(rootfs),
            mirror,
        ],
        environ=environ,
        on_line=on_line,
        what="debootstrap",
    )


def trim_rootfs(rootfs: Path) -> None:
    """Remove caches, lists, logs, manuals and translations; keep licences (copyright)."""
    for relative in BASE_TRIM:
        target = rootfs / relative
        if target.is_dir() and not target.is_symlink():
            for child in target.iterdir():
                _remove(child)
        elif target.exists():
            target.unlink()
    docs = rootfs / "usr/share/doc"
    if docs.is_dir():
        for path in sorted(docs.rglob("*"), reverse=True):
            if path.is_symlink() or (path.is_file() and path.name != "copyright"):
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    locales = rootfs / "usr/share/locale"
    if locales.is_dir():
        for child in locales.iterdir():
            if child.name != "locale.alias":
                _remove(child)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def compile_rootfs_python(rootfs: Path, environ: Mapping[str, str]) -> None:
    """Byte-compile the base's Python (Debian's packages leave that to a hook the minbase
    install skips), so a service on a read-only root file system does not recompile the
    standard library at every start."""
    run_tool(
        [
            "chroot",
            str(rootfs),
            "/usr/bin/python3",
            "-m",
            "compileall",
            "-q",
            "/usr/lib/python3",
            "/usr/lib/python3.11",
        ],
        environ=environ,
        what="compileall in the base",
    )


def tar_rootfs(rootfs: Path, tarball: Path) -> None:
    """A tarball of `rootfs`, entries sorted, owners numeric: the same tree, the same bytes."""

    def entry(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uname = info.gname = ""
        return info

    paths = sorted(rootfs.rglob("*"), key=lambda p: p.relative_to(rootfs).as_posix())
    with tarfile.open(tarball, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            tar.add(
                path, arcname=path.relative_to(rootfs).as_posix(), recursive=False, filter=entry
            )


def fill_wheelhouse(
    lock: Path,
    wheelhouse: Path,
    *,
    pip: Sequence[str],
    environ: Mapping[str, str],
    on_line: Progress,
) -> None:
    """Download (or build) a wheel for every pinned requirement of `lock` into `wheelhouse`,
    checked against the lock's hashes. The only step of an image build that uses the
    network, and it runs on the host; a filled wheelhouse is reused."""
    marker = wheelhouse / ".complete"
    if marker.exists():
        return
    wheelhouse.mkdir(parents=True, exist_ok=True)
    run_tool(
        [
            *pip,
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "-r",
            str(lock),
            "-w",
            str(wheelhouse),
        ],
        environ=environ,
        on_line=on_line,
        what="pip wheel (the image's wheelhouse)",
    )
    marker.write_text("")


# -- git ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commit:
    """The commit a build starts from."""

    sha: str
    epoch: int  # committer time, seconds
    dirty: bool  # tracked files differ from the commit
    origin: str | None  # the `origin` remote's URL, when there is one


class Git:
    """The few git commands an image build needs."""

    def __init__(self, root: Path, environ: Mapping[str, str]) -> None:
        self.root = root
        self.environ = environ

    def _git(self, *args: str, **kwargs: Any) -> str:
        return run_tool(["git", "-C", str(self.root), *args], environ=self.environ, **kwargs)

    def head(self) -> Commit:
        try:
            sha = self._git("rev-parse", "--verify", "HEAD").strip()
        except ImageToolError:
            raise ImageToolError(
                f"{self.root} is not a git checkout with a commit",
                hint="images are tagged with the commit they are built from: commit first",
            ) from None
        epoch = int(self._git("log", "-1", "--format=%ct", "HEAD").strip())
        dirty = bool(self._git("status", "--porcelain", "--untracked-files=no").strip())
        try:
            origin: str | None = self._git("remote", "get-url", "origin").strip() or None
        except ImageToolError:
            origin = None
        return Commit(sha, epoch, dirty, origin)

    def last_change(self, *paths: str) -> int:
        """The commit time of the last commit touching `paths` (0 if none)."""
        out = self._git("log", "-1", "--format=%ct", "HEAD", "--", *paths).strip()
        return int(out) if out else 0

    def tracked_files(self, *paths: str) -> list[str]:
        """Tracked files under `paths` (as in the working tree, deleted ones left out)."""
        out = self._git("ls-files", "-z", "--", *paths)
        return sorted(p for p in out.split("\0") if p and (self.root / p).is_file())

    def export(self, dest: Path, *paths: str) -> None:
        """The committed content of `paths` at HEAD, written under `dest` (git archive)."""
        archive = dest.parent / f"{dest.name}.tar"
        self._git("archive", "--format=tar", f"--output={archive}", "HEAD", "--", *paths)
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
        archive.unlink()


# -- a registry's HTTP API (ECR speaks it too) ---------------------------------------------------

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


@dataclass(frozen=True)
class RemoteImage:
    """A manifest in a registry: its digest and the image id (config digest) it names."""

    digest: str
    image_id: str


class Registry:
    """Reads manifests from a registry (`endpoint` is https://host or http://host:port)."""

    def __init__(self, endpoint: str, username: str, password: str, *, timeout: float = 30):
        self.endpoint = endpoint.rstrip("/")
        self.auth = (username, password)
        self.timeout = timeout

    @property
    def host(self) -> str:
        return self.endpoint.split("://", 1)[-1]

    @property
    def tls_verify(self) -> bool:
        return self.endpoint.startswith("https://")

    def check_login(self) -> None:
        """RegistryLoginError when the registry refuses the credentials."""
        import httpx

        try:
            reply = httpx.get(f"{self.endpoint}/v2/", auth=self.auth, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise RegistryLoginError(
                f"cannot reach the registry {self.host}: {exc}",
                hint="check --registry and the network",
            ) from None
        if reply.status_code in (401, 403):
            raise RegistryLoginError(
                f"the registry {self.host} refused the login (HTTP {reply.status_code})",
                hint="the ECR token comes from the AWS identity in use: it needs "
                "ecr:GetAuthorizationToken and push rights on the repository",
            )
        if reply.status_code >= 400:
            raise RegistryLoginError(
                f"the registry {self.host} answered HTTP {reply.status_code} to /v2/",
                hint="is --registry a container registry?",
            )

    def image(self, repository: str, reference: str) -> RemoteImage | None:
        """The manifest `repository:reference` (a tag or digest), or None when absent."""
        import httpx

        url = f"{self.endpoint}/v2/{repository}/manifests/{reference}"
        try:
            reply = httpx.get(
                url, auth=self.auth, headers={"Accept": MANIFEST_TYPES}, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise RegistryLoginError(f"cannot reach the registry {self.host}: {exc}") from None
        if reply.status_code == 404:
            return None
        if reply.status_code in (401, 403):
            raise RegistryLoginError(
                f"the registry {self.host} refused to read {repository} (HTTP {reply.status_code})",
                hint="the AWS identity needs ecr:BatchGetImage on the repository",
            )
        reply.raise_for_status()
        manifest = reply.json()
        config = str(manifest.get("config", {}).get("digest", ""))
        digest = reply.headers.get("Docker-Content-Digest") or _sha256(reply.content)
        return RemoteImage(digest=digest, image_id=config.removeprefix("sha256:"))


def _sha256(data: bytes) -> str:
    import hashlib

    return f"sha256:{hashlib.sha256(data).hexdigest()}"
