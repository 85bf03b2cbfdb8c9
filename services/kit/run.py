"""Serve a service with uvicorn: JSON logs, the model's port unless PORT says otherwise."""

from __future__ import annotations

import os

from platform_model import build_platform
from services.kit.logs import configure_logging


def run(service_name: str, factory: str) -> None:
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
