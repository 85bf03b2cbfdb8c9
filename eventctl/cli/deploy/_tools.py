"""What every deploy command connects to: the caller (STS), the ledger, the locks, ECS."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventctl.adapters.aws.clients import AwsTarget
    from eventctl.cli._app import App
    from eventctl.core.deploy.ledger import Ledger
    from eventctl.core.deploy.lock import DeployLocks
    from eventctl.core.deploy.release import ReleaseTools
    from platform_model import Names


@dataclass
class Connection:
    """An AWS environment reached with working credentials."""

    target: AwsTarget
    account: str
    who: str
    names: Names

    def client(self, service: str) -> Any:
        from eventctl.adapters.aws import clients

        return clients.make_client(service, self.target)

    def ledger(self) -> Ledger:
        from eventctl.adapters.aws.s3 import S3Objects
        from eventctl.core.deploy.ledger import Ledger

        bucket = self.names.state_bucket(self.account)
        return Ledger(S3Objects(self.client("s3")), bucket, self.names.release_prefix)

    def locks(self) -> DeployLocks:
        from eventctl.adapters.aws.dynamodb import LockItems
        from eventctl.core.deploy.lock import DeployLocks

        return DeployLocks(LockItems(self.client("dynamodb")), self.names)


def connect(cli: App, env: str, endpoint_url: str | None) -> Connection:
    """Check `env` is an AWS environment, then who the credentials are (one STS call)."""
    from eventctl.adapters.aws.sts import Sts
    from eventctl.cli._aws import aws_target
    from eventctl.core.deploy.start import aws_environment
    from eventctl.errors import EventctlError

    aws_environment(cli.platform, env)
    target = aws_target(cli, env, endpoint_url)
    from eventctl.adapters.aws import clients

    identity = Sts(clients.make_client("sts", target)).caller_identity()
    expected = cli.platform.account_id
    if expected and expected != identity.account:
        raise EventctlError(
            f"the AWS credentials are for account {identity.account}, but the settings say "
            f"account_id = {expected}",
            hint="switch AWS_PROFILE to the right account, or fix account_id in eventctl.toml",
        )
    return Connection(target, identity.account, identity.arn, cli.platform.names(env))


def release_tools(
    connection: Connection,
    *,
    on_poll: Any,
    on_step: Any,
    on_interrupt: Any,
) -> ReleaseTools:
    from eventctl.adapters.aws.ecs import Ecs
    from eventctl.adapters.aws.elbv2 import LoadBalancing
    from eventctl.adapters.aws.logs import CloudWatchLogs
    from eventctl.core.deploy.release import ReleaseTools

    return ReleaseTools(
        ecs=Ecs(connection.client("ecs")),
        load_balancing=LoadBalancing(connection.client("elbv2")),
        ledger=connection.ledger(),
        locks=connection.locks(),
        who=connection.who,
        logs=CloudWatchLogs(connection.client("logs")),
        clock=time.monotonic,
        wall=time.time,
        sleep=time.sleep,
        on_poll=on_poll,
        on_step=on_step,
        on_interrupt=on_interrupt,
    )
