"""Interactions in flight: the bot's callbacks, followups and edits, and what tests see of them.

``InteractionHub`` is the server side (it enforces the 3 s acknowledgement deadline, the
15 minute token and single acknowledgement). ``InteractionResult`` is the test side: it waits
until the interaction is settled and exposes the reply as messages, text, a modal or choices.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.sandbox.attachments import Attachment
from bot.sandbox.errors import (
    ALREADY_ACKNOWLEDGED,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    SandboxError,
    invalid_form,
)
from bot.sandbox.kinds import EPHEMERAL, LOADING
from bot.sandbox.message_validation import walk_components
from bot.sandbox.model import Message
from bot.sandbox.payloads import message_payload
from bot.sandbox.render import button_label, clickable, render_message, render_modal
from bot.sandbox.snowflakes import utcnow

if TYPE_CHECKING:
    from bot.sandbox.messages import MessageService, Upload
    from bot.sandbox.model import Channel, Guild
    from bot.sandbox.server import SandboxServer
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


class Modal:
    """A modal the bot opened: its title, custom_id and fields (custom_id → properties)."""

    def __init__(self, payload: JSON) -> None:
        self.payload = payload
        self.title: str = str(payload.get("title", ""))
        self.custom_id: str = str(payload.get("custom_id", ""))
        self.fields: dict[str, JSON] = {}
        for component, label, description in _modal_inputs(payload.get("components") or []):
            info = dict(component)
            info.setdefault("label", label)
            if description is not None:
                info.setdefault("description", description)
            info.setdefault("value", component.get("value"))
            info.setdefault("required", True)
            self.fields[str(component.get("custom_id"))] = info

    def field_id(self, key: str) -> str:
        """Find a field by custom_id, then by label (exact, then case-insensitive)."""
        if key in self.fields:
            return key
        for custom_id, info in self.fields.items():
            if info.get("label") == key:
                return custom_id
        for custom_id, info in self.fields.items():
            if str(info.get("label", "")).lower() == key.lower():
                return custom_id
        raise SandboxError(f"modal {self.title!r} has no field {key!r}; fields: {self.describe()}")

    def describe(self) -> str:
        return ", ".join(f"{cid} ({info.get('label')})" for cid, info in self.fields.items())

    @property
    def text(self) -> str:
        return render_modal(self.title, self.fields)

    def __repr__(self) -> str:
        return f"<Modal {self.title!r} fields={list(self.fields)}>"


def _modal_inputs(components: list[JSON]) -> list[tuple[JSON, str | None, str | None]]:
    """Text inputs and selects of a modal with their label (from a Label wrapper if any)."""
    out: list[tuple[JSON, str | None, str | None]] = []
    for component in components:
        kind = component.get("type")
        if kind == LABEL and isinstance(component.get("component"), dict):
            out.append(
                (component["component"], component.get("label"), component.get("description"))
            )
        elif kind == ACTION_ROW:
            for child in component.get("components") or []:
                if child.get("type") == TEXT_INPUT or child.get("type") in SELECT_TYPES:
                    out.append((child, child.get("label"), None))
    return out


def modal_submission(modal: Modal, values: dict[str, Any]) -> list[JSON]:
    """``data.components`` of a MODAL_SUBMIT, mirroring the modal's own structure."""
    chosen = {modal.field_id(key): value for key, value in values.items()}
    rows: list[JSON] = []
    for component in modal.payload.get("components") or []:
        if component.get("type") == LABEL and isinstance(component.get("component"), dict):
            inner = _submitted(component["component"], chosen, modal)
            rows.append({"type": LABEL, "id": component.get("id", 0), "component": inner})
        elif component.get("type") == ACTION_ROW:
            children = [
                _submitted(child, chosen, modal)
                for child in component.get("components") or []
                if child.get("custom_id")
            ]
            rows.append({"type": ACTION_ROW, "components": children})
    return rows


