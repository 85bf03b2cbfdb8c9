"""The auth service's HTTP API (Starlette): endpoints parse, call `AuthService`, render."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from services.auth.keys import SigningKeys
from services.auth.schema import JwksOut, LoginIn, RefreshIn, RegisterIn, TokenOut, UserOut
from services.auth.service import AuthService, TokenPair, TokenPolicy, User, password_hasher
from services.auth.settings import AuthSettings
from services.auth.tables import MIGRATIONS
from services.kit.app import Kit, Overrides, build_app
from services.kit.audit import note_audit
from services.kit.http import ApiRoute, Operation, json_response, read_json
from services.kit.middleware import client_ip
from services.kit.security import require_user
from services.kit.tokens import StaticKeys

TAGS = ("auth",)
log = logging.getLogger("services.auth")


def _service(request: Request) -> AuthService:
    service: AuthService = request.app.state.service
    return service


def _max_body(request: Request) -> int:
    return int(request.app.state.kit.settings.max_body_bytes)


def _user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, name=user.name, role=user.role)


def _tokens_out(pair: TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


async def register(request: Request) -> Response:
    body = await read_json(request, RegisterIn, _max_body(request))
    note_audit(action="user.register")
    user = await _service(request).register(
        body.email, body.password.get_secret_value(), body.name, body.role
    )
    note_audit(resource=f"user:{user.id}", actor=f"user:{user.id}")
    return json_response(_user_out(user), 201)


async def login(request: Request) -> Response:
    body = await read_json(request, LoginIn, _max_body(request))
    note_audit(action="user.login")
    ip = client_ip(request.scope, request.app.state.kit.settings.trusted_proxy_hops)
    user, pair = await _service(request).login(body.email, body.password.get_secret_value(), ip)
    note_audit(resource=f"user:{user.id}", actor=f"user:{user.id}")
    return json_response(_tokens_out(pair), headers={"Cache-Control": "no-store"})


async def refresh(request: Request) -> Response:
    body = await read_json(request, RefreshIn, _max_body(request))
    note_audit(action="session.refresh")
    user, pair = await _service(request).refresh(body.refresh_token.get_secret_value())
    note_audit(resource=f"user:{user.id}", actor=f"user:{user.id}")
    return json_response(_tokens_out(pair), headers={"Cache-Control": "no-store"})


async def logout(request: Request) -> Response:
    body = await read_json(request, RefreshIn, _max_body(request))
    note_audit(action="session.logout")
    user_id = await _service(request).logout(body.refresh_token.get_secret_value())
    if user_id:
        note_audit(resource=f"user:{user_id}", actor=f"user:{user_id}")
    return Response(status_code=204)


async def me(request: Request) -> Response:
    principal = await require_user(request)
    return json_response(_user_out(await _service(request).user(principal.user_id)))


async def jwks(request: Request) -> Response:
    return json_response(
        _service(request).keys.jwks(), headers={"Cache-Control": "public, max-age=300"}
    )


ROUTES = [
    ApiRoute(
        "/register",
        register,
        methods=["POST"],
        operation=Operation(
            "Create an account", {201: UserOut, 409: None, 422: None}, body=RegisterIn, tags=TAGS
        ),
    ),
    ApiRoute(
        "/login",
        login,
        methods=["POST"],
        operation=Operation(
            "Sign in: an access token (15 min) and a refresh token",
            {200: TokenOut, 401: None, 422: None, 429: None},
            body=LoginIn,
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/refresh",
        refresh,
        methods=["POST"],
        operation=Operation(
            "Exchange a refresh token for a new pair (the old one stops working)",
            {200: TokenOut, 401: None, 422: None},
            body=RefreshIn,
            tags=TAGS,
        ),
    ),
    ApiRoute(
        "/logout",
        logout,
        methods=["POST"],
        operation=Operation(
            "End the session of a refresh token", {204: None, 422: None}, body=RefreshIn, tags=TAGS
        ),
    ),
    ApiRoute(
        "/me",
        me,
        methods=["GET"],
        operation=Operation(
            "The signed-in user", {200: UserOut, 401: None}, security="bearer", tags=TAGS
        ),
    ),
    ApiRoute(
        "/.well-known/jwks.json",
        jwks,
        methods=["GET"],
        operation=Operation("The public keys that verify access tokens", {200: JwksOut}, tags=TAGS),
    ),
]


def create_app(
    settings: AuthSettings | None = None, overrides: Overrides | None = None
) -> Starlette:
    """The auth service app; settings from the environment when not given."""
    settings = settings or AuthSettings()
    keys = SigningKeys.load(
        settings.jwt_private_key.get_secret_value() if settings.jwt_private_key else None,
        settings.jwt_previous_public_keys,
        allow_ephemeral=settings.platform().environment(settings.environment).kind == "local",
    )

    if settings.jwt_private_key is None:  # only allowed in the local environment
        log.warning("JWT_PRIVATE_KEY is not set: signing with an ephemeral key")

    async def setup(kit: Kit) -> AuthService:
        return AuthService(
            kit.db,
            kit.store,
            kit.outbox,
            keys,
            password_hasher(
                settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
            ),
            TokenPolicy(
                issuer=kit.settings.token_issuer(kit.platform),
                audience=kit.settings.token_audience(kit.platform),
                access_seconds=settings.access_token_seconds,
                refresh_seconds=settings.refresh_token_seconds,
                max_failures=settings.login_max_failures,
                failure_window_seconds=settings.login_window_seconds,
            ),
        )

    return build_app(
        settings,
        routes=ROUTES,
        migrations=MIGRATIONS,
        setup=setup,
        keys=lambda kit: StaticKeys(keys.public_keys),
        overrides=overrides,
    )
