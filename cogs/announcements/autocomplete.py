"""/announce's choices: what to do with a missed run, and the autocomplete of repeat
suggestions (and the cron expression being typed) and of announcements by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from discord import app_commands

from bot.text import AUTOCOMPLETE_CHOICES_MAX, AUTOCOMPLETE_NAME_LIMIT, truncate
from cogs.announcements.render import choice_label

if TYPE_CHECKING:
    from cogs.announcements.records import AnnouncementInfo

MISSED_CHOICES: Final = [
    app_commands.Choice(name="post late (marked delayed)", value="post_late"),
    app_commands.Choice(name="skip it", value="skip"),
]
REPEAT_SUGGESTIONS: Final[list[tuple[str, str]]] = [
    ("none — post once", "none"),
    ("daily — same local time every day", "daily"),
    ("weekly — same weekday and time", "weekly"),
    ("monthly — same day of the month", "monthly"),
    ("cron: weekdays at 09:00 (0 9 * * 1-5)", "0 9 * * 1-5"),
    ("cron: Mondays at 10:00 (0 10 * * 1)", "0 10 * * 1"),
    ("cron: first of the month at 09:00 (0 9 1 * *)", "0 9 1 * *"),
]


def repeat_choices(current: str) -> list[app_commands.Choice[str]]:
    typed = current.strip()
    choices = [
        app_commands.Choice(name=name, value=value)
        for name, value in REPEAT_SUGGESTIONS
        if typed.lower() in name.lower()
    ]
    if len(typed.split()) == 5:
        choices.insert(0, app_commands.Choice(name=f"cron: {typed}"[:100], value=typed[:100]))
    return choices[:AUTOCOMPLETE_CHOICES_MAX]


def id_choices(found: list[AnnouncementInfo]) -> list[app_commands.Choice[int]]:
    return [
        app_commands.Choice(
            name=truncate(choice_label(info), AUTOCOMPLETE_NAME_LIMIT), value=info.id
        )
        for info in found[:AUTOCOMPLETE_CHOICES_MAX]
    ]
