"""Where a command's AWS calls go: region from settings, endpoint from flag or variable."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventctl.adapters.aws.clients import AwsTarget
    from eventctl.cli._app import App

LOCAL_CREDENTIALS = ("local", "local")


def aws_target(cli: App, env: str, endpoint_url: str | None) -> AwsTarget:
    """The AWS target of `env`: `--endpoint-url`, else AWS_ENDPOINT_URL, else AWS itself.

    The local environment defaults to its emulator's port from the model and, when no
    credentials are configured, sends the dummy ones an emulator accepts.
    """
    from eventctl.adapters.aws.clients import AwsTarget

    profile = cli.platform.environment(env)
    endpoint = endpoint_url or cli.environ.get("AWS_ENDPOINT_URL") or None
    credentials = None
    if profile.kind == "local":
        endpoint = endpoint or f"http://127.0.0.1:{profile.local.aws_emulator_port}"
        configured = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE")
        if not any(cli.environ.get(name) for name in configured):
            credentials = LOCAL_CREDENTIALS
    return AwsTarget(
        region=cli.platform.region, endpoint_url=endpoint, static_credentials=credentials
    )
