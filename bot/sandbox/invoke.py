"""Building INTERACTION_CREATE payloads the way a Discord client would.

Commands are resolved against what the bot synced, and options are checked against that schema
before anything is sent, so a test that names a wrong option fails loudly and at once.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from bot.sandbox.attachments import Attachment
from bot.sandbox.contexts import check_context, context_of, integration_owners
from bot.sandbox.errors import SandboxError
from bot.sandbox.kinds import THREAD_TYPES
from bot.sandbox.model import Channel
from bot.sandbox.permissions import Role
from bot.sandbox.users import Member, User

if TYPE_CHECKING:
    from bot.sandbox.model import Guild
    from bot.sandbox.state import SandboxState

JSON = dict[str, Any]

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class InteractionBuilder:
    """Turns a test's intent (``/snippet search query=…``) into Discord's interaction payloads."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # -- commands ------------------------------------------------------------------------------

    def find_command(self, name: str, kind: int, guild: Guild | None) -> tuple[JSON, int | None]:
        """A synced command by name and type; guild commands shadow global ones."""
        if guild is not None:
            for command in self.state.guild_commands.get(guild.id, []):
                if command["name"] == name and command.get("type", 1) == kind:
                    return command, guild.id
        for command in self.state.global_commands:
            if command["name"] == name and command.get("type", 1) == kind:
                return command, None
        known = sorted(
            c["name"]
            for c in [
                *self.state.global_commands,
                *self.state.guild_commands.get(guild.id if guild else 0, []),
            ]
            if c.get("type", 1) == kind
        )
        raise SandboxError(f"no synced command {name!r} (type {kind}); synced: {known}")

    def synced_command(self, command_id: object) -> JSON | None:
        """The synced command with this id (a command's interaction data names it)."""
        scopes = [self.state.global_commands, *self.state.guild_commands.values()]
        return next((c for s in scopes for c in s if command_id and c["id"] == command_id), None)

    def resolve_path(
        self, path: str, guild: Guild | None
    ) -> tuple[JSON, int | None, list[tuple[str, int]], list[JSON]]:
        """Command, its guild, the subcommand wrappers and the leaf options of ``/a b c``."""
        parts = path.strip().lstrip("/").split()
        if not parts:
            raise SandboxError("empty command path")
        command, guild_id = self.find_command(parts[0], 1, guild)
        schema: list[JSON] = command.get("options") or []
        wrappers: list[tuple[str, int]] = []
        for part in parts[1:]:
            nested = [o for o in schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            node = next((o for o in nested if o["name"] == part), None)
            if node is None:
                names = [o["name"] for o in nested]
                raise SandboxError(f"/{parts[0]} has no subcommand {part!r}; it has {names}")
            wrappers.append((part, node["type"]))
            schema = node.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
            names = [o["name"] for o in schema]
            raise SandboxError(f"{path!r} is incomplete: choose one of {names}")
        return command, guild_id, wrappers, schema

    def command_data(
        self,
        path: str,
        guild: Guild | None,
        channel: Channel,
        user: User,
        options: dict[str, Any],
        *,
        focused: str | None = None,
    ) -> JSON:
        """``data`` of a chat-input interaction: nested options and resolved objects."""
        command, guild_id, wrappers, schema = self.resolve_path(path, guild)
        self.check_usable(command, guild, channel, user)
        resolved: JSON = {}
        values = self.convert_options(schema, options, resolved, guild, channel, focused=focused)
        for name, kind in reversed(wrappers):
            values = [{"name": name, "type": kind, "options": values}]
        data: JSON = {"id": command["id"], "name": command["name"], "type": 1, "options": values}
        if resolved:
            data["resolved"] = resolved
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return data

    def check_usable(
        self, command: JSON, guild: Guild | None, channel: Channel, user: User
    ) -> None:
        """Discord offers a command only in its contexts, through an installation the user
        has there, and hides it from members lacking ``default_member_permissions``."""
        check_context(command, channel, user, self.state.installs)
        required = command.get("default_member_permissions")
        if guild is None or required is None:
            return
        perms = guild.permissions_for(user.id, channel)
        if int(required) & ~perms and not perms & (1 << 3):
            raise SandboxError(
                f"{user.name} cannot see /{command['name']}: needs permissions {int(required)}"
            )

    def convert_options(
        self,
        schema: list[JSON],
        given: dict[str, Any],
        resolved: JSON,
        guild: Guild | None,
        channel: Channel,
        *,
        focused: str | None = None,
    ) -> list[JSON]:
        by_name = {o["name"]: o for o in schema}
        unknown = [name for name in given if name not in by_name]
        if unknown:
            raise SandboxError(f"unknown option(s) {unknown}; the command takes {list(by_name)}")
        missing = [
            o["name"]
            for o in schema
            if o.get("required") and o["name"] not in given and focused is None
        ]
        if missing:
            raise SandboxError(f"missing required option(s) {missing}")
        out: list[JSON] = []
        for option in schema:
            name = option["name"]
            if name not in given:
                continue
            if name == focused:
                out.append(
                    {
                        "name": name,
                        "type": option["type"],
                        "value": str(given[name]),
                        "focused": True,
                    }
                )
                continue
            value = self._convert(option, given[name], resolved, guild, channel)
            out.append({"name": name, "type": option["type"], "value": value})
        return out

    def _convert(
        self, option: JSON, value: Any, resolved: JSON, guild: Guild | None, channel: Channel
    ) -> Any:
        kind = option["type"]
        name = option["name"]
        if kind == STRING:
            converted: Any = str(value)
            _check_length(name, converted, option)
        elif kind == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise SandboxError(f"option {name!r} needs an integer, got {value!r}")
            converted = int(value)
            _check_range(name, converted, option)
        elif kind == NUMBER:
            converted = float(value)
            _check_range(name, converted, option)
        elif kind == BOOLEAN:
            if not isinstance(value, bool):
                raise SandboxError(f"option {name!r} needs a bool, got {value!r}")
            converted = value
        elif kind in (USER, MENTIONABLE) and isinstance(value, User | Member):
            converted = self._resolve_user(value, resolved, guild, channel)
        elif kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
            resolved.setdefault("roles", {})[str(value.id)] = value.to_payload()
            converted = str(value.id)
        elif kind == CHANNEL and isinstance(value, Channel):
            self._check_channel_type(name, value, option)
            resolved.setdefault("channels", {})[str(value.id)] = self.resolved_channel(value, None)
            converted = str(value.id)
        elif kind == ATTACHMENT and isinstance(value, Attachment):
            stored = self.state.store_attachment(value)
            resolved.setdefault("attachments", {})[str(stored.id)] = stored.to_payload()
            converted = str(stored.id)
        else:
            raise SandboxError(f"option {name!r} (type {kind}) cannot take {value!r}")
        choices = option.get("choices")
        if choices and converted not in [c["value"] for c in choices]:
            raise SandboxError(
                f"option {name!r} must be one of {[c['value'] for c in choices]}, got {converted!r}"
            )
        return converted

    def _resolve_user(
        self, value: User | Member, resolved: JSON, guild: Guild | None, channel: Channel
    ) -> str:
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = user.to_payload()
        if guild is not None and user.id in guild.members:
            member = guild.members[user.id].to_payload(with_user=False)
            member["permissions"] = str(guild.permissions_for(user.id, channel))
            resolved.setdefault("members", {})[str(user.id)] = member
        return str(user.id)

    @staticmethod
    def _check_channel_type(name: str, channel: Channel, option: JSON) -> None:
        allowed = option.get("channel_types")
        if allowed and channel.type not in allowed:
            raise SandboxError(
                f"option {name!r} accepts channel types {allowed}, not {channel.type}"
            )

    def resolved_channel(self, channel: Channel, user: User | None) -> JSON:
        payload = channel.to_payload()
        perms = 0
        if channel.guild is not None:
            perms = channel.guild.permissions_for(
                user.id if user else self.state.bot_user.id, channel
            )
        payload["permissions"] = str(perms)
        return payload

    # -- the envelope --------------------------------------------------------------------------

    def envelope(
        self,
        kind: int,
        data: JSON,
        user: User,
        guild: Guild | None,
        channel: Channel,
        *,
        locale: str = "en-US",
        command: JSON | None = None,
    ) -> JSON:
        """The fields every interaction carries: who, where, with what permissions, and through
        which installation (``command``: the one invoked, else its installations are taken as
        the guild's and the user's own where they apply)."""
        payload: JSON = {
            "id": str(self.state.snowflakes.next()),
            "application_id": str(self.state.application_id),
            "type": kind,
            "data": data,
            "token": "sandbox-" + secrets.token_urlsafe(48),
            "version": 1,
            "channel_id": str(channel.id),
            "channel": self.resolved_channel(channel, user),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        command = command or self.synced_command(data.get("id"))
        owners = integration_owners(command, guild, channel, user, self.state.installs)
        if guild is None:
            # Outside a server Discord sends ``user`` instead of ``member`` and no guild id.
            payload.update(
                user=user.to_payload(),
                context=context_of(channel),
                app_permissions=str(0b1111111111111111),
                authorizing_integration_owners=owners,
            )
            return payload
        member = guild.members.get(user.id)
        if member is None:
            raise SandboxError(f"{user.name} is not a member of guild {guild.name!r}")
        member_payload = member.to_payload()
        member_payload["permissions"] = str(guild.permissions_for(user.id, channel))
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.locale, "features": []},
            guild_locale=guild.locale,
            member=member_payload,
            app_permissions=str(guild.permissions_for(self.state.bot_user.id, channel)),
            authorizing_integration_owners=owners,
            context=context_of(channel),
        )
        return payload

    def select_data(
        self, component: JSON, values: list[Any], guild: Guild | None, channel: Channel
    ) -> JSON:
        """``data`` of a select-menu interaction; entity selects carry resolved objects."""
        kind = int(component["type"])
        data: JSON = {"custom_id": component["custom_id"], "component_type": kind}
        if kind == 3:
            allowed = [str(o.get("value")) for o in component.get("options") or []]
            picked = [str(v) for v in values]
            bad = [v for v in picked if v not in allowed]
            if bad:
                raise SandboxError(
                    f"select {component['custom_id']!r} has no option(s) {bad}; options: {allowed}"
                )
            data["values"] = picked
            return data
        resolved: JSON = {}
        ids: list[str] = []
        for value in values:
            if isinstance(value, User | Member):
                ids.append(self._resolve_user(value, resolved, guild, channel))
            elif isinstance(value, Role):
                resolved.setdefault("roles", {})[str(value.id)] = value.to_payload()
                ids.append(str(value.id))
            elif isinstance(value, Channel):
                resolved.setdefault("channels", {})[str(value.id)] = self.resolved_channel(
                    value, None
                )
                ids.append(str(value.id))
            else:
                raise SandboxError(f"entity select needs users, roles or channels, got {value!r}")
        data["values"] = ids
        data["resolved"] = resolved
        return data

    def is_thread(self, channel: Channel) -> bool:
        return channel.type in THREAD_TYPES


def _check_length(name: str, value: str, option: JSON) -> None:
    low, high = option.get("min_length"), option.get("max_length")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        raise SandboxError(f"option {name!r} length must be within [{low}, {high}]")


def _check_range(name: str, value: float, option: JSON) -> None:
    low, high = option.get("min_value"), option.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SandboxError(f"option {name!r} must be within [{low}, {high}], got {value}")
