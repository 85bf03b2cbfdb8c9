"""The event service's HTTP API (Starlette): the public catalogue under /api/events and the
seat inventory under /internal/events (service credential required; the ALB never routes it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from services.event.schema import (
    EventIn,
    EventOut,
    EventPage,
    EventPatch,
    EventQuery,
    OrganizerEventPage,
    OrganizerEventQuery,
    ReservationIn,
    ReservationOut,
)
from services.event.service import EventService
from services.event.settings import EventSettings
from services.event.tables import MIGRATIONS
from services.kit.app import Kit, Overrides, Worker, build_app
from services.kit.audit import note_audit
from services.kit.background import Loop
from services.kit.http import ApiRoute, Operation, json_response, read_json, read_query
from services.kit.security import require_service, require_user

TAGS = ("events",)
INTERNAL = ("seat inventory (internal)",)


def _service(request: Request) -> EventService:
    service: EventService = request.app.state.service
    return service


def _max_body(request: Request) -> int:
    return int(request.app.state.kit.settings.max_body_bytes)


async def list_events(request: Request) -> Response:
    query = read_query(request, EventQuery)
    body = await _service(request).list_page_json(query)
    return Response(body, media_type="application/json")


async def get_event(request: Request) -> Response:
    return json_response(await _service(request).get(request.path_params["event_id"]))


async def create_event(request: Request) -> Response:
    principal = await require_user(request, role="organizer")
    note_audit(action="event.create")
    body = await read_json(request, EventIn, _max_body(request))
    event = await _service(request).create(principal.user_id, body, organizer_name=principal.name)
    note_audit(resource=f"event:{event.id}")
    return json_response(event, 201)


async def my_events(request: Request) -> Response:
    principal = await require_user(request, role="organizer")
    query = read_query(request, OrganizerEventQuery)
    return json_response(await _service(request).organizer_page(principal.user_id, query))


async def update_event(request: Request) -> Response:
    principal = await require_user(request, role="organizer")
    event_id = request.path_params["event_id"]
    note_audit(action="event.update", resource=f"event:{event_id}")
    patch = await read_json(request, EventPatch, _max_body(request))
    return json_response(await _service(request).update(principal.user_id, event_id, patch))


async def cancel_event(request: Request) -> Response:
    principal = await require_user(request, role="organizer")
    event_id = request.path_params["event_id"]
    note_audit(action="event.cancel", resource=f"event:{event_id}")
    return json_response(await _service(request).cancel(principal.user_id, event_id))


async def reserve_seats(request: Request) -> Response:
    caller = require_service(request)
    event_id = request.path_params["event_id"]
    body = await read_json(request, ReservationIn, _max_body(request))
    note_audit(action="seats.reserve", resource=f"reservation:{body.reservation_id}")
    reservation, created = await _service(request).reserve(
        event_id, body.reservation_id, body.seats, caller
    )
    return json_response(reservation, 201 if created else 200)


async def get_reservation(request: Request) -> Response:
    require_service(request)
    params = request.path_params
    return json_response(
        await _service(request).reservation(params["event_id"], params["reservation_id"])
    )


async def release_seats(request: Request) -> Response:
    caller = require_service(request)
    params = request.path_params
    note_audit(action="seats.release", resource=f"reservation:{params['reservation_id']}")
    return json_response(
        await _service(request).release(params["event_id"], params["reservation_id"], caller)
    )


ROUTES = [
    ApiRoute(
        "/",
        list_events,
        methods=["GET"],
        operation=Operation(
            "Published events, soonest first (then by id). Filters: q (text in the title, "
            "venue or description), from/to (on starts_at; from defaults to now). Pages: "
            "limit, then ?cursor=<next_cursor> with the same filters; total counts every "
            "match",
            {200: EventPage, 422: None},
            query=EventQuery,
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/",
        create_event,
        methods=["POST"],
        operation=Operation(
            "Publish an event (organizers)",
            {201: EventOut, 401: None, 403: None, 422: None},
            body=EventIn,
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/mine",
        my_events,
        methods=["GET"],
        operation=Operation(
            "The caller's events (organizers): every status, latest start first, each with "
            "seats_sold and revenue_cents; pages by limit and offset, with the total",
            {200: OrganizerEventPage, 401: None, 403: None, 422: None},
            query=OrganizerEventQuery,
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/{event_id}",
        get_event,
        methods=["GET"],
        operation=Operation("One event", {200: EventOut, 404: None}, tags=TAGS),
    ),
    ApiRoute(
        "/{event_id}",
        update_event,
        methods=["PATCH"],
        operation=Operation(
            "Change an event (its organizer): title, description, venue, starts_at, ends_at, "
            "capacity, price_cents, currency. 409 when it is cancelled (code "
            "event_cancelled), has started (event_started), or the capacity would drop below "
            "the seats sold (capacity_below_sold); a new price applies to later bookings",
            {200: EventOut, 401: None, 403: None, 404: None, 409: None, 422: None},
            body=EventPatch,
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/{event_id}",
        cancel_event,
        methods=["DELETE"],
        operation=Operation(
            "Cancel an event (its organizer): returns it with status cancelled; its "
            "bookings are cancelled and refunded and each attendee is e-mailed",
            {200: EventOut, 401: None, 403: None, 404: None},
            security="bearer",
            tags=TAGS,
        ),
    ),
]

INTERNAL_ROUTES = [
    ApiRoute(
        "/{event_id}/reservations",
        reserve_seats,
        methods=["POST"],
        operation=Operation(
            "Hold seats atomically (201 new, 200 when the reservation id was already used). "
            "409 not enough seats; 410 the event is cancelled, or the reservation id was "
            "released before this request arrived (code reservation_released: nothing held)",
            {
                200: ReservationOut,
                201: ReservationOut,
                401: None,
                404: None,
                409: None,
                410: None,
                422: None,
            },
            body=ReservationIn,
            security="service",
            tags=INTERNAL,
        ),
    ),
    ApiRoute(
        "/{event_id}/reservations/{reservation_id}",
        get_reservation,
        methods=["GET"],
        operation=Operation(
            "One reservation",
            {200: ReservationOut, 401: None, 404: None},
            security="service",
            tags=INTERNAL,
        ),
    ),
    ApiRoute(
        "/{event_id}/reservations/{reservation_id}",
        release_seats,
        methods=["DELETE"],
        operation=Operation(
            "Give a reservation's seats back (idempotent). An id not reserved yet is voided "
            "(200, status voided), so a reservation with it arriving later is refused",
            {200: ReservationOut, 401: None, 404: None},
            security="service",
            tags=INTERNAL,
        ),
    ),
]


def create_app(
    settings: EventSettings | None = None, overrides: Overrides | None = None
) -> Starlette:
    """The event service app; settings from the environment when not given."""
    settings = settings or EventSettings()

    async def setup(kit: Kit) -> EventService:
        return EventService(
            kit.db, kit.store, kit.outbox, list_cache_seconds=settings.list_cache_seconds
        )

    def workers(kit: Kit, service: EventService) -> Sequence[Worker]:
        max_age = dt.timedelta(seconds=settings.tombstone_max_age_seconds)

        async def prune() -> bool:  # True: a full batch, so more may be waiting
            return await service.prune_tombstones(max_age) >= 1_000

        return [Loop("tombstone-pruner", prune, settings.tombstone_prune_interval_seconds)]

    return build_app(
        settings,
        routes=ROUTES,
        internal_routes=INTERNAL_ROUTES,
        migrations=MIGRATIONS,
        setup=setup,
        workers=workers,
        overrides=overrides,
    )
