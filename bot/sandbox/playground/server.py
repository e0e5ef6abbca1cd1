"""The playground's HTTP side: the page, its script and style, and a small JSON API.

It listens on 127.0.0.1 only, answers only requests addressed to that host (so another site
cannot reach it by rebinding a name to 127.0.0.1), and takes actions only with the page's
token in a header, which a page of another origin cannot send without a CORS grant it never
gets. The page carries Nexus's Content-Security-Policy: no inline script, no other origin.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import jinja2
from aiohttp import web

from bot.sandbox.errors import SandboxError
from bot.sandbox.kinds import DM
from bot.sandbox.playground.actions import PlaygroundActions
from bot.web.pages.headers import PAGE_HEADERS

if TYPE_CHECKING:
    from bot.sandbox.model import Channel, Guild
    from bot.sandbox.server import SandboxServer
    from bot.sandbox.users import User

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HERE: Final = Path(__file__).parent
STATIC: Final = {
    "playground.js": (HERE / "static" / "playground.js", "text/javascript"),
    "playground.css": (HERE / "static" / "playground.css", "text/css"),
    # Nexus's own icon, as its web pages show it.
    "favicon.svg": (
        HERE.parent.parent / "web" / "pages" / "static" / "favicon.svg",
        "image/svg+xml",
    ),
}
TOKEN_HEADER: Final = "X-Playground-Token"


class Playground:
    """The sandbox guild in a browser, acting as any of its members."""

    def __init__(
        self, server: SandboxServer, guild: Guild, channel: Channel, you: User, *, port: int = 0
    ) -> None:
        self.actions = PlaygroundActions(server, guild)
        self.guild = guild
        self.start_channel = channel
        self.you = you
        self.port = port
        self.token = secrets.token_urlsafe(32)
        self._runner: web.AppRunner | None = None
        self._templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> Playground:
        app = web.Application(middlewares=[self._guard], client_max_size=256 * 1024)
        app.router.add_get("/", self.page)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/state", self.state)
        app.router.add_get("/api/commands", self.commands)
        app.router.add_post("/api/invoke", self.invoke)
        app.router.add_post("/api/say", self.say)
        app.router.add_post("/api/menu", self.menu)
        app.router.add_post("/api/autocomplete", self.autocomplete)
        app.router.add_post("/api/click", self.click)
        app.router.add_post("/api/select", self.select)
        app.router.add_post("/api/modal", self.modal)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = next(
            int(a[1]) for a in self._runner.addresses if isinstance(a, tuple) and len(a) >= 2
        )
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.host not in (f"127.0.0.1:{self.port}", f"localhost:{self.port}"):
            return web.Response(status=421, text="This playground answers on 127.0.0.1 only.")
        if request.method == "POST" and not secrets.compare_digest(
            request.headers.get(TOKEN_HEADER, ""), self.token
        ):
            return web.json_response({"error": "Reload the page and try again."}, status=403)
        try:
            response = await handler(request)
        except SandboxError as exc:
            response = web.json_response({"error": str(exc)}, status=400)
        response.headers.update(PAGE_HEADERS)
        return response

    # -- the page ------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        """The page with the chosen channel's messages, readable before the script runs."""
        actions = self.actions
        try:
            user = actions.member(request.query.get("as") or self.you.id)
            channel = actions.channel(request.query.get("channel") or self.start_channel.id, user)
        except SandboxError as exc:
            return web.Response(status=404, text=f"{exc}. Open {self.url} to start over.")
        view = actions.view(user)
        html = self._templates.get_template("playground.html").render(
            guild=self.guild.name,
            token=self.token,
            user_id=str(user.id),
            channel_id=request.query.get("channel") or str(channel.id),
            channel_name=self.title(channel),
            direct=channel.type == DM,
            members=actions.members(),
            channels=view.channels(),
            messages=view.messages(channel),
        )
        return web.Response(text=html, content_type="text/html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        path, content_type = STATIC[name]
        return web.Response(body=path.read_bytes(), content_type=content_type, charset="utf-8")

    def title(self, channel: Channel) -> str:
        if channel.type == DM:
            return f"{self.guild.state.bot_user.display_name} (direct messages)"
        return channel.name

    # -- the JSON API --------------------------------------------------------------------------

    async def state(self, request: web.Request) -> web.Response:
        user = self.actions.member(request.query.get("as"))
        channel = self.actions.channel(request.query.get("channel"), user)
        view = self.actions.view(user)
        return web.json_response(
            {
                "guild": self.guild.name,
                "channels": view.channels(),
                "channel": {"name": self.title(channel), "direct": channel.type == DM},
                "messages": view.messages(channel),
            }
        )

    async def commands(self, request: web.Request) -> web.Response:
        user = self.actions.member(request.query.get("as"))
        channel = self.actions.channel(request.query.get("channel"), user)
        view = self.actions.view(user)
        return web.json_response(
            {
                "commands": self.actions.commands(user, channel),
                "message_menus": self.actions.message_menus(user, channel),
                "pickers": {
                    kind: view.entities(kind) for kind in ("user", "role", "mentionable", "channel")
                },
            }
        )

    async def invoke(self, request: web.Request) -> web.Response:
        body, user = await self._acting(request)
        channel = self.actions.channel(body.get("channel"), user)
        outcome = await self.actions.invoke(user, channel, str(body.get("line") or ""))
        return web.json_response(outcome)

    async def say(self, request: web.Request) -> web.Response:
        body, user = await self._acting(request)
        channel = self.actions.channel(body.get("channel"), user)
        self.actions.say(user, channel, str(body.get("text") or ""))
        return web.json_response({"modal": None})

    async def menu(self, request: web.Request) -> web.Response:
        body, user = await self._acting(request)
        message = self.actions.message(user, body.get("message"))
        outcome = await self.actions.message_menu(user, message, str(body.get("name") or ""))
        return web.json_response(outcome)

    async def autocomplete(self, request: web.Request) -> web.Response:
        body, user = await self._acting(request)
        channel = self.actions.channel(body.get("channel"), user)
        choices = await self.actions.autocomplete(
            user,
            channel,
            str(body.get("path") or ""),
            str(body.get("option") or ""),
            _object(body.get("options")),
        )
        return web.json_response({"choices": choices})

    async def click(self, request: web.Request) -> web.Response:
        body, user = await self._acting(request)
        message = self.actions.message(user, body.get("message"))
        outcome = await self.actions.click(user, message, str(body.get("custom_id") or ""))
        return web.json_response(outcome)

    async def select(self, request: web.Request) -> web.Response:
        body, user = await self._acting(request)
        message = self.actions.message(user, body.get("message"))
        values = body.get("values")
        if not isinstance(values, list):
            raise SandboxError("choose at least one option")
        outcome = await self.actions.select(
            user, message, str(body.get("custom_id") or ""), [str(v) for v in values]
        )
        return web.json_response(outcome)

    async def modal(self, request: web.Request) -> web.Response:
        body, user = await self._acting(request)
        outcome = await self.actions.submit_modal(
            user, str(body.get("modal") or ""), _object(body.get("values"))
        )
        return web.json_response(outcome)

    async def _acting(self, request: web.Request) -> tuple[JSON, User]:
        try:
            body = await request.json()
        except ValueError as exc:
            raise SandboxError("the request was not JSON") from exc
        if not isinstance(body, dict):
            raise SandboxError("the request was not a JSON object")
        return body, self.actions.member(body.get("as"))


def _object(raw: object) -> JSON:
    return {str(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}
