"""`eventctl deploy service | all | rollback | history` through the CLI, against moto (ECR, ECS
control plane, STS, S3 ledger, DynamoDB locks, logs), with the rollouts moto never runs played
by `tests.fakes.ecs.RolloutEcs`; and one real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from platform_model import build_platform
from tests.conftest import REPO_ROOT
from tests.fakes.ecs import RolloutEcs
from tests.helpers.deploy_env import create_environment, create_state_backend, push_image

ALL = ("auth", "event", "booking", "payment", "notification")
CALLER = "arn:aws:sts::123456789012:user/moto"


class Env:
    """A deployed dev environment in moto, and the ECS client every command gets."""

    def __init__(
        self, moto_server: Any, monkeypatch: pytest.MonkeyPatch, services: tuple[str, ...]
    ) -> None:
        self.moto = moto_server
        self.platform = build_platform()
        self.services = services
        create_environment(moto_server, self.platform, services=services, tags=("bootstrap",))
        create_state_backend(moto_server, self.platform)
        self.digests: dict[tuple[str, str], str] = {}
        self.behaviour: dict[tuple[str, str], str] = {}
        self.made: list[RolloutEcs] = []
        from eventctl.adapters.aws import clients

        real = clients.make_client

        def make_client(service: str, target: Any) -> Any:
            client = real(service, target)
            if service != "ecs":
                return client
            by_digest = {self.digests[k]: v for k, v in self.behaviour.items()}
            self.made.append(RolloutEcs(client, by_digest, logs=moto_server.client("logs")))
            return self.made[-1]

        monkeypatch.setattr(clients, "make_client", make_client)
        # the watcher's sleeps: instant (its clock is time.monotonic, so give it time too)
        self.now = 1000.0
        monkeypatch.setattr(time, "sleep", self.sleep)
        monkeypatch.setattr(time, "monotonic", lambda: self.now)
        self.interrupt_next = False

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        if self.interrupt_next:
            self.interrupt_next = False
            raise KeyboardInterrupt

    def push(self, tag: str, services: tuple[str, ...] | None = None) -> None:
        names = self.platform.names("dev")
        for name in services or self.services:
            repository = names.ecr_repository(self.platform.service(name))
            self.digests[(name, tag)] = push_image(self.moto, repository, tag)

    def live(self) -> dict[str, str]:
        names = self.platform.names("dev")
        described = self.moto.client("ecs").describe_services(
            cluster=names.cluster,
            services=[names.ecs_service(self.platform.service(n)) for n in self.services],
        )["services"]
        return {
            s["serviceName"].split("-")[3]: s["taskDefinition"].rsplit(":", 1)[-1]
            for s in described
        }


@pytest.fixture
def env(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> Env:
    return Env(moto_server, monkeypatch, ("auth", "booking"))


def test_a_release_succeeds_and_is_in_the_history(run_cli: Any, env: Env) -> None:
    env.push("v2")

    result = run_cli(
        "deploy", "service", "auth", "booking", "--env", "dev", "--tag", "v2",
        env=env.moto.environ,
    )  # fmt: skip

    assert result.exit_code == 0, result
    assert "moving auth, booking\n" in result.stderr  # booking calls neither of them
    assert "auth  rev 2  COMPLETED  desired 2 running 2 pending 0 failed 0" in result.stderr
    assert "dev: deployed auth, booking (tag v2)" in result.stdout
    assert env.live() == {"auth": "2", "booking": "2"}

    history = run_cli("deploy", "history", "--env", "dev", "--json", env=env.moto.environ)

    assert history.exit_code == 0, history
    entries = json.loads(history.stdout)
    assert [(e["service"], e["kind"], e["outcome"]) for e in entries] == [
        ("auth", "deploy", "succeeded"),
        ("booking", "deploy", "succeeded"),
    ]
    assert entries[0]["who"] == CALLER
    assert entries[0]["image_digest"] == env.digests[("auth", "v2")]
    assert entries[0]["image"].endswith(f"@{env.digests[('auth', 'v2')]}")
    table = run_cli("deploy", "history", "booking", "--env", "dev", env=env.moto.environ)
    assert "booking" in table.stdout and "auth " not in table.stdout


def test_image_tag_is_an_alias_of_tag(run_cli: Any, env: Env) -> None:
    env.push("v2", ("auth",))

    result = run_cli(
        "deploy", "service", "auth", "-e", "dev", "--image-tag", "v2", "--json",
        env=env.moto.environ,
    )  # fmt: skip

    assert result.exit_code == 0, result
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["label"] == "tag v2"


def test_a_crash_loop_shows_the_logs_and_rolls_back(run_cli: Any, env: Env) -> None:
    env.push("v2", ("booking",))
    env.behaviour[("booking", "v2")] = "crash"

    result = run_cli(
        "deploy", "service", "booking", "--env", "dev", "--tag", "v2", env=env.moto.environ
    )

    assert result.exit_code == 1, result
    assert "stopped: Essential container in task exited" in result.stderr
    assert "rolling booking back to event-planner-dev-booking-service:1" in result.stderr
    out = result.stdout
    assert "booking: 3 tasks of the new deployment stopped with the same reason" in out
    assert "last 20 log lines of the crashing container:" in out
    assert "    030001 line 25\n" in out and "030001 line 5\n" not in out
    assert "booking: rolled back to event-planner-dev-booking-service:1, healthy again" in out
    assert (
        "dev: deploy NOT done: booking crash loop; rolled back 1 service(s), all healthy "
        "again; running now: booking event-planner-dev-booking-service:1"
    ) in " ".join(out.split())
    assert env.live()["booking"] == "1"


def test_no_rollback_leaves_the_failure_and_says_how_to_go_back(run_cli: Any, env: Env) -> None:
    env.push("v2", ("auth",))
    env.behaviour[("auth", "v2")] = "fail"

    result = run_cli(
        "deploy", "service", "auth", "--env", "dev", "--tag", "v2", "--no-rollback",
        env=env.moto.environ,
    )  # fmt: skip

    assert result.exit_code == 1, result
    assert "left in place (no rollback)" in result.stdout
    assert "eventctl deploy rollback auth --env dev" in result.stdout
    assert env.live()["auth"] == "2"


def test_ctrl_c_asks_whether_to_roll_back(run_cli: Any, env: Env) -> None:
    env.push("v2", ("auth",))
    env.behaviour[("auth", "v2")] = "stall"
    env.interrupt_next = True

    result = run_cli(
        "deploy", "service", "auth", "--env", "dev", "--tag", "v2",
        env=env.moto.environ, input="y\n",
    )  # fmt: skip

    assert result.exit_code == 130, result
    assert "interrupted while waiting for the rollout" in result.stderr
    assert "Roll back the services this release moved? [Y/n]" in result.stderr
    assert "auth: rolled back to event-planner-dev-auth-service:1, healthy again" in result.stdout
    assert env.live()["auth"] == "1"


def test_ctrl_c_answered_no_leaves_the_rollout(run_cli: Any, env: Env) -> None:
    env.push("v2", ("auth",))
    env.behaviour[("auth", "v2")] = "stall"
    env.interrupt_next = True

    result = run_cli(
        "deploy", "service", "auth", "--env", "dev", "--tag", "v2",
        env=env.moto.environ, input="n\n",
    )  # fmt: skip

    assert result.exit_code == 130, result
    assert "auth: interrupted while waiting for rollout" in result.stdout
    assert env.live()["auth"] == "2"


def test_a_held_lock_fails_at_once_and_force_unlock_takes_it(run_cli: Any, env: Env) -> None:
    env.push("v2", ("auth",))
    names = env.platform.names("dev")
    from eventctl.adapters.aws.dynamodb import LockItems
    from eventctl.core.deploy.lock import DeployLocks

    locks = DeployLocks(LockItems(env.moto.client("dynamodb")), names)
    locks.acquire(
        [env.platform.service("auth")], who="arn:aws:iam::123456789012:user/ana",
        since="2026-12-04T03:00:00Z", operation="deploy", release="r-1",
    )  # fmt: skip

    held = run_cli("deploy", "service", "auth", "--env", "dev", "--tag", "v2", env=env.moto.environ)

    assert held.exit_code == 1
    assert held.stderr.splitlines()[0] == (
        "error: auth in dev is being deployed by arn:aws:iam::123456789012:user/ana since "
        "2026-12-04T03:00:00Z (deploy, release r-1): nothing was changed"
    )
    assert env.live()["auth"] == "1"

    forced = run_cli(
        "deploy", "service", "auth", "--env", "dev", "--tag", "v2", "--force-unlock", "--yes",
        env=env.moto.environ,
    )  # fmt: skip

    assert forced.exit_code == 0, forced
    assert "auth in dev is locked by arn:aws:iam::123456789012:user/ana" in forced.stderr
    assert env.live()["auth"] == "2"


def test_rollback_command_returns_to_the_release_before(run_cli: Any, env: Env) -> None:
    env.push("v2", ("auth",))
    env.push("v3", ("auth",))
    for tag in ("v2", "v3"):
        done = run_cli("deploy", "service", "auth", "--env", "dev", "-t", tag, env=env.moto.environ)
        assert done.exit_code == 0, done

    result = run_cli("deploy", "rollback", "auth", "--env", "dev", env=env.moto.environ)

    assert result.exit_code == 0, result
    assert env.live()["auth"] == "2"
    assert "dev: deployed auth (rollback)" in result.stdout


def test_deploy_all_with_one_failure_says_so_service_by_service(
    run_cli: Any, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = Env(moto_server, monkeypatch, ALL)
    env.push("v2")
    env.behaviour[("payment", "v2")] = "circuit-breaker"

    result = run_cli("deploy", "all", "--env", "dev", "--tag", "v2", env=moto_server.environ)

    assert result.exit_code == 1, result
    assert "moving auth, event, payment, notification" in result.stderr
    assert "moving booking" not in result.stderr  # it calls payment: never moved
    for name in ("auth", "event", "notification", "payment"):
        assert f"{name}: rolled back to event-planner-dev-{name}-service:1, healthy again" in (
            result.stdout
        )
    assert "payment: the deployment failed and ECS rolled the service back" in result.stdout
    assert "rolled back 4 service(s), all healthy again" in " ".join(result.stdout.split())
    assert env.live() == dict.fromkeys(ALL, "1")


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ["service", "billing", "--env", "dev", "--tag", "v2"],
            "error: unknown service 'billing'",
            "hint: known services: auth, event, booking, payment, notification",
        ),
        (
            ["service", "auth", "--env", "local", "--tag", "v2"],
            "error: the local environment runs the services on this machine: it has no ECS",
            "`eventctl env down local` then `eventctl env up local`",
        ),
        (
            ["service", "auth", "--env", "staging", "--tag", "v2"],
            "error: unknown environment 'staging'",
            "hint: known environments: local, dev, prod",
        ),
        (
            ["service", "auth", "--env", "dev", "--tag", "v2", "--timeout", "soon"],
            "error: cannot read the duration 'soon'",
            "hint: use a duration like 90s, 15m",
        ),
        (
            ["service", "auth", "--env", "dev", "--tag", "v2", "--build"],
            "error: --tag and --build exclude each other",
            "hint: --tag deploys an image already in ECR",
        ),
        (
            ["service", "auth", "--env", "dev", "--tag", "sha256:abc"],
            "error: 'sha256:abc' is not an image tag",
            "hint: a tag is up to 128 letters",
        ),
        (
            ["all", "--env", "local", "--tag", "v2"],
            "error: the local environment runs the services on this machine",
            "hint: use --env dev or --env prod",
        ),
        (
            ["rollback", "auth", "--env", "local"],
            "error: the local environment runs the services on this machine",
            "hint: use --env dev or --env prod",
        ),
        (
            ["history", "--env", "local"],
            "error: the local environment runs the services on this machine: it has no ECS "
            "services, releases or deploy history",
            "hint: use --env dev or --env prod",
        ),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    run_cli: Any, env: Env, args: list[str], message: str, hint: str
) -> None:
    result = run_cli("deploy", *args, env=env.moto.environ)

    assert result.exit_code == 1, result
    assert result.stderr.startswith(message)
    assert hint in result.stderr
    assert "Traceback" not in result.stderr
    assert env.live() == {"auth": "1", "booking": "1"}


def test_a_tag_missing_from_ecr_changes_nothing(run_cli: Any, env: Env) -> None:
    env.push("v2", ("auth",))  # booking has no v2

    result = run_cli(
        "deploy", "service", "auth", "booking", "--env", "dev", "--tag", "v2",
        env=env.moto.environ,
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: ECR repository event-planner-dev-booking-svc has no image tagged 'v2'\nhint: "
    )
    assert env.live() == {"auth": "1", "booking": "1"}


def test_missing_credentials_say_how_to_set_them(
    run_cli: Any, moto_server: Any, tmp_path: Any
) -> None:
    nowhere = str(tmp_path / "absent")
    environ: dict[str, Any] = {
        "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_SHARED_CREDENTIALS_FILE": nowhere,
        "AWS_CONFIG_FILE": nowhere,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    }

    result = run_cli("deploy", "service", "auth", "--env", "dev", "-t", "v2", env=environ)

    assert result.exit_code == 1
    assert "AWS credentials missing or invalid" in result.stderr
    assert "hint: set AWS_PROFILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_publishes_then_rolls_out_what_was_pushed(
    run_cli: Any, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --tag the images are built and pushed by `core.images.publish` (its own tests
    build with buildah and push to a local registry); here it stands in with what a push
    leaves in ECR, to show the release rolls out exactly those digests."""
    from eventctl.core import images

    env.push("3f9c2e1aa000")
    calls: list[tuple[str, list[str]]] = []

    def publish(platform: Any, env_name: str, services: Any, **kwargs: Any) -> list[Any]:
        calls.append((env_name, [s.name for s in services]))
        names = platform.names(env_name)
        return [
            images.PublishedImage(
                service=s.name,
                repository_uri=f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/"
                f"{names.ecr_repository(s)}",
                tag="3f9c2e1aa000",
                digest=env.digests[(s.name, "3f9c2e1aa000")],
                git_sha="3f9c2e1aa000",
                size=1,
            )
            for s in services
        ]

    monkeypatch.setattr(images, "publish", publish)

    result = run_cli(
        "deploy", "service", "auth", "booking", "--env", "dev", "--json", env=env.moto.environ
    )

    assert result.exit_code == 0, result
    assert calls == [("dev", ["auth", "booking"])]
    report = json.loads(result.stdout)
    assert report["label"] == "build 3f9c2e1aa000"
    auth = report["services"][0]["rollout"]
    assert auth["image"].endswith(f"@{env.digests[('auth', '3f9c2e1aa000')]}")
    history = run_cli("deploy", "history", "auth", "--env", "dev", "--json", env=env.moto.environ)
    assert json.loads(history.stdout)[0]["git_sha"] == "3f9c2e1aa000"


