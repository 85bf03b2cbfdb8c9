"""The booking service's HTTP API (Starlette) under /api/bookings, its reconciler, and its
consumer of event changes (cancelled events cascade to their bookings).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from services.booking.clients import EventsClient, PaymentsClient
from services.booking.schema import (
    IDEMPOTENCY_KEY,
    BookingIn,
    BookingList,
    BookingOut,
    BookingQuery,
)
from services.booking.service import BookingService
from services.booking.settings import BookingSettings
from services.booking.tables import MIGRATIONS
from services.kit.app import Kit, Overrides, Worker, build_app
from services.kit.audit import note_audit
from services.kit.background import Loop
from services.kit.consumer import Handler, Message, Poison
from services.kit.http import ApiError, ApiRoute, Operation, json_response, read_json, read_query
from services.kit.security import require_user

TAGS = ("bookings",)
STATUS_CODES = {"confirmed": 201, "pending": 202}
DECLINES = {
    "card_declined": "Your card was declined by its bank.",
    "insufficient_funds": "Your card was declined: there are not enough funds on it.",
}
NOTHING_TAKEN = "No money was taken and your seats were released."
_KEY = re.compile(IDEMPOTENCY_KEY)


def _service(request: Request) -> BookingService:
    service: BookingService = request.app.state.service
    return service


def _max_body(request: Request) -> int:
    return int(request.app.state.kit.settings.max_body_bytes)


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not _KEY.fullmatch(key):
        raise ApiError(
            422,
            "The Idempotency-Key header must be 1 to 255 visible ASCII characters.",
            "invalid",
            field="Idempotency-Key",
        )
    return key


async def create_booking(request: Request) -> Response:
    principal = await require_user(request)
    note_audit(action="booking.create")
    key = _idempotency_key(request)
    body = await read_json(request, BookingIn, _max_body(request))
    booking = await _service(request).book(principal, body, key)
    note_audit(resource=f"booking:{booking.id}")
    if booking.status not in STATUS_CODES:
        raise _refusal(booking)
    return json_response(booking, STATUS_CODES[booking.status])


def _refusal(booking: BookingOut) -> ApiError:
    """A booking that ended without seats, as an error body with the booking attached."""
    attached = booking.model_dump(mode="json")
    if booking.status == "payment_failed":
        reason = booking.failure_reason or ""
        detail = DECLINES.get(reason, "The payment did not go through.")
        return ApiError(402, f"{detail} {NOTHING_TAKEN}", "card_declined", booking=attached)
    return ApiError(
        409,
        "This booking was cancelled while it was being made (the event may have been "
        "cancelled); any payment is refunded.",
        "booking_cancelled",
        booking=attached,
    )


async def list_bookings(request: Request) -> Response:
    principal = await require_user(request)
    query = read_query(request, BookingQuery)
    return json_response(
        BookingList(await _service(request).list_for(principal.user_id, query.limit, query.when))
    )


async def get_booking(request: Request) -> Response:
    principal = await require_user(request)
    booking_id = request.path_params["booking_id"]
    return json_response(await _service(request).get_for(principal.user_id, booking_id))


async def cancel_booking(request: Request) -> Response:
    principal = await require_user(request)
    booking_id = request.path_params["booking_id"]
    note_audit(action="booking.cancel", resource=f"booking:{booking_id}")
    return json_response(await _service(request).cancel(principal.user_id, booking_id))


ROUTES = [
    ApiRoute(
        "/",
        create_booking,
        methods=["POST"],
        operation=Operation(
            "Book seats: reserve, charge, confirm. Optional Idempotency-Key header: the same "
            "key and body return the same booking and never charge twice (another body: 422). "
            "201 confirmed; 402 card declined (code card_declined, the payment_failed "
            "booking under booking; seats released); 409 not enough seats (not_enough_seats) "
            "or cancelled meanwhile (booking_cancelled, booking attached); 404 unknown or "
            "cancelled event; 503 a service is down (no seats held, or "
            "the booking is settled automatically)",
            {
                201: BookingOut,
                401: None,
                402: None,
                404: None,
                409: None,
                422: None,
                503: None,
            },
            body=BookingIn,
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/",
        list_bookings,
        methods=["GET"],
        operation=Operation(
            "The caller's bookings, newest first, each with the event's title and start, its "
            "status and, when cancelled, its refund; ?when=upcoming|past by the event's start",
            {200: BookingList, 401: None, 422: None},
            query=BookingQuery,
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/{booking_id}",
        get_booking,
        methods=["GET"],
        operation=Operation(
            "One of the caller's bookings (anyone else's is 404)",
            {200: BookingOut, 401: None, 404: None},
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/{booking_id}",
        cancel_booking,
        methods=["DELETE"],
        operation=Operation(
            "Cancel a confirmed booking: seats released, payment refunded (409 if it is not "
            "confirmed)",
            {200: BookingOut, 401: None, 404: None, 409: None},
            security="bearer",
            tags=TAGS,
        ),
    ),
]


def create_app(
    settings: BookingSettings | None = None, overrides: Overrides | None = None
) -> Starlette:
    """The booking service app; settings from the environment when not given."""
    settings = settings or BookingSettings()

    async def setup(kit: Kit) -> BookingService:
        timeout = settings.call_timeout_seconds
        return BookingService(
            kit.db,
            kit.outbox,
            EventsClient(
                kit.service_client("event", timeout=timeout),
                kit.platform.service("event").internal_prefix,
            ),
            PaymentsClient(
                kit.service_client("payment", timeout=timeout),
                kit.platform.service("payment").internal_prefix,
            ),
            reconcile_after_seconds=settings.reconcile_after_seconds,
            batch=settings.reconcile_batch,
        )

    def workers(kit: Kit, service: BookingService) -> Sequence[Worker]:
        async def reconcile() -> bool:
            return await service.reconcile_once() >= settings.reconcile_batch

        return [Loop("booking-reconciler", reconcile, settings.reconcile_interval_seconds)]

    def handlers(kit: Kit, service: BookingService) -> dict[str, Handler]:
        async def event_updated(message: Message) -> None:
            """A cancelled event cancels (and refunds) its bookings; other changes need
            nothing here (a booking keeps the price it was charged)."""
            if message.data.get("change") != "cancelled":
                return
            event_id = (message.data.get("event") or {}).get("id")
            if not isinstance(event_id, str):
                raise Poison("event-updated without event.id")
            await service.cancel_event(event_id)

        return {"event-updated": event_updated}

    return build_app(
        settings,
        routes=ROUTES,
        migrations=MIGRATIONS,
        setup=setup,
        workers=workers,
        handlers=handlers,
        overrides=overrides,
    )
