"""Building and publishing images for real: buildah in a store in a temp dir, a base made
here from Debian packages, a local docker-registry with ECR-style login (moto's token),
and the image pulled back and run with podman answering /readyz."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventctl.adapters.aws.clients import AwsTarget, make_client
from eventctl.adapters.aws.ecr import Ecr
from eventctl.core.images import (
    PublishedImage,
    build_images,
    publish,
    select_services,
)
from eventctl.errors import EventctlError
from platform_model import build_platform
from tests.conftest import free_port
from tests.helpers.images import ImageLab, LocalRegistry, ecr_password, start_registry, stop

PLATFORM = build_platform()
EVENT = PLATFORM.service("event")


@pytest.fixture(scope="module")
def built(image_lab: ImageLab) -> Any:
    """The event image built twice from the same commit."""
    first = build_images(PLATFORM, [EVENT], tools=image_lab.tools(), settings=image_lab.settings())
    second = build_images(PLATFORM, [EVENT], tools=image_lab.tools(), settings=image_lab.settings())
    return first[0], second[0]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[LocalRegistry]:
    registry = start_registry(tmp_path / "registry")
    try:
        yield registry
    finally:
        stop(registry.process)


@pytest.fixture
def ecr(moto_server: Any, registry: LocalRegistry) -> Ecr:
    """moto's ECR with the dev repositories; the local registry accepts moto's token."""
    client = moto_server.client("ecr")
    for service in PLATFORM.services:
        client.create_repository(repositoryName=PLATFORM.names("dev").ecr_repository(service))
    registry.set_password(ecr_password(client))
    target = AwsTarget("eu-west-1", moto_server.endpoint_url, ("test", "test"))
    return Ecr(make_client("ecr", target))


def test_the_same_commit_gives_the_same_digest(built: Any) -> None:
    first, second = built
    assert first.digest.startswith("sha256:")
    assert (first.digest, first.image_id) == (second.digest, second.image_id)


def test_an_image_is_tagged_with_the_commit_and_labelled(image_lab: ImageLab, built: Any) -> None:
    image, _ = built
    sha = image_lab.run("git", "-C", str(image_lab.repo), "rev-parse", "HEAD").stdout.strip()
    assert (image.tag, image.git_sha, image.dirty) == (sha[:12], sha, False)
    labels = image_lab.tools().builder.inspect(image.image).labels
    assert labels["org.opencontainers.image.revision"] == sha
    assert labels["org.opencontainers.image.created"] == image.created
    assert labels["org.opencontainers.image.source"]


def test_an_image_holds_the_services_and_the_model_only(image_lab: ImageLab, built: Any) -> None:
    image, _ = built
    listing = image_lab.run(
        "podman",
        "run",
        "--rm",
        "--network",
        "none",
        image.image,
        "sh",
        "-c",
        "id -u; ls /app; python3 -c 'import eventctl' 2>&1 || true",
    ).stdout.split()
    assert listing[0] == "10001"  # not root
    assert sorted(listing[1:3]) == ["platform_model", "services"]
    assert "ModuleNotFoundError:" in listing
    assert image.size <= 250_000_000


def test_docker_format_keeps_the_healthcheck_that_oci_drops(
    image_lab: ImageLab, built: Any
) -> None:
    def config(name: str) -> dict[str, Any]:
        """podman's view of an image: its config, with the health check it found."""
        (data,) = json.loads(image_lab.run("podman", "image", "inspect", name).stdout)
        return {**data["Config"], "Healthcheck": data.get("Healthcheck")}

    assert config(built[0].image)["Healthcheck"] is None
    said: list[str] = []
    # The same commit, so the same local name: the OCI image comes back with the next build.
    (image,) = build_images(
        PLATFORM,
        [EVENT],
        tools=image_lab.tools(),
        settings=image_lab.settings(image_format="docker"),
        progress=said.append,
    )
    docker = config(image.image)
    assert docker["Healthcheck"]["Test"] == ["CMD", "python3", "-m", "services.kit.healthcheck"]
    assert f"READY_PATH={EVENT.ready_path}" in docker["Env"]
    assert any("digest differs on every build" in line for line in said)


def test_a_dirty_tree_is_tagged_dirty_with_a_warning(image_lab: ImageLab, tmp_path: Path) -> None:
    from tests.helpers.images import clean_clone

    repo = clean_clone(tmp_path / "repo")
    kit = repo / "services" / "kit" / "healthcheck.py"
    kit.write_text(kit.read_text() + "\n# an uncommitted change\n")
    said: list[str] = []
    (image,) = build_images(
        PLATFORM,
        [EVENT],
        tools=image_lab.tools(repo),
        settings=image_lab.settings(repo),
        progress=said.append,
    )
    assert image.tag.endswith("-dirty") and image.dirty
    assert any(line.startswith("warning:") and "uncommitted" in line for line in said)
    shown = image_lab.run(
        "podman",
        "run",
        "--rm",
        "--network",
        "none",
        image.image,
        "tail",
        "-n1",
        "/app/services/kit/healthcheck.py",
    ).stdout
    assert shown.strip() == "# an uncommitted change"


