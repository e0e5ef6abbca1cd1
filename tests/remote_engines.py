"""Fake Piston and Judge0 servers on 127.0.0.1 that answer the way the real APIs document.

Each records what the engine sent (headers, query, decoded body) and answers a scripted verdict,
so a test states what the server said and asserts what Nexus made of it. Shapes follow
engineer-man/piston api/src/api/v2.js + job.js and judge0/judge0 submissions_controller.rb,
isolate_job.rb and submission.rb, including their error answers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: Any


@dataclass
class FakeServer:
    seen: list[Seen] = field(default_factory=list)
    # None answers properly; "500", "garbage" (not JSON), "slow" or "huge" (3 MB) answers
    # every request that way instead.
    broken: str | None = None
    token: str | None = None
    token_header: str = ""
    url: str = ""

    async def _record(self, request: web.Request) -> web.StreamResponse | None:
        body = await request.json() if request.can_read_body else None
        self.seen.append(
            Seen(request.method, request.path, dict(request.headers), dict(request.query), body)
        )
        if self.token is not None and request.headers.get(self.token_header) != self.token:
            return web.Response(status=401)
        if self.broken == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.broken == "garbage":
            return web.Response(status=200, text="<html>not json", content_type="text/html")
        if self.broken == "slow":
            await asyncio.sleep(30)
        if self.broken == "huge":
            return web.json_response({"filler": "x" * 3_000_000})
        return None


@dataclass
class FakePiston(FakeServer):
    """`runtimes` as GET /api/v2/runtimes lists them; `verdict` is merged into the run stage;
    `configured` holds the server's maxima (run_timeout …) that larger requests are refused at."""

    runtimes: list[dict[str, Any]] = field(default_factory=list)
    verdict: dict[str, Any] = field(default_factory=dict)
    compile_stage: dict[str, Any] | None = None
    configured: dict[str, int] = field(default_factory=dict)
    token_header: str = "Authorization"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v2/runtimes", self._runtimes)
        app.router.add_post("/api/v2/execute", self._execute)
        return app

    async def _runtimes(self, request: web.Request) -> web.StreamResponse:
        return await self._record(request) or web.json_response(self.runtimes)

    async def _execute(self, request: web.Request) -> web.StreamResponse:
        if not request.content_type.startswith("application/json"):
            return web.json_response(
                {"message": "requests must be of type application/json"}, status=415
            )
        broken = await self._record(request)
        if broken is not None:
            return broken
        body = self.seen[-1].body
        if not isinstance(body.get("language"), str):
            return _refuse("language is required as a string")
        if not isinstance(body.get("version"), str):
            return _refuse("version is required as a string")
        if not isinstance(body.get("files"), list):
            return _refuse("files is required as an array")
        runtime = next(
            (
                rt
                for rt in self.runtimes
                if body["language"] in (rt["language"], *rt["aliases"])
                and rt["version"] == body["version"]
            ),
            None,
        )
        if runtime is None:
            return _refuse(f"{body['language']}-{body['version']} runtime is unknown")
        for name, configured in self.configured.items():
            value = body.get(name)
            if value and value > configured:
                return _refuse(f"{name} cannot exceed the configured limit of {configured}")
        run = {
            "stdout": "",
            "stderr": "",
            "output": "",
            "code": 0,
            "signal": None,
            "memory": 8_000_000,
            "message": None,
            "status": None,
            "cpu_time": 12,
            "wall_time": 34,
            **self.verdict,
        }
        answer: dict[str, Any] = {
            "language": runtime["language"],
            "version": runtime["version"],
            "run": run,
        }
        if self.compile_stage is not None:
            answer["compile"] = self.compile_stage
            # Piston answers a failed compile with the compile stage in `run` as well.
            if self.compile_stage.get("code"):
                answer["run"] = self.compile_stage
        return web.json_response(answer)


def _refuse(message: str) -> web.Response:
    return web.json_response({"message": message}, status=400)


