"""A terminal Discord: type slash commands, read the bot's replies as text, press buttons.

```
> /snippet search query:retry language:python
> /snippet share title:"hello world" file:./retry.py
> 1            (presses button [1] of the last reply)
> help         (the synced commands and their options)
> quit
```
Plain text without a leading ``/`` is posted in the channel as the user.
"""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.sandbox.attachments import Attachment
from bot.sandbox.errors import SandboxError
from bot.sandbox.invoke import (
    ATTACHMENT,
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
)
from bot.sandbox.render import clickable, render_message

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.sandbox.interactions.result import InteractionResult
    from bot.sandbox.model import Channel, Guild
    from bot.sandbox.server import SandboxServer
    from bot.sandbox.users import User

JSON = dict[str, Any]
OPTION_TYPE_NAMES = {
    3: "text",
    INTEGER: "integer",
    BOOLEAN: "true/false",
    USER: "user",
    CHANNEL: "#channel",
    ROLE: "role",
    MENTIONABLE: "user or role",
    NUMBER: "number",
    ATTACHMENT: "file path",
}


async def run_repl(
    server: SandboxServer,
    guild: Guild | None,
    channel: Channel,
    user: User,
    *,
    input_fn: Callable[[str], str] = input,
    output: Callable[[str], None] = print,
) -> None:
    """Read commands from ``input_fn`` until ``quit`` or EOF, acting as ``user`` in ``channel``.

    ``input_fn`` runs in a worker thread (``asyncio.to_thread``) so the event loop — and with it
    the bot and the sandbox server — keeps running while the person types.
    """
    session = ReplSession(server, guild, channel, user, ask=input_fn, output=output)
    output("Nexus sandbox — type /command option:value, a button number, 'help' or 'quit'.")
    while True:
        try:
            line = (await asyncio.to_thread(input_fn, "> ")).strip()
        except (EOFError, KeyboardInterrupt):
            break
        if line in ("quit", "exit"):
            break
        if not line:
            continue
        try:
            await session.handle(line)
        except SandboxError as exc:
            output(f"error: {exc}")