def test_env_is_required(run_cli: Any) -> None:
    result = run_cli("deploy", "service", "auth", "--tag", "v2")

    assert result.exit_code == 2
    assert "Missing option '--env'" in result.stderr


def test_a_real_process_refuses_a_missing_tag_and_reads_the_history(moto_server: Any) -> None:
    platform = build_platform()
    create_environment(moto_server, platform, services=("auth",), tags=("bootstrap",))
    create_state_backend(moto_server, platform)
    environ = {
        **os.environ,
        **moto_server.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "NO_COLOR": "1",
        "COLUMNS": "80",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "eventctl", *args],
            env=environ,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    refused = run("deploy", "service", "auth", "--env", "dev", "--tag", "v9")
    history = run("deploy", "history", "--env", "dev", "--json")

    assert refused.returncode == 1
    assert refused.stderr.splitlines()[0] == (
        "error: ECR repository event-planner-dev-auth-svc has no image tagged 'v9'"
    )
    assert "Traceback" not in refused.stderr
    assert history.returncode == 0, history.stderr
    assert json.loads(history.stdout) == []


def test_a_real_ctrl_c_asks_and_rolls_back(moto_server: Any) -> None:
    """SIGINT to a real process while it waits (moto's rollouts never finish): it asks, reads
    'y', points the service back at its previous revision, and exits 130."""
    import signal

    platform = build_platform()
    create_environment(moto_server, platform, services=("auth",))
    create_state_backend(moto_server, platform)
    environ = {
        **os.environ,
        **moto_server.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "NO_COLOR": "1",
        "COLUMNS": "80",
    }
    args = ["deploy", "service", "auth", "--env", "dev", "--tag", "v2", "--timeout", "8s"]
    process = subprocess.Popen(
        [sys.executable, "-m", "eventctl", *args],
        env=environ,
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a suite started with SIGINT ignored would pass that on: this test needs the default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stderr is not None and process.stdin is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if line.startswith("auth  rev 2"):
                break
        process.send_signal(signal.SIGINT)
        stdout, rest = process.communicate("y\n", timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = "".join(seen) + rest

    assert process.returncode == 130, stderr
    assert "Roll back the services this release moved? [Y/n]" in stderr
    assert "rolling auth back to event-planner-dev-auth-service:1" in stderr
    live = moto_server.client("ecs").describe_services(
        cluster="event-planner-dev-cluster", services=["event-planner-dev-auth-service"]
    )["services"][0]["taskDefinition"]
    assert live.endswith("event-planner-dev-auth-service:1")
    assert "auth: interrupted while waiting for" in stdout
