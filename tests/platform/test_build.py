"""build_platform: user overrides merged into the profiles, refused with the key named."""

from __future__ import annotations

import pytest

from platform_model import InvalidSetting, build_platform


def test_overrides_merge_into_the_profile_and_leave_the_rest() -> None:
    platform = build_platform(
        overrides={"prod": {"desired_count": 3, "rds": {"instance_class": "db.r6g.large"}}}
    )
    prod = platform.environment("prod")
    assert prod.desired_count == 3
    assert prod.rds is not None
    assert prod.rds.instance_class == "db.r6g.large"
    assert prod.rds.multi_az  # untouched keys keep the profile's value
    assert platform.environment("dev").desired_count == 1


def test_service_size_override_applies_to_that_environment_only() -> None:
    platform = build_platform(overrides={"dev": {"services": {"auth": {"cpu": 512}}}})
    auth = platform.service("auth")
    assert platform.service_size(platform.environment("dev"), auth) == (512, 512)
    assert platform.service_size(platform.environment("prod"), auth) == (256, 512)


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"staging": {"desired_count": 1}}, "environments.staging", "unknown environment"),
        ({"dev": {"bogus": 1}}, "environments.dev.bogus", "Extra inputs are not permitted"),
        (
            {"dev": {"network": {"vpc_cidr": "10.0.0.0/33"}}},
            "environments.dev.network.vpc_cidr",
            "not a valid CIDR block",
        ),
        ({"prod": {"desired_count": 0}}, "environments.prod.desired_count", "at least 1 task"),
        ({"dev": {"desired_count": "many"}}, "environments.dev.desired_count", "valid integer"),
        (
            {"dev": {"services": {"billing": {"cpu": 1}}}},
            "environments.dev.services.billing",
            "unknown service",
        ),
    ],
)
def test_bad_overrides_name_the_key(overrides: dict, key: str, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidSetting) as caught:
        build_platform(overrides=overrides)
    assert caught.value.key == key
    assert message in caught.value.message


def test_bad_top_level_setting_names_the_key() -> None:
    with pytest.raises(InvalidSetting) as caught:
        build_platform(region="mars")
    assert caught.value.key == "region"
