"""Registering an API spec by URL, and refreshing one: fetch the document through the guarded
fetcher, parse it off the event loop (a large spec takes a while), store its operations."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from cogs.feedback.spec_parser import fetch_spec_bytes, parse_spec

if TYPE_CHECKING:
    from bot.fetch import Fetcher
    from cogs.feedback.records import SpecRecord
    from cogs.feedback.settings import FileSettings
    from cogs.feedback.spec_parser import ParsedSpec
    from cogs.feedback.spec_registry import SpecRegistry


class SpecFlow:
    def __init__(self, specs: SpecRegistry, fetcher: Fetcher, settings: FileSettings) -> None:
        self.specs = specs
        self.fetcher = fetcher
        self.settings = settings

    async def _fetch(self, url: str) -> ParsedSpec:
        body = await fetch_spec_bytes(
            self.fetcher,
            url,
            timeout_seconds=self.settings.spec_timeout_seconds,
            max_bytes=self.settings.spec_max_bytes,
        )
        return await asyncio.to_thread(parse_spec, body)

    async def add(self, guild_id: int, name: str, url: str, actor_id: int) -> SpecRecord:
        parsed = await self._fetch(url)
        return await self.specs.add_spec(guild_id, name, url, parsed, actor_id)

    async def refresh(
        self, guild_id: int, spec: SpecRecord, actor_id: int
    ) -> tuple[SpecRecord, int]:
        """The spec fetched again, and how many operations it had before."""
        parsed = await self._fetch(spec.url)
        return await self.specs.refresh_spec(guild_id, spec.name, parsed, actor_id)
