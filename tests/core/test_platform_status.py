"""`platform_status` against moto (ECS describe calls, target groups, alarms), with Stubber
for what moto cannot do: tasks that run, rollouts that finish or fail, unhealthy targets."""

from __future__ import annotations

from typing import Any

import pytest

from eventctl.adapters.aws.cloudwatch import CloudWatch
from eventctl.adapters.aws.ecs import ClusterNotFound, Ecs
from eventctl.adapters.aws.elbv2 import LoadBalancing
from eventctl.core.status import StatusReport, platform_status
from eventctl.errors import EventctlError
from platform_model import Platform, build_platform
from tests.helpers.status import ENV, create_target_groups, deploy_to_moto, stubbed_ecs


@pytest.fixture
def platform() -> Platform:
    return build_platform()


def status_of(moto_server: Any, platform: Platform, **clients: Any) -> StatusReport:
    return platform_status(
        platform,
        ENV,
        ecs=Ecs(clients.get("ecs") or moto_server.client("ecs")),
        load_balancing=LoadBalancing(clients.get("elbv2") or moto_server.client("elbv2")),
        cloudwatch=CloudWatch(moto_server.client("cloudwatch")),
    )


def test_a_fresh_deployment_is_not_healthy_yet(moto_server: Any, platform: Platform) -> None:
    deploy_to_moto(moto_server, platform)

    report = status_of(moto_server, platform)

    assert not report.healthy
    assert [s.service for s in report.services] == [s.name for s in platform.services]
    auth = report.services[0]
    assert auth.ecs_service == "event-planner-dev-auth-service"
    assert (auth.desired, auth.running) == (1, 0)
    assert auth.task_definition == "event-planner-dev-auth-service:1"
    assert auth.image_tag == "v7"
    assert auth.rollout == "IN_PROGRESS"
    assert auth.targets == {"healthy": 1}
    assert auth.problems == ["running 0 of 1 desired tasks", "deployment in progress"]


def test_a_missing_service_is_a_problem(moto_server: Any, platform: Platform) -> None:
    deploy_to_moto(moto_server, platform, skip=("payment",))

    report = status_of(moto_server, platform)

    payment = next(s for s in report.services if s.service == "payment")
    assert not payment.exists
    assert payment.problems == ["the ECS service does not exist"]


def test_a_missing_cluster_is_an_error_with_a_hint(moto_server: Any, platform: Platform) -> None:
    with pytest.raises(ClusterNotFound) as caught:
        status_of(moto_server, platform)
    assert "event-planner-dev-cluster" in caught.value.message
    assert caught.value.hint


def test_the_local_environment_is_refused(moto_server: Any, platform: Platform) -> None:
    with pytest.raises(EventctlError, match="local environment") as caught:
        platform_status(
            platform,
            "local",
            ecs=Ecs(moto_server.client("ecs")),
            load_balancing=LoadBalancing(moto_server.client("elbv2")),
            cloudwatch=CloudWatch(moto_server.client("cloudwatch")),
        )

    assert "`eventctl env ps`" in str(caught.value.hint)  # what shows the local platform


def test_everything_running_and_rolled_out_is_healthy(moto_server: Any, platform: Platform) -> None:
    groups = create_target_groups(moto_server, platform, targets=2)
    overrides = {name: {"target_group_arns": (arn,)} for name, arn in groups.items()}
    client, stubber = stubbed_ecs(platform, **overrides)

    with stubber:
        report = status_of(moto_server, platform, ecs=client)

    assert report.healthy, report.to_dict()
    assert all(s.targets == {"healthy": 2} for s in report.services)
    assert report.services[1].image_tag == "release-12"
    assert report.services[1].task_definition == "event-planner-dev-event-service:12"
    assert report.to_dict()["healthy"] is True


def test_a_failed_rollout_shows_its_trouble_events(moto_server: Any, platform: Platform) -> None:
    events = (
        ("e5", "(service payment) has reached a steady state.", 300),
        ("e4", "(service payment) deployment failed: tasks failed to start.", 200),
        ("e3", "(service payment) rolling back to deployment ecs-svc/1.", 210),
        ("e2", "(service payment) is unable to consistently start tasks successfully.", 100),
        ("e1", "(service payment) (task abc) failed container health checks.", 50),
        ("e0", "(service payment) was unhealthy last week.", -3600),
    )
    failed = {
        "rollout": "FAILED",
        "rollout_reason": "ECS deployment circuit breaker: tasks failed to start.",
        "running": 0,
        "events": events,
        "old_deployment": True,
    }
    client, stubber = stubbed_ecs(platform, payment=failed)

    with stubber:
        report = status_of(moto_server, platform, ecs=client)

    payment = next(s for s in report.services if s.service == "payment")
    assert not report.healthy
    assert [e.id for e in payment.trouble] == ["e3", "e4", "e2"]  # newest first, 3 at most
    assert payment.problems == [
        "running 0 of 2 desired tasks",
        "deployment failed: ECS deployment circuit breaker: tasks failed to start.",
        "2 deployments live (a rollout has not finished)",
    ]
    assert all(s.healthy for s in report.services if s.service != "payment")


def test_unhealthy_targets_make_a_service_unhealthy(moto_server: Any, platform: Platform) -> None:
    """moto reports every target healthy: the unhealthy ones come from a stub."""
    import boto3
    from botocore.stub import Stubber

    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ep-dev-booking/1"
    ecs_client, ecs_stubber = stubbed_ecs(platform, booking={"target_group_arns": (arn,)})
    elbv2 = boto3.client(
        "elbv2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    elb_stubber = Stubber(elbv2)
    elb_stubber.add_response(
        "describe_target_health",
        {
            "TargetHealthDescriptions": [
                {"Target": {"Id": "10.0.11.5", "Port": 8083}, "TargetHealth": {"State": "healthy"}},
                {
                    "Target": {"Id": "10.0.11.6", "Port": 8083},
                    "TargetHealth": {
                        "State": "unhealthy",
                        "Reason": "Target.ResponseCodeMismatch",
                        "Description": "Health checks failed with these codes: [500]",
                    },
                },
            ]
        },
        {"TargetGroupArn": arn},
    )

    with ecs_stubber, elb_stubber:
        report = status_of(moto_server, platform, ecs=ecs_client, elbv2=elbv2)

    booking = next(s for s in report.services if s.service == "booking")
    assert booking.targets == {"healthy": 1, "unhealthy": 1}
    assert booking.problems == ["load balancer targets not healthy: 1 unhealthy"]
    assert booking.unhealthy_targets[0]["reason"] == "Target.ResponseCodeMismatch"
    assert not report.healthy


def test_only_this_environments_alarms_in_alarm_count(moto_server: Any, platform: Platform) -> None:
    cloudwatch = moto_server.client("cloudwatch")
    for name, state in (
        ("event-planner-dev-auth-cpu-high", "ALARM"),
        ("event-planner-dev-alb-5xx", "OK"),
        ("event-planner-prod-auth-cpu-high", "ALARM"),
    ):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="CPUUtilization",
            Namespace="AWS/ECS",
            Statistic="Average",
            Period=300,
            EvaluationPeriods=2,
            Threshold=80,
            ComparisonOperator="GreaterThanThreshold",
        )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"went {state}")
    client, stubber = stubbed_ecs(platform)

    with stubber:
        report = status_of(moto_server, platform, ecs=client)

    assert [a["name"] for a in report.alarms] == ["event-planner-dev-auth-cpu-high"]
    assert report.alarms[0]["reason"] == "went ALARM"
    assert all(s.healthy for s in report.services)
    assert not report.healthy
