"""``InteractionResult``: what a person sees after using a command, a button or a modal.

It waits until the interaction is settled and exposes the reply as messages, text, a modal or
choices; acting on the reply (a click, a select, a modal submit) goes back through
``UserActions``, which the server provides.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

from bot.sandbox.errors import SandboxError
from bot.sandbox.interactions.modals import Modal, modal_submission
from bot.sandbox.interactions.pending import (
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    SELECT_TYPES,
    PendingInteraction,
)
from bot.sandbox.kinds import EPHEMERAL
from bot.sandbox.message_validation import walk_components
from bot.sandbox.render import button_label, clickable, render_message

if TYPE_CHECKING:
    from bot.sandbox.attachments import Attachment
    from bot.sandbox.model import Message
    from bot.sandbox.users import User

JSON = dict[str, Any]


class UserActions(Protocol):
    """The interactions a person can start from a reply (``SandboxServer`` sends them)."""

    async def send_component(
        self,
        message: Message,
        data: JSON,
        *,
        user: User,
        timeout: float = 10.0,
        quiet: float = 0.05,
    ) -> InteractionResult: ...

    def select_data(self, component: JSON, values: list[Any], message: Message) -> JSON: ...

    async def send_modal_submit(
        self,
        opened_by: PendingInteraction,
        data: JSON,
        *,
        user: User,
        timeout: float = 10.0,
        quiet: float = 0.05,
    ) -> InteractionResult: ...


class InteractionResult:
    """What a person sees after using a command, a button or a modal.

    Returned once the interaction is settled: a direct callback, or a deferral followed by its
    first followup or edit, plus a short quiet period to capture what follows right after.
    """

    def __init__(self, server: UserActions, pending: PendingInteraction) -> None:
        self._server = server
        self._pending = pending

    def __repr__(self) -> str:
        return (
            f"<InteractionResult {self._pending.name!r} type={self.type} text={self.text[:60]!r}>"
        )

    @property
    def pending(self) -> PendingInteraction:
        return self._pending

    @property
    def interaction_id(self) -> int:
        return self._pending.id

    @property
    def type(self) -> int | None:
        return self._pending.callback_type

    @property
    def deferred(self) -> bool:
        return self._pending.callback_type in (DEFERRED_MESSAGE, DEFERRED_UPDATE)

    @property
    def ephemeral(self) -> bool:
        return bool(self._pending.response_flags & EPHEMERAL)

    @property
    def latency(self) -> float | None:
        """Seconds from sending INTERACTION_CREATE to receiving the callback."""
        if self._pending.callback_at is None:
            return None
        return self._pending.callback_at - self._pending.sent_at

    @property
    def charged_latency(self) -> float | None:
        """``latency`` less the time the loop's thread waited for a CPU, where the server
        excuses it (``InteractionHub.excuse_cpu_wait``): what the deadline is held against."""
        latency = self.latency
        return None if latency is None else latency - self._pending.cpu_waited

    @property
    def messages(self) -> list[Message]:
        return list(self._pending.messages)

    @property
    def message(self) -> Message | None:
        return self._pending.messages[0] if self._pending.messages else None

    @property
    def text(self) -> str:
        parts = [render_message(m) for m in self._pending.messages if not m.deleted]
        if self.modal is not None:
            parts.append(self.modal.text)
        return "\n\n".join(p for p in parts if p)

    @property
    def content(self) -> str:
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[JSON]:
        return self.message.embeds if self.message else []

    @property
    def embed(self) -> JSON:
        """The first embed (raises SandboxError when there is none)."""
        if not self.embeds:
            raise SandboxError(f"no embed in the reply: {self.text!r}")
        return self.embeds[0]

    @property
    def components(self) -> list[JSON]:
        return self.message.components if self.message else []

    @property
    def files(self) -> list[Attachment]:
        return [a for m in self._pending.messages for a in m.attachments]

    attachments = files

    @property
    def modal(self) -> Modal | None:
        return Modal(self._pending.modal) if self._pending.modal is not None else None

    @property
    def choices(self) -> list[JSON]:
        return list(self._pending.choices or [])

    @property
    def buttons(self) -> list[JSON]:
        return [b for m in self._pending.messages if not m.deleted for b in clickable(m.components)]

    # -- waiting -------------------------------------------------------------------------------

    async def settle(self, timeout: float, quiet: float) -> InteractionResult:
        pending = self._pending
        deadline = time.monotonic() + timeout
        while not pending.settled:
            if pending.late is not None:
                raise SandboxError(
                    f"{pending.late}, past Discord's 3 s deadline (the user sees 'This "
                    "interaction failed')"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxError(f"{pending.name}: no response within {timeout} s")
            await pending.wait_change(remaining)
        # A quiet period: a followup sent right after the first response still belongs here.
        while quiet > 0 and await pending.wait_change(quiet):
            pass
        return self

    async def followups(self, n: int = 1, timeout: float = 5.0) -> list[Message]:
        """Wait until the bot sent ``n`` followups; returns them."""
        await self._wait_for(lambda: len(self._pending.followups) >= n, timeout, f"{n} followups")
        return self._pending.followups[:n]

    async def wait_edit(self, timeout: float = 5.0) -> Message:
        """Wait for the next edit of the original response (or the message it updates)."""
        seen = self._pending.edit_count
        await self._wait_for(lambda: self._pending.edit_count > seen, timeout, "an edit")
        original = self._pending.original
        assert original is not None
        return original

    async def _wait_for(self, condition: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxError(f"{self._pending.name}: no {what} within {timeout} s")
            await self._pending.wait_change(remaining)

    # -- acting on the reply -------------------------------------------------------------------

    def find_button(
        self, label: str | None = None, *, custom_id: str | None = None
    ) -> tuple[Message, JSON]:
        candidates = [
            (m, c)
            for m in reversed(self._pending.messages)
            if not m.deleted
            for c in walk_components(m.components)
            if c.get("type") == 2 and c.get("custom_id")
        ]
        for matcher in _button_matchers(label, custom_id):
            for message, button in candidates:
                if matcher(button):
                    if button.get("disabled"):
                        raise SandboxError(f"button {button_label(button)!r} is disabled")
                    return message, button
        names = [button_label(b) for _, b in candidates]
        raise SandboxError(f"no button {label or custom_id!r} in the reply; buttons: {names}")

    async def click(
        self,
        label: str | None = None,
        *,
        custom_id: str | None = None,
        user: User | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        """Press a button (by label, label substring or custom_id)."""
        message, button = self.find_button(label, custom_id=custom_id)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._server.send_component(
            message, data, user=user or self._pending.user, timeout=timeout
        )

    async def select(
        self,
        custom_id_or_placeholder: str,
        values: list[Any],
        *,
        user: User | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        """Choose ``values`` in a select menu (strings; users/roles/channels for entity selects)."""
        for message in reversed(self._pending.messages):
            for component in walk_components(message.components):
                if component.get("type") not in SELECT_TYPES:
                    continue
                if custom_id_or_placeholder in (
                    component.get("custom_id"),
                    component.get("placeholder"),
                ):
                    data = self._server.select_data(component, values, message)
                    return await self._server.send_component(
                        message, data, user=user or self._pending.user, timeout=timeout
                    )
        raise SandboxError(f"no select menu {custom_id_or_placeholder!r} in the reply")

    async def submit_modal(
        self,
        values: dict[str, Any] | None = None,
        *,
        user: User | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        """Fill the modal (by field custom_id or label; others keep their prefill) and submit."""
        modal = self.modal
        if modal is None:
            raise SandboxError(f"{self._pending.name}: the reply is not a modal: {self.text!r}")
        data = {"custom_id": modal.custom_id, "components": modal_submission(modal, values or {})}
        return await self._server.send_modal_submit(
            self._pending, data, user=user or self._pending.user, timeout=timeout
        )


def _button_matchers(label: str | None, custom_id: str | None) -> list[Any]:
    if custom_id is not None:
        return [lambda b: b.get("custom_id") == custom_id]
    if label is None:
        raise SandboxError("click() needs a label or custom_id")
    lowered = label.lower()
    return [
        lambda b: button_label(b) == label or b.get("label") == label,
        lambda b: b.get("custom_id") == label,
        lambda b: lowered in button_label(b).lower(),
    ]
