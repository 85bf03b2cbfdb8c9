"""Rich renderings of core results that are too long to live in a command body."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def render_environment(out: Console, view: dict[str, Any]) -> None:
    """The human view of `describe_environment`."""
    out.print(f"[bold]{view['name']}[/] ({view['kind']}): {view['description']}")
    out.print(
        f"region {view['region']}, web https://{view['hosts']['web']}, "
        f"api https://{view['hosts']['api']}"
    )
    scaling = view["autoscaling"]
    tasks = (
        f"{scaling['min_tasks']}-{scaling['max_tasks']} tasks (autoscaling)"
        if scaling
        else f"{view['desired_count']} task(s)"
    )
    out.print(
        f"per service: {tasks}; manual approval: {'yes' if view['manual_approval'] else 'no'}"
    )

    services = Table(
        "service",
        "port",
        "path",
        "cpu",
        "mem",
        "database",
        "consumes",
        title="Services",
        title_justify="left",
    )
    for s in view["services"]:
        services.add_row(
            s["name"],
            str(s["port"]),
            s["path"],
            str(s["cpu"]),
            str(s["memory"]),
            s["database"] or "-",
            ", ".join(s["consumes"]) or "-",
        )
    out.print(services)

    queues = Table(
        "queue", "fed by topic", "consumer", title="Queues (each with a DLQ)", title_justify="left"
    )
    for q in view["queues"]:
        queues.add_row(
            q["name"],
            ", ".join(q["fed_by_topics"]) or "-",
            q["consumer"] or "(none: see env show --json)",
        )
    out.print(queues)

    stores = Table("store", "settings", title="Data stores", title_justify="left")
    for name, store in view["data_stores"].items():
        stores.add_row(
            name, ", ".join(f"{k}={v}" for k, v in store.items() if k not in ("purpose",))
        )
    out.print(stores)

    if "names" in view:
        names = Table("resource", "name", title="Names", title_justify="left")
        for key, value in view["names"].items():
            names.add_row(key, str(value))
        out.print(names)
    if "local" in view:
        out.print("local runtime: " + ", ".join(f"{k}={v}" for k, v in view["local"].items()))
