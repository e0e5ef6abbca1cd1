"""/announce: scheduled announcements, for moderators. Thin: parse, call the store, reply.

The cog also owns the dispatcher (dispatcher.py) and gives it the two Discord-facing pieces it
needs: a poster (renders and sends one occurrence) and a notifier (tells moderators).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.http import handle_message_parameters
from discord.utils import MISSING

from bot.errors import UserFacingError
from bot.feature import FeatureCog, FeatureStats, ForgetReport
from bot.formatters import discord_timestamp
from bot.permissions import Tier, guild_of, require
from bot.text import (
    AUTOCOMPLETE_CHOICES_MAX,
    AUTOCOMPLETE_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    one_line,
    truncate,
)
from bot.timezones import TIMEZONE_OPTION_MAX, timezone_choices
from bot.ui import Page, confirm, send_paginated
from cogs.announcements.dispatcher import Dispatcher
from cogs.announcements.file_sync import sync_file
from cogs.announcements.member_data import AnnouncementMemberData
from cogs.announcements.models import Status
from cogs.announcements.records import AnnouncementInfo, Delivery, Draft, Edit, PostResult
from cogs.announcements.render import Rendered, local_when_text, render
from cogs.announcements.rules import build_schedule
from cogs.announcements.schedule import parse_timezone
from cogs.announcements.settings import SETTING_SPECS
from cogs.announcements.store import AnnouncementStore
from cogs.announcements.views import EditFields, EditModal, MessageFields, MessageModal

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.app import NexusBot

log = logging.getLogger(__name__)

COLOUR = discord.Colour.gold()
NOTHING_PINGS = discord.AllowedMentions.none()
REPEAT_SUGGESTIONS: list[tuple[str, str]] = [
    ("none — post once", "none"),
    ("daily — same local time every day", "daily"),
    ("weekly — same weekday and time", "weekly"),
    ("monthly — same day of the month", "monthly"),
    ("cron: weekdays at 09:00 (0 9 * * 1-5)", "0 9 * * 1-5"),
    ("cron: Mondays at 10:00 (0 10 * * 1)", "0 10 * * 1"),
    ("cron: first of the month at 09:00 (0 9 1 * *)", "0 9 1 * *"),
]
STATUS_MARKS = {
    Status.ACTIVE: "🟢",
    Status.PAUSED: "⏸️",
    Status.FAILED: "⚠️",
    Status.DONE: "✅",
    Status.CANCELLED: "✖️",
}


def to_embed(rendered: Rendered) -> discord.Embed | None:
    if rendered.embed_title is None:
        return None
    return discord.Embed(
        title=rendered.embed_title, description=rendered.embed_description, colour=COLOUR
    )


def mentions_for(rendered: Rendered) -> discord.AllowedMentions:
    """Only the configured role, for this one message; nothing else ever pings."""
    roles: Any = [discord.Object(id=rendered.ping_role_id)] if rendered.ping_role_id else False
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def missing_permissions(
    channel: discord.abc.GuildChannel | discord.Thread, embed: bool
) -> list[str]:
    me = channel.guild.me
    permissions = channel.permissions_for(me)
    needed = {"view channel": permissions.view_channel}
    if isinstance(channel, discord.Thread):
        needed["send messages in threads"] = permissions.send_messages_in_threads
    else:
        needed["send messages"] = permissions.send_messages
    if embed:
        needed["embed links"] = permissions.embed_links
    return [name for name, granted in needed.items() if not granted]


def runs_text(info: AnnouncementInfo, count: int) -> str:
    runs = info.next_runs(count)
    if not runs:
        return "no upcoming run"
    return "\n".join(f"{discord_timestamp(r, 'F')} ({discord_timestamp(r, 'R')})" for r in runs)


class AnnouncementsCog(FeatureCog):
    feature = "announcements"
    setting_specs = SETTING_SPECS

    announce = app_commands.Group(
        name="announce",
        description="Scheduled announcements (moderators)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: NexusBot) -> None:
        self.bot = bot
        self.store = AnnouncementStore(bot.db.sessions, bot.audit)
        self.member_data = AnnouncementMemberData(bot.db.sessions)
        self.dispatcher = Dispatcher(
            bot.db.sessions,
            bot.audit,
            bot.clock,
            self.post,
            self.notify_moderators,
            grace=timedelta(hours=bot.settings.announcements.missed_grace_hours),
            dialect=bot.db.dialect,
            count_runs=self._count_runs,
        )
        self._startup: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def cog_load(self) -> None:
        self._startup = asyncio.create_task(self._start(), name="announcements-start")

    async def cog_unload(self) -> None:
        if self._startup is not None:
            self._startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._startup
        await self.dispatcher.stop()

    # ---- the feature contract ---------------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
        return await self.member_data.forget(guild_id, user_id)

    async def stats(self, guild_id: int) -> FeatureStats:
        return await self.member_data.stats(guild_id)

    async def _start(self) -> None:
        """Apply the announcements file, then — once Discord's channels are known — dispatch."""
        try:
            report = await sync_file(
                self.store,
                self.bot.settings.announcements.file,
                self._guild_timezone,
                self.bot.clock.now(),
            )
            for error in report.errors:
                log.error("announcements file: %s", error)
            await self.bot.wait_until_ready()
            self.dispatcher.start()
            await self.dispatcher.started.wait()
        finally:
            self.ready.set()

    def _count_runs(self, outcome: str, count: int) -> None:
        self.bot.metrics.scheduled_runs.labels(kind="announcement", outcome=outcome).inc(count)

    async def _guild_timezone(self, guild_id: int) -> ZoneInfo:
        return (await self.bot.guild_settings.get(guild_id)).timezone

    # ---- what the dispatcher calls ----------------------------------------------------------

    async def post(self, delivery: Delivery) -> PostResult:
        """Post one occurrence by REST, in any guild, whichever shard's process this is.

        The channel and permission pre-check needs the gateway cache, which only the process
        running the guild's shard has; elsewhere (that process is down, issue 8) Discord's own
        answer says the same: 404 for a deleted channel, 403 for a missing permission.
        """
        if self.bot.get_guild(delivery.guild_id) is not None:
            channel = self.bot.get_channel(delivery.channel_id)
            if not isinstance(channel, discord.TextChannel | discord.Thread | discord.VoiceChannel):
                return PostResult(None, "the channel no longer exists", permanent=True)
            missing = missing_permissions(channel, embed=delivery.title is not None)
            if missing:
                return PostResult(None, f"I'm missing {', '.join(missing)} there", permanent=True)
        rendered = render(
            delivery.title,
            delivery.body,
            delivery.ping_role_id,
            delayed_from=delivery.scheduled_for if delivery.delayed else None,
        )
        embed = to_embed(rendered)
        # discord.py's HTTP client directly (same rate limiting as channel.send), without
        # building a Message object from the reply: 1,000 posts due at once are CPU-bound.
        params = handle_message_parameters(
            content=rendered.content,
            embed=embed if embed is not None else MISSING,
            allowed_mentions=mentions_for(rendered),
        )
        try:
            with params:
                payload = await self.bot.http.send_message(delivery.channel_id, params=params)
        except discord.NotFound:
            return PostResult(None, "the channel no longer exists", permanent=True)
        except discord.Forbidden:
            return PostResult(None, "Discord refused: a permission is missing", permanent=True)
        except discord.HTTPException as error:
            if error.status == 429:
                return PostResult(None, "rate limited by Discord", retry_after=_retry_after(error))
            return PostResult(None, f"Discord answered {error.status}")
        return PostResult(int(payload["id"]))

    async def notify_moderators(self, guild_id: int, text: str) -> None:
        config = await self.bot.guild_settings.get(guild_id)
        channel_id = config.channel_id("announcements")
        if channel_id is not None and self.bot.get_guild(guild_id) is None:
            # Another shard's guild (its process is down): REST, Discord checks permissions.
            try:
                await self.bot.http.send_message(
                    channel_id,
                    params=handle_message_parameters(
                        content=truncate(text, 2000), allowed_mentions=NOTHING_PINGS
                    ),
                )
                return
            except discord.HTTPException:
                log.warning("announcements: guild %s: %s", guild_id, text)
                return
        channel = self.bot.get_channel(channel_id) if channel_id is not None else None
        if not isinstance(channel, discord.TextChannel) or missing_permissions(channel, False):
            log.warning("announcements: guild %s: %s", guild_id, text)
            return
        await channel.send(truncate(text, 2000), allowed_mentions=NOTHING_PINGS)

    # ---- helpers ----------------------------------------------------------------------------

    def _check_channel(self, channel: Any, embed: bool) -> None:
        resolved = self.bot.get_channel(channel.id) if channel is not None else None
        if not isinstance(resolved, discord.TextChannel | discord.Thread | discord.VoiceChannel):
            raise UserFacingError("I can only post announcements in a text channel.")
        missing = missing_permissions(resolved, embed)
        if missing:
            raise UserFacingError(
                f"I can't post in {resolved.mention}: I'm missing {', '.join(missing)} there. "
                "Pick another channel or ask an admin to grant it."
            )

    @staticmethod
    def _check_role(role: discord.Role | None) -> int | None:
        if role is None:
            return None
        if role.is_default():
            raise UserFacingError("I never ping @everyone. Pick a role to ping instead.")
        return role.id

    async def _reply_scheduled(
        self, interaction: discord.Interaction, info: AnnouncementInfo, verb: str
    ) -> None:
        self.dispatcher.track(info)
        count = 3 if info.repeat != "none" else 1
        text = (
            f"Announcement **#{info.id}** {verb} for <#{info.channel_id}> "
            f"({info.repeat_label}, {info.timezone}).\n"
            f"Next {'runs' if count > 1 else 'run'}:\n{runs_text(info, count)}"
        )
        notes = [self._ping_warning(info)]
        if info.managed_key and verb == "updated":
            notes.append(
                f"-# Declared in the announcements file (key `{info.managed_key}`): the next "
                "change to that entry there replaces this edit."
            )
        await _respond(interaction, "\n".join([text, *(n for n in notes if n)]))

    def _ping_warning(self, info: AnnouncementInfo) -> str | None:
        """Discord drops a ping of a role that is not mentionable unless the bot may @everyone."""
        if info.ping_role_id is None:
            return None
        channel = self.bot.get_channel(info.channel_id)
        guild = getattr(channel, "guild", None)
        role = guild.get_role(info.ping_role_id) if isinstance(guild, discord.Guild) else None
        if role is None or role.mentionable or not isinstance(channel, discord.TextChannel):
            return None
        if channel.permissions_for(channel.guild.me).mention_everyone:
            return None
        return (
            f"Note: {role.mention} is not mentionable and I lack *Mention @everyone, @here and "
            "All Roles* there, so Discord will show the mention without notifying anyone. "
            "Make the role mentionable or grant me that permission."
        )

    # ---- /announce create -------------------------------------------------------------------

    @announce.command(name="create", description="Schedule an announcement (once or repeating)")
    @app_commands.describe(
        channel="where to post it",
        when="e.g. 2026-12-01 09:00, in 2h, in 30 minutes, tomorrow 9am, next monday 10:00",
        message="the text; \\n starts a new line (or leave out to write it in a form)",
        title="a title: the announcement is posted as an embed (else plain text)",
        repeat="none, daily, weekly, monthly or a 5-field cron expression",
        timezone="the time zone `when` and `repeat` are read in (default: the server's)",
        ping="a role to ping with every post",
        missed="when the bot was down at the time: post late (within the grace window) or skip",
    )
    @app_commands.choices(
        missed=[
            app_commands.Choice(name="post late (marked delayed)", value="post_late"),
            app_commands.Choice(name="skip it", value="skip"),
        ]
    )
    @require(Tier.MODERATOR)
    async def create(  # noqa: PLR0917 - slash command options are positional
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        when: app_commands.Range[str, 1, 100],
        message: str | None = None,
        title: app_commands.Range[str, 1, 256] | None = None,
        repeat: app_commands.Range[str, 1, 120] | None = None,
        timezone: app_commands.Range[str, 1, TIMEZONE_OPTION_MAX] | None = None,
        ping: discord.Role | None = None,
        missed: app_commands.Choice[str] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        self._check_channel(channel, embed=title is not None)
        ping_role_id = self._check_role(ping)
        guild_tz = await self._guild_timezone(guild.id)
        tz = parse_timezone(timezone) if timezone else guild_tz
        # Refuse a bad time before asking for the text, not after.
        build_schedule(when, repeat, tz, self.bot.clock.now())

        def draft(fields: MessageFields) -> Draft:
            return Draft(
                channel_id=channel.id,
                when=when,
                body=fields.body,
                title=fields.title,
                repeat=repeat,
                timezone=timezone,
                ping_role_id=ping_role_id,
                missed=missed.value if missed else "post_late",
            )

        async def save(submitted: discord.Interaction, fields: MessageFields) -> None:
            self._check_channel(channel, embed=fields.title is not None)
            info = await self.store.create(
                guild.id, submitted.user.id, draft(fields), guild_tz, self.bot.clock.now()
            )
            await self._reply_scheduled(submitted, info, "scheduled")

        if message is None:
            await interaction.response.send_modal(MessageModal(title, save))
            return
        # A slash option cannot hold a line break; "\n" typed in it stands for one.
        await save(interaction, MessageFields(title, message.replace("\\n", "\n")))

    @create.autocomplete("repeat")
    async def _repeat_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip()
        choices = [
            app_commands.Choice(name=name, value=value)
            for name, value in REPEAT_SUGGESTIONS
            if typed.lower() in name.lower()
        ]
        if len(typed.split()) == 5:
            choices.insert(0, app_commands.Choice(name=f"cron: {typed}"[:100], value=typed[:100]))
        return choices[:AUTOCOMPLETE_CHOICES_MAX]

    @create.autocomplete("timezone")
    async def _timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    # ---- /announce list and show -----------------------------------------------------------

    @announce.command(name="list", description="Upcoming announcements and their next run")
    @require(Tier.MODERATOR)
    async def list_(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)

        async def fetch(cursor: Any) -> Page[AnnouncementInfo]:
            page = await self.store.list_page(guild.id, cursor)
            return Page(page.items, page.next_after_id)

        def draw(page: Page[AnnouncementInfo], number: int) -> discord.Embed:
            embed = discord.Embed(title="Announcements", colour=COLOUR)
            for info in page.items:
                embed.add_field(name=_list_heading(info), value=_list_line(info), inline=False)
            embed.set_footer(text=f"Page {number} · 📄 = managed by the announcements file")
            return embed

        await send_paginated(
            interaction,
            fetch,
            draw,
            empty_message="No announcements yet. Create one with `/announce create`.",
        )

    @announce.command(name="show", description="The exact post, plus its next 5 runs")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def show(self, interaction: discord.Interaction, id: int) -> None:
        info = await self.store.get(guild_of(interaction).id, id)
        rendered = render(info.title, info.body, info.ping_role_id)
        details = discord.Embed(title=f"Announcement #{info.id}", colour=discord.Colour.dark_grey())
        details.add_field(name="Channel", value=f"<#{info.channel_id}>")
        details.add_field(name="Status", value=_status(info))
        details.add_field(name="Repeat", value=f"{info.repeat_label} ({info.timezone})")
        details.add_field(name="If missed", value=info.missed.replace("_", " "))
        details.add_field(
            name="Ping", value=f"<@&{info.ping_role_id}>" if info.ping_role_id else "none"
        )
        details.add_field(name="Posted", value=f"{info.run_count} time(s)")
        details.add_field(
            name="Next 5 runs",
            value=truncate(runs_text(info, 5), EMBED_FIELD_VALUE_LIMIT),
            inline=False,
        )
        if info.failure:
            details.add_field(name="Failure", value=truncate(info.failure, 1024), inline=False)
        if info.managed_key:
            details.set_footer(text=f"Managed by the announcements file (key {info.managed_key})")
        embeds = [e for e in (to_embed(rendered), details) if e is not None]
        await interaction.response.send_message(
            content=rendered.content, embeds=embeds, ephemeral=True, allowed_mentions=NOTHING_PINGS
        )

    # ---- /announce edit ----------------------------------------------------------------------

    @announce.command(name="edit", description="Change an announcement (a form, prefilled)")
    @app_commands.describe(
        id="the announcement",
        channel="move it to another channel",
        ping="ping this role instead",
        remove_ping="stop pinging a role",
        missed="change what happens to runs missed while the bot was down",
    )
    @app_commands.choices(
        missed=[
            app_commands.Choice(name="post late (marked delayed)", value="post_late"),
            app_commands.Choice(name="skip it", value="skip"),
        ]
    )
    @require(Tier.MODERATOR)
    async def edit(  # noqa: PLR0917 - slash command options are positional
        self,
        interaction: discord.Interaction,
        id: int,
        channel: discord.TextChannel | None = None,
        ping: discord.Role | None = None,
        remove_ping: bool = False,
        missed: app_commands.Choice[str] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        info = await self.store.get(guild.id, id)
        if info.status == Status.CANCELLED:
            raise UserFacingError(f"Announcement #{id} was cancelled; create a new one.")
        ping_role_id = self._check_role(ping)
        current = EditFields(
            title=info.title,
            body=info.body,
            when=local_when_text(info),
            repeat=info.cron if info.cron else info.repeat,
            timezone=info.timezone,
        )

        async def save(submitted: discord.Interaction, fields: EditFields) -> None:
            target = channel or self.bot.get_channel(info.channel_id)
            self._check_channel(target, embed=fields.title is not None)
            schedule_changed = (fields.when, fields.repeat, fields.timezone) != (
                current.when,
                current.repeat,
                current.timezone,
            )
            change = Edit(
                title=fields.title,
                clear_title=fields.title is None,
                body=fields.body,
                channel_id=channel.id if channel else None,
                ping_role_id=ping_role_id,
                clear_ping=remove_ping,
                missed=missed.value if missed else None,
                when=fields.when if schedule_changed else None,
                repeat=fields.repeat if schedule_changed else None,
                timezone=fields.timezone if schedule_changed else None,
            )
            updated = await self.store.edit(
                guild.id, submitted.user.id, id, change, self.bot.clock.now()
            )
            await self._reply_scheduled(submitted, updated, "updated")

        await interaction.response.send_modal(EditModal(id, current, save))

    # ---- /announce pause, resume, cancel, send ----------------------------------------------

    @announce.command(name="pause", description="Stop posting until resumed")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def pause(self, interaction: discord.Interaction, id: int) -> None:
        info = await self.store.pause(
            guild_of(interaction).id, interaction.user.id, id, self.bot.clock.now()
        )
        self.dispatcher.track(info)
        await _respond(
            interaction,
            f"Announcement **#{id}** is paused; nothing is posted until `/announce resume {id}`.",
        )

    @announce.command(name="resume", description="Post again (paused or failed announcements)")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def resume(self, interaction: discord.Interaction, id: int) -> None:
        guild = guild_of(interaction)
        current = await self.store.get(guild.id, id)
        if current.status == Status.FAILED:
            self._check_channel(
                self.bot.get_channel(current.channel_id), embed=current.title is not None
            )
        info = await self.store.resume(guild.id, interaction.user.id, id, self.bot.clock.now())
        await self._reply_scheduled(interaction, info, "resumed")

    @announce.command(name="cancel", description="Cancel an announcement for good")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def cancel(self, interaction: discord.Interaction, id: int) -> None:
        guild = guild_of(interaction)
        info = await self.store.get(guild.id, id)
        if info.status == Status.CANCELLED:
            raise UserFacingError(f"Announcement #{id} is already cancelled.")
        note = (
            " It is declared in the announcements file: remove it there too, or the next "
            "start re-creates it."
            if info.managed_key
            else ""
        )
        question = f"Cancel announcement **#{id}** ({one_line(info.title or info.body, 80)})?{note}"
        if not await confirm(
            interaction, question, confirm_label="Cancel announcement", cancel_label="Keep it"
        ):
            await interaction.followup.send("Kept; nothing changed.", ephemeral=True)
            return
        cancelled = await self.store.cancel(guild.id, interaction.user.id, id, self.bot.clock.now())
        self.dispatcher.track(cancelled)
        await interaction.followup.send(f"Announcement **#{id}** is cancelled.", ephemeral=True)

    @announce.command(name="send", description="Post it now; the schedule stays as it is")
    @app_commands.describe(id="the announcement")
    @require(Tier.MODERATOR)
    async def send(self, interaction: discord.Interaction, id: int) -> None:
        guild = guild_of(interaction)
        info = await self.store.get(guild.id, id)
        if info.status == Status.CANCELLED:
            raise UserFacingError(f"Announcement #{id} was cancelled.")
        self._check_channel(self.bot.get_channel(info.channel_id), embed=info.title is not None)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.dispatcher.send_now(info, self.bot.clock.now())
        if result.message_id is None:
            raise UserFacingError(
                f"I couldn't post announcement #{id}: {result.error}."
                + (" It is marked failed until resumed." if result.permanent else "")
            )
        link = f"https://discord.com/channels/{guild.id}/{info.channel_id}/{result.message_id}"
        await interaction.followup.send(
            f"Posted announcement **#{id}** in <#{info.channel_id}> ({link}). "
            "Its schedule is unchanged.",
            ephemeral=True,
        )

    # ---- id autocomplete ---------------------------------------------------------------------

    @show.autocomplete("id")
    @edit.autocomplete("id")
    @pause.autocomplete("id")
    @resume.autocomplete("id")
    @cancel.autocomplete("id")
    @send.autocomplete("id")
    async def _id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        found = await self.store.search(interaction.guild_id, current)
        return [
            app_commands.Choice(name=truncate(info.label, AUTOCOMPLETE_NAME_LIMIT), value=info.id)
            for info in found[:AUTOCOMPLETE_CHOICES_MAX]
        ]


def _retry_after(error: discord.HTTPException) -> float:
    """Seconds Discord asked us to wait (header, then body), 1 s when it did not say."""
    response: Any = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        with contextlib.suppress(TypeError, ValueError):
            return max(0.05, float(str(headers.get(name))))
    return 1.0


def _status(info: AnnouncementInfo) -> str:
    mark = STATUS_MARKS.get(Status(info.status), "")
    return f"{mark} {info.status}".strip()


def _list_heading(info: AnnouncementInfo) -> str:
    managed = " 📄" if info.managed_key else ""
    name = info.title or one_line(info.body, 60)
    return truncate(f"#{info.id} · {name}{managed}", 256)


def _list_line(info: AnnouncementInfo) -> str:
    next_run = "no upcoming run"
    if info.status == Status.ACTIVE and info.next_run_at is not None:
        when = info.next_run_at
        next_run = f"next {discord_timestamp(when, 'f')} ({discord_timestamp(when, 'R')})"
    return f"{_status(info)} · <#{info.channel_id}> · {info.repeat_label} · {next_run}"


async def _respond(interaction: discord.Interaction, text: str) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NOTHING_PINGS)
    else:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=NOTHING_PINGS
        )
