"""The service paths the model adds for the backend services: readiness and the internal API."""

from __future__ import annotations

from platform_model import build_platform


def test_every_service_has_health_and_readiness_paths() -> None:
    for service in build_platform().services:
        assert service.health_path == "/healthz"
        assert service.ready_path == "/readyz"


def test_internal_prefix_is_outside_the_alb_routed_api() -> None:
    platform = build_platform()
    assert platform.service("event").internal_prefix == "/internal/events"
    for service in platform.services:
        assert not service.internal_prefix.startswith("/api/")
        assert not service.internal_prefix.startswith(service.path_prefix)
