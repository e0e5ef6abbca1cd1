"""Who a message notifies: its mentions filtered by Discord's ``allowed_mentions`` rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")


@dataclass(frozen=True)
class Pinged:
    """Who a message actually notifies, given its content and ``allowed_mentions``.

    MENTION_EVERYONE and role mentionability are deliberately not considered: tests use this to
    check what the bot *asked* Discord to ping, which is what the bot controls.
    """

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False
    here: bool = False

    def __contains__(self, item: object) -> bool:
        ident = getattr(item, "id", item)
        return ident in self.users or ident in self.roles

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone or self.here)


def compute_pinged(
    content: str,
    allowed_mentions: JSON | None,
    replied_user_id: int | None = None,
) -> Pinged:
    """Apply Discord's allowed_mentions rules to the mentions found in ``content``."""
    users = {int(m) for m in _USER_MENTION.findall(content)}
    roles = {int(m) for m in _ROLE_MENTION.findall(content)}
    everyone = "@everyone" in content
    here = "@here" in content
    if allowed_mentions is None:
        # No allowed_mentions: Discord parses everything, and pings the replied-to author.
        if replied_user_id is not None:
            users.add(replied_user_id)
        return Pinged(frozenset(users), frozenset(roles), everyone, here)
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
    allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    pinged_users = {u for u in users if "users" in parse or u in allowed_users}
    pinged_roles = {r for r in roles if "roles" in parse or r in allowed_roles}
    if replied_user_id is not None and allowed_mentions.get("replied_user", False):
        pinged_users.add(replied_user_id)
    ping_everyone = "everyone" in parse
    return Pinged(
        frozenset(pinged_users),
        frozenset(pinged_roles),
        everyone and ping_everyone,
        here and ping_everyone,
    )
