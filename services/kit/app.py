"""Assemble a service: its routes plus the kit's health, readiness and OpenAPI routes, the
request middleware, the exception handlers, and a lifespan that owns every outside resource.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Router

from platform_model import Names, Platform, Service
from services import __version__
from services.kit import audit, inbox, outbox
from services.kit.audit import AuditWriter, MongoSink, TableSink, mongo_collection
from services.kit.calls import HttpPool, HttpxSender, Sender, ServiceClient
from services.kit.consumer import ConsumerOptions, Handler, QueueConsumer
from services.kit.db import Database
from services.kit.http import (
    EXCEPTION_HANDLERS,
    ApiRoute,
    Operation,
    error_body,
    json_response,
)
from services.kit.inbox import Inbox
from services.kit.logs import request_id_var
from services.kit.messaging import Publisher, aws_clients, check_destination, consumer_sqs_client
from services.kit.middleware import Cors, RequestMiddleware
from services.kit.migrations import Migration, migrate
from services.kit.openapi import openapi_document
from services.kit.outbox import Outbox, OutboxRelay
from services.kit.routing import PublicAddress, SlashTolerant
from services.kit.security import ServiceCredentials
from services.kit.settings import ServiceSettings
from services.kit.store import MemoryStore, RedisStore, Store
from services.kit.tokens import JwksKeys, KeySource, TokenVerifier

log = logging.getLogger("services.app")


@dataclass(frozen=True)
class Overrides:
    """Test seams: an HTTP transport to other services, an audit collection, AWS clients."""

    http_transport: httpx.AsyncBaseTransport | None = None
    mongo_collection: Any = None
    aws_clients: tuple[Any, Any] | None = None
    consumer_sqs: Any = None


@dataclass
class Kit:
    """Everything a service's endpoints and logic may use, opened by the lifespan."""

    settings: ServiceSettings
    platform: Platform
    service: Service
    names: Names
    db: Database
    store: Store
    http: httpx.AsyncClient
    verifier: TokenVerifier
    service_credentials: ServiceCredentials
    outbox: Outbox
    relay: OutboxRelay | None
    audit: AuditWriter
    consumers: dict[str, QueueConsumer] = field(default_factory=dict)
    in_process: bool = False  # calls to other services go through an overridden transport
    clients: list[ServiceClient] = field(default_factory=list)

    def service_client(self, name: str, *, timeout: float = 5.0) -> ServiceClient:
        """Another service's internal API, reached through the model (or SERVICE_URLS), with
        this service's credential (SERVICE_TOKEN). Closed with the app."""
        url = self.settings.service_url(self.platform, name)
        sender: Sender = HttpxSender(self.http, url) if self.in_process else HttpPool(url)
        client = ServiceClient(name, sender, self.settings.internal_headers(), timeout=timeout)
        self.clients.append(client)
        return client

    async def close_clients(self) -> None:
        for client in self.clients:
            await client.aclose()


