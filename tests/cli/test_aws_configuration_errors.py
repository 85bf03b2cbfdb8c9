"""A missing AWS profile or an unreadable AWS config file: one line with a hint, for every
command that calls AWS, before anything is changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AWS_COMMANDS = [
    ("status", "--env", "dev"),
    ("logs", "tail", "auth"),
    ("env", "bootstrap", "dev", "--check"),
    ("env", "plan", "dev"),
    ("deploy", "service", "auth", "--env", "dev", "--image-tag", "v1"),
    ("cost", "report", "--env", "dev", "--actual"),
]


@pytest.mark.parametrize("args", AWS_COMMANDS, ids=" ".join)
def test_a_profile_that_does_not_exist(run_cli: Any, args: tuple[str, ...]) -> None:
    result = run_cli(*args, env={"AWS_PROFILE": "no-such-profile"})

    assert result.exit_code == 1
    assert "the AWS profile 'no-such-profile' is not configured" in result.stderr
    assert "aws configure list-profiles" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_aws_config_file(run_cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile broken\nregion = eu-west-1\n")
    result = run_cli(
        "status", "--env", "dev", env={"AWS_CONFIG_FILE": str(config), "AWS_PROFILE": "broken"}
    )

    assert result.exit_code == 1
    assert "cannot read the AWS configuration" in result.stderr
    assert "Traceback" not in result.stderr
