"""The sandbox Discord in a process of its own, acted on over HTTP by a load generator.

    python -m bench.sandbox_service [--members 50] [--guild-id G] [--member-ids a,b]

It builds one guild with a #general and numbered members, then prints one JSON line on stdout:
the REST and gateway addresses and token a bot is pointed at, the control address, and the ids
of the guild, the channel, the owner and the members. The control API (JSON over HTTP):

    POST /ready   {"timeout": 60}         → once the bot identified and synced its commands
    POST /invoke  {"path": "/nexus ping", "as": user_id, "options": {...},
                   "click": "label" | null, "followups": 0}
                  → {"ack": s, "reply": s, "text": "…"}   (400 {"error": "…"} on a failure)

`ack` is INTERACTION_CREATE sent → the first callback (as `bench.harness.drive` measures);
`reply` is sent → the reply visible (with `followups`, the n-th followup; with `click`, the
button pressed on the reply, then its first followup or callback). An option value
`{"channel": id}` or `{"user": id}` stands for that channel or user.

Running the sandbox apart keeps its work out of the load generator's process and out of the
bot's: each of the three shows its own CPU time (bench.latency reads it per process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bench.harness import guild_with_id
from bot.sandbox import SandboxError, SandboxServer

if TYPE_CHECKING:
    from bot.sandbox.interactions.result import InteractionResult
    from bot.sandbox.model import Channel, Guild

JSON = dict[str, Any]
CLICK_AFTER_SECONDS = 0.05


class Service:
    """The sandbox, one guild, and the control routes that act in it."""

    def __init__(self, server: SandboxServer, guild: Guild, channel: Channel) -> None:
        self.server = server
        self.guild = guild
        self.channel = channel
        self.runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/ready", self.ready)
        app.router.add_post("/invoke", self.invoke)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = next(int(a[1]) for a in self.runner.addresses if isinstance(a, tuple))
        return f"http://127.0.0.1:{port}"

    async def ready(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            await self.server.wait_until_ready(timeout=float(body.get("timeout", 60)))
        except SandboxError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ready": True})

    async def invoke(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            return web.json_response(await self._act(body))
        except SandboxError as exc:
            return web.json_response({"error": f"{body.get('path')}: {exc}"}, status=400)

    async def _act(self, body: JSON) -> JSON:
        path = str(body["path"])
        user = self._user(body["as"])
        options = {name: self._value(value) for name, value in (body.get("options") or {}).items()}
        result = await self.server.invoke(
            path, user=user, guild=self.guild, channel=self.channel, quiet=0, options=options
        )
        sent = result.pending.sent_at
        if result.latency is None:
            raise SandboxError("no callback")
        ack = result.latency
        followups = int(body.get("followups") or 0)
        if followups:
            await result.followups(followups)
        label = body.get("click")
        if label:
            result = await self._click(result, str(label), user)
        return {"ack": ack, "reply": time.perf_counter() - sent, "text": result.text}

    async def _click(self, result: InteractionResult, label: str, user: Any) -> InteractionResult:
        """Press `label` on the reply; done once the click's answer (or first followup) is in."""
        message, button = result.find_button(label)
        # As a person would, a moment after the prompt shows: discord.py registers a message's
        # view once the HTTP call that sent the message has returned, and the sandbox shows the
        # message before that reply reaches the bot, so a click sent at once can find no view.
        await asyncio.sleep(CLICK_AFTER_SECONDS)
        clicked = await self.server.send_component(
            message, {"custom_id": button["custom_id"], "component_type": 2}, user=user, quiet=0
        )
        if clicked.deferred:
            await clicked.followups(1)
        return clicked

    def _user(self, ident: object) -> Any:
        user = self.server.state.users.get(int(str(ident)))
        if user is None:
            raise SandboxError(f"no user {ident}")
        return user

    def _value(self, value: object) -> object:
        if isinstance(value, dict) and "channel" in value:
            channel = self.server.state.channels.get(int(value["channel"]))
            if channel is None:
                raise SandboxError(f"no channel {value['channel']}")
            return channel
        if isinstance(value, dict) and "user" in value:
            return self._user(value["user"])
        return value


def build(server: SandboxServer, args: argparse.Namespace) -> tuple[Guild, Channel, list[int]]:
    """The guild (with the seeded database's id when given), its #general and the members."""
    if args.guild_id:
        guild = guild_with_id(server, "Bench", args.guild_id)
    else:
        guild = server.create_guild("Bench")
    channel = guild.get_channel("general") or guild.create_channel("general")
    members = []
    for number in range(args.members):
        user = server.create_user(f"member{number}")
        guild.add_member(user)
        members.append(user.id)
    for ident in args.member_ids:
        user = server.state.create_user(f"seeded{ident}", ident=ident)
        guild.add_member(user)
        members.append(user.id)
    return guild, channel, members


async def serve(args: argparse.Namespace) -> None:
    server = SandboxServer()
    await server.start()
    guild, channel, members = build(server, args)
    service = Service(server, guild, channel)
    control = await service.start()
    info = {
        "api_url": server.api_url,
        "gateway_url": server.gateway_url,
        "token": server.bot_token,
        "control": control,
        "guild": guild.id,
        "channel": channel.id,
        "owner": server.state.owner.id,
        "members": members,
    }
    print(json.dumps(info), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    if service.runner is not None:
        await service.runner.cleanup()
    await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--guild-id", type=int, default=None)
    parser.add_argument(
        "--member-ids",
        type=lambda text: [int(part) for part in text.split(",") if part],
        default=[],
        help="members with these ids (a seeded database's), after the numbered ones",
    )
    asyncio.run(serve(parser.parse_args()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
