"""HTTP answers exactly as Discord gives them, and snowflakes read from a route's path."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.errors import invalid_form


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (no charset, unlike aiohttp's)."""
    body = json.dumps(data, separators=(",", ":")).encode()
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(body=body, status=status, headers=all_headers)


def no_content() -> web.Response:
    return web.Response(status=204)


def snowflake_param(request: web.Request, key: str) -> int:
    raw = request.match_info[key]
    if not raw.isdigit():
        raise invalid_form(
            key, code="NUMBER_TYPE_COERCE", message=f'Value "{raw}" is not snowflake.'
        )
    return int(raw)
