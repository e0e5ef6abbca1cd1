"""One interaction in flight, as the server records it, and Discord's interaction numbers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sandbox.model import Channel, Guild, Message
    from bot.sandbox.users import User

JSON = dict[str, Any]

# Interaction types and callback types, as numbered by Discord.
APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
MESSAGE_RESPONSE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    APPLICATION_COMMAND: frozenset({MESSAGE_RESPONSE, DEFERRED_MESSAGE, MODAL}),
    COMPONENT: frozenset(
        {MESSAGE_RESPONSE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL}
    ),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset({MESSAGE_RESPONSE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE}),
}
TEXT_INPUT, LABEL, ACTION_ROW = 4, 18, 1
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})


@dataclass(frozen=True)
class LateAck:
    """An acknowledgement that arrived after the deadline (Discord shows "interaction failed")."""

    interaction_id: int
    name: str
    elapsed: float
    # Of ``elapsed``, the time the event loop's thread waited for a CPU the machine gave to
    # other processes (counted only where the bot shares the sandbox's process and loop).
    cpu_wait: float = 0.0

    @property
    def charged(self) -> float:
        """The time held against the deadline."""
        return self.elapsed - self.cpu_wait

    def __str__(self) -> str:
        waited = f", {self.cpu_wait:.2f} s of it waiting for a CPU" if self.cpu_wait >= 0.01 else ""
        return f"{self.name}: acknowledged after {self.elapsed:.2f} s{waited}"


@dataclass(eq=False)
class PendingInteraction:
    """The server's record of one interaction, from INTERACTION_CREATE to its last followup."""

    id: int
    token: str
    type: int
    name: str
    payload: JSON
    user: User
    guild: Guild | None
    channel: Channel
    source_message: Message | None = None
    sent_at: float = field(default_factory=time.perf_counter)
    cpu_wait_at_send: float = 0.0
    cpu_waited: float = 0.0  # until the callback; see LateAck.cpu_wait
    created_wall: float = field(default_factory=time.time)
    callback_type: int | None = None
    callback_at: float | None = None
    response_flags: int = 0
    late: LateAck | None = None
    original: Message | None = None
    messages: list[Message] = field(default_factory=list)
    followups: list[Message] = field(default_factory=list)
    edit_count: int = 0
    modal: JSON | None = None
    choices: list[JSON] | None = None
    version: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def touch(self) -> None:
        """Wake everyone waiting on this interaction."""
        self.version += 1
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_change(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def settled(self) -> bool:
        if self.callback_type in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
            return bool(self.followups) or self.edit_count > 0
        return self.callback_type is not None

    def show(self, message: Message) -> None:
        if message not in self.messages:
            self.messages.append(message)
