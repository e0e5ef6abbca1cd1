"""A local Discord-compatible server (REST + gateway) for offline runs and end-to-end tests.

Point an unmodified discord.py client at ``SandboxServer.api_url`` / ``gateway_url`` and drive it
with ``server.invoke(...)``, ``result.click(...)``, ``result.submit_modal(...)`` and friends.
"""

from __future__ import annotations

from bot.sandbox.attachments import Attachment
from bot.sandbox.errors import ApiError, SandboxError
from bot.sandbox.interactions.modals import Modal
from bot.sandbox.interactions.pending import LateAck
from bot.sandbox.interactions.result import InteractionResult
from bot.sandbox.mentions import Pinged
from bot.sandbox.model import Channel, Guild, Message
from bot.sandbox.permissions import Perm, Role
from bot.sandbox.server import SandboxServer
from bot.sandbox.users import Member, User

__all__ = [
    "ApiError",
    "Attachment",
    "Channel",
    "Guild",
    "InteractionResult",
    "LateAck",
    "Member",
    "Message",
    "Modal",
    "Perm",
    "Pinged",
    "Role",
    "SandboxError",
    "SandboxServer",
    "User",
]
