"""How /admin's answers look: the setup summary, the settings, statistics, the audit log's
pages, the forget prompt and its report, every setting's value, sizes and latency in words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.formatters import discord_timestamp, format_duration, format_latency
from bot.guild_settings import GuildConfig, Kind, Source
from bot.markdown import safe
from bot.preflight import missing_channel_permissions
from bot.text import EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_VALUE_LIMIT, one_line, truncate

if TYPE_CHECKING:
    from bot.guild_stats import StatsReport
    from cogs.admin.forget import ForgetOutcome

ADMIN_COLOUR = discord.Colour.dark_teal()


@dataclass(frozen=True)
class SettingLine:
    key: str
    description: str
    shown_value: str
    source: Source


def describe_value(kind: Kind, value: Any) -> str:
    """A setting's value as a moderator reads it; mentions render as names in embeds, never ping."""
    if value is None:
        return "not set"
    if kind is Kind.TEXT_CHANNELS:
        return " ".join(f"<#{int(channel_id)}>" for channel_id in value) or "anywhere"
    if kind in (Kind.TEXT_CHANNEL, Kind.FORUM_CHANNEL):
        return f"<#{int(value)}>"
    if kind is Kind.ROLE:
        return f"<@&{int(value)}>"
    if kind is Kind.BOOL:
        return "on" if value else "off"
    if hasattr(value, "get_secret_value"):
        # Defensive: a secret must never be shown, even if a feature registers one.
        return "(secret, hidden)"
    return f"`{value}`"


def settings_report(config: GuildConfig) -> list[SettingLine]:
    """Every registered setting, in registry order, with its value and where it came from."""
    lines = []
    for resolved in config.values.values():
        spec = resolved.spec
        lines.append(
            SettingLine(
                spec.key,
                spec.description,
                describe_value(spec.kind, resolved.value),
                resolved.source,
            )
        )
    return lines


def format_bytes(size: int | None) -> str:
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _clauses(clauses: list[str]) -> str:
    """["their x is kept", "their y is removed"] → "Their x is kept and their y is removed"."""
    listed = clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    return listed[:1].upper() + listed[1:]


def setup_embed(
    guild: discord.Guild,
    channels: dict[str, discord.TextChannel | None],
    roles: dict[str, int | None],
    timezone: str,
) -> discord.Embed:
    embed = discord.Embed(title="Nexus is set up", colour=ADMIN_COLOUR)
    problems = 0
    lines = []
    for feature, channel in channels.items():
        if channel is None:
            lines.append(f"**{feature}**: not set — this feature has nowhere to post")
            problems += 1
            continue
        missing = missing_channel_permissions(channel.permissions_for(guild.me))
        if missing:
            problems += 1
            lines.append(f"**{feature}**: {channel.mention} — ⚠️ I lack {', '.join(missing)}")
        else:
            lines.append(f"**{feature}**: {channel.mention} — ✅ all permissions")
    embed.add_field(name="Channels", value="\n".join(lines), inline=False)
    role_lines = [
        f"**{tier}**: {f'<@&{role_id}>' if role_id else 'not set'}"
        for tier, role_id in roles.items()
    ]
    embed.add_field(name="Roles", value="\n".join(role_lines), inline=False)
    embed.add_field(name="Time zone", value=f"`{timezone}`", inline=False)
    if problems:
        embed.colour = discord.Colour.orange()
        embed.set_footer(
            text="Fix the ⚠️ items in the channel settings, then run /admin setup again."
        )
    return embed


def settings_embed(report: list[SettingLine]) -> discord.Embed:
    lines = [
        f"**{line.key}** — {line.shown_value} · *{line.source.value}*\n{line.description}"
        for line in report
    ]
    embed = discord.Embed(
        title="Nexus settings",
        description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=ADMIN_COLOUR,
    )
    embed.set_footer(text="Change one with /admin config set key value (value 'none' resets)")
    return embed


def stats_embed(
    report: StatsReport, uptime_seconds: float, latency: float, size: int | None
) -> discord.Embed:
    embed = discord.Embed(title="Nexus statistics", colour=ADMIN_COLOUR)
    for feature, counters in sorted(report.features.items()):
        body = "\n".join(f"{name}: **{count}**" for name, count in counters.items())
        embed.add_field(
            name=feature, value=truncate(body or "nothing yet", EMBED_FIELD_VALUE_LIMIT)
        )
    for feature in report.failed:
        embed.add_field(name=feature, value="counts unavailable (see the log)")
    embed.add_field(
        name="core",
        value="\n".join(f"{name}: **{count}**" for name, count in report.core.items()),
    )
    embed.add_field(
        name="runtime",
        value=(
            f"uptime: **{format_duration(uptime_seconds)}**\n"
            f"gateway latency: **{format_latency(latency)}**\n"
            f"database size: **{format_bytes(size)}**"
        ),
        inline=False,
    )
    return embed


def audit_embed(heading: str, records: Any, page_number: int) -> discord.Embed:
    lines = []
    for record in records:
        who = f"<@{record.actor_id}>" if record.actor_id else "Nexus"
        target = f" → {safe(one_line(record.target, 60))}" if record.target else ""
        details = one_line(json.dumps(record.details, ensure_ascii=False), 160)
        lines.append(
            f"`#{record.id}` {discord_timestamp(record.created_at, 'f')} {who} "
            f"**{safe(record.action)}**{target}\n{safe(details) if record.details else ''}"
        )
    embed = discord.Embed(
        title=truncate(heading, 256),
        description=truncate("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=ADMIN_COLOUR,
    )
    embed.set_footer(text=f"Page {page_number}")
    return embed


def forget_prompt(mention: str, previews: list[str]) -> str:
    """The question /admin forget asks, with what each feature keeps or removes."""
    effects = f" {_clauses(previews)}." if previews else ""
    return (
        f"Forget everything Nexus holds about {mention} in this server?{effects} "
        "This cannot be undone."
    )


def forget_embed(mention: str, outcome: ForgetOutcome) -> discord.Embed:
    lines = [f"{what}: **{count}**" for what, count in outcome.removed.items()]
    embed = discord.Embed(
        title="Member forgotten",
        description=truncate(
            f"Removed or anonymised for {mention}:\n" + ("\n".join(lines) or "nothing"),
            EMBED_DESCRIPTION_LIMIT,
        ),
        colour=ADMIN_COLOUR,
    )
    if outcome.failed:
        embed.colour = discord.Colour.orange()
        embed.add_field(
            name="⚠️ Not finished",
            value=truncate(
                f"{', '.join(outcome.failed)} could not forget this member (see the log). "
                "Run /admin forget again later.",
                EMBED_FIELD_VALUE_LIMIT,
            ),
        )
    return embed