def test_publish_pushes_then_finds_it_there_and_the_image_runs(
    image_lab: ImageLab, built: Any, ecr: Ecr, registry: LocalRegistry
) -> None:
    said: list[str] = []
    (published,) = publish(
        PLATFORM,
        "dev",
        [EVENT],
        tools=image_lab.tools(),
        settings=image_lab.settings(),
        ecr=ecr,
        registry=registry.endpoint,
        progress=said.append,
    )
    repository = PLATFORM.names("dev").ecr_repository(EVENT)
    assert isinstance(published, PublishedImage)
    assert published.repository_uri == f"{registry.host}/{repository}"
    assert published.reference == f"{registry.host}/{repository}@{published.digest}"
    assert published.tag == built[0].tag and published.size == built[0].size
    assert any(line.startswith("pushing") for line in said)
    password = ecr_password(ecr.client)
    reply = httpx.get(
        f"{registry.endpoint}/v2/{repository}/manifests/{published.tag}",
        auth=("AWS", password),
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert reply.headers["Docker-Content-Digest"] == published.digest

    said.clear()
    (again,) = publish(
        PLATFORM,
        "dev",
        [EVENT],
        tools=image_lab.tools(),
        settings=image_lab.settings(),
        ecr=ecr,
        registry=registry.endpoint,
        progress=said.append,
    )
    assert again == published
    assert not any(line.startswith("pushing") for line in said)
    assert any("not pushed" in line for line in said)

    _pull_and_run(image_lab, registry, published, password)


def _pull_and_run(
    lab: ImageLab, registry: LocalRegistry, image: PublishedImage, password: str
) -> None:
    lab.run("podman", "rmi", "--force", built_name(image), check=False)
    lab.run(
        "podman",
        "login",
        "--tls-verify=false",
        "-u",
        "AWS",
        "--password",
        password,
        registry.host,
    )
    lab.run("podman", "pull", "--quiet", "--tls-verify=false", image.reference)
    port = free_port()
    container = lab.run(
        "podman",
        "run",
        "--detach",
        "--network",
        "host",
        "--env",
        f"PORT={port}",
        "--health-cmd",
        "python3 -m services.kit.healthcheck",
        image.reference,
    ).stdout.strip()
    try:
        ready = _wait_ready(port)
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}
        check = lab.run("podman", "healthcheck", "run", container, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        lab.run("podman", "rm", "--force", "--time", "2", container, check=False)


def built_name(image: PublishedImage) -> str:
    return f"{image.repository_uri}:{image.tag}"


def _wait_ready(port: int, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if reply.status_code == 200 or time.monotonic() > deadline:
                return reply
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def test_publish_refuses_a_tag_that_holds_another_image(
    image_lab: ImageLab, built: Any, ecr: Ecr, registry: LocalRegistry
) -> None:
    # Another image under the tag of this commit (as if built from another base).
    repository = PLATFORM.names("dev").ecr_repository(EVENT)
    other = image_lab.run("buildah", "from", built[0].image).stdout.strip()
    image_lab.run("buildah", "config", "--label", "other=1", other)
    image_lab.run("buildah", "commit", "--quiet", "--rm", other, "localhost/other:1")
    password = ecr_password(ecr.client)
    image_lab.run(
        "buildah",
        "push",
        "--quiet",
        "--tls-verify=false",
        "--creds",
        f"AWS:{password}",
        "localhost/other:1",
        f"docker://{registry.host}/{repository}:{built[0].tag}",
    )
    with pytest.raises(EventctlError, match=r"already holds .* with another image") as raised:
        publish(
            PLATFORM,
            "dev",
            [EVENT],
            tools=image_lab.tools(),
            settings=image_lab.settings(),
            ecr=ecr,
            registry=registry.endpoint,
        )
    assert raised.value.hint and "immutable" in raised.value.hint


def test_publish_refuses_the_local_environment_before_anything(image_lab: ImageLab) -> None:
    with pytest.raises(EventctlError, match="runs the services from source") as raised:
        publish(
            PLATFORM,
            "local",
            [EVENT],
            tools=image_lab.tools(),
            settings=image_lab.settings(),
            ecr=Ecr(None),
        )
    assert raised.value.hint and "env up local" in raised.value.hint


def test_a_refused_login_fails_before_building(
    image_lab: ImageLab, ecr: Ecr, registry: LocalRegistry, tmp_path: Path
) -> None:
    registry.set_password("not-the-token")
    said: list[str] = []
    with pytest.raises(EventctlError, match="refused the login"):
        publish(
            PLATFORM,
            "dev",
            [EVENT],
            tools=image_lab.tools(),
            settings=image_lab.settings(),
            ecr=ecr,
            registry=registry.endpoint,
            progress=said.append,
        )
    assert not any(line.startswith("building") for line in said)


def test_select_services() -> None:
    assert [s.name for s in select_services(PLATFORM, [], True)] == [
        s.name for s in PLATFORM.services
    ]
    assert [s.name for s in select_services(PLATFORM, ["auth", "auth-service"], False)] == ["auth"]
    with pytest.raises(EventctlError, match="unknown service 'nope'"):
        select_services(PLATFORM, ["nope"], False)
    with pytest.raises(EventctlError, match="no service given"):
        select_services(PLATFORM, [], False)


def test_published_image_reference_pins_the_digest() -> None:
    image = PublishedImage("auth", "h/r", "abc", "sha256:" + "0" * 64, "abc" * 13, 1)
    assert image.reference == "h/r@sha256:" + "0" * 64
    assert json.loads(json.dumps(image.to_dict()))["reference"] == image.reference
