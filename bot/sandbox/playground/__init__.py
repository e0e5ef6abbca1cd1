"""The playground: the sandbox guild in a browser, like a Discord client, on 127.0.0.1.

``python -m bot sandbox --web`` starts it beside the terminal prompt. A person picks a member to
act as, reads the channels, types slash commands with autocomplete, presses buttons, picks from
selects and fills modals; each of those goes through the sandbox's acting API.
"""

from __future__ import annotations

from bot.sandbox.playground.server import Playground

__all__ = ["Playground"]