class ReplSession:
    """One person's REPL: the last reply (for button numbers) and how to read their input."""

    def __init__(
        self,
        server: SandboxServer,
        guild: Guild | None,
        channel: Channel,
        user: User,
        *,
        ask: Callable[[str], str],
        output: Callable[[str], None],
    ) -> None:
        self.server = server
        self.guild = guild
        self.channel = channel
        self.user = user
        self.ask = ask
        self.output = output
        self.last: InteractionResult | None = None

    async def handle(self, line: str) -> None:
        if line == "help":
            self.output(describe_commands(self.server, self.guild))
        elif line.isdigit():
            await self.press(int(line))
        elif line.startswith("/"):
            await self.run_command(line)
        else:
            self.server.send_user_message(self.channel, self.user, line)
            self.output("(posted)")

    async def run_command(self, line: str) -> None:
        path, options = parse_command_line(line)
        _, _, _, schema = self.server.builder.resolve_path(path, self.guild)
        values = {name: self.convert(schema, name, raw) for name, raw in options.items()}
        result = await self.server.invoke(
            path, user=self.user, guild=self.guild, channel=self.channel, **values
        )
        await self.show(result)

    async def press(self, number: int) -> None:
        if self.last is None:
            raise SandboxError("no reply with buttons yet")
        buttons = self.last.buttons
        if not 1 <= number <= len(buttons):
            raise SandboxError(f"choose a button between 1 and {len(buttons)}")
        result = await self.last.click(custom_id=buttons[number - 1]["custom_id"], user=self.user)
        await self.show(result)

    async def show(self, result: InteractionResult) -> None:
        modal = result.modal
        if modal is not None:
            await self.fill_modal(result)
            return
        self.last = result
        number = 1
        for message in result.messages:
            if message.deleted:
                continue
            marker = " (only you can see this)" if message.ephemeral else ""
            body = render_message(message, numbered_from=number)
            self.output(f"[{self.server.bot_user.name}]{marker}\n{body}")
            number += len(clickable(message.components))

    async def fill_modal(self, result: InteractionResult) -> None:
        """Ask for each field in turn; an empty answer keeps the prefilled value."""
        modal = result.modal
        assert modal is not None
        self.output(f"⧉ {modal.title}")
        values: dict[str, str] = {}
        for custom_id, info in modal.fields.items():
            prefill = info.get("value") or ""
            prompt = (
                f"  {info.get('label') or custom_id}" + (f" [{prefill}]" if prefill else "") + ": "
            )
            answer = await asyncio.to_thread(self.ask, prompt)
            values[custom_id] = answer if answer else prefill
        submitted = await result.submit_modal(values, user=self.user)
        await self.show(submitted)

    def convert(self, schema: list[JSON], name: str, raw: str) -> Any:
        """Typed option values from text: numbers, booleans, @users, #channels, roles, files."""
        option = next((o for o in schema if o["name"] == name), None)
        if option is None:
            raise SandboxError(f"unknown option {name!r}; options: {[o['name'] for o in schema]}")
        kind = option["type"]
        if kind == INTEGER:
            return int(raw)
        if kind == NUMBER:
            return float(raw)
        if kind == BOOLEAN:
            return raw.lower() in ("true", "yes", "1", "y")
        if kind == ATTACHMENT:
            path = Path(raw).expanduser()
            return Attachment(path.name, path.read_bytes())
        if kind in (USER, MENTIONABLE, ROLE, CHANNEL):
            return self.find_entity(kind, raw)
        return raw

    def find_entity(self, kind: int, raw: str) -> Any:
        name = raw.lstrip("@#")
        state = self.server.state
        if kind in (USER, MENTIONABLE):
            for candidate in state.users.values():
                if name in (candidate.name, str(candidate.id), candidate.mention):
                    return candidate
        if kind in (ROLE, MENTIONABLE) and self.guild is not None:
            role = self.guild.get_role(name)
            if role is not None:
                return role
        if kind == CHANNEL and self.guild is not None:
            channel = self.guild.get_channel(name)
            if channel is not None:
                return channel
        raise SandboxError(f"nothing called {raw!r}")


def parse_command_line(line: str) -> tuple[str, dict[str, str]]:
    """``/a b key:value key:"two words"`` → ("/a b", {"key": "value", …})."""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise SandboxError(f"cannot parse: {exc}") from exc
    path: list[str] = []
    options: dict[str, str] = {}
    for token in tokens:
        if ":" in token and not token.startswith("/"):
            key, _, value = token.partition(":")
            options[key] = value
        elif options:
            raise SandboxError(f"{token!r} comes after options; write name:value")
        else:
            path.append(token)
    return " ".join(path), options


def describe_commands(server: SandboxServer, guild: Guild | None) -> str:
    """Every synced slash command path with its options (``name:type``, ``?`` when optional)."""
    commands = list(server.commands())
    if guild is not None:
        commands += server.commands(guild)
    lines: list[str] = []
    for command in sorted(commands, key=lambda c: (c.get("type", 1), c["name"])):
        if command.get("type", 1) != 1:
            kind = "message" if command["type"] == 3 else "user"
            lines.append(f"({kind} menu) {command['name']}")
            continue
        lines.extend(_describe(f"/{command['name']}", command))
    return "\n".join(lines) or "(no commands synced yet)"


def _describe(path: str, node: JSON) -> list[str]:
    options: list[JSON] = node.get("options") or []
    nested = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if nested:
        return [line for o in nested for line in _describe(f"{path} {o['name']}", o)]
    parts = [path]
    for option in options:
        mark = "" if option.get("required") else "?"
        parts.append(f"{option['name']}{mark}:{OPTION_TYPE_NAMES.get(option['type'], '?')}")
    description = node.get("description") or ""
    return [" ".join(parts) + (f" — {description}" if description else "")]
