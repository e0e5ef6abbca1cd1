"""Code from a Discord attachment: which attachment holds text, its download, its decoding.

The size Discord reports is checked first and trusted only as far as the bytes agree; the
download goes through the bot's one guarded fetcher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bot.errors import UserFacingError
from bot.fetch import FetchError, FetchTooLarge
from cogs.snippets.drafts import SnippetInputError, check_attachment_size, decode_attachment

if TYPE_CHECKING:
    import discord

    from bot.fetch import Fetcher

ATTACHMENT_TIMEOUT_SECONDS: Final = 30.0


async def download_code(
    fetcher: Fetcher, attachment: discord.Attachment, *, max_bytes: int, api_url: str
) -> str:
    check_attachment_size(attachment.size, max_bytes, attachment.filename)
    try:
        fetched = await fetcher.fetch(
            attachment.url,
            max_bytes=max_bytes,
            timeout_seconds=ATTACHMENT_TIMEOUT_SECONDS,
            # Attachments live on the Discord-compatible server the bot is configured to
            # talk to (the sandbox serves them from 127.0.0.1).
            trusted_origin=api_url,
        )
    except FetchTooLarge:
        # The size Discord reports is trusted only as far as the bytes agree.
        raise SnippetInputError(
            f"`{attachment.filename[:64]}` is larger than the {max_bytes:,} bytes "
            "attachments can be."
        ) from None
    except FetchError as error:
        raise UserFacingError(
            f"I couldn't download `{attachment.filename[:64]}`: {error.message} Try again."
        ) from None
    return decode_attachment(fetched.body, max_bytes, attachment.filename)


def first_text_attachment(message: discord.Message) -> discord.Attachment | None:
    for attachment in message.attachments:
        kind = (attachment.content_type or "").split(";")[0]
        if kind.startswith(("image/", "video/", "audio/")):
            continue
        return attachment
    return None
