"""Discord's OAuth2 authorization-code flow, served by the sandbox: the consent page, the
token endpoint, and ``/users/@me`` and ``/users/@me/guilds`` for a user's bearer token.

The consent page approves at once for the user a test names in the ``X-Sandbox-User`` header
(the user "logged in to Discord in this browser"); ``X-Sandbox-Consent: deny`` plays the user
pressing Cancel. Like Discord, it refuses a redirect URI the application did not register
(``redirect_uris``), and the token endpoint checks the client's id and secret, the code (once,
within ten minutes) and that the redirect URI is the one the code was issued for.

Discord tells a bot's requests from a user's by the Authorization scheme on the same paths
(``Bot …`` or ``Bearer …``), so these are answered in a middleware before the bot's routes.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import BasicAuth, web

from bot.sandbox.routes.responses import json_response

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.sandbox.state import SandboxState
    from bot.sandbox.users import User

    Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_PREFIX = "/api/v10"
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = f"{API_PREFIX}/oauth2/token"
ME_PATH = f"{API_PREFIX}/users/@me"
GUILDS_PATH = f"{API_PREFIX}/users/@me/guilds"
USER_HEADER = "X-Sandbox-User"
CONSENT_HEADER = "X-Sandbox-Consent"
SCOPES = frozenset({"identify", "guilds", "email", "guilds.members.read"})
CODE_SECONDS = 600.0
TOKEN_SECONDS = 604800


@dataclass(frozen=True)
class Grant:
    user: User
    scopes: frozenset[str]
    redirect_uri: str
    expires: float  # time.monotonic()


def _page(status: int, text: str) -> web.Response:
    """Discord's consent page shows its refusals to the person, as a page."""
    return web.Response(status=status, text=text, content_type="text/plain")


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status)


class OAuthProvider:
    """The sandbox application's OAuth2 side; ``client_id`` is the application's id."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.client_id = str(state.application_id)
        self.client_secret = secrets.token_urlsafe(24)
        self.redirect_uris: set[str] = set()
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, Grant] = {}
        # Every code exchanged and every bearer read, for tests: (what, user id).
        self.log: list[tuple[str, int]] = []

    def install(self, app: web.Application) -> None:
        """Before the REST API's middleware, which knows only the bot's token."""
        app.middlewares.append(self.middleware)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path, method = request.path, request.method
        if path == AUTHORIZE_PATH and method == "GET":
            return self.authorize(request)
        if path == TOKEN_PATH and method == "POST":
            return await self.token(request)
        bearer = request.headers.get("Authorization", "").startswith("Bearer ")
        if bearer and method == "GET" and path in (ME_PATH, GUILDS_PATH):
            return self.user_resource(request, guilds=path == GUILDS_PATH)
        return await handler(request)

    # -- the consent page ----------------------------------------------------------------------

    def authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != self.client_id:
            return _page(400, "Unknown application: invalid client_id.")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return _page(400, "Invalid OAuth2 redirect_uri")
        if query.get("response_type") != "code":
            return _page(400, "Invalid response_type: only code is supported.")
        scopes = frozenset(query.get("scope", "").split())
        if not scopes or not scopes <= SCOPES:
            return _page(400, f"Invalid scope: {query.get('scope', '')!r}.")
        user = self._signed_in_user(request)
        if user is None:
            return _page(401, f"Not logged in to the sandbox: set {USER_HEADER} to a user id.")
        answer: dict[str, str] = {}
        if request.headers.get(CONSENT_HEADER, "").lower() == "deny":
            answer["error"] = "access_denied"
            answer["error_description"] = "The resource owner or authorization server denied."
        else:
            code = secrets.token_urlsafe(24)
            self._codes[code] = Grant(user, scopes, redirect_uri, time.monotonic() + CODE_SECONDS)
            answer["code"] = code
        if "state" in query:
            answer["state"] = query["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return web.Response(
            status=302, headers={"Location": f"{redirect_uri}{separator}{urlencode(answer)}"}
        )

    def _signed_in_user(self, request: web.Request) -> User | None:
        chosen = request.headers.get(USER_HEADER, "")
        user = self.state.users.get(int(chosen)) if chosen.isdigit() else None
        return None if user is None or user.bot else user

    # -- the token endpoint --------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id, client_secret = self._client(request, form)
        if client_id != self.client_id or not secrets.compare_digest(
            client_secret, self.client_secret
        ):
            return _oauth_error(401, "invalid_client", "Invalid client credentials.")
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type.")
        # A code works once, whatever the outcome of its exchange.
        grant = self._codes.pop(str(form.get("code", "")), None)
        if grant is None or grant.expires < time.monotonic():
            return _oauth_error(400, "invalid_grant", 'Invalid "code" in request.')
        if form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
        access = secrets.token_urlsafe(24)
        self._tokens[access] = Grant(
            grant.user, grant.scopes, grant.redirect_uri, time.monotonic() + TOKEN_SECONDS
        )
        self.log.append(("token", grant.user.id))
        return json_response(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_SECONDS,
                "refresh_token": secrets.token_urlsafe(24),
                "scope": " ".join(sorted(grant.scopes)),
            }
        )

    @staticmethod
    def _client(request: web.Request, form: Any) -> tuple[str, str]:
        """The client's id and secret, from HTTP Basic auth or the form (Discord takes both)."""
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                basic = BasicAuth.decode(header)
            except ValueError:
                return "", ""
            return basic.login, basic.password
        return str(form.get("client_id", "")), str(form.get("client_secret", ""))

    # -- a user's resources --------------------------------------------------------------------

    def user_resource(self, request: web.Request, *, guilds: bool) -> web.Response:
        access = request.headers["Authorization"].removeprefix("Bearer ").strip()
        grant = self._tokens.get(access)
        if grant is None or grant.expires < time.monotonic():
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        needed = "guilds" if guilds else "identify"
        if needed not in grant.scopes:
            return json_response({"message": "Missing Access", "code": 50001}, 403)
        self.log.append(("guilds" if guilds else "me", grant.user.id))
        if not guilds:
            payload = grant.user.to_payload()
            payload.update(mfa_enabled=False, locale="en-US", verified=True)
            return json_response(payload)
        return json_response(self._guilds_of(grant.user))

    def _guilds_of(self, user: User) -> list[dict[str, Any]]:
        return [
            {
                "id": str(guild.id),
                "name": guild.name,
                "icon": None,
                "banner": None,
                "owner": guild.owner_id == user.id,
                "permissions": str(guild.permissions_for(user.id)),
                "features": [],
            }
            for guild in sorted(self.state.guilds.values(), key=lambda guild: guild.id)
            if user.id in guild.members
        ]
