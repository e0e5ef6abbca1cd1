"""``RouteContext``: what the REST routes need of the sandbox, and nothing more.

The server builds it and keeps it; the routes never see the server itself, so they stay below
it (the server starts them, they answer the bot).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sandbox.gateway import Gateway
    from bot.sandbox.interactions.hub import InteractionHub
    from bot.sandbox.messages import MessageService
    from bot.sandbox.state import SandboxState

JSON = dict[str, Any]


@dataclass(eq=False)
class RouteContext:
    """The state, the message service, the interaction hub and the gateway the routes announce
    on, the bot's token, and the traffic logs tests read after a run."""

    state: SandboxState
    messages: MessageService
    hub: InteractionHub
    gateway: Gateway
    bot_token: str
    # Called with the guild id (None: global) each time the bot syncs its commands.
    note_sync: Callable[[int | None], None]
    gateway_url: str = ""
    recommended_shards: int = 1
    requests: list[tuple[str, str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unhandled_routes: list[str] = field(default_factory=list)

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    def dispatch(self, event: str, data: JSON, guild_id: int | None = None) -> None:
        self.gateway.dispatch(event, data, guild_id)
