"""Suggestions for /admin's options: one choice's shape, names matching what was typed, and a
setting's values by its kind."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.guild_settings import Kind
from bot.text import AUTOCOMPLETE_CHOICES_MAX, AUTOCOMPLETE_NAME_LIMIT, CHOICE_VALUE_LIMIT, truncate
from bot.timezones import timezone_choices


def choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(
        name=truncate(name, AUTOCOMPLETE_NAME_LIMIT), value=value[:CHOICE_VALUE_LIMIT]
    )


def matching(names: list[str], current: str) -> list[str]:
    needle = current.strip().lower()
    return [name for name in names if needle in name.lower()][:AUTOCOMPLETE_CHOICES_MAX]


def value_choices(
    guild: discord.Guild, kind: Kind, choices: tuple[str, ...], current: str
) -> list[app_commands.Choice[str]]:
    """Suggestions for `/admin config set value`, by the chosen key's kind."""
    needle = current.strip().lower()
    if kind is Kind.TEXT_CHANNELS:
        return channel_list_choices(guild, current)
    if kind is Kind.TEXT_CHANNEL:
        return [
            choice(f"#{c.name}", str(c.id)) for c in guild.text_channels if needle in c.name.lower()
        ][:AUTOCOMPLETE_CHOICES_MAX]
    if kind is Kind.FORUM_CHANNEL:
        return [choice(f"#{c.name}", str(c.id)) for c in guild.forums if needle in c.name.lower()][
            :AUTOCOMPLETE_CHOICES_MAX
        ]
    if kind is Kind.ROLE:
        top = guild.me.top_role
        return [
            choice(f"@{r.name}", str(r.id))
            for r in reversed(guild.roles)
            if not r.is_default() and r < top and needle in r.name.lower()
        ][:AUTOCOMPLETE_CHOICES_MAX]
    if kind is Kind.TIMEZONE:
        return timezone_choices(current)
    if kind is Kind.BOOL:
        return [choice(v, v) for v in ("true", "false") if needle in v]
    if kind is Kind.CHOICE:
        return [choice(v, v) for v in choices if needle in v]
    return []


def channel_list_choices(guild: discord.Guild, current: str) -> list[app_commands.Choice[str]]:
    """Completes the last channel of a list (`123 45` → `123 456`), keeping the ones before."""
    head, _, last = current.strip().rpartition(" ")
    prefix = f"{head} " if head else ""
    needle = last.lower().lstrip("#")
    found = [
        choice(f"{'… ' if head else ''}#{c.name}", f"{prefix}{c.id}")
        for c in guild.text_channels
        if needle in c.name.lower() and len(prefix) + 21 <= CHOICE_VALUE_LIMIT
    ]
    anywhere = [choice("anywhere", "anywhere")] if not head else []
    return (anywhere + found)[:AUTOCOMPLETE_CHOICES_MAX]
