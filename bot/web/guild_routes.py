"""The guild's own resources over HTTP, for moderators: its settings (read, and change one the
way /admin config set does), its statistics (as /admin stats) and its audit log (as /admin
audit, by cursor). Core services all: the settings registry, the stats over every loaded
feature, the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from bot.permissions import Tier
from bot.settings_changes import SettingChanges
from bot.web.auth import Caller, state_of
from bot.web.conditional import conditional
from bot.web.fields import ID_PATTERN, GuildIdPath
from bot.web.guild_models import (
    AuditEntryOut,
    SettingIn,
    SettingOut,
    SettingsOut,
    StatsOut,
    audit_entry_out,
    setting_out,
    stats_out,
)
from bot.web.pagination import Page, id_cursor, link_header, next_link
from bot.web.problems import ApiProblem, responses
from bot.web.tiers import caller_with_tier
from bot.web.tokens import API_FEATURE

if TYPE_CHECKING:
    import discord

    from bot.web.host import WebHost

JSON = "application/json"
AUDIT_PAGE_SIZE = 10  # as /admin audit's pages
router = APIRouter(
    prefix="/guilds/{guild_id}",
    tags=["guild"],
    responses=responses(400, 401, 403, 422, 429),
)
ModeratorDep = Annotated[Caller, Depends(caller_with_tier(API_FEATURE, Tier.MODERATOR))]
SettingKeyPath = Annotated[
    str,
    Path(min_length=1, max_length=64, description="a setting's key", examples=["timezone"]),
]


def _host(request: Request) -> WebHost:
    return state_of(request).host


def _guild(host: WebHost, caller: Caller) -> discord.Guild:
    guild = host.get_guild(caller.guild_id)
    if guild is None:  # the token's check found it a moment ago; a shard may just have dropped it
        raise ApiProblem(503, "Nexus can't see this server right now; try again in a moment.")
    return guild


def _read(request: Request, body: Any, headers: dict[str, str] | None = None) -> Response:
    return conditional(request, body.model_dump_json().encode(), JSON, headers)


# ---- settings ---------------------------------------------------------------------------------


@router.get(
    "/settings",
    response_model=SettingsOut,
    summary="Every setting, its value and where it comes from (as /admin config show)",
    responses=responses(304),
)
async def list_settings(request: Request, guild_id: GuildIdPath, caller: ModeratorDep) -> Response:
    config = await _host(request).guild_settings.get(caller.guild_id)
    return _read(request, SettingsOut(items=[setting_out(v) for v in config.values.values()]))


@router.get(
    "/settings/{key}",
    response_model=SettingOut,
    summary="One setting, its value and where it comes from",
    responses=responses(304, 404),
)
async def get_setting(
    request: Request, guild_id: GuildIdPath, key: SettingKeyPath, caller: ModeratorDep
) -> Response:
    settings = _host(request).guild_settings
    spec = settings.spec(key)
    config = await settings.get(caller.guild_id)
    return _read(request, setting_out(config.values[spec.key]))


@router.put(
    "/settings/{key}",
    response_model=SettingOut,
    summary="Change one setting (as /admin config set: the same parsing, checks and audit)",
    responses=responses(404),
)
async def put_setting(
    request: Request,
    guild_id: GuildIdPath,
    key: SettingKeyPath,
    setting: SettingIn,
    caller: ModeratorDep,
) -> SettingOut:
    host = _host(request)
    changes = SettingChanges(host.guild_settings, host.audit)
    change = await changes.change(_guild(host, caller), caller.user_id, key, setting.value)
    return setting_out(change.new)


# ---- statistics -------------------------------------------------------------------------------


@router.get(
    "/stats",
    response_model=StatsOut,
    summary="Counts per feature and the core's (as /admin stats)",
    responses=responses(304),
)
async def stats(request: Request, guild_id: GuildIdPath, caller: ModeratorDep) -> Response:
    host = _host(request)
    report = await host.guild_stats.stats(caller.guild_id, host.features)
    return _read(request, stats_out(report, await host.db.size_bytes()))


# ---- the audit log ----------------------------------------------------------------------------


@router.get(
    "/audit",
    response_model=Page[AuditEntryOut],
    summary="The log of moderator actions, newest first (as /admin audit)",
    responses=responses(304),
)
async def audit(  # noqa: PLR0917 (one parameter per query option)
    request: Request,
    guild_id: GuildIdPath,
    caller: ModeratorDep,
    actor: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="only actions by this member's id")
    ] = None,
    action: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="only this kind of action"),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="from `next`")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = AUDIT_PAGE_SIZE,
) -> Response:
    page = await _host(request).audit.list(
        caller.guild_id,
        actor_id=None if actor is None else int(actor),
        action=action.strip() if action else None,
        before_id=id_cursor(cursor),
        limit=limit,
    )
    link = next_link(request, page.next_before_id)
    body = Page[AuditEntryOut](items=[audit_entry_out(r) for r in page.records], next=link)
    return _read(request, body, link_header(link))
