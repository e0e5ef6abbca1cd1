"""Who is looking at a page: the signed-in member (the `nexus_session` cookie that the sign-in
routes set), checked exactly as an API request is — a valid access token, a member of the
server as the bot sees them now, within their rate, not blocked — or nobody.

A page that needs a member raises `SignInNeeded` when nobody is signed in (the pages' router
turns it into a redirect to the sign-in page) and refuses, in words, a member signed in to
another server or blocked from the page's feature. A sign-in cookie whose access token ran out
(they last 15 minutes) raises `SessionExpired` on any page, public or not: the router sends the
browser to renew it with its refresh token and come straight back, so a member reading pages
is not asked to sign in again every quarter of an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

from bot.errors import FeatureBlocked
from bot.web.auth import SESSION_COOKIE, caller_from_secret, state_of
from bot.web.problems import ApiProblem
from bot.web.tokens import API_FEATURE

if TYPE_CHECKING:
    from fastapi import Request

    from bot.permissions import Tier
    from bot.web.pages.csrf import CsrfTokens

NOT_HERE: Final = "Nexus is not in that server, so it has no pages for it."
OTHER_SERVER: Final = (
    "You are signed in to another server. This page belongs to a server you have not signed "
    "in to here: run /nexus web in that server and open the link it gives you."
)


class SignInNeeded(Exception):
    """The page needs a signed-in member of `guild_id`, and the visitor is not signed in."""

    def __init__(self, guild_id: int | None) -> None:
        super().__init__("sign in needed")
        self.guild_id = guild_id


class SessionExpired(SignInNeeded):
    """The visitor has a sign-in cookie whose access token is no longer valid."""


@dataclass(frozen=True)
class Viewer:
    guild_id: int
    user_id: int
    tier: Tier
    name: str  # as the server shows them


@dataclass(frozen=True)
class PagesState:
    """What the pages keep on the app (`app.state.pages`)."""

    csrf: CsrfTokens


def pages_state(request: Request) -> PagesState:
    return cast("PagesState", request.app.state.pages)


async def page_viewer(
    request: Request, guild_id: int, feature: str, *, required: bool
) -> Viewer | None:
    """The member viewing a page of `guild_id` that belongs to `feature`. With `required`, a
    visitor who is not signed in is sent to sign in and anyone else is refused; without it (a
    public page), they view it as nobody."""
    host = state_of(request).host
    guild = host.get_guild(guild_id)
    if guild is None:
        raise ApiProblem(404, NOT_HERE)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        if required:
            raise SignInNeeded(guild_id)
        return None
    try:
        caller = await caller_from_secret(request, cookie)
    except ApiProblem as problem:
        if problem.status == 401:
            raise SessionExpired(guild_id) from None
        if not required and problem.status == 403:
            return None
        raise
    if caller.guild_id != guild_id:
        if required:
            raise ApiProblem(403, OTHER_SERVER)
        return None
    if required and await host.blocks.is_blocked(guild_id, caller.user_id, feature):
        raise ApiProblem(403, str(FeatureBlocked(feature)))
    member = guild.get_member(caller.user_id)
    name = member.display_name if member is not None else str(caller.user_id)
    return Viewer(guild_id, caller.user_id, caller.tier, name)


async def member_viewer(request: Request, guild_id: int) -> Viewer:
    """The signed-in member of `guild_id` viewing a members-only page of the core (blocked
    from the API, they are refused as the API refuses them)."""
    viewer = await page_viewer(request, guild_id, API_FEATURE, required=True)
    if viewer is None:  # required: page_viewer raised for anyone else
        raise SignInNeeded(guild_id)
    return viewer
