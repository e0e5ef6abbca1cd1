"""The settings page, `/a/{guild}/settings`, for moderators: every setting `/admin config show`
shows, with its value and source, grouped by feature, each with a form; a change is shown as
old → new before it is saved, and saved only when confirmed.

The review parses and checks the value exactly as `/admin config set` does (the same
`SettingChanges`, so the same refusals in the same words); the confirmation carries the parsed
value, written back as a moderator would type it, and saves it through that same
`SettingChanges.change`, which writes the same audit entry (marked `via: api`, as every web
request's entries are). The confirmation also carries the value it replaces: a setting changed
by someone else in between is not overwritten unseen.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import RedirectResponse

from bot.errors import UserFacingError
from bot.guild_settings import SettingValue, Source, typed_value
from bot.permissions import Tier
from bot.settings_changes import SettingChanges
from bot.web.auth import state_of
from bot.web.fields import GuildIdPath
from bot.web.pages.forms import checked_form
from bot.web.pages.paths import SETTINGS, settings_path
from bot.web.pages.rendering import page_templates, render
from bot.web.pages.routing import page_router
from bot.web.pages.setting_forms import (
    VALUE_MAX_LENGTH,
    anchor_of,
    setting_groups,
    shown_value,
    source_words,
)
from bot.web.pages.viewer import member_viewer
from bot.web.problems import ApiProblem

if TYPE_CHECKING:
    import discord
    from fastapi.responses import Response

    from bot.web.pages.viewer import Viewer

TEMPLATES: Final = page_templates()
MODERATORS_ONLY: Final = "This page is for moderators only."
NO_VALUE: Final = f"Type a value of 1 to {VALUE_MAX_LENGTH} characters."
CHANGED_MEANWHILE: Final = (
    "This setting changed since you reviewed the change, so nothing was saved. "
    "Look at its new value and make the change again."
)
GUILD_UNSEEN: Final = "Nexus can't see this server right now; try again in a moment."
router = page_router()


async def _moderator(request: Request, guild_id: int) -> Viewer:
    viewer = await member_viewer(request, guild_id)
    if viewer.tier < Tier.MODERATOR:
        raise ApiProblem(403, MODERATORS_ONLY)
    return viewer


def _guild(request: Request, guild_id: int) -> discord.Guild:
    guild = state_of(request).host.get_guild(guild_id)
    if guild is None:  # the viewer's check found it a moment ago; a shard may have dropped it
        raise ApiProblem(503, GUILD_UNSEEN)
    return guild


def _changes(request: Request) -> SettingChanges:
    host = state_of(request).host
    return SettingChanges(host.guild_settings, host.audit)


def fingerprint(value: Any) -> str:
    """A stored value as the confirmation form carries it, to see whether it changed since."""
    return json.dumps(value, sort_keys=True)


def _refused(request: Request, viewer: Viewer, status: int, detail: str) -> Response:
    return render(
        request,
        TEMPLATES,
        "settings/refused.html",
        viewer=viewer,
        status=status,
        detail=detail,
        back=settings_path(viewer.guild_id),
    )


@router.get(SETTINGS)
async def settings_page(
    request: Request,
    guild_id: GuildIdPath,
    saved: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    viewer = await _moderator(request, int(guild_id))
    host = state_of(request).host
    guild = _guild(request, viewer.guild_id)
    config = await host.guild_settings.get(viewer.guild_id)
    notice = None
    if saved is not None and saved in config.values:
        now = config.values[saved]
        notice = (saved, shown_value(guild, now.spec.kind, now.value), source_words(now.source))
    return render(
        request,
        TEMPLATES,
        "settings/index.html",
        viewer=viewer,
        groups=setting_groups(guild, config, host.features),
        notice=notice,
        review_path=f"{settings_path(viewer.guild_id)}/review",
        value_max_length=VALUE_MAX_LENGTH,
    )


@router.post("/a/{guild_id}/settings/review")
async def review_change(request: Request, guild_id: GuildIdPath) -> Response:
    """Old → new for the value a moderator typed, parsed and checked as `/admin config set`
    does; nothing is saved here."""
    viewer = await _moderator(request, int(guild_id))
    form = await checked_form(request, viewer.guild_id, viewer.user_id)
    guild = _guild(request, viewer.guild_id)
    settings = state_of(request).host.guild_settings
    value = form.get("value", "")
    try:
        if not 1 <= len(value) <= VALUE_MAX_LENGTH:
            raise UserFacingError(NO_VALUE)
        spec, parsed = _changes(request).parsed(guild, form.get("key", ""), value)
    except UserFacingError as error:
        return _refused(request, viewer, error.http_status, error.message)
    old = (await settings.get(viewer.guild_id)).values[spec.key]
    new = settings.fallback(spec) if parsed is None else SettingValue(spec, parsed, Source.DISCORD)
    return render(
        request,
        TEMPLATES,
        "settings/review.html",
        viewer=viewer,
        key=spec.key,
        description=spec.description,
        old_shown=shown_value(guild, spec.kind, old.value),
        old_source=source_words(old.source),
        new_shown=shown_value(guild, spec.kind, new.value),
        new_source=source_words(new.source),
        unchanged=(old.value, old.source) == (new.value, new.source),
        typed=typed_value(spec, parsed),
        expected=fingerprint(old.value),
        confirm_path=f"{settings_path(viewer.guild_id)}/confirm",
        back=f"{settings_path(viewer.guild_id)}#{anchor_of(spec.key)}",
    )


@router.post("/a/{guild_id}/settings/confirm")
async def confirm_change(request: Request, guild_id: GuildIdPath) -> Response:
    """Save a reviewed change through `/admin config set`'s own path, then go back to the
    settings with a confirmation."""
    viewer = await _moderator(request, int(guild_id))
    form = await checked_form(request, viewer.guild_id, viewer.user_id)
    guild = _guild(request, viewer.guild_id)
    settings = state_of(request).host.guild_settings
    try:
        spec = settings.spec(form.get("key", ""))
        old = (await settings.get(viewer.guild_id)).values[spec.key]
        if fingerprint(old.value) != form.get("expected"):
            return _refused(request, viewer, 409, CHANGED_MEANWHILE)
        await _changes(request).change(guild, viewer.user_id, spec.key, form.get("value", ""))
    except UserFacingError as error:
        return _refused(request, viewer, error.http_status, error.message)
    target = f"{settings_path(viewer.guild_id)}?saved={quote(spec.key)}#{anchor_of(spec.key)}"
    return RedirectResponse(target, status_code=303)
