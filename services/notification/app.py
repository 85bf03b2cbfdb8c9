"""The notification service: its queue consumers, and the caller's notifications under
/api/notifications."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from services.kit.app import Kit, Overrides, build_app
from services.kit.consumer import Handler
from services.kit.http import ApiRoute, Operation, json_response, read_query
from services.kit.security import require_user
from services.notification.emails import SesMailer, Templates, ses_client
from services.notification.schema import (
    NotificationList,
    NotificationOut,
    NotificationQuery,
    UnreadCount,
)
from services.notification.service import NotificationService
from services.notification.settings import NotificationSettings
from services.notification.tables import MIGRATIONS

TAGS = ("notifications",)


def _service(request: Request) -> NotificationService:
    service: NotificationService = request.app.state.service
    return service


async def list_notifications(request: Request) -> Response:
    principal = await require_user(request)
    query = read_query(request, NotificationQuery)
    found = await _service(request).list_for(principal.user_id, query.limit, unread=query.unread)
    return json_response(NotificationList(found))


async def unread_count(request: Request) -> Response:
    principal = await require_user(request)
    return json_response(
        UnreadCount(unread=await _service(request).unread_count(principal.user_id))
    )


async def mark_read(request: Request) -> Response:
    principal = await require_user(request)
    notification_id = request.path_params["notification_id"]
    return json_response(await _service(request).mark_read(principal.user_id, notification_id))


async def mark_all_read(request: Request) -> Response:
    principal = await require_user(request)
    await _service(request).mark_all_read(principal.user_id)
    return json_response(
        UnreadCount(unread=await _service(request).unread_count(principal.user_id))
    )


ROUTES = [
    ApiRoute(
        "/",
        list_notifications,
        methods=["GET"],
        operation=Operation(
            "The caller's notifications, newest first (?unread=true: only unread ones)",
            {200: NotificationList, 401: None, 422: None},
            query=NotificationQuery,
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/unread-count",
        unread_count,
        methods=["GET"],
        operation=Operation(
            "How many of the caller's notifications are unread (the header's badge)",
            {200: UnreadCount, 401: None},
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/read",
        mark_all_read,
        methods=["POST"],
        operation=Operation(
            "Mark all of the caller's notifications read; returns the unread count (0)",
            {200: UnreadCount, 401: None},
            security="bearer",
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/{notification_id}/read",
        mark_read,
        methods=["POST"],
        operation=Operation(
            "Mark one of the caller's notifications read (repeating it keeps the first time)",
            {200: NotificationOut, 401: None, 404: None},
            security="bearer",
            tags=TAGS,
        ),
    ),
]


def create_app(
    settings: NotificationSettings | None = None, overrides: Overrides | None = None
) -> Starlette:
    """The notification service app; settings from the environment when not given."""
    settings = settings or NotificationSettings()
    templates = Templates()

    async def setup(kit: Kit) -> NotificationService:
        ses = ses_client(settings.aws_region, settings.aws_endpoint_url)
        return NotificationService(kit.db, templates, SesMailer(ses, settings.sender(kit.platform)))

    def handlers(kit: Kit, service: NotificationService) -> dict[str, Handler]:
        return service.handlers()

    return build_app(
        settings,
        routes=ROUTES,
        migrations=MIGRATIONS,
        setup=setup,
        handlers=handlers,
        overrides=overrides,
    )
