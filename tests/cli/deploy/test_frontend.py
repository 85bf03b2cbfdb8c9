"""`eventctl deploy frontend` through the CLI against moto's S3 and CloudFront."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from platform_model import build_platform
from tests.helpers.frontend_env import build_app, create_frontend

PREFIX = "event-planner/browser"


def test_dry_run_lists_and_changes_nothing_then_the_deploy_ships(
    run_cli: Any, moto_server: Any, tmp_path: Path
) -> None:
    create_frontend(moto_server, build_platform())
    source = build_app(tmp_path / "dist", PREFIX)

    dry = run_cli(
        "deploy", "frontend", "--env", "dev", "--source", str(source), "--dry-run",
        env=moto_server.environ,
    )  # fmt: skip

    assert dry.exit_code == 0, dry
    lines = dry.stdout.splitlines()
    assert lines[0].startswith(f"would upload {PREFIX}/main-ABCD1234.js (new; text/javascript")
    assert lines[4].startswith(f"would upload {PREFIX}/index.html (new; text/html")
    assert "dry run: nothing was changed" in dry.stdout
    listed = moto_server.client("s3").list_objects_v2(Bucket="event-planner-dev-assets")
    assert listed["KeyCount"] == 0

    shipped = run_cli(
        "deploy", "frontend", "--env", "dev", "--source", str(source), "--json",
        env=moto_server.environ,
    )  # fmt: skip

    assert shipped.exit_code == 0, shipped
    report = json.loads(shipped.stdout)
    assert [u["key"] for u in report["uploads"]][-1] == f"{PREFIX}/index.html"
    assert report["invalidation"] is not None
    assert f"invalidation {report['invalidation']} completed" in shipped.stderr
    listed = moto_server.client("s3").list_objects_v2(Bucket="event-planner-dev-assets")
    assert listed["KeyCount"] == 5


def test_an_empty_build_is_one_line(run_cli: Any, moto_server: Any, tmp_path: Path) -> None:
    create_frontend(moto_server, build_platform())
    (tmp_path / PREFIX).mkdir(parents=True)

    result = run_cli(
        "deploy", "frontend", "--env", "dev", "--source", str(tmp_path), env=moto_server.environ
    )

    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "is empty: there is no built web app to deploy" in result.stderr
    assert "hint: build the web app first" in result.stderr


def test_the_local_environment_is_refused(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("deploy", "frontend", "--env", "local", env=moto_server.environ)

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: deploy frontend ships the web app to S3 and CloudFront; the local environment"
    )
    assert "hint: use --env dev or --env prod" in result.stderr


def test_the_checkouts_own_build_is_planned_with_index_last(run_cli: Any, moto_server: Any) -> None:
    """Without --source: frontend_dist/event-planner/browser/ of this checkout."""
    from eventctl.paths import frontend_dir

    built = sorted(p for p in (frontend_dir() / PREFIX).rglob("*") if p.is_file())
    create_frontend(moto_server, build_platform())

    result = run_cli("deploy", "frontend", "--env", "dev", "--dry-run", "--json",
                     env=moto_server.environ)  # fmt: skip

    assert result.exit_code == 0, result
    uploads = json.loads(result.stdout)["uploads"]
    assert len(uploads) == len(built) > 1
    assert uploads[-1]["key"] == f"{PREFIX}/index.html"
    assert uploads[-1]["cache_control"] == "no-cache"
    hashed = [u for u in uploads if u["key"].rsplit("/", 1)[-1].startswith("main-")]
    assert hashed and hashed[0]["cache_control"] == "public, max-age=31536000, immutable"
