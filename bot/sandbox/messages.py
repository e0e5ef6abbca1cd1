"""Creating, editing and deleting messages: shared by channel routes, interactions and tests.

Every change is validated like Discord validates it and announced on the gateway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.attachments import Attachment
from bot.sandbox.errors import ApiError, invalid_form
from bot.sandbox.kinds import EPHEMERAL, GROUP_DM, LOADING
from bot.sandbox.message_validation import is_empty_message, validate_message
from bot.sandbox.model import Channel, Message
from bot.sandbox.payloads import message_payload
from bot.sandbox.snowflakes import utcnow
from bot.sandbox.users import User

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiohttp import web

    from bot.sandbox.state import SandboxState

JSON = dict[str, Any]

# Flags a bot may set on a message it sends (ephemeral only through interactions).
SETTABLE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15)


@dataclass
class Upload:
    """A file part (``files[n]``) of a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str | None


async def read_body(request: web.Request) -> tuple[JSON, list[Upload]]:
    """The JSON payload and the uploaded files, for JSON and multipart/form-data bodies."""
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    if not request.can_read_body:
        return {}, []
    raw = await request.read()
    if not raw:
        return {}, []
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from exc
    return (body if isinstance(body, dict) else {"__list__": body}), []


async def _read_multipart(request: web.Request) -> tuple[JSON, list[Upload]]:
    payload: JSON = {}
    uploads: list[Upload] = []
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        name = getattr(part, "name", None) or ""
        data = await part.read()  # type: ignore[union-attr]
        if name == "payload_json":
            payload = json.loads(data)
        elif name.startswith("files[") or getattr(part, "filename", None):
            index = int(name[6:-1]) if name.startswith("files[") else len(uploads)
            content_type = part.headers.get("Content-Type")
            uploads.append(
                Upload(
                    index,
                    getattr(part, "filename", None) or f"file{index}",
                    bytes(data),
                    content_type,
                )
            )
    return payload, uploads


class MessageService:
    """Builds :class:`Message` objects from Discord payloads and announces their changes."""

    def __init__(
        self, state: SandboxState, dispatch: Callable[[str, JSON, int | None], Any]
    ) -> None:
        self.state = state
        self.dispatch = dispatch

    def attachments_from(self, payload: JSON, uploads: list[Upload]) -> list[Attachment]:
        """New attachments: upload ``files[n]`` described by ``attachments[{id: n, …}]``."""
        described = {
            str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)
        }
        out: list[Attachment] = []
        for upload in uploads:
            meta = described.get(str(upload.index), {})
            attachment = Attachment(
                filename=str(meta.get("filename") or upload.filename),
                data=upload.data,
                content_type=upload.content_type,
                description=meta.get("description"),
            )
            out.append(self.state.store_attachment(attachment))
        return out

    def create(
        self,
        channel: Channel,
        author: User,
        payload: JSON,
        uploads: list[Upload] | None = None,
        *,
        webhook_id: int | None = None,
        message_type: int = 0,
        flags: int | None = None,
        interaction_metadata: JSON | None = None,
        announce: bool = True,
    ) -> Message:
        uploads = uploads or []
        errors = validate_message(payload, files=len(uploads))
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        if is_empty_message(payload, len(uploads)):
            raise ApiError(400, 50006, "Cannot send an empty message")
        reference = payload.get("message_reference")
        if reference is not None:
            reference = self._check_reference(channel, reference)
        if flags is None:
            flags = int(payload.get("flags") or 0) & SETTABLE_FLAGS
        message = Message(
            id=self.state.snowflakes.next(),
            channel=channel,
            author=author,
            content=str(payload.get("content") or ""),
            embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            attachments=self.attachments_from(payload, uploads),
            flags=flags,
            type=19 if reference and message_type == 0 else message_type,
            allowed_mentions=payload.get("allowed_mentions"),
            reference=reference,
            webhook_id=webhook_id,
            interaction_metadata=interaction_metadata,
            tts=bool(payload.get("tts")),
            poll=payload.get("poll"),
        )
        self._check_allowed_mentions(message.allowed_mentions)
        self.state.add_message(message)
        if announce:
            self.announce_create(message)
        return message

    def _check_reference(self, channel: Channel, reference: JSON) -> JSON:
        target = self.state.messages.get(int(reference.get("message_id") or 0))
        if target is None or target.deleted:
            if reference.get("fail_if_not_exists", True):
                raise invalid_form(
                    "message_reference",
                    code="MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    message="Unknown message",
                )
            return {}
        return {
            "type": 0,
            "message_id": str(target.id),
            "channel_id": str(target.channel.id),
            **({"guild_id": str(target.guild_id)} if target.guild_id else {}),
        }

    @staticmethod
    def _check_allowed_mentions(allowed: JSON | None) -> None:
        if not allowed:
            return
        parse = allowed.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and allowed.get(kind):
                raise invalid_form(
                    "allowed_mentions",
                    code="MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    message=f"parse {kind} and a {kind} list are mutually exclusive.",
                )

    def edit(self, message: Message, payload: JSON, uploads: list[Upload] | None = None) -> Message:
        uploads = uploads or []
        errors = validate_message(payload, files=len(uploads))
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors.tree)
        for key in ("content", "embeds", "components"):
            if key in payload and payload[key] is not None:
                setattr(message, key, payload[key] if key != "content" else str(payload[key]))
            elif key in payload:
                setattr(message, key, "" if key == "content" else [])
        if "allowed_mentions" in payload:
            message.allowed_mentions = payload["allowed_mentions"]
        if "flags" in payload and payload["flags"] is not None:
            keep = message.flags & EPHEMERAL
            message.flags = keep | (int(payload["flags"]) & SETTABLE_FLAGS)
        message.attachments = self._edited_attachments(message, payload, uploads)
        message.flags &= ~LOADING
        message.edited_at = utcnow()
        self.announce_update(message)
        return message

    def _edited_attachments(
        self, message: Message, payload: JSON, uploads: list[Upload]
    ) -> list[Attachment]:
        new = self.attachments_from(payload, uploads)
        if "attachments" not in payload:
            return message.attachments + new
        keep_ids = {
            str(a.get("id")) for a in payload.get("attachments") or [] if isinstance(a, dict)
        }
        kept = [a for a in message.attachments if str(a.id) in keep_ids]
        return kept + new

    def delete(self, message: Message) -> None:
        message.deleted = True
        if not _bot_sees(message):
            return
        payload: JSON = {"id": str(message.id), "channel_id": str(message.channel.id)}
        if message.guild_id:
            payload["guild_id"] = str(message.guild_id)
        self.dispatch("MESSAGE_DELETE", payload, message.guild_id)

    def announce_create(self, message: Message) -> None:
        """MESSAGE_CREATE to the bot (never for ephemeral messages, which only the user sees)."""
        if not _bot_sees(message):
            return
        payload = message_payload(message)
        guild = message.channel.guild
        if guild is not None and message.author.id in guild.members:
            payload["member"] = guild.members[message.author.id].to_payload(with_user=False)
        self.dispatch("MESSAGE_CREATE", payload, message.guild_id)

    def announce_update(self, message: Message) -> None:
        if not _bot_sees(message):
            return
        self.dispatch("MESSAGE_UPDATE", message_payload(message), message.guild_id)


def _bot_sees(message: Message) -> bool:
    """Ephemeral messages only their user sees; a group DM has no bot in it (the app reaches
    one through a user's installation, by interactions only)."""
    return not message.ephemeral and message.channel.type != GROUP_DM
