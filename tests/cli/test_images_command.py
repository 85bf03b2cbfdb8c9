"""`eventctl images`: bad input is one line with a hint and changes nothing; a real build
prints its JSON result to stdout and its progress to stderr."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers.images import ImageLab


def _one_error(result: Any) -> tuple[str, str]:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 1, result
    assert len(lines) == 2 and lines[0].startswith("error:") and lines[1].startswith("hint:")
    return lines[0], lines[1]


def test_an_unknown_service_is_one_line_and_nothing_is_built(run_cli: Any) -> None:
    error, hint = _one_error(run_cli("images", "build", "nope", env={"PATH": "/nonexistent"}))
    assert "unknown service 'nope'" in error and "auth" in hint


def test_no_builder_names_the_three_and_how_to_install_one(run_cli: Any) -> None:
    error, hint = _one_error(run_cli("images", "build", "auth", env={"PATH": "/nonexistent"}))
    assert "docker, podman or buildah" in error
    assert "apt-get install -y buildah" in hint


def test_an_unknown_builder_is_refused(run_cli: Any) -> None:
    error, hint = _one_error(run_cli("images", "build", "auth", "--builder", "kaniko"))
    assert "unknown builder 'kaniko'" in error and "--builder" in hint


def test_push_to_the_local_environment_says_what_to_run_instead(run_cli: Any) -> None:
    error, hint = _one_error(run_cli("images", "push", "auth", "--env", "local"))
    assert "from source" in error and "eventctl env up local" in hint


def test_push_needs_an_environment_and_a_known_one(run_cli: Any) -> None:
    error, _ = _one_error(run_cli("images", "push", "auth"))
    assert "--env is required" in error
    error, _ = _one_error(run_cli("images", "push", "auth", "--env", "staging"))
    assert "unknown environment 'staging'" in error


def test_service_names_and_all_together_are_refused(run_cli: Any) -> None:
    error, _ = _one_error(run_cli("images", "build", "auth", "--all"))
    assert "not both" in error


def test_build_json_goes_to_stdout_and_progress_to_stderr(
    run_cli: Any, image_lab: ImageLab
) -> None:
    result = run_cli(
        "images", "build", "payment", "--builder", "buildah", "--json", env=image_lab.environ
    )
    assert result.exit_code == 0, result
    (image,) = json.loads(result.stdout)
    assert image["service"] == "payment"
    assert image["image"].startswith("localhost/event-planner/payment-svc:")
    assert image["digest"].startswith("sha256:") and image["size"] > 0
    assert "building localhost/event-planner/payment-svc" in result.stderr
