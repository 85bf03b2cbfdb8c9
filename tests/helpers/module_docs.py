"""The inputs/outputs tables of the Terraform modules' READMEs, generated from their
variables.tf and outputs.tf (between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`,
terraform-docs' markers). tests/core/test_module_docs.py keeps the READMEs equal to them;
`python -m tests.helpers.module_docs` rewrites them after a module's interface changes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MODULES = Path(__file__).resolve().parents[2] / "templates" / "terraform" / "modules"
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
_BLOCK = re.compile(r'^(variable|output) "(\w+)" \{\n(.*?)^\}\n', re.S | re.M)
_ATTRIBUTE = re.compile(r"^  (\w+)\s*=\s*(.*?)(?=^  \w+\s*=|^  \w+ \{|\Z)", re.S | re.M)


def _attributes(body: str) -> dict[str, str]:
    """Top-level attributes of a block (nested blocks such as validation are skipped)."""
    top = re.sub(r"^  \w+ \{\n.*?^  \}\n", "", body, flags=re.S | re.M)
    return {name: " ".join(value.split()) for name, value in _ATTRIBUTE.findall(top)}


def _type(text: str) -> str:
    """A type short enough for a table cell: object attributes are elided."""
    return re.sub(r"\(\{.*\}\)", "({...})", text) if "{" in text else text


def _cell(text: str) -> str:
    """Table-safe markdown: pipes and angle brackets escaped."""
    return text.replace("|", "\\|").replace("<", "\\<").replace(">", "\\>")


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text


def tables(module: Path) -> str:
    """The markdown between the markers for `module`."""
    lines = ["## Inputs", "", "| Name | Type | Default | Validated | Description |"]
    lines.append("| --- | --- | --- | --- | --- |")
    variables = _BLOCK.findall((module / "variables.tf").read_text(encoding="utf-8"))
    for _, name, body in variables:
        attributes = _attributes(body)
        default = f"`{attributes['default']}`" if "default" in attributes else "required"
        sensitive = " (sensitive)" if attributes.get("sensitive") == "true" else ""
        lines.append(
            f"| `{name}` | `{_cell(_type(attributes.get('type', 'any')))}` | {_cell(default)} "
            f"| {'yes' if 'validation {' in body else ''} "
            f"| {_cell(_unquote(attributes.get('description', '')))}{sensitive} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "| --- | --- |"]
    outputs = _BLOCK.findall((module / "outputs.tf").read_text(encoding="utf-8"))
    for _, name, body in outputs:
        description = _unquote(_attributes(body).get("description", ""))
        lines.append(f"| `{name}` | {_cell(description)} |")
    return "\n".join(lines)


def readme_with_tables(module: Path) -> str:
    """The module's README with its tables replaced (or appended) by the generated ones."""
    readme = (module / "README.md").read_text(encoding="utf-8")
    generated = f"{BEGIN}\n{tables(module)}\n{END}"
    if BEGIN in readme and END in readme:
        before, rest = readme.split(BEGIN, 1)
        return before + generated + rest.split(END, 1)[1]
    return readme.rstrip("\n") + "\n\n" + generated + "\n"


def modules() -> list[Path]:
    return sorted(path for path in MODULES.iterdir() if (path / "variables.tf").is_file())


if __name__ == "__main__":
    for module in modules():
        (module / "README.md").write_text(readme_with_tables(module), encoding="utf-8")
        print(f"wrote {module / 'README.md'}", file=sys.stderr)