def encode64(text: str | None) -> str | None:
    """Ruby's Base64.encode64, which Judge0 uses: a line break after every 60 characters."""
    if text is None:
        return None
    flat = base64.b64encode(text.encode()).decode()
    return "".join(flat[i : i + 60] + "\n" for i in range(0, len(flat), 60))


@dataclass
class FakeJudge0(FakeServer):
    """`languages` as GET /languages lists them; `verdict` holds the finished submission's
    fields in plain text (encoded here as Judge0 does); `config` is GET /config_info."""

    languages: list[dict[str, Any]] = field(default_factory=list)
    verdict: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] | None = field(
        default_factory=lambda: {
            "enable_wait_result": True,
            "max_cpu_time_limit": 15.0,
            "max_wall_time_limit": 20.0,
            "max_memory_limit": 512000,
            "max_max_processes_and_or_threads": 120,
            "max_max_file_size": 4096,
        }
    )
    # How many GETs of a submission answer "Processing" before the verdict.
    processing_polls: int = 0
    token_header: str = "X-Auth-Token"
    submissions: dict[str, int] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/languages", self._languages)
        app.router.add_get("/config_info", self._config_info)
        app.router.add_post("/submissions", self._create)
        app.router.add_get("/submissions/{token}", self._show)
        return app

    async def _languages(self, request: web.Request) -> web.StreamResponse:
        return await self._record(request) or web.json_response(self.languages)

    async def _config_info(self, request: web.Request) -> web.StreamResponse:
        broken = await self._record(request)
        if broken is not None:
            return broken
        if self.config is None:
            return web.Response(status=404)
        return web.json_response(self.config)

    async def _create(self, request: web.Request) -> web.StreamResponse:
        broken = await self._record(request)
        if broken is not None:
            return broken
        wait = request.query.get("wait") == "true"
        # No config_info (self.config None) stands for a server that also forbids waiting.
        if wait and not (self.config or {}).get("enable_wait_result"):
            return web.json_response({"error": "wait not allowed"}, status=400)
        body = self.seen[-1].body
        errors: dict[str, list[str]] = {}
        if not any(language["id"] == body.get("language_id") for language in self.languages):
            errors["language_id"] = [f"language with id {body.get('language_id')} doesn't exist"]
        for name, key in (
            ("memory_limit", "max_memory_limit"),
            ("max_file_size", "max_max_file_size"),
        ):
            maximum = (self.config or {}).get(key)
            if maximum is not None and body.get(name, 0) > maximum:
                errors[name] = [f"must be less than or equal to {maximum}"]
        if errors:
            return web.json_response(errors, status=422)
        token = str(uuid.uuid4())
        self.submissions[token] = 0
        if wait:
            return web.json_response(self._finished(token), status=201)
        return web.json_response({"token": token}, status=201)

    async def _show(self, request: web.Request) -> web.StreamResponse:
        broken = await self._record(request)
        if broken is not None:
            return broken
        token = request.match_info["token"]
        if token not in self.submissions:
            return web.json_response({"error": "Not Found"}, status=404)
        self.submissions[token] += 1
        if self.submissions[token] <= self.processing_polls:
            return web.json_response(
                {"token": token, "status": {"id": 2, "description": "Processing"}, "stdout": None}
            )
        return web.json_response(self._finished(token))

    def _finished(self, token: str) -> dict[str, Any]:
        verdict = {
            "status": {"id": 3, "description": "Accepted"},
            "time": "0.012",
            "wall_time": "0.034",
            "memory": 3400,
            "exit_code": 0,
            "exit_signal": None,
            **self.verdict,
        }
        for name in ("stdout", "stderr", "compile_output", "message"):
            verdict[name] = encode64(verdict.get(name))
        return {"token": token, **verdict}


@contextlib.asynccontextmanager
async def serving(fake: FakeServer, app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yield its base URL."""
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake.url
    finally:
        await runner.cleanup()


async def closed_port_url() -> str:
    """A 127.0.0.1 URL nothing listens on: bound, then released, so a connection is refused."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return f"http://127.0.0.1:{port}"