class Worker(Protocol):
    """A background task the lifespan owns: started once, stopped (gracefully) once."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


KIT_MIGRATIONS: tuple[Migration, ...] = (*audit.MIGRATIONS, *outbox.MIGRATIONS)


class Health(BaseModel):
    status: str


async def _send_request_id(request: httpx.Request) -> None:
    request_id = request_id_var.get()
    if request_id and "x-request-id" not in request.headers:
        request.headers["x-request-id"] = request_id


def build_app(
    settings: ServiceSettings,
    *,
    routes: Sequence[BaseRoute],
    internal_routes: Sequence[BaseRoute] = (),
    migrations: Sequence[Migration],
    setup: Callable[[Kit], Awaitable[Any]],
    keys: Callable[[Kit], KeySource] | None = None,
    workers: Callable[[Kit, Any], Sequence[Worker]] | None = None,
    handlers: Callable[[Kit, Any], Mapping[str, Handler]] | None = None,
    overrides: Overrides | None = None,
) -> Starlette:
    """A Starlette app for `settings.service_name`.

    `setup(kit)` builds its service object; `workers(kit, service)` its background workers
    (reconcilers); `handlers(kit, service)` one message handler per queue the model says it
    consumes, each run by a `QueueConsumer`. Workers and consumers start after the outbox
    relay and stop before it (what they write is still published at the next start).
    """
    overrides = overrides or Overrides()
    platform = settings.platform()
    settings.check_aws_needs(platform)
    service = settings.service(platform)
    app_routes: list[BaseRoute] = [
        *_operations_routes(service),
        Mount(service.path_prefix, routes=[_openapi_route(), *routes]),
    ]
    if internal_routes:
        app_routes.append(Mount(service.internal_prefix, routes=list(internal_routes)))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            kit = await _open_kit(stack, settings, platform, overrides, keys)
            consumer_migrations = inbox.MIGRATIONS if service.consumes else ()
            await migrate(kit.db, [*KIT_MIGRATIONS, *consumer_migrations, *migrations])
            app.state.kit = kit
            stack.push_async_callback(kit.close_clients)
            app.state.service = await setup(kit)
            kit.audit.start()
            stack.push_async_callback(kit.audit.stop)
            if kit.relay is not None:
                kit.relay.start()
                stack.push_async_callback(kit.relay.stop)
            started: list[Worker] = list(workers(kit, app.state.service) if workers else ())
            if handlers is not None and settings.consumer_enabled:
                started += _consumers(kit, handlers(kit, app.state.service), overrides)
            for worker in started:
                worker.start()
                stack.push_async_callback(worker.stop)
            log.info(
                "started", extra={"database": kit.db.dialect, "store": type(kit.store).__name__}
            )
            yield
            log.info("stopping")

    app = Starlette(
        routes=app_routes,
        middleware=[
            Middleware(PublicAddress, trusted_proxy_hops=settings.trusted_proxy_hops),
            Middleware(SlashTolerant, routes=app_routes),
            Middleware(
                RequestMiddleware,
                service=service.name,
                trusted_proxy_hops=settings.trusted_proxy_hops,
            ),
            Middleware(
                Cors,
                allow_origins=settings.allowed_origins(platform),
                allow_methods=["GET", "POST", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Idempotency-Key"],
                expose_headers=["X-Request-ID", "Retry-After"],
                max_age=600,
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    _no_slash_redirects(app)
    app.state.openapi = openapi_document(
        app_routes,
        title=service.title,
        version=__version__,
        description=(
            f"{service.title} (port {service.port}): public API under {service.path_prefix}/"
            + (f", internal API under {service.internal_prefix}/" if internal_routes else "")
            + f", liveness {service.health_path}, readiness {service.ready_path}."
            + _messaging_summary(service)
        ),
        remote_keys=keys is None,
    )
    return app


def _no_slash_redirects(app: Starlette) -> None:
    """SlashTolerant serves both spellings; no router answers one with a redirect."""
    app.router.redirect_slashes = False
    for route in app.router.routes:
        if isinstance(route, Mount) and isinstance(route.app, Router):
            route.app.redirect_slashes = False


def _messaging_summary(service: Service) -> str:
    parts = [
        f" {label}: {', '.join(names)}."
        for label, names in (
            ("Publishes to topics", service.publishes_topics),
            ("Publishes to queues", service.publishes_queues),
            ("Consumes queues", service.consumes),
        )
        if names
    ]
    return "".join(parts)


async def _open_kit(
    stack: AsyncExitStack,
    settings: ServiceSettings,
    platform: Platform,
    overrides: Overrides,
    keys: Callable[[Kit], KeySource] | None,
) -> Kit:
    service = settings.service(platform)
    names = settings.names(platform)
    db = Database(
        settings.resolved_database_url(platform),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    stack.push_async_callback(db.close)
    store: Store
    redis_url = settings.resolved_redis_url()
    if redis_url is not None:
        store = RedisStore(redis_url, settings.resolved_redis_prefix(platform))
    else:
        store = MemoryStore()
    stack.push_async_callback(store.close)
    http = httpx.AsyncClient(
        transport=overrides.http_transport, event_hooks={"request": [_send_request_id]}
    )
    stack.push_async_callback(http.aclose)
    publisher = None
    if settings.outbox_enabled and (service.publishes_queues or service.publishes_topics):
        connect = functools.partial(
            aws_clients,
            settings.aws_region,
            settings.aws_endpoint_url,
            topics=bool(service.publishes_topics),
            queues=bool(service.publishes_queues),
        )
        if overrides.aws_clients is not None:
            sns, sqs = overrides.aws_clients
            publisher = Publisher(service, names, sns, sqs, settings.aws_account_id)
        else:  # made at the first publish (see Publisher)
            publisher = Publisher(
                service, names, None, None, settings.aws_account_id, connect=connect
            )
    outbox_ = Outbox(service.name, check=functools.partial(check_destination, service))
    relay = None
    if publisher is not None:
        relay = OutboxRelay(
            db,
            publisher,
            poll_seconds=settings.outbox_poll_seconds,
            batch=settings.outbox_batch,
            max_backoff_seconds=settings.outbox_max_backoff_seconds,
            linger_seconds=settings.outbox_linger_seconds,
        )
        outbox_.relay = relay
    mongo_url = settings.resolved_audit_mongo_url()
    if overrides.mongo_collection is not None:
        sink: Any = MongoSink(overrides.mongo_collection)
    elif mongo_url is not None:
        sink = MongoSink(mongo_collection(mongo_url, settings.audit_mongo_database))
    else:
        sink = TableSink(db)
    kit = Kit(
        settings=settings,
        platform=platform,
        service=service,
        names=names,
        db=db,
        store=store,
        http=http,
        verifier=TokenVerifier(
            JwksKeys(http, settings.jwks_url(platform)),
            issuer=settings.token_issuer(platform),
            audience=settings.token_audience(platform),
        ),
        service_credentials=ServiceCredentials(settings.service_tokens),
        outbox=outbox_,
        relay=relay,
        audit=AuditWriter(sink, flush_seconds=settings.audit_flush_seconds),
        in_process=overrides.http_transport is not None,
    )
    if keys is not None:
        kit.verifier.keys = keys(kit)
    return kit


def _consumers(
    kit: Kit, handlers: Mapping[str, Handler], overrides: Overrides
) -> list[QueueConsumer]:
    """One consumer per queue of the model's `consumes`, each with its handler."""
    wanted = set(kit.service.consumes)
    if set(handlers) != wanted:
        raise ValueError(
            f"service {kit.service.name!r} consumes {sorted(wanted)} in the model but has "
            f"handlers for {sorted(handlers)}"
        )
    settings = kit.settings
    sqs = overrides.consumer_sqs or consumer_sqs_client(
        settings.aws_region, settings.aws_endpoint_url, settings.consumer_wait_seconds
    )
    mailbox = Inbox(kit.db)
    consumers = []
    for queue in kit.platform.queues:
        if queue.name not in wanted:
            continue
        options = ConsumerOptions(
            wait_seconds=settings.consumer_wait_seconds,
            batch=settings.consumer_batch,
            visibility_seconds=queue.visibility_timeout_seconds,
            retry_base_seconds=settings.consumer_retry_base_seconds,
            retry_max_seconds=settings.consumer_retry_max_seconds,
            shutdown_grace_seconds=settings.consumer_shutdown_grace_seconds,
        )
        consumers.append(
            QueueConsumer(
                sqs, queue.name, kit.names.queue(queue.name), handlers[queue.name], mailbox, options
            )
        )
    kit.consumers = {consumer.queue: consumer for consumer in consumers}
    return consumers


