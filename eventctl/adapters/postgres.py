"""PostgreSQL server administration: create the databases the local services use.

asyncpg (from the services' dependencies) is imported on first use. Database names are
checked identifiers; the server URL may hold a password and never appears in a message.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from eventctl.errors import EventctlError

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def database_url(server_url: str, database: str) -> str:
    """The URL of `database` on the server of `server_url` (postgresql://user:pw@host:port)."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def check_server_url(server_url: str) -> None:
    """Refuse a URL that is not a PostgreSQL server URL without a database."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise EventctlError(
            f"{redacted(server_url)} is not a PostgreSQL URL",
            hint="set local.postgres_url to postgresql://USER[:PASSWORD]@HOST:PORT",
        )
    if parts.path not in ("", "/"):
        raise EventctlError(
            f"local.postgres_url names a database ({parts.path.lstrip('/')}); give the server only",
            hint="each service gets its own database there: set local.database_prefix to "
            "choose their names",
        )


def ensure_databases(server_url: str, databases: Sequence[str], timeout: float = 10) -> list[str]:
    """Create the `databases` missing on the server; return the ones created."""
    check_server_url(server_url)
    for name in databases:
        if not _IDENTIFIER.fullmatch(name):
            raise EventctlError(f"{name!r} is not a valid PostgreSQL database name")
    try:
        asyncpg: Any = importlib.import_module("asyncpg")
    except ImportError:
        raise EventctlError(
            "PostgreSQL needs the asyncpg driver, which is not installed",
            hint="pip install -e '.[dev]' (or the services extra)",
        ) from None
    try:
        created: list[str] = asyncio.run(_create(asyncpg, server_url, databases, timeout))
        return created
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise EventctlError(
            f"cannot prepare the databases on {redacted(server_url)}: {type(exc).__name__}: {exc}",
            hint="is the server running and does the user in local.postgres_url exist and "
            "may it create databases?",
        ) from None


async def _create(
    asyncpg: Any, server_url: str, databases: Sequence[str], timeout: float
) -> list[str]:
    conn = await asyncpg.connect(database_url(server_url, "postgres"), timeout=timeout)
    try:
        existing = {
            row[0]
            for row in await conn.fetch(
                "SELECT datname FROM pg_database WHERE datname = ANY($1::text[])", list(databases)
            )
        }
        created = [name for name in databases if name not in existing]
        for name in created:
            await conn.execute(f'CREATE DATABASE "{name}"')
        return created
    finally:
        await conn.close()
