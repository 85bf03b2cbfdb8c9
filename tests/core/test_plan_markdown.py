"""The markdown plan summary for pull requests: what it shows first, what it never shows, and
that it stays under GitHub's comment limit however large the plan."""

from __future__ import annotations

from typing import Any

from eventctl.core.plan_summary import GITHUB_COMMENT_LIMIT, summarize_plan, to_markdown

SECRET = "hunter2-never-shown"


def _rc(address: str, actions: list[str], reason: str | None = None) -> dict[str, Any]:
    parts = address.split(".")
    raw: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": parts[-2].split("[")[0] if "[" in parts[-2] else parts[-2],
        "name": parts[-1],
        "change": {
            "actions": actions,
            "before": {"secret_string": SECRET},
            "after": {"password": SECRET},
            "after_sensitive": {"password": True},
        },
    }
    if reason:
        raw["action_reason"] = reason
    if address.startswith("module."):
        raw["module_address"] = ".".join(parts[:2])
    return raw


def _plan(n: int) -> dict[str, Any]:
    changes = [_rc(f"module.m{i % 7}.aws_thing{i % 40}.r{i}", ["create"]) for i in range(n)]
    changes += [_rc(f"module.data.aws_db_instance.db{i}", ["delete"]) for i in range(n // 4)]
    changes += [
        _rc(
            f"module.ecs.aws_ecs_service.s{i}",
            ["delete", "create"],
            "replace_because_cannot_update",
        )
        for i in range(n // 4)
    ]
    return {
        "resource_changes": changes,
        "resource_drift": [_rc("module.network.aws_vpc.this", ["update"])],
        "output_changes": {"alb_dns_name": {"actions": ["create"], "after": SECRET}},
    }


def test_destroys_and_replacements_come_first_and_no_value_is_shown() -> None:
    text = to_markdown(summarize_plan(_plan(8)), "prod", full_plan="the artifact plan-prod")
    lines = text.splitlines()
    assert lines[0] == "### Plan for `prod`: 8 to create, 0 to change, 2 to replace, 2 to destroy"
    risky = lines.index("**Destroyed or replaced (4)**")
    assert risky < lines.index("**Changes by module**")
    assert "| destroy | `module.data.aws_db_instance.db0` | - |" in lines
    assert "| replace | `module.ecs.aws_ecs_service.s1` | replace because cannot update |" in lines
    assert "| `module.data` | - | - | - | 2 |" in lines
    assert "- modified: `module.network.aws_vpc.this`" in lines
    assert "**Outputs**: `alb_dns_name` (create)" in lines
    assert lines[-1] == "The full plan: the artifact plan-prod."
    assert SECRET not in text
    assert "more" not in text, "a small plan is listed whole"


def test_a_huge_plan_is_cut_to_the_limit_with_a_line_saying_where_the_rest_is() -> None:
    summary = summarize_plan(_plan(20_000))
    text = to_markdown(summary, "prod", full_plan="the artifact plan-prod")
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith("### Plan for `prod`: 20000 to create, 0 to change, 5000 to replace")
    assert "not listed here: see the artifact plan-prod." in text
    assert "| `module.m6` | 2857 | - | - | - |" in text, "module counts are never cut"
    smaller = to_markdown(summary, "prod", limit=30_000)
    assert len(smaller) <= 30_000
    assert "not listed here: see the full plan." in smaller


def test_an_empty_plan_says_so() -> None:
    text = to_markdown(summarize_plan({"resource_changes": []}), "dev")
    assert text == (
        "### Plan for `dev`: 0 to create, 0 to change, 0 to replace, 0 to destroy\n\n"
        "No changes: `dev` matches the configuration.\n"
    )


def test_backticks_and_pipes_in_addresses_cannot_break_the_table() -> None:
    plan = {"resource_changes": [_rc('module.a.aws_x.this["a|b`c"]', ["delete"])]}
    text = to_markdown(summarize_plan(plan), "dev")
    assert '| destroy | `module.a.aws_x.this["a\\|b\'c"]` | - |' in text
