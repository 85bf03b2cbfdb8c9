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
from services.notification.schema import NotificationList, NotificationQuery
from services.notification.service import NotificationService
from services.notification.settings import NotificationSettings
from services.notification.tables import MIGRATIONS

TAGS = ("notifications",)


async def list_notifications(request: Request) -> Response:
    principal = await require_user(request)
    query = read_query(request, NotificationQuery)
    service: NotificationService = request.app.state.service
    return json_response(NotificationList(await service.list_for(principal.user_id, query.limit)))


ROUTES = [
    ApiRoute(
        "/",
        list_notifications,
        methods=["GET"],
        operation=Operation(
            "The caller's notifications, newest first",
            {200: NotificationList, 401: None, 422: None},
            query=NotificationQuery,
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
