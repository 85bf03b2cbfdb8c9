"""The contract between the rendered Terraform and the services: in dev and prod every value a
service needs in AWS reaches its container, and secrets arrive only as Secrets Manager references.

What a service needs comes from its settings class (`aws_needs()`, `secret_fields()` in
services/kit/settings.py and services/<name>/settings.py), not from a list kept here. What it gets
comes from the rendered module `service_config`, evaluated by the real terraform binary with the
arguments the rendered root passes it (the data stores and secrets replaced by stand-ins, since
they only exist after an apply). The result is then read the way ECS hands it to a container:
plain `environment` values, and `secrets` resolved from a stand-in Secrets Manager (json-key
references included) into the process environment the settings class parses.
"""

from __future__ import annotations

import importlib
import json
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eventctl.core.render import TFVARS_FILE, render_environment
from eventctl.core.signing_key import new_private_key_pem
from platform_model import Platform, build_platform
from services.docs import service_settings
from services.kit.settings import MissingSettings, ServiceSettings

AWS_ENVS = ("dev", "prod")
ACCOUNT = "123456789012"
# Read by `python -m services.<name>` (services/kit/run.py) rather than by the settings class.
PROCESS_VARIABLES = {"PORT"}
# What the ECS agent adds to every container's environment.
ECS_AGENT_VARIABLES = {"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/stand-in"}


def _secret_arn(platform: Platform, name: str) -> str:
    return f"arn:aws:secretsmanager:{platform.region}:{ACCOUNT}:secret:{name}-Ab12Cd"


@dataclass
class Contract:
    """One environment's evaluated module, and the stand-in secret values behind it."""

    env: str
    tfvars: dict[str, Any]
    environment: dict[str, dict[str, str]]
    secrets: dict[str, dict[str, str]]
    secret_arns: list[str]
    store: dict[str, str]
    """secret ARN -> its value, as Secrets Manager would hold it"""
    tokens: dict[str, str]
    """calling service -> its internal-API token"""

    def container_environ(self, service: str) -> dict[str, str]:
        """The process environment ECS would start `service`'s container with."""
        environ = {**ECS_AGENT_VARIABLES, **self.environment[service]}
        for name, reference in self.secrets[service].items():
            parts = reference.split(":")
            value = self.store[":".join(parts[:7])]
            if len(parts) > 7:  # ARN:json-key:version-stage:version-id
                value = json.loads(value)[parts[7]]
            environ[name] = value
        return environ

    def secret_values(self) -> set[str]:
        """Every secret value, including the fields inside JSON secrets."""
        found: set[str] = set()
        for value in self.store.values():
            found.add(value)
            if value.startswith("{"):
                found.update(str(v) for v in json.loads(value).values())
        found.update(self.tokens.values())
        return {value for value in found if value not in ("app_admin", "docdb_admin")}


def _module_block(root_main: str) -> str:
    """The rendered root's `module "service_config"` call, with the outputs of the modules it
    reads (data stores, secrets) redirected to stand-in locals."""
    match = re.search(r'^module "service_config" \{\n.*?^\}\n', root_main, re.S | re.M)
    assert match, 'the root does not call module "service_config"'
    block = match.group(0)
    block = block.replace("module.data.", "local.stub_data.")
    block = block.replace("module.security.", "local.stub_security.")
    assert "module." not in block, f"an input the stand-ins do not cover:\n{block}"
    return block


