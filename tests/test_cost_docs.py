"""docs/costs.md shows the reports exactly as the command prints them; this test keeps it so.

Regenerate the generated blocks with `python tests/test_cost_docs.py`.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "costs.md"
BLOCK = re.compile(r"(<!-- BEGIN: (?P<what>.+?) -->\n)(?P<body>.*?)(<!-- END -->)", re.DOTALL)


def _command_output(command: str) -> str:
    import tempfile

    from typer.testing import CliRunner

    from eventctl.cli.main import app

    args = shlex.split(command)
    assert args[0] == "eventctl", command
    # An empty cache: the docs show the built-in prices, never a developer's refreshed ones.
    with tempfile.TemporaryDirectory(prefix="eventctl-docs-cache-") as cache:
        env = {"NO_COLOR": "1", "COLUMNS": "80", "TERM": "dumb", "XDG_CACHE_HOME": cache}
        result = CliRunner().invoke(app, args[1:], env=env, prog_name="eventctl")
    assert result.exit_code == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    return "```text\n$ " + command + "\n" + "\n".join(lines).strip("\n") + "\n```\n"


def _usage_table() -> str:
    from eventctl.core.costs.usage import usage_defaults_table

    rows = ["| key | unit | dev | prod | what it is |", "|---|---|---:|---:|---|"]
    rows += [
        f"| `{r['key']}` | {r['unit']} | {r['dev']:g} | {r['prod']:g} | {r['description']} |"
        for r in usage_defaults_table()
    ]
    return "\n".join(rows) + "\n"


def _price_table() -> str:
    from eventctl.core.costs.prices import load_prices

    table = load_prices("eu-west-1")
    rows = ["| key | USD | unit | status | source |", "|---|---:|---|---|---|"]
    rows += [
        f"| `{p.key}` | {p.usd:g} | {p.unit} | {p.status} | {p.source} |"
        for p in table.prices.values()
    ]
    return "\n".join(rows) + "\n"


def generate(what: str) -> str:
    if what == "usage defaults":
        return _usage_table()
    if what == "price table":
        return _price_table()
    return _command_output(what)


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + generate(m.group("what")) + m.group(4), text)


def test_generated_blocks_are_current(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no eventctl.toml of the developer's
    text = DOC.read_text(encoding="utf-8")
    blocks = [m.group("what") for m in BLOCK.finditer(text)]
    assert "eventctl cost report --env dev" in blocks
    assert "eventctl cost report --env prod" in blocks
    assert regenerate(text) == text, "docs/costs.md is stale: run python tests/test_cost_docs.py"


if __name__ == "__main__":
    os.chdir(DOC.parent)  # away from any eventctl.toml in the checkout root
    sys.path.insert(0, str(DOC.parent.parent))
    DOC.write_text(regenerate(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"regenerated {DOC}")