def _operations_routes(service: Service) -> list[BaseRoute]:
    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(request: Request) -> Response:
        kit: Kit | None = getattr(request.app.state, "kit", None)
        if kit is None:
            return json_response(error_body("The service is starting.", "starting"), 503)
        for name, check in (("database", kit.db.ping), ("cache", kit.store.ping)):
            try:
                await check()
            except Exception as exc:
                log.warning("not ready", extra={"component": name, "error": type(exc).__name__})
                return json_response(error_body(f"The {name} does not answer.", "not_ready"), 503)
        return json_response({"status": "ready"})

    tags = ("operations",)
    return [
        ApiRoute(
            service.health_path,
            healthz,
            methods=["GET"],
            operation=Operation("Liveness: the process answers", {200: Health}, tags=tags),
        ),
        ApiRoute(
            service.ready_path,
            readyz,
            methods=["GET"],
            operation=Operation(
                "Readiness: the database and cache answer", {200: Health, 503: None}, tags=tags
            ),
        ),
    ]


def _openapi_route() -> ApiRoute:
    async def openapi(request: Request) -> Response:
        return json_response(request.app.state.openapi)

    return ApiRoute(
        "/openapi.json",
        openapi,
        methods=["GET"],
        operation=Operation("This OpenAPI document", {200: None}, tags=("operations",)),
    )
