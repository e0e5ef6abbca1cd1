"""The wording of /nexus token's replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.formatters import discord_timestamp

if TYPE_CHECKING:
    from bot.web.tokens import NewToken, TokenInfo


def created_text(made: NewToken, guild_id: int) -> str:
    scope = "read (GET only)" if made.info.scope == "read" else "write"
    return (
        f"Your token `{made.info.name}` ({scope}) — copy it now, it is shown only once:\n"
        f"```\n{made.secret}\n```\n"
        f"Send it as `Authorization: Bearer <token>`; this server's API is under "
        f"`/api/v1/guilds/{guild_id}/`, documented at `/api/docs`."
    )


def token_list_text(tokens: list[TokenInfo]) -> str:
    if not tokens:
        return "You have no API tokens here. Make one with `/nexus token create`."
    lines = []
    for token in tokens:
        used = (
            "never used"
            if token.last_used_at is None
            else (f"last used {discord_timestamp(token.last_used_at, 'R')}")
        )
        lines.append(
            f"`{token.name}` · {token.scope} · made {discord_timestamp(token.created_at, 'R')}"
            f" · {used}"
        )
    return "\n".join(lines)
