"""A member's pairing sessions as calendar entries, for their personal calendar feed.

A session is the member's group in a round, at the round's scheduled time, named after their
partners. `/pair now` matches are left out: they happen on the spot, so a calendar would learn
of them only afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from bot.calendar import CalendarEntry, entry_uid
from bot.sql import as_utc
from cogs.pairing.models import PairGroup, PairMember, PairProfile, PairRound

if TYPE_CHECKING:
    from datetime import datetime

    import discord

    from bot.app import NexusBot

# A round says when pairs are introduced, not how long they meet; an hour is the usual length
# of a pairing session, and what a calendar should block.
SESSION_LENGTH: Final = timedelta(hours=1)
# A feed is fetched often; its window holds a few months of weekly rounds at most.
MOST_SESSIONS: Final = 200


def _name(guild: discord.Guild | None, user_id: int) -> str:
    """A partner by their name in the server now; one who has left is "a former member"."""
    member = guild.get_member(user_id) if guild is not None else None
    return member.display_name if member is not None else "a former member"


async def member_sessions(
    bot: NexusBot, guild_id: int, user_id: int | None, window: tuple[datetime, datetime]
) -> list[CalendarEntry]:
    """The member's round sessions scheduled in `window`, oldest first, in their own time zone
    (their pairing profile's; UTC without one). Sessions are personal: the guild's own feed
    (no member) gets none."""
    if user_id is None:
        return []
    start, end = window
    query = (
        select(
            PairGroup.id,
            PairGroup.topic,
            PairGroup.thread_id,
            PairRound.number,
            PairRound.scheduled_for,
        )
        .select_from(PairMember)
        .join(PairGroup, PairGroup.id == PairMember.group_id)
        .join(PairRound, PairRound.id == PairGroup.round_id)
        .where(PairMember.guild_id == guild_id, PairMember.user_id == user_id)
        .where(PairRound.scheduled_for >= start, PairRound.scheduled_for < end)
        .order_by(PairRound.scheduled_for, PairGroup.id)
        .limit(MOST_SESSIONS)
    )
    async with bot.db.sessions() as session:
        groups = (await session.execute(query)).all()
        partners: dict[int, list[int]] = defaultdict(list)
        rows = await session.execute(
            select(PairMember.group_id, PairMember.user_id)
            .where(PairMember.group_id.in_([group.id for group in groups]))
            .where(PairMember.user_id != user_id)
            .order_by(PairMember.group_id, PairMember.user_id)
        )
        for group_id, partner_id in rows.all():
            partners[group_id].append(partner_id)
        profile = await session.get(PairProfile, (guild_id, user_id))
    tz = profile.timezone if profile is not None else "UTC"
    guild = bot.get_guild(guild_id)
    entries: list[CalendarEntry] = []
    for group in groups:
        with_whom = ", ".join(_name(guild, partner) for partner in partners[group.id])
        lines = [f"Pairing round #{group.number}: you are paired with {with_whom}."]
        if group.topic:
            lines.append(f"Suggested topic: {group.topic}")
        thread = group.thread_id
        entries.append(
            CalendarEntry(
                uid=entry_uid("pairing-group", group.id, guild_id),
                summary=f"Pairing with {with_whom}",
                start=as_utc(group.scheduled_for),
                duration=SESSION_LENGTH,
                tz=tz,
                description="\n".join(lines),
                url=f"https://discord.com/channels/{guild_id}/{thread}" if thread else None,
            )
        )
    return entries
