"""One HTTP call to the running bot's API, as a client app makes it: the status, the headers
and the body (JSON decoded when the answer is JSON)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from multidict import CIMultiDict


async def call(
    method: str,
    url: str,
    token: str | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, CIMultiDict[str], Any]:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, json=body, headers=sent) as response,
    ):
        text = (await response.read()).decode(errors="replace")
        decoded: Any = json.loads(text) if "json" in response.content_type and text else text
        return response.status, CIMultiDict(response.headers), decoded
