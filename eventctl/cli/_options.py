"""Options shared by several commands, defined once."""

from __future__ import annotations

from typing import Annotated

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Answer yes to confirmations (for CI).")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would happen; change nothing.")
]
EnvArgument = Annotated[
    str, typer.Argument(help="Environment: local, dev or prod.", show_default=False)
]
EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment: local, dev or prod.")]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help="Send every AWS call here (an emulator: LocalStack, moto); "
        "default: $AWS_ENDPOINT_URL, else AWS.",
        show_default=False,
    ),
]
