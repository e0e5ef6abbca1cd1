"""Links to pages from Discord: absolute addresses, made only when someone can open them.

Discord's link buttons need an absolute URL, and a link is useful only if it reaches Nexus
from the reader's device: so a page is linked only when the web server is on and
`web.public_url` says where people reach it (the host and port it listens on, often
127.0.0.1, would mean nothing on a member's phone).
"""

from __future__ import annotations

from bot.config import Settings


def public_page_url(client: object, path: str) -> str | None:
    """`path` on the public address of the web server `client` (the bot) runs; None when it
    runs none."""
    settings = getattr(client, "settings", None)
    if getattr(client, "web_port", None) is None or not isinstance(settings, Settings):
        return None
    base = settings.web.public_url
    return None if base is None else f"{base.rstrip('/')}{path}"
