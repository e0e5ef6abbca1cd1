"""``InteractionHub``: the server side of interactions, by id and token.

It takes the bot's callbacks, followups and @original edits, and enforces Discord's rules: the
3 s acknowledgement deadline, the 15 minute token and a single acknowledgement.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import (
    ALREADY_ACKNOWLEDGED,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    invalid_form,
)
from bot.sandbox.interactions.cpu_wait import cpu_wait_seconds
from bot.sandbox.interactions.pending import (
    ALLOWED_CALLBACKS,
    AUTOCOMPLETE_RESULT,
    DEFERRED_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE_RESPONSE,
    UPDATE_MESSAGE,
    LateAck,
    PendingInteraction,
)
from bot.sandbox.kinds import EPHEMERAL, LOADING
from bot.sandbox.model import Message
from bot.sandbox.payloads import message_payload

if TYPE_CHECKING:
    from bot.sandbox.messages import MessageService, Upload

JSON = dict[str, Any]


class InteractionHub:
    """Server side of interactions: callbacks, followups and @original edits, by id/token."""

    def __init__(self, messages: MessageService, *, application_id: int) -> None:
        self.messages = messages
        self.application_id = application_id
        self.by_id: dict[int, PendingInteraction] = {}
        self.by_token: dict[str, PendingInteraction] = {}
        self.late_acks: list[LateAck] = []
        self.ack_deadline = 3.0
        # True where the bot runs in this process, on this event loop (the tests): the time the
        # loop's thread waited for a CPU is then not held against the deadline (cpu_wait.py).
        self.excuse_cpu_wait = False
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
        waited = cpu_wait_seconds() - pending.cpu_wait_at_send if self.excuse_cpu_wait else 0.0
        if elapsed - waited > self.ack_deadline:
            pending.late = LateAck(pending.id, pending.name, elapsed, waited)
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
        pending.cpu_waited = waited
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
            message = Message(
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
