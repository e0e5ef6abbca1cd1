"""A feedback export as a file: the items (of one status, or all) rendered off the event loop in
the chosen format, with its name and media type. `/feedback export` attaches it (when Discord
can take it); the HTTP API sends it as the response, empty or large."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from cogs.feedback.export import render
from cogs.feedback.rules import FeedbackError

if TYPE_CHECKING:
    from datetime import datetime

    from cogs.feedback.queries import FeedbackQueries

MEDIA_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class ExportFile:
    name: str
    media_type: str
    body: bytes
    item_count: int


async def export_file(
    queries: FeedbackQueries,
    guild_id: int,
    status: str | None,
    export_format: str,
    now: datetime,
) -> ExportFile:
    items = await queries.export(guild_id, status)
    # A large export takes a while to render; the loop keeps answering meanwhile.
    extension, body = await asyncio.to_thread(render, export_format, items)
    name = f"feedback-{status or 'all'}-{now:%Y%m%d-%H%M}.{extension}"
    return ExportFile(name, MEDIA_TYPES[export_format], body, len(items))


def check_attachable(exported: ExportFile, upload_limit: int) -> None:
    """Refuse what a Discord reply cannot usefully attach: nothing, or more than the server's
    upload limit."""
    if not exported.item_count:
        raise FeedbackError("No feedback matches; there is nothing to export.")
    if len(exported.body) > upload_limit:
        raise FeedbackError(
            f"That export is {len(exported.body) / 1_048_576:.1f} MB, over this server's upload "
            "limit. Narrow it with `status`."
        )