def _stand_ins(platform: Platform, tfvars: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(locals for the module call, the secret values behind the ARNs)."""
    store: dict[str, str] = {}
    databases = {}
    for name, db in tfvars["databases"].items():
        arn = _secret_arn(platform, f"rds!db-{db['identifier']}")
        store[arn] = json.dumps({"username": "app_admin", "password": secrets.token_urlsafe(24)})
        databases[name] = {
            "address": f"{db['identifier']}.stand-in.rds.amazonaws.com",
            "port": db["port"],
            "db_name": db["db_name"],
            "secret_arn": arn,
        }
    docdb_arn = _secret_arn(platform, "rds!cluster-docdb")
    store[docdb_arn] = json.dumps({"username": "docdb_admin", "password": secrets.token_hex(16)})
    names = tfvars["secrets"]
    jwt_arn = _secret_arn(platform, names["jwt_signing_key"])
    store[jwt_arn] = new_private_key_pem()  # what `env up` stores there
    redis_arn = _secret_arn(platform, names["redis_auth_token"])
    store[redis_arn] = secrets.token_hex(32)
    credentials = {
        svc: _secret_arn(platform, name) for svc, name in names["service_credentials"].items()
    }
    stubs = {
        "stub_data": {
            "databases": databases,
            "document_store": {
                "endpoint": "docdb.cluster-stand-in.docdb.amazonaws.com",
                "port": tfvars["document_store"]["port"],
                "secret_arn": docdb_arn,
            },
            "cache": {"endpoint": "master.redis.stand-in.cache.amazonaws.com", "port": 6379},
        },
        "stub_security": {
            "account_id": ACCOUNT,
            "jwt_secret_arn": jwt_arn,
            "redis_auth_token_secret_arn": redis_arn,
            "credentials_secret_arns": credentials,
        },
    }
    return stubs, store


def _credentials(platform: Platform, contract_arns: dict[str, str]) -> tuple[dict, dict]:
    """Token per calling service, and each credentials secret's JSON as the security module
    writes it: its own `token` when it calls, `accepts` (a JSON string) when it is called."""
    tokens = {s.name: secrets.token_urlsafe(36) for s in platform.services if s.calls}
    store = {}
    for name, arn in contract_arns.items():
        service = platform.service(name)
        content: dict[str, str] = {}
        if service.calls:
            content["token"] = tokens[name]
        callers = platform.callers_of(service)
        if callers:
            content["accepts"] = json.dumps({c.name: tokens[c.name] for c in callers})
        store[arn] = json.dumps(content)
    return tokens, store


def _terraform(binary: str, args: list[str], cwd: Path) -> str:
    done = subprocess.run(
        [binary, *args, "-no-color"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"terraform {args[0]}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _evaluate(platform: Platform, env: str, rendered: Path, work: Path, binary: str) -> Contract:
    tfvars = json.loads((rendered / TFVARS_FILE).read_text())
    work.mkdir(parents=True)
    shutil.copytree(rendered / "modules/service_config", work / "modules/service_config")
    shutil.copy(rendered / "variables.tf", work / "variables.tf")
    shutil.copy(rendered / TFVARS_FILE, work / TFVARS_FILE)
    (work / "main.tf").write_text(_module_block((rendered / "main.tf").read_text()))
    stubs, store = _stand_ins(platform, tfvars)
    credential_arns = stubs["stub_security"]["credentials_secret_arns"]
    tokens, credential_store = _credentials(platform, credential_arns)
    store.update(credential_store)
    outputs = {
        name: {"value": f"${{module.service_config.{name}}}"}
        for name in ("environment", "secrets", "secret_arns")
    }
    (work / "stand_ins.tf.json").write_text(json.dumps({"locals": stubs, "output": outputs}))
    _terraform(binary, ["init", "-input=false", "-backend=false"], work)
    _terraform(binary, ["apply", "-auto-approve", "-input=false"], work)
    values = {
        k: v["value"] for k, v in json.loads(_terraform(binary, ["output", "-json"], work)).items()
    }
    return Contract(
        env=env,
        tfvars=tfvars,
        environment=values["environment"],
        secrets=values["secrets"],
        secret_arns=values["secret_arns"],
        store=store,
        tokens=tokens,
    )


@pytest.fixture(scope="module")
def platform() -> Platform:
    return build_platform()


@pytest.fixture(scope="module")
def contracts(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Contract]:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform binary not found on PATH")
    base = tmp_path_factory.mktemp("contract")
    return {
        env: _evaluate(
            platform,
            env,
            render_environment(platform, env, base / "rendered" / env).root,
            base / "evaluated" / env,
            binary,
        )
        for env in AWS_ENVS
    }


SETTINGS: dict[str, type[ServiceSettings]] = {cls.service_name: cls for cls in service_settings()}


def _parse(
    cls: type[ServiceSettings], environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The settings the service's process would read from `environ` (and nothing else)."""
    with monkeypatch.context() as patch:
        for field in cls.model_fields:
            patch.delenv(field.upper(), raising=False)
        for name, value in environ.items():
            patch.setenv(name, value)
        return cls()


def test_every_service_has_a_settings_class(platform: Platform) -> None:
    assert set(SETTINGS) == {s.name for s in platform.services}


@pytest.mark.parametrize("env", AWS_ENVS)
@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_the_task_definition_gives_what_the_settings_require(
    contracts: dict[str, Contract], platform: Platform, env: str, service: str
) -> None:
    contract = contracts[env]
    cls = SETTINGS[service]
    plain, injected = contract.environment[service], contract.secrets[service]
    assert not set(plain) & set(injected), "a variable is both plain and injected"
    known = {field.upper() for field in cls.model_fields} | PROCESS_VARIABLES
    assert set(plain) | set(injected) <= known, "variables no setting reads"
    given = {name.lower() for name in [*plain, *injected]}
    unmet = [need.describe() for need in cls.aws_needs(platform) if not need.met_by(given)]
    assert unmet == []
    secret_fields = {field.upper() for field in cls.secret_fields()}
    assert secret_fields & set(plain) == set(), "a secret setting in plain environment"
    for name, reference in injected.items():
        assert reference.startswith("arn:aws:secretsmanager:"), name


@pytest.mark.parametrize("env", AWS_ENVS)
def test_no_secret_value_is_in_plain_environment(contracts: dict[str, Contract], env: str) -> None:
    contract = contracts[env]
    values = contract.secret_values()
    assert len(values) > 10
    for service, plain in contract.environment.items():
        for name, value in plain.items():
            assert "secretsmanager" not in value, (service, name)
            assert not any(secret in value for secret in values), (service, name)


@pytest.mark.parametrize("env", AWS_ENVS)
def test_the_execution_role_reads_exactly_the_secrets_the_tasks_get(
    contracts: dict[str, Contract], platform: Platform, env: str
) -> None:
    contract = contracts[env]
    referenced = {
        ":".join(reference.split(":")[:7])
        for injected in contract.secrets.values()
        for reference in injected.values()
    }
    assert sorted(referenced) == contract.secret_arns
    assert referenced <= set(contract.store)
    # the signing key goes to the token issuer only
    jwt = _secret_arn(platform, contract.tfvars["secrets"]["jwt_signing_key"])
    readers = [s for s, injected in contract.secrets.items() if jwt in injected.values()]
    assert readers == [platform.token_issuer.name]


@pytest.mark.parametrize("env", AWS_ENVS)
@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_each_service_starts_from_its_container_environment(
    contracts: dict[str, Contract],
    platform: Platform,
    env: str,
    service: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The settings class parses what ECS hands over, the URLs are assembled from the parts,
    the internal-call credentials match the model's call graph, and the app builds (it checks
    `aws_needs` and, for auth, loads the signing key)."""
    from sqlalchemy.engine import make_url

    contract = contracts[env]
    model = platform.service(service)
    names = platform.names(env)
    settings = _parse(SETTINGS[service], contract.container_environ(service), monkeypatch)
    settings.check_aws_needs(platform)
    assert settings.environment == env
    assert settings.aws_account_id == ACCOUNT
    assert settings.allowed_origins(platform) == [f"https://{names.web_host}"]
    assert settings.trusted_proxy_hops == 1
    assert settings.resolved_redis_prefix(platform) == f"{platform.project}:{env}:{service}:"
    database = next(d for d in platform.databases if d.name == model.database)
    url = make_url(settings.resolved_database_url(platform))
    db_secret = json.loads(
        contract.store[contract.secrets[service]["DB_PASSWORD"].rsplit(":", 3)[0]]
    )
    assert (url.host, url.port, url.database) == (
        f"{names.rds_instance(database)}.stand-in.rds.amazonaws.com",
        database.port,
        database.db_name,
    )
    assert (url.username, url.password) == (db_secret["username"], db_secret["password"])
    assert url.query == {"ssl": "require"}
    redis_url = settings.resolved_redis_url()
    assert redis_url.startswith("rediss://:")
    assert redis_url.endswith("@master.redis.stand-in.cache.amazonaws.com:6379/0")
    assert "tls=true" in settings.resolved_audit_mongo_url()
    callers = platform.callers_of(model)
    if model.calls:
        assert settings.internal_headers() == {"X-Service-Token": contract.tokens[service]}
    else:
        assert settings.service_token is None
    accepted = {name: token.get_secret_value() for name, token in settings.service_tokens.items()}
    assert accepted == {caller.name: contract.tokens[caller.name] for caller in callers}
    if "ses" in model.permissions:
        assert settings.mail_from_domain == names.zone
    app = importlib.import_module(f"services.{service}.app").create_app(settings)
    assert app.routes


def test_a_missing_value_stops_the_service_before_it_starts(
    contracts: dict[str, Contract], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drop each required variable of the booking service in turn: the service refuses to
    start and names what is missing."""
    contract = contracts["dev"]
    cls = SETTINGS["booking"]
    complete = contract.container_environ("booking")
    for name in sorted(complete.keys() - PROCESS_VARIABLES - ECS_AGENT_VARIABLES.keys()):
        needs = [n for n in cls.aws_needs(platform) if any(name.lower() in o for o in n.options)]
        if not needs:
            continue  # optional for this service
        partial = {k: v for k, v in complete.items() if k != name}
        settings = _parse(cls, partial, monkeypatch)
        with pytest.raises(MissingSettings, match=re.escape(name)):
            importlib.import_module("services.booking.app").create_app(settings)


def test_credentials_secrets_are_written_with_the_keys_the_tasks_read(
    contracts: dict[str, Contract],
) -> None:
    """service_config injects `:token::` and `:accepts::`; the security module writes them."""
    security = Path(__file__).parents[2] / "templates/terraform/modules/security/main.tf"
    written = security.read_text()
    keys = {
        reference.split(":")[7]
        for injected in contracts["dev"].secrets.values()
        for name, reference in injected.items()
        if name.startswith("SERVICE_TOKEN")
    }
    assert keys == {"token", "accepts"}
    for key in keys:
        assert re.search(rf"^\s+{key} = ", written, re.M), key
