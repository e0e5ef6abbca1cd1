"""A snippet's post in a channel: what is sent, where it goes, redrawn after an edit and removed
with the snippet. Redrawing and removing are best effort: the post may be gone already."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Final

import discord

from bot.errors import UserFacingError
from bot.web.pages.links import public_page_url
from cogs.snippets.render import page_path, snippet_embed
from cogs.snippets.running import can_run
from cogs.snippets.views import open_link, snippet_buttons

if TYPE_CHECKING:
    from cogs.snippets.records import SnippetRecord

NO_MENTIONS: Final = discord.AllowedMentions.none()


def snippet_page_url(client: object, record: SnippetRecord) -> str | None:
    """The snippet's web page, when the web server has a public address."""
    return public_page_url(client, page_path(record.guild_id, record.id))


def post_buttons(client: object, record: SnippetRecord) -> discord.ui.View:
    return snippet_buttons(
        record.id,
        record.star_count,
        runnable=can_run(client, record.language),
        page_url=snippet_page_url(client, record),
    )


def post_arguments(
    client: object, record: SnippetRecord, *, with_buttons: bool = True
) -> dict[str, Any]:
    """The message for a snippet. Without its buttons (they act only in its own server), the
    Open link still goes along: the page itself decides who may read it."""
    page_url = snippet_page_url(client, record)
    rendered = snippet_embed(record, page_url)
    arguments: dict[str, Any] = {"embed": rendered.embed, "allowed_mentions": NO_MENTIONS}
    if with_buttons:
        arguments["view"] = post_buttons(client, record)
    elif page_url is not None:
        arguments["view"] = open_link(page_url)
    file = rendered.file()
    if file is not None:
        arguments["file"] = file
    return arguments


def configured_destination(
    client: discord.Client, channel_id: int | None
) -> discord.TextChannel | discord.Thread | None:
    """The snippets channel, when one is set and still there."""
    channel = None if channel_id is None else client.get_channel(channel_id)
    return channel if isinstance(channel, discord.TextChannel | discord.Thread) else None


def post_destination(
    client: discord.Client, interaction: discord.Interaction, channel_id: int | None
) -> discord.abc.Messageable:
    configured = configured_destination(client, channel_id)
    if configured is not None:
        return configured
    if isinstance(interaction.channel, discord.abc.Messageable):
        return interaction.channel
    raise UserFacingError("I can't post in this channel.")


async def update_post(client: discord.Client, record: SnippetRecord) -> None:
    """Redraw the original share post after an edit (best effort: it may be gone)."""
    if record.channel_id is None or record.message_id is None:
        return
    channel = client.get_channel(record.channel_id)
    if not isinstance(channel, discord.TextChannel | discord.Thread):
        return
    arguments = post_arguments(client, record)
    file = arguments.pop("file", None)
    arguments["attachments"] = [file] if file is not None else []
    with contextlib.suppress(discord.HTTPException):
        await channel.get_partial_message(record.message_id).edit(**arguments)


async def remove_post(
    client: discord.Client,
    channel_id: int | None,
    message_id: int | None,
    *,
    skip: int | None = None,
) -> None:
    if channel_id is None or message_id is None or message_id == skip:
        return
    channel = client.get_channel(channel_id)
    if isinstance(channel, discord.TextChannel | discord.Thread):
        with contextlib.suppress(discord.HTTPException):
            await channel.get_partial_message(message_id).delete()
