"""Acting as Discord's users: commands, context menus, autocomplete, buttons, selects, modals,
messages and reactions, each sent to the bot the way Discord would send it.

``SandboxServer`` mixes this in; the attributes below are the server's.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import SandboxError
from bot.sandbox.forum_posts import create_post
from bot.sandbox.interactions.cpu_wait import cpu_wait_seconds
from bot.sandbox.interactions.pending import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    COMPONENT,
    MODAL_SUBMIT,
    PendingInteraction,
)
from bot.sandbox.interactions.result import InteractionResult
from bot.sandbox.messages import Upload
from bot.sandbox.payloads import message_payload, reaction_event

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.sandbox.attachments import Attachment
    from bot.sandbox.gateway import Gateway
    from bot.sandbox.interactions.hub import InteractionHub
    from bot.sandbox.invoke import InteractionBuilder
    from bot.sandbox.messages import MessageService
    from bot.sandbox.model import Channel, Guild, Message
    from bot.sandbox.state import SandboxState
    from bot.sandbox.users import Member, User

JSON = dict[str, Any]


class ActingAsUsers:
    """What people do in the sandbox Discord, as the bot receives it."""

    state: SandboxState
    builder: InteractionBuilder
    hub: InteractionHub
    gateway: Gateway
    messages: MessageService

    def dispatch(self, event: str, data: JSON, guild_id: int | None = None) -> None:
        raise NotImplementedError

    def _where(
        self, user: User, guild: Guild | None, channel: Channel | None
    ) -> tuple[Guild | None, Channel]:
        if channel is not None:
            return channel.guild, channel
        if guild is None and len(self.state.guilds) == 1:
            guild = next(iter(self.state.guilds.values()))
        if guild is None:
            return None, self.state.dm_channel(user)
        text = guild.text_channels
        if not text:
            raise SandboxError(f"guild {guild.name!r} has no text channel to invoke in")
        return guild, text[0]

    async def _send(
        self,
        kind: int,
        data: JSON,
        *,
        user: User,
        guild: Guild | None,
        channel: Channel,
        name: str,
        source: Message | None = None,
        timeout: float,
        quiet: float,
        locale: str = "en-US",
    ) -> InteractionResult:
        if kind not in (APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT):
            raise SandboxError(f"interaction type {kind} cannot be sent over the gateway")
        payload = self.builder.envelope(kind, data, user, guild, channel, locale=locale)
        if source is not None:
            payload["message"] = message_payload(source)
        pending = PendingInteraction(
            id=int(payload["id"]),
            token=payload["token"],
            type=kind,
            name=name,
            payload=payload,
            user=user,
            guild=guild,
            channel=channel,
            source_message=source,
        )
        self.hub.register(pending)
        if (
            self.gateway.dispatch_one("INTERACTION_CREATE", payload, guild.id if guild else None)
            is None
        ):
            raise SandboxError("no bot is connected to the sandbox gateway")
        pending.sent_at = time.perf_counter()
        # A read of /proc per interaction: only where the deadline excuses the wait.
        if self.hub.excuse_cpu_wait:
            pending.cpu_wait_at_send = cpu_wait_seconds()
        return await InteractionResult(self, pending).settle(timeout, quiet)

    async def invoke(
        self,
        path: str,
        *,
        user: User,
        guild: Guild | None = None,
        channel: Channel | None = None,
        timeout: float = 10.0,
        quiet: float = 0.05,
        locale: str = "en-US",
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> InteractionResult:
        """Run a slash command (``"/snippet search"``) as ``user`` with options as keywords.

        Options whose names clash with this method's own parameters (``user``, ``channel``…)
        go in ``options={"user": bob}``.
        """
        guild, channel = self._where(user, guild, channel)
        given = {**(options or {}), **kwargs}
        data = self.builder.command_data(path, guild, channel, user, given)
        return await self._send(
            APPLICATION_COMMAND,
            data,
            user=user,
            guild=guild,
            channel=channel,
            name=path,
            timeout=timeout,
            quiet=quiet,
            locale=locale,
        )

    async def invoke_message_command(
        self,
        name: str,
        *,
        message: Message,
        user: User,
        timeout: float = 10.0,
        quiet: float = 0.05,
    ) -> InteractionResult:
        """Run a message context-menu command on ``message``."""
        resolved: JSON = {"messages": {str(message.id): message_payload(message)}}
        return await self._invoke_context_menu(
            name,
            3,
            str(message.id),
            resolved,
            user=user,
            guild=message.channel.guild,
            channel=message.channel,
            timeout=timeout,
            quiet=quiet,
        )

    async def invoke_user_command(
        self,
        name: str,
        *,
        target: User | Member,
        user: User,
        guild: Guild | None = None,
        channel: Channel | None = None,
        timeout: float = 10.0,
        quiet: float = 0.05,
    ) -> InteractionResult:
        """Run a user context-menu command on ``target``."""
        guild, channel = self._where(user, guild, channel)
        resolved: JSON = {}
        target_id = self.builder._resolve_user(target, resolved, guild, channel)
        return await self._invoke_context_menu(
            name,
            2,
            target_id,
            resolved,
            user=user,
            guild=guild,
            channel=channel,
            timeout=timeout,
            quiet=quiet,
        )

    async def _invoke_context_menu(
        self,
        name: str,
        kind: int,
        target_id: str,
        resolved: JSON,
        *,
        user: User,
        guild: Guild | None,
        channel: Channel,
        timeout: float,
        quiet: float,
    ) -> InteractionResult:
        """Send a context-menu command (kind 2: user, 3: message) aimed at ``target_id``."""
        command, guild_id = self.builder.find_command(name, kind, guild)
        self.builder.check_usable(command, guild, channel, user)
        data: JSON = {
            "id": command["id"],
            "name": command["name"],
            "type": kind,
            "target_id": target_id,
            "resolved": resolved,
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return await self._send(
            APPLICATION_COMMAND,
            data,
            user=user,
            guild=guild,
            channel=channel,
            name=name,
            timeout=timeout,
            quiet=quiet,
        )

    async def autocomplete(
        self,
        path: str,
        option: str,
        value: str,
        *,
        user: User,
        guild: Guild | None = None,
        channel: Channel | None = None,
        timeout: float = 5.0,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[JSON]:
        """Type ``value`` into ``option`` of ``path``; returns the bot's choices.

        Other options already filled in go as keywords, or in ``options={...}`` on a name clash.
        """
        result = await self.send_autocomplete(
            path,
            option,
            value,
            user=user,
            guild=guild,
            channel=channel,
            timeout=timeout,
            options={**(options or {}), **kwargs},
        )
        return result.choices

    async def send_autocomplete(
        self,
        path: str,
        option: str,
        value: str,
        *,
        user: User,
        guild: Guild | None = None,
        channel: Channel | None = None,
        timeout: float = 5.0,
        options: dict[str, Any] | None = None,
    ) -> InteractionResult:
        """As :meth:`autocomplete`, but the whole result (latency, interaction id, choices)."""
        guild, channel = self._where(user, guild, channel)
        given = {**(options or {}), option: value}
        data = self.builder.command_data(path, guild, channel, user, given, focused=option)
        return await self._send(
            AUTOCOMPLETE,
            data,
            user=user,
            guild=guild,
            channel=channel,
            name=f"{path} [{option}]",
            timeout=timeout,
            quiet=0,
        )

    async def send_component(
        self,
        message: Message,
        data: JSON,
        *,
        user: User,
        timeout: float = 10.0,
        quiet: float = 0.05,
    ) -> InteractionResult:
        """A component interaction (button or select) on ``message``."""
        return await self._send(
            COMPONENT,
            data,
            user=user,
            guild=message.channel.guild,
            channel=message.channel,
            name=f"component {data['custom_id']}",
            source=message,
            timeout=timeout,
            quiet=quiet,
        )

    def select_data(self, component: JSON, values: list[Any], message: Message) -> JSON:
        return self.builder.select_data(component, values, message.channel.guild, message.channel)

    async def send_modal_submit(
        self,
        opened_by: PendingInteraction,
        data: JSON,
        *,
        user: User,
        timeout: float = 10.0,
        quiet: float = 0.05,
    ) -> InteractionResult:
        return await self._send(
            MODAL_SUBMIT,
            data,
            user=user,
            guild=opened_by.guild,
            channel=opened_by.channel,
            name=f"modal {data['custom_id']}",
            source=opened_by.source_message,
            timeout=timeout,
            quiet=quiet,
        )

    def install_app(self, user: User) -> None:
        """``user`` adds the app to their account: its user-installable commands follow them
        into DMs and private channels (group DMs)."""
        self.state.installs.install_for(user)

    def create_group_dm(self, owner: User, *others: User, name: str = "") -> Channel:
        """A private channel of people, without the bot (see ``bot.sandbox.contexts``)."""
        return self.state.group_dm(owner, *others, name=name)

    def send_user_message(
        self,
        channel: Channel,
        user: User,
        content: str = "",
        *,
        attachments: Iterable[Attachment] = (),
        embeds: list[JSON] | None = None,
        reply_to: Message | None = None,
    ) -> Message:
        """``user`` posts a message in ``channel`` (MESSAGE_CREATE is dispatched)."""
        payload: JSON = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            payload["message_reference"] = {"message_id": str(reply_to.id)}
        uploads = [
            Upload(index, a.filename, a.data, a.content_type) for index, a in enumerate(attachments)
        ]
        return self.messages.create(channel, user, payload, uploads)

    def create_forum_post(
        self, forum: Channel, user: User, title: str, content: str, *, tags: Iterable[str] = ()
    ) -> tuple[Channel, Message]:
        """``user`` makes a post in ``forum`` with the named tags (THREAD_CREATE, then the
        first message's MESSAGE_CREATE, are dispatched)."""
        tag_ids = [self.state.forums.tag_named(forum.id, name) for name in tags]
        body: JSON = {
            "name": title,
            "message": {"content": content},
            "applied_tags": [str(tag.id) for tag in tag_ids if tag is not None],
        }
        return create_post(self.messages, forum, user, body)

    def add_reaction(self, message: Message, user: User, emoji: str) -> None:
        """``user`` reacts to ``message`` (MESSAGE_REACTION_ADD is dispatched)."""
        message.reactions.setdefault(emoji, set()).add(user.id)
        event = reaction_event(message, user.id, emoji)
        self.dispatch("MESSAGE_REACTION_ADD", event, message.guild_id)