def _submitted(component: JSON, chosen: dict[str, Any], modal: Modal) -> JSON:
    custom_id = str(component.get("custom_id"))
    info = modal.fields.get(custom_id, {})
    if component.get("type") in SELECT_TYPES:
        picked = chosen.get(custom_id, [])
        values = [
            str(getattr(v, "id", v)) for v in (picked if isinstance(picked, list) else [picked])
        ]
        return {"type": component["type"], "custom_id": custom_id, "values": values}
    value = str(chosen.get(custom_id, info.get("value") or ""))
    if info.get("required", True) and not value:
        raise SandboxError(f"modal field {custom_id!r} ({info.get('label')}) is required")
    if len(value) < int(info.get("min_length") or 0):
        raise SandboxError(
            f"modal field {custom_id!r} needs at least {info['min_length']} characters"
        )
    if info.get("max_length") is not None and len(value) > int(info["max_length"]):
        raise SandboxError(
            f"modal field {custom_id!r} allows at most {info['max_length']} characters"
        )
    return {
        "type": TEXT_INPUT,
        "id": component.get("id", 0),
        "custom_id": custom_id,
        "value": value,
    }


class InteractionResult:
    """What a person sees after using a command, a button or a modal.

    Returned once the interaction is settled: a direct callback, or a deferral followed by its
    first followup or edit, plus a short quiet period to capture what follows right after.
    """

    def __init__(self, server: SandboxServer, pending: PendingInteraction) -> None:
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
                    f"{pending.name}: acknowledged after {pending.late.elapsed:.2f} s, past "
                    "Discord's 3 s deadline (the user sees 'This interaction failed')"
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


