"""Settings: file < EVENTCTL_* variables < flags, and errors that say where the bad value is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eventctl.config import load_settings
from eventctl.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "eventctl.toml"
    path.write_text(text)
    return path


def test_defaults_without_file_or_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {}).settings
    assert (settings.project, settings.region, settings.domain) == (
        "event-planner", "eu-west-1", "sankofagrid.com",
    )  # fmt: skip
    assert settings.account_id is None


def test_precedence_file_then_variables_then_flags(tmp_path: Path) -> None:
    path = write(tmp_path, 'region = "eu-central-1"\ndomain = "example.org"\n')
    from_file = load_settings(path, {}).settings
    assert (from_file.region, from_file.domain) == ("eu-central-1", "example.org")

    environ = {"EVENTCTL_REGION": "us-east-1"}
    from_variable = load_settings(path, environ).settings
    assert (from_variable.region, from_variable.domain) == ("us-east-1", "example.org")

    from_flag = load_settings(path, environ, {"region": "eu-west-2", "domain": None}).settings
    assert (from_flag.region, from_flag.domain) == ("eu-west-2", "example.org")


def test_nested_overrides_from_file_and_variables_merge(tmp_path: Path) -> None:
    path = write(tmp_path, "[environments.prod]\ndesired_count = 3\n[environments.prod.rds]\n"
                 'instance_class = "db.r6g.large"\n')  # fmt: skip
    environ = {"EVENTCTL_ENVIRONMENTS__PROD__DESIRED_COUNT": "4"}
    platform = load_settings(path, environ).platform()
    prod = platform.environment("prod")
    assert prod.desired_count == 4
    assert prod.rds is not None and prod.rds.instance_class == "db.r6g.large"


def test_reads_eventctl_toml_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, 'domain = "example.net"\n')
    monkeypatch.chdir(tmp_path)
    loaded = load_settings(None, {})
    assert loaded.settings.domain == "example.net"
    assert loaded.origin.file == Path("eventctl.toml")


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        load_settings(tmp_path / "nope.toml", {})
    assert caught.value.hint and "--config" in caught.value.hint


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'region = "eu-west-1"\ndomain = "unterminated\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert str(path) in caught.value.message
    assert "line 2" in caught.value.message


def test_a_file_that_is_not_utf8_names_file_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "eventctl.toml"
    path.write_bytes('region = "eu-west-1"\ndomain = "caf\u00e9.example"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert caught.value.message == f"{path}:2: not UTF-8 text (byte 0xe9 at column 14)"
    assert caught.value.hint is not None
    assert "UTF-8" in caught.value.hint and "iconv -f latin1 -t utf-8" in caught.value.hint


def test_the_cli_says_so_in_one_line_with_the_hint(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "eventctl.toml").write_bytes(b"\xff\xferegion = 1\n")
    result = run_cli("env", "list")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "error: eventctl.toml:1: not UTF-8 text (byte 0xff at column 1)", lines
    assert lines[1].startswith("hint: TOML files are UTF-8")
    assert len(lines) == 2 and "codec" not in result.stderr and "Traceback" not in result.stderr


def test_unknown_key_names_file_line_and_known_keys(tmp_path: Path) -> None:
    path = write(tmp_path, 'region = "eu-west-1"\n\nregoin = "typo"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert f"{path}:3 (regoin)" in caught.value.message
    assert "known: project, region, domain" in caught.value.message


def test_bad_nested_value_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[environments.dev]\ndesired_count = 1\n\n[environments.dev.network]\n'
                 'vpc_cidr = "10.0.0.0/33"\n')  # fmt: skip
    loaded = load_settings(path, {})
    with pytest.raises(ConfigError) as caught:
        loaded.platform()
    assert f"{path}:5 (environments.dev.network.vpc_cidr)" in caught.value.message


def test_bad_variable_is_named(tmp_path: Path) -> None:
    loaded = load_settings(None, {"EVENTCTL_ENVIRONMENTS__PROD__DESIRED_COUNT": "0"})
    with pytest.raises(ConfigError) as caught:
        loaded.platform()
    assert caught.value.message.startswith("EVENTCTL_ENVIRONMENTS__PROD__DESIRED_COUNT:")


def test_wrong_type_in_file(tmp_path: Path) -> None:
    path = write(tmp_path, "region = 42\n")
    with pytest.raises(ConfigError, match=f"{path}:1 \\(region\\)"):
        load_settings(path, {})


def test_unrelated_variables_are_ignored(tmp_path: Path) -> None:
    environ = {"EVENTCTL_DEBUG": "1", "HOME": "/root", "AWS_REGION": "us-west-2"}
    assert load_settings(None, environ).settings.region == "eu-west-1"
