"""Serve a service with uvicorn: JSON logs, the model's port unless PORT says otherwise."""

from __future__ import annotations

import os
import sys

from platform_model import build_platform
from services.kit.logs import configure_logging


def run(service_name: str, factory: str) -> None:
    # httpx imports its command-line client (`httpx._main`: rich, pygments) whenever they
    # are installed, as they are next to eventctl in a checkout's venv, and treats it as
    # optional (an ImportError leaves the `httpx` command a stub). No service runs that
    # command: a None entry makes the import fail, which saves about 4 MiB per process. Set
    # before uvicorn imports the app (and with it httpx).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import uvicorn

    configure_logging(service_name, os.environ.get("LOG_LEVEL", "INFO"))
    port = int(os.environ.get("PORT") or build_platform().service(service_name).port)
    uvicorn.run(
        factory,
        factory=True,
        host=os.environ.get("HOST", "0.0.0.0"),
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # the request middleware reads X-Forwarded-For itself
        server_header=False,
        ws="none",  # no service speaks WebSocket: do not import a WebSocket library
        timeout_graceful_shutdown=20,
        workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
    )
