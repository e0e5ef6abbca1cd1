"""The wording of /nexus token's and /nexus web's replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.formatters import discord_timestamp

if TYPE_CHECKING:
    from bot.web.tokens import NewToken, TokenInfo

WEB_OFF = (
    "Nexus's web server is off here, so there is nothing to sign in to; "
    "its host turns it on with `web.enabled`."
)


def sign_in_text(url: str) -> str:
    # Angle brackets keep Discord from previewing the link (a preview would spend it).
    return (
        f"Your sign-in link — it works once, for you only, for the next 10 minutes:\n<{url}>\n"
        "Don't share it: whoever opens it first is signed in as you."
    )


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
