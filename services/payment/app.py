"""The payment service's HTTP API (Starlette): the owner's payments under /api/payments and the
charge/refund API under /internal/payments (service credential required; the ALB never routes
it).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from services.kit.app import Kit, Overrides, build_app
from services.kit.audit import note_audit
from services.kit.http import ApiRoute, Operation, json_response, read_json, read_query
from services.kit.security import require_service, require_user
from services.payment.schema import ChargeIn, ChargeOut, PaymentList, PaymentOut, PaymentQuery
from services.payment.service import PaymentService
from services.payment.settings import PaymentSettings
from services.payment.tables import MIGRATIONS

TAGS = ("payments",)
INTERNAL = ("charges (internal)",)


def _service(request: Request) -> PaymentService:
    service: PaymentService = request.app.state.service
    return service


def _max_body(request: Request) -> int:
    return int(request.app.state.kit.settings.max_body_bytes)


async def list_payments(request: Request) -> Response:
    principal = await require_user(request)
    query = read_query(request, PaymentQuery)
    found = await _service(request).list_for(principal.user_id, query.limit)
    return json_response(PaymentList(found))


async def get_payment(request: Request) -> Response:
    principal = await require_user(request)
    payment_id = request.path_params["payment_id"]
    return json_response(await _service(request).get_for(principal.user_id, payment_id))


async def charge(request: Request) -> Response:
    require_service(request)
    note_audit(action="payment.charge")
    body = await read_json(request, ChargeIn, _max_body(request))
    note_audit(resource=f"charge:{body.idempotency_key}")
    payment, created = await _service(request).charge(body)
    return json_response(payment, 201 if created else 200)


async def get_charge(request: Request) -> Response:
    require_service(request)
    return json_response(await _service(request).get(request.path_params["key"]))


async def refund(request: Request) -> Response:
    require_service(request)
    key = request.path_params["key"]
    note_audit(action="payment.refund", resource=f"charge:{key}")
    return json_response(await _service(request).refund(key))


async def void(request: Request) -> Response:
    require_service(request)
    key = request.path_params["key"]
    note_audit(action="payment.void", resource=f"charge:{key}")
    return json_response(await _service(request).void(key))


ROUTES = [
    ApiRoute(
        "/",
        list_payments,
        methods=["GET"],
        operation=Operation(
            "The caller's payments, newest first",
            {200: PaymentList, 401: None, 422: None},
            query=PaymentQuery,
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/{payment_id}",
        get_payment,
        methods=["GET"],
        operation=Operation(
            "One of the caller's payments (anyone else's is 404)",
            {200: PaymentOut, 401: None, 404: None},
            security="bearer",
            tags=TAGS,
        ),
    ),
]

INTERNAL_ROUTES = [
    ApiRoute(
        "/charges",
        charge,
        methods=["POST"],
        operation=Operation(
            "Charge a card once per idempotency key (201 new, 200 repeated; status says "
            "succeeded or declined; 409 when the key was used for another charge)",
            {200: ChargeOut, 201: ChargeOut, 401: None, 409: None, 422: None},
            body=ChargeIn,
            security="service",
            tags=INTERNAL,
        ),
    ),
    ApiRoute(
        "/charges/{key}",
        get_charge,
        methods=["GET"],
        operation=Operation(
            "The charge made with a key",
            {200: ChargeOut, 401: None, 404: None},
            security="service",
            tags=INTERNAL,
        ),
    ),
    ApiRoute(
        "/charges/{key}/refund",
        refund,
        methods=["POST"],
        operation=Operation(
            "Refund the charge made with a key (once; a key never charged is voided)",
            {200: ChargeOut, 401: None},
            security="service",
            tags=INTERNAL,
        ),
    ),
    ApiRoute(
        "/charges/{key}/void",
        void,
        methods=["POST"],
        operation=Operation(
            "Close a key: its charge if one was made, otherwise no charge can use it any more",
            {200: ChargeOut, 401: None},
            security="service",
            tags=INTERNAL,
        ),
    ),
]


def create_app(
    settings: PaymentSettings | None = None, overrides: Overrides | None = None
) -> Starlette:
    """The payment service app; settings from the environment when not given."""
    settings = settings or PaymentSettings()

    async def setup(kit: Kit) -> PaymentService:
        return PaymentService(kit.db, kit.outbox)

    return build_app(
        settings,
        routes=ROUTES,
        internal_routes=INTERNAL_ROUTES,
        migrations=MIGRATIONS,
        setup=setup,
        overrides=overrides,
    )
