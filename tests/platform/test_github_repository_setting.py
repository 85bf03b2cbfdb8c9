"""The `github_repository` setting: owner/name, checked where it is read."""

from __future__ import annotations

import pytest

from eventctl.config import load_settings
from eventctl.errors import ConfigError
from platform_model import InvalidSetting, build_platform


@pytest.mark.parametrize("value", ["octo-org/event-planner", "a/b", "Owner1/repo.name_x-y"])
def test_a_repository_is_owner_slash_name(value: str) -> None:
    assert build_platform(github_repository=value).github_repository == value


@pytest.mark.parametrize(
    "value", ["event-planner", "-owner/repo", "owner/", "owner/repo/extra", "owner/..", "o w/r"]
)
def test_anything_else_is_refused_with_the_key(value: str) -> None:
    with pytest.raises(InvalidSetting) as caught:
        build_platform(github_repository=value)
    assert caught.value.key == "github_repository"
    assert "is not a GitHub repository as owner/name" in caught.value.message


def test_the_setting_comes_from_the_environment_and_names_its_variable() -> None:
    loaded = load_settings(None, {"EVENTCTL_GITHUB_REPOSITORY": "octo-org/event-planner"})
    assert loaded.platform().github_repository == "octo-org/event-planner"
    bad = load_settings(None, {"EVENTCTL_GITHUB_REPOSITORY": "nope"})
    with pytest.raises(ConfigError) as caught:
        bad.platform()
    assert caught.value.message.startswith("EVENTCTL_GITHUB_REPOSITORY: ")
