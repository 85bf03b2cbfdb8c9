"""Image tests' shared parts: a container store in a temp dir, one base image per test
session, a clean clone of the repository to build from, and a local registry with ECR-style
login (htpasswd user AWS, moto's GetAuthorizationToken password)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, free_port

TOOLS = ("buildah", "podman", "skopeo", "docker-registry", "htpasswd", "debootstrap", "git")


def require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt-get install, .ci/system-deps.sh)")


def storage_environ(root: Path, base: Mapping[str, str]) -> dict[str, str]:
    """Variables that keep buildah's and podman's images, containers and settings in `root`:
    overlay when this kernel offers it there, else vfs (which always works, and is slower)."""
    root.mkdir(parents=True, exist_ok=True)
    conf = root / "storage.conf"
    environ = {**base, "CONTAINERS_STORAGE_CONF": str(conf)}
    for driver in ("overlay", "vfs"):
        graph = root / driver
        conf.write_text(
            f'[storage]\ndriver = "{driver}"\n'
            f'runroot = "{graph}/run"\ngraphroot = "{graph}/graph"\n'
        )
        probe = subprocess.run(
            ["buildah", "from", "scratch"], env=environ, capture_output=True, text=True
        )
        if probe.returncode == 0:
            subprocess.run(
                ["buildah", "rm", probe.stdout.strip()],
                env=environ,
                capture_output=True,
                check=True,
            )
            break
    containers_conf = root / "containers.conf"
    # podman run needs these two limits on these machines (LAB.md).
    containers_conf.write_text(
        '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
    )
    environ["CONTAINERS_CONF"] = str(containers_conf)
    auth = root / "auth.json"  # podman login's credentials stay in the temp dir too
    auth.write_text("{}")
    environ["REGISTRY_AUTH_FILE"] = str(auth)
    return environ


def clean_clone(dest: Path) -> Path:
    """A clone of the repository's HEAD: builds from it do not see this tree's edits."""
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(dest)], check=True
    )
    for key, value in (("user.email", "tests@example.com"), ("user.name", "tests")):
        subprocess.run(["git", "-C", str(dest), "config", key, value], check=True)
    return dest


@dataclass
class ImageLab:
    """One session's image store, clean clone, build settings and base image."""

    environ: dict[str, str]
    repo: Path
    work_dir: Path
    base_tarball: Path

    def tools(self, repo: Path | None = None, lines: list[str] | None = None) -> Any:
        from eventctl.adapters.images import Git, find_builder
        from eventctl.core.images import ImageTools

        return ImageTools(
            builder=find_builder("buildah", self.environ),
            git=Git(repo or self.repo, self.environ),
            environ=self.environ,
            pip=[sys.executable, "-m", "pip"],
            tool_output=(lines.append if lines is not None else (lambda _line: None)),
        )

    def settings(self, repo: Path | None = None, **overrides: Any) -> Any:
        from eventctl.core.images import BuildSettings

        return BuildSettings(
            repo_root=repo or self.repo,
            work_dir=self.work_dir,
            base_tarball=self.base_tarball,
            **overrides,
        )

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), env=self.environ, capture_output=True, text=True, check=check
        )


def make_lab(tmp: Path, cache_dir: Path, environ: Mapping[str, str]) -> ImageLab:
    """The store, the clone, and the base image (debootstrap once; the trimmed root file
    system is kept in pytest's cache so later sessions import it in seconds)."""
    from eventctl.core.images import ensure_base

    lab = ImageLab(
        environ=storage_environ(tmp / "store", environ),
        repo=clean_clone(tmp / "repo"),
        work_dir=tmp / "work",
        base_tarball=cache_dir / "debian-bookworm-rootfs.tar",
    )
    ensure_base(lab.tools(), lab.settings())
    return lab


@dataclass
class LocalRegistry:
    """docker-registry on 127.0.0.1 with htpasswd auth; `set_password` as ECR rotates it."""

    endpoint: str
    htpasswd: Path
    process: subprocess.Popen[bytes]

    @property
    def host(self) -> str:
        return self.endpoint.removeprefix("http://")

    def set_password(self, password: str) -> None:
        # The registry re-reads the file when it changes.
        line = subprocess.run(
            ["htpasswd", "-Bbn", "AWS", password], capture_output=True, text=True, check=True
        ).stdout
        self.htpasswd.write_text(line)


def start_registry(root: Path) -> LocalRegistry:
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    htpasswd = root / "htpasswd"
    htpasswd.write_text("")
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        f"auth:\n  htpasswd:\n    realm: ecr\n    path: {htpasswd}\n"
    )
    process = subprocess.Popen(
        ["docker-registry", "serve", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    registry = LocalRegistry(f"http://127.0.0.1:{port}", htpasswd, process)
    _wait_http(f"{registry.endpoint}/v2/")
    return registry


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_http(url: str, timeout: float = 20) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} does not answer")


def ecr_password(ecr_client: Any) -> str:
    """The password in moto's GetAuthorizationToken, as ECR's registry would accept it."""
    token = ecr_client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    return base64.b64decode(token).decode().partition(":")[2]


def lab_fixture(tmp_path_factory: pytest.TempPathFactory, cache: Any) -> Iterator[ImageLab]:
    """Body of the session fixture: the lab, removed afterwards (a store is ~1 GB)."""
    import os

    require_tools()
    tmp = tmp_path_factory.mktemp("images")
    lab = make_lab(tmp, cache.mkdir("eventctl-images"), dict(os.environ))
    try:
        yield lab
    finally:
        subprocess.run(["buildah", "rm", "--all"], env=lab.environ, capture_output=True)
        unmount_under(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def unmount_under(root: Path) -> None:
    """Unmount what the overlay store left mounted under `root` (its own bind mount and
    layer mounts), deepest first, so the directory can be removed."""
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    points = [line.split()[1] for line in mounts if len(line.split()) > 1]
    for point in sorted((p for p in points if p.startswith(str(root))), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
