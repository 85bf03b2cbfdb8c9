"""moto's server application, for a WSGI server of the tests' choosing.

`moto_server` serves it with werkzeug's development server, which answers every request with
`Connection: close`. Under load, terraform's AWS SDK then now and then fails to read an answer
moto has already given and retries the request: for the conditional PutItem that takes the
DynamoDB state lock, the retry finds the lock the first attempt took and terraform reports its
own lock as held by someone else (see docs/decisions.md). The tests serve the same application
with uvicorn (HTTP/1.1 keep-alive), as `moto_server` does apart from the HTTP server.
"""

from __future__ import annotations

from typing import Any


def create_app() -> Any:
    """What `moto_server` serves: one Flask app per AWS service, chosen per request."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)
