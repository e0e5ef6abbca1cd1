"""Discord's numbering of channel types and message flags, as the sandbox uses them."""

from __future__ import annotations

# Channel types, as numbered by Discord.
GUILD_TEXT = 0
DM = 1
GROUP_DM = 3
GUILD_VOICE = 2
GUILD_CATEGORY = 4
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})
CHANNEL_KINDS: dict[str, int] = {
    "text": GUILD_TEXT,
    "voice": GUILD_VOICE,
    "category": GUILD_CATEGORY,
    "forum": GUILD_FORUM,
}

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
