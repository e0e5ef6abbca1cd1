"""How feedback's lists look in Discord: an item's history, a page of items with the filters
that chose it, the likely duplicates of a new report, and the registered API specs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.formatters import discord_timestamp, plural
from bot.markdown import safe, safe_truncate
from bot.text import EMBED_DESCRIPTION_LIMIT, one_line, truncate
from cogs.feedback.render import (
    SEVERITY_EMOJI,
    STATUS_COLOURS,
    STATUS_EMOJI,
    endpoint_text,
    jump_url,
    user_text,
)
from cogs.feedback.rules import STATUS_LABELS

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.ui import Page
    from cogs.feedback.duplicates import DuplicateCandidate
    from cogs.feedback.records import Draft, ItemHistoryEntry, ItemRecord, SpecRecord

HISTORY_SHOWN = 15
ACTION_LABELS = {
    "created": "reported it",
    "status": "changed the status",
    "reopened": "reopened it",
    "assigned": "assigned it",
    "plus_one": "added a +1",
    "details_added": "added details",
    "duplicate_linked": "marked a duplicate of this",
    "withdrawn": "withdrew it",
    "reposted": "re-posted it",
}


def duplicates_embed(draft: Draft, candidates: list[DuplicateCandidate]) -> discord.Embed:
    lines = [
        f"**FB-{c.number}** · `{c.method} {c.path}` — {safe_truncate(c.title, 150)}"
        for c in candidates
    ]
    return discord.Embed(
        title="This may already be reported",
        description=(
            f"You're logging `{draft.endpoint}` — {safe_truncate(draft.title, 150)}\n\n"
            + "\n".join(lines)
            + "\n\nAdd your details to one of these (it counts as a +1), or create yours anyway."
        ),
        colour=discord.Colour.gold(),
    )


def history_words(entry: ItemHistoryEntry, person: Callable[[int], str]) -> str:
    """What a history row says was done (`person` names a member: a mention in Discord, a
    display name on the web page)."""
    what = ACTION_LABELS.get(entry.action, entry.action)
    if entry.action in ("status", "reopened", "withdrawn") and entry.to_value:
        before = STATUS_LABELS.get(entry.from_value or "", entry.from_value or "—")
        after = STATUS_LABELS.get(entry.to_value, entry.to_value)
        what += f": {before} → {after}"
    elif entry.action == "assigned" and entry.to_value:
        target = entry.to_value
        what += f" to {person(int(target))}" if target.isdigit() else f" to {target}"
    elif entry.action == "duplicate_linked" and entry.to_value:
        what = f"marked {entry.to_value} a duplicate of this"
        if entry.from_value and entry.from_value != "0":
            what += f" (its +1s moved here: +{entry.from_value})"
    return what


def history_line(entry: ItemHistoryEntry) -> str:
    who = user_text(entry.actor_id, "Nexus")
    what = history_words(entry, lambda user_id: f"<@{user_id}>")
    line = f"{discord_timestamp(entry.created_at, 'f')} {who} {what}"
    if entry.note:
        line += f" — {safe_truncate(one_line(entry.note, 300), 200)}"
    return line


def history_embed(item: ItemRecord, history: list[ItemHistoryEntry]) -> discord.Embed:
    shown = history[-HISTORY_SHOWN:]
    lines = [history_line(entry) for entry in shown]
    if len(history) > len(shown):
        lines.insert(
            0, f"…{plural(len(history) - len(shown), 'earlier change')} (see `/feedback export`)"
        )
    return discord.Embed(
        title=f"History of {item.ref}",
        description=truncate("\n".join(lines) or "No changes yet.", EMBED_DESCRIPTION_LIMIT),
        colour=STATUS_COLOURS[item.status],
    )


def list_line(item: ItemRecord) -> str:
    link = jump_url(item)
    ref = f"[{item.ref}]({link})" if link else f"**{item.ref}**"
    votes = f" · 👍 {item.plus_ones}" if item.plus_ones else ""
    return (
        f"{STATUS_EMOJI[item.status]} {ref} · {SEVERITY_EMOJI[item.severity]} {item.severity}"
        f"{votes} · {endpoint_text(item)} — {safe_truncate(item.title, 80)}"
    )


def list_embed(page: Page[ItemRecord], number: int, filters: str) -> discord.Embed:
    embed = discord.Embed(
        title="API feedback",
        description=truncate("\n".join(list_line(i) for i in page.items), EMBED_DESCRIPTION_LIMIT),
        colour=discord.Colour.blurple(),
    )
    embed.set_footer(text=f"Page {number} · {filters}")
    return embed


def describe_filters(
    status: str | None, endpoint: str | None, severity: str | None, mine: bool
) -> str:
    parts = []
    if status:
        parts.append(f"status {status}")
    if endpoint:
        parts.append(f"endpoint {one_line(endpoint, 60)}")
    if severity:
        parts.append(f"severity {severity}")
    if mine:
        parts.append("yours")
    return "filters: " + ", ".join(parts) if parts else "all items"


def spec_summary(spec: SpecRecord) -> str:
    title = safe_truncate(spec.title, 100) if spec.title else "untitled"
    version = f" {safe_truncate(spec.version, 30)}" if spec.version else ""
    return f"{title}{version} ({spec.spec_format}), {plural(spec.operation_count, 'operation')}"


def specs_embed(specs: list[SpecRecord]) -> discord.Embed:
    lines = [
        f"**{spec.name}** — {spec_summary(spec)}\n{safe(spec.url)} · fetched "
        f"{discord_timestamp(spec.fetched_at, 'R')}"
        for spec in specs
    ]
    return discord.Embed(
        title="Registered API specs",
        description=truncate("\n\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=discord.Colour.blurple(),
    )
