"""Where AWS calls go: --endpoint-url, AWS_ENDPOINT_URL, the local emulator, or AWS."""

from __future__ import annotations

from eventctl.cli._app import App
from eventctl.cli._aws import LOCAL_CREDENTIALS, aws_target


def test_aws_environments_use_aws_unless_an_endpoint_is_given() -> None:
    assert aws_target(App(environ={}), "dev", None).endpoint_url is None
    with_variable = App(environ={"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
    assert aws_target(with_variable, "prod", None).endpoint_url == "http://127.0.0.1:4566"
    flag = aws_target(with_variable, "dev", "http://127.0.0.1:9999")
    assert flag.endpoint_url == "http://127.0.0.1:9999"
    assert flag.static_credentials is None
    assert flag.region == "eu-west-1"


def test_local_defaults_to_the_emulator_port_of_the_model() -> None:
    app = App(environ={})
    target = aws_target(app, "local", None)
    port = app.platform.environment("local").local.aws_emulator_port  # type: ignore[union-attr]
    assert target.endpoint_url == f"http://127.0.0.1:{port}"
    assert target.static_credentials == LOCAL_CREDENTIALS
    configured = aws_target(App(environ={"AWS_PROFILE": "me"}), "local", None)
    assert configured.static_credentials is None