class InteractionHub:
    """Server side of interactions: callbacks, followups and @original edits, by id/token."""

    def __init__(self, messages: MessageService, *, application_id: int) -> None:
        self.messages = messages
        self.application_id = application_id
        self.by_id: dict[int, PendingInteraction] = {}
        self.by_token: dict[str, PendingInteraction] = {}
        self.late_acks: list[LateAck] = []
        self.ack_deadline = 3.0
        self.token_lifetime = 15 * 60.0

    def register(self, pending: PendingInteraction) -> None:
        self.by_id[pending.id] = pending
        self.by_token[pending.token] = pending

    def _by_token(self, application_id: int, token: str) -> PendingInteraction:
        pending = self.by_token.get(token)
        if pending is None or application_id != self.application_id:
            raise ApiError(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        if time.time() - pending.created_wall > self.token_lifetime:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        if pending.callback_type is None or pending.late is not None:
            raise ApiError(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        return pending

    # -- POST /interactions/{id}/{token}/callback ----------------------------------------------

    def callback(
        self,
        interaction_id: int,
        token: str,
        body: JSON,
        uploads: list[Upload],
        *,
        with_response: bool,
    ) -> JSON | None:
        pending = self.by_id.get(interaction_id)
        if pending is None or pending.token != token:
            raise ApiError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if pending.callback_type is not None or pending.late is not None:
            raise ApiError(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        now = time.perf_counter()
        elapsed = now - pending.sent_at
        if elapsed > self.ack_deadline:
            pending.late = LateAck(pending.id, pending.name, elapsed)
            self.late_acks.append(pending.late)
            pending.touch()
            raise ApiError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        kind = int(body.get("type", 0))
        if kind not in ALLOWED_CALLBACKS.get(pending.type, frozenset()) or (
            kind in (DEFERRED_UPDATE, UPDATE_MESSAGE) and pending.source_message is None
        ):
            raise ApiError(400, 40043, f"Interaction callback type {kind} is invalid here")
        data = body.get("data") or {}
        message = self._apply_callback(pending, kind, data, uploads)
        pending.callback_type = kind
        pending.callback_at = now
        pending.touch()
        if not with_response:
            return None
        return self._callback_response(pending, kind, message)

    def _apply_callback(
        self, pending: PendingInteraction, kind: int, data: JSON, uploads: list[Upload]
    ) -> Message | None:
        if kind == MESSAGE_RESPONSE:
            flags = int(data.get("flags") or 0)
            message = self._new_message(pending, data, uploads, flags & EPHEMERAL)
            pending.original = message
            pending.response_flags = message.flags
            pending.show(message)
            return message
        if kind == DEFERRED_MESSAGE:
            flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
            message = self._new_message(pending, {"content": ""}, [], flags, allow_empty=True)
            pending.original = message
            pending.response_flags = flags
            return message
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            source = pending.source_message
            assert source is not None
            pending.original = source
            pending.response_flags = source.flags
            if kind == UPDATE_MESSAGE:
                self.messages.edit(source, data, uploads)
                pending.show(source)
            return source
        if kind == AUTOCOMPLETE_RESULT:
            choices = list(data.get("choices") or [])
            if len(choices) > 25:
                raise invalid_form(
                    "choices", code="BASE_TYPE_MAX_LENGTH", message="Must be 25 or fewer in length."
                )
            pending.choices = choices
            return None
        pending.modal = self._check_modal(data)
        return None

    @staticmethod
    def _check_modal(data: JSON) -> JSON:
        """Discord's modal limits: title 1-45, 1-5 components, custom_id 1-100."""
        limits = (
            ("title", len(str(data.get("title") or "")), 45),
            ("components", len(data.get("components") or []), 5),
            ("custom_id", len(str(data.get("custom_id") or "")), 100),
        )
        for key, size, high in limits:
            if not 1 <= size <= high:
                raise invalid_form(
                    "data",
                    key,
                    code="BASE_TYPE_BAD_LENGTH",
                    message=f"Must be between 1 and {high} in length.",
                )
        return data

    def _new_message(
        self,
        pending: PendingInteraction,
        data: JSON,
        uploads: list[Upload],
        flags: int,
        *,
        allow_empty: bool = False,
    ) -> Message:
        from bot.sandbox.model import Message as MessageModel

        metadata = {
            "id": str(pending.id),
            "type": pending.type,
            "user": pending.user.to_payload(),
            "authorizing_integration_owners": pending.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if pending.source_message is not None:
            metadata["interacted_message_id"] = str(pending.source_message.id)
        message_type = 23 if pending.payload.get("data", {}).get("type") in (2, 3) else 20
        if allow_empty:
            message = MessageModel(
                id=self.messages.state.snowflakes.next(),
                channel=pending.channel,
                author=self.messages.state.bot_user,
                flags=flags,
                type=message_type,
                webhook_id=self.application_id,
                interaction_metadata=metadata,
            )
            self.messages.state.add_message(message)
            self.messages.announce_create(message)
            return message
        return self.messages.create(
            pending.channel,
            self.messages.state.bot_user,
            data,
            uploads,
            webhook_id=self.application_id,
            message_type=message_type,
            flags=flags | (int(data.get("flags") or 0) & ~EPHEMERAL & 0xFFFF),
            interaction_metadata=metadata,
        )

    def _callback_response(
        self, pending: PendingInteraction, kind: int, message: Message | None
    ) -> JSON:
        interaction: JSON = {
            "id": str(pending.id),
            "type": pending.type,
            "activity_instance_id": None,
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(pending.response_flags & EPHEMERAL),
        }
        resource: JSON = {"type": kind}
        if message is not None and kind != DEFERRED_UPDATE:
            interaction["response_message_id"] = str(message.id)
            resource["message"] = message_payload(message)
        return {"interaction": interaction, "resource": resource}

    # -- webhooks: followups and the original response -----------------------------------------

    def followup(
        self, application_id: int, token: str, payload: JSON, uploads: list[Upload]
    ) -> Message:
        pending = self._by_token(application_id, token)
        original = pending.original
        if (
            pending.callback_type == DEFERRED_MESSAGE
            and original is not None
            and original.flags & LOADING
        ):
            # The first followup after a "thinking" deferral fills the deferred message.
            self.messages.edit(
                original, {k: v for k, v in payload.items() if k != "flags"}, uploads
            )
            original.edited_at = None
            message = original
        else:
            flags = int(payload.get("flags") or 0)
            message = self._new_message(pending, payload, uploads, flags & EPHEMERAL)
        pending.followups.append(message)
        pending.show(message)
        pending.touch()
        return message

    def find_message(
        self, application_id: int, token: str, message_id: str
    ) -> tuple[PendingInteraction, Message]:
        pending = self._by_token(application_id, token)
        if message_id == "@original":
            message = pending.original
        else:
            message = next(
                (
                    m
                    for m in [pending.original, *pending.followups]
                    if m and str(m.id) == message_id
                ),
                None,
            )
        if message is None or message.deleted:
            raise ApiError(404, UNKNOWN_MESSAGE, "Unknown Message")
        return pending, message

    def edit(
        self, application_id: int, token: str, message_id: str, payload: JSON, uploads: list[Upload]
    ) -> Message:
        pending, message = self.find_message(application_id, token, message_id)
        self.messages.edit(message, payload, uploads)
        pending.edit_count += 1
        pending.show(message)
        pending.touch()
        return message

    def delete(self, application_id: int, token: str, message_id: str) -> None:
        pending, message = self.find_message(application_id, token, message_id)
        self.messages.delete(message)
        pending.touch()


def now_iso() -> str:
    return utcnow().isoformat()
