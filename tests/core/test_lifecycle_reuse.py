"""What lets `env plan` skip work when nothing changed: the init fingerprint and the
remembered terraform version (the real binary)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eventctl.adapters.terraform import Terraform, TerraformError
from eventctl.core import lifecycle
from tests.helpers.lifecycle import TestRoot


def _terraform(tmp_path: Path, **environ: str) -> Terraform:
    rc = tmp_path / "terraformrc"
    rc.write_text("")
    return lifecycle.find_terraform(None, {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), **environ})


def test_the_fingerprint_follows_every_input_of_init(tmp_path: Path, terraform_bin: str) -> None:
    root = TestRoot()(None, "dev", tmp_path / "root", terraform_bin)
    terraform = _terraform(tmp_path)
    first = lifecycle.init_fingerprint(root, terraform)
    assert lifecycle.init_fingerprint(root, terraform) == first
    (root / "eventctl.tfplan").write_bytes(b"plans do not count")
    assert lifecycle.init_fingerprint(root, terraform) == first
    (root / "modules" / "x").mkdir(parents=True)
    (root / "modules" / "x" / "main.tf").write_text("# a module file counts\n")
    second = lifecycle.init_fingerprint(root, terraform)
    assert second != first
    other = _terraform(tmp_path, TF_PLUGIN_CACHE_DIR=str(tmp_path / "cache"))
    assert lifecycle.init_fingerprint(root, other) != second
    assert not lifecycle.is_initialised(root, terraform), "never initialised"


def test_the_version_is_remembered_per_binary(tmp_path: Path, terraform_bin: str) -> None:
    cache = tmp_path / "state" / "terraform-version.json"
    rc = tmp_path / "terraformrc"
    rc.write_text("")
    environ = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc)}
    asked = lifecycle.find_terraform(None, environ, version_cache=cache)
    (key, version), *_ = json.loads(cache.read_text()).items()
    assert key.startswith(f"{asked.binary}:") and tuple(version) == asked.version()
    # The remembered version is used as it is: a (made-up) old one is refused without a run.
    cache.write_text(json.dumps({key: [0, 1, 2]}))
    with pytest.raises(TerraformError) as caught:
        lifecycle.find_terraform(None, environ, version_cache=cache)
    assert "terraform 0.1.2" in caught.value.message and "too old" in caught.value.message
