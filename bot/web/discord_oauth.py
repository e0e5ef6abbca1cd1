"""Discord's OAuth2 authorization-code flow, from the client's side: where to send the member,
and, with the code Discord sends back, who they are and which servers they are in.

Discord's addresses come from the configuration (`discord.api_url`, and the consent page on
the same host unless `web.oauth.authorize_url` says otherwise), so tests point them at the
sandbox. Every failure of Discord's side becomes an `OAuthFailed` worded for the member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from bot import __version__
from bot.errors import UserFacingError

if TYPE_CHECKING:
    from bot.config import Settings

SCOPES = "identify guilds"
CALLBACK_PATH = "/api/v1/auth/discord/callback"
TIMEOUT = aiohttp.ClientTimeout(total=10)
NOT_SET_UP = (
    "Sign-in with Discord is not set up on this Nexus: its host sets web.oauth.client_id and "
    "NEXUS_WEB__OAUTH__CLIENT_SECRET (docs/api-auth.md). Meanwhile, run /nexus web in Discord "
    "for a one-time sign-in link."
)


class OAuthFailed(UserFacingError):
    http_status = 502


class OAuthNotSetUp(UserFacingError):
    # Not there on this Nexus, as a route that does not exist: nothing to retry later.
    http_status = 404


@dataclass(frozen=True)
class DiscordIdentity:
    user_id: int
    guild_ids: frozenset[int]


class DiscordOAuth:
    def __init__(self, settings: Settings) -> None:
        oauth = settings.web.oauth
        self._client_id = oauth.client_id
        self._secret = oauth.client_secret
        self._redirect_uri = oauth.redirect_uri
        self._api_url = settings.discord.api_url
        origin = urlsplit(self._api_url)
        self._authorize_url = (
            oauth.authorize_url or f"{origin.scheme}://{origin.netloc}/oauth2/authorize"
        )

    @property
    def configured(self) -> bool:
        return self._client_id is not None and self._secret is not None

    def redirect_uri(self, public_base: str) -> str:
        return self._redirect_uri or public_base + CALLBACK_PATH

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        if self._client_id is None:
            raise OAuthNotSetUp(NOT_SET_UP)
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "scope": SCOPES,
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self._authorize_url}?{urlencode(query)}"

    async def identify(self, code: str, redirect_uri: str) -> DiscordIdentity:
        """Trade the code for the member's access token, then read who they are and their
        servers. The token is used for these two reads only and never kept."""
        if self._client_id is None or self._secret is None:
            raise OAuthNotSetUp(NOT_SET_UP)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self._client_id,
            "client_secret": self._secret.get_secret_value(),
        }
        headers = {"User-Agent": f"Nexus/{__version__}"}
        async with aiohttp.ClientSession(timeout=TIMEOUT, headers=headers) as http:
            granted = await _json(http, "POST", f"{self._api_url}/oauth2/token", data=form)
            access = granted.get("access_token")
            if not isinstance(access, str):
                raise OAuthFailed("Discord did not grant access; try signing in again.")
            bearer = {"Authorization": f"Bearer {access}"}
            user = await _json(http, "GET", f"{self._api_url}/users/@me", headers=bearer)
            guilds = await _json(http, "GET", f"{self._api_url}/users/@me/guilds", headers=bearer)
        try:
            return DiscordIdentity(
                int(user["id"]), frozenset(int(guild["id"]) for guild in guilds["items"])
            )
        except (KeyError, TypeError, ValueError):
            raise OAuthFailed("Discord answered in a way Nexus does not understand.") from None


async def _json(http: aiohttp.ClientSession, method: str, url: str, **options: Any) -> Any:
    try:
        async with http.request(method, url, **options) as response:
            if response.status in (400, 401) and url.endswith("/oauth2/token"):
                raise OAuthFailed(
                    "Discord refused the sign-in code: it was used already, took too long, or "
                    "the redirect URI differs from the one registered; start again."
                )
            if response.status >= 400:
                raise OAuthFailed(f"Discord answered {response.status}; try again in a moment.")
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        raise OAuthFailed("Nexus could not reach Discord; try again in a moment.") from None
    # /users/@me/guilds answers a list; wrapped so every answer here is a mapping.
    return {"items": body} if isinstance(body, list) else body
