"""The local environment's messaging in a moto server, provisioned as `eventctl env up local`
provisions it: `eventctl.core.local.provision` with the model's plan (queues with their
dead-letter queues and redrive policies, topics, subscriptions, the queue policies that let
the topics deliver, the SES identity)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eventctl.core.local.provision import Provisioned, emulator_target, provision
from eventctl.core.local.spec import provision_plan
from platform_model import build_platform

PLATFORM = build_platform()
ENV = "local"


def provision_messaging(moto: Any) -> Provisioned:
    """Provision `moto` (anything with an `endpoint_url`) for the local environment.

    The plan's secrets are left out: their values are files of a real run's data directory.
    """
    plan = provision_plan(PLATFORM, ENV).model_copy(update={"secrets": {}})
    return provision(plan, emulator_target(moto.endpoint_url, PLATFORM.region), Path())
