"""The image adapter: which builder is picked, the registry client against a real
docker-registry, the base trimming, git, and the Containerfile's botocore list."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventctl.adapters.images import (
    BuilderNotFound,
    Git,
    ImageToolError,
    Registry,
    RegistryLoginError,
    auth_file_json,
    find_builder,
    run_tool,
    trim_rootfs,
)
from tests.conftest import REPO_ROOT
from tests.helpers.images import LocalRegistry, clean_clone, require_tools, start_registry, stop


def fake_which(present: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda name: present.get(name)


def test_builders_are_tried_docker_podman_buildah(tmp_path: Path) -> None:
    everything = {name: f"/usr/bin/{name}" for name in ("docker", "podman", "buildah")}
    # A docker client whose daemon does not answer (here: no such program) is passed over.
    everything["docker"] = str(tmp_path / "no-docker")
    assert find_builder(None, {}, fake_which(everything)).name == "podman"
    only_buildah = {"buildah": "/usr/bin/buildah"}
    assert find_builder(None, {}, fake_which(only_buildah)).name == "buildah"
    assert find_builder("buildah", {}, fake_which(everything)).executable == "/usr/bin/buildah"


def test_no_builder_names_the_three_and_how_to_install_one() -> None:
    with pytest.raises(BuilderNotFound) as raised:
        find_builder(None, {}, fake_which({}))
    assert "docker, podman or buildah" in raised.value.message
    assert raised.value.hint and "apt-get install -y buildah" in raised.value.hint
    with pytest.raises(BuilderNotFound, match="podman is not installed"):
        find_builder("podman", {}, fake_which({"buildah": "/usr/bin/buildah"}))
    with pytest.raises(BuilderNotFound, match="unknown builder 'kaniko'"):
        find_builder("kaniko", {}, fake_which({}))


def test_a_failing_tool_is_one_error_with_its_last_lines(tmp_path: Path) -> None:
    with pytest.raises(ImageToolError, match=r"failed \(exit 3\): third"):
        run_tool(["sh", "-c", "echo first; echo second; echo third >&2; exit 3"], environ={})
    seen: list[str] = []
    assert run_tool(["sh", "-c", "echo a; echo b >&2"], environ={}, on_line=seen.append)
    assert seen == ["a", "b"]


def test_auth_file_holds_one_registry() -> None:
    import base64
    import json

    data = json.loads(auth_file_json("127.0.0.1:5000", "AWS", "s3cret"))
    assert base64.b64decode(data["auths"]["127.0.0.1:5000"]["auth"]) == b"AWS:s3cret"


def test_trim_keeps_licences_and_drops_caches_manuals_translations(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    for relative in (
        "var/cache/apt/archives/python3.deb",
        "var/lib/apt/lists/deb.debian.org_Packages",
        "usr/share/man/man1/ls.1.gz",
        "usr/share/doc/python3/copyright",
        "usr/share/doc/python3/changelog.gz",
        "usr/share/locale/fr/LC_MESSAGES/x.mo",
        "usr/share/locale/locale.alias",
        "usr/lib/x86_64-linux-gnu/gconv/UTF-16.so",
        "usr/bin/python3",
    ):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x")
    trim_rootfs(root)
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert left == [
        "usr/bin/python3",
        "usr/share/doc/python3/copyright",
        "usr/share/locale/locale.alias",
    ]


def test_git_reads_the_commit_and_sees_a_dirty_tree(tmp_path: Path) -> None:
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    repo = clean_clone(tmp_path / "repo")
    git = Git(repo, {"PATH": "/usr/bin:/bin"})
    commit = git.head()
    assert re.fullmatch(r"[0-9a-f]{40}", commit.sha) and commit.epoch > 0
    assert not commit.dirty
    (repo / "services" / "__init__.py").write_text("# changed\n")
    assert git.head().dirty
    exported = tmp_path / "export"
    git.export(exported, "services")
    assert (exported / "services" / "__init__.py").read_text() != "# changed\n"
    assert not (exported / "eventctl").exists()


def test_git_outside_a_checkout_says_to_commit(tmp_path: Path) -> None:
    with pytest.raises(ImageToolError, match="not a git checkout"):
        Git(tmp_path, {"PATH": "/usr/bin:/bin"}).head()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[LocalRegistry]:
    require_tools()
    registry = start_registry(tmp_path / "registry")
    registry.set_password("right")
    try:
        yield registry
    finally:
        stop(registry.process)


def test_registry_login_is_checked_against_htpasswd(registry: LocalRegistry) -> None:
    Registry(registry.endpoint, "AWS", "right").check_login()
    with pytest.raises(RegistryLoginError, match="refused the login") as raised:
        Registry(registry.endpoint, "AWS", "wrong").check_login()
    assert raised.value.hint and "ecr:GetAuthorizationToken" in raised.value.hint


def test_registry_reports_an_absent_image_as_none(registry: LocalRegistry) -> None:
    assert Registry(registry.endpoint, "AWS", "right").image("event-planner-dev-auth", "x") is None
    assert not Registry(registry.endpoint, "AWS", "right").tls_verify
    assert Registry("https://1.dkr.ecr.eu-west-1.amazonaws.com", "AWS", "p").tls_verify


def test_the_containerfile_keeps_botocore_data_for_every_client_the_services_make() -> None:
    used: set[str] = set()
    for path in (REPO_ROOT / "services").rglob("*.py"):
        # `session.client("sqs", ...)` or the kit's `aws_client("sqs", ...)`
        found = re.findall(r'(?:(?<!\w)client|\baws_client)\(\s*"([a-z0-9-]+)"', path.read_text())
        used |= set(found)
    assert used, "the scan found no AWS clients: the pattern is stale"
    containerfile = (REPO_ROOT / "container" / "Containerfile").read_text()
    (kept,) = re.findall(r'ARG BOTOCORE_SERVICES="([^"]*)"', containerfile)
    assert used == set(kept.split())
