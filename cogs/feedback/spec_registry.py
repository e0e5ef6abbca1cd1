"""The OpenAPI spec registry: the specs a guild registered and their operations, and what they
feed: the "not in spec" mark on active items and endpoint autocomplete, cached per guild."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.errors import NotFoundError
from bot.lru import LruDict
from bot.text import truncate
from cogs.feedback.endpoints import Endpoint, SpecMatcher
from cogs.feedback.models import FeedbackItem, FeedbackOperation, FeedbackSpec
from cogs.feedback.records import AutocompleteChoice, SpecRecord
from cogs.feedback.rules import (
    ACTIVE_STATUSES,
    AUTOCOMPLETE_LIMIT,
    FeedbackError,
    check_spec_name,
)
from cogs.feedback.spec_parser import Operation

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.audit import AuditService
    from bot.clock import Clock
    from cogs.feedback.spec_parser import ParsedSpec

CACHE_SECONDS = 60.0


@dataclass(slots=True)
class _SpecCache:
    matcher: SpecMatcher
    choices: list[AutocompleteChoice]
    loaded_at: float
    # What autocomplete matches against: "GET /api/jobs List job postings", pre-processed.
    search_texts: list[str] = field(default_factory=list)
    values: set[str] = field(default_factory=set)  # the choices' values, to look one up

    def add_choice(self, choice: AutocompleteChoice, search_text: str) -> None:
        # rapidfuzz is imported by a guild's first spec, not when the bot starts.
        from rapidfuzz import utils

        self.choices.append(choice)
        self.search_texts.append(utils.default_process(search_text))
        self.values.add(choice.value)


class SpecRegistry:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditService,
        *,
        clock: Clock,
        guilds_cached: int = 1000,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._clock = clock
        self._spec_caches: LruDict[int, _SpecCache] = LruDict(guilds_cached)

    async def add_spec(
        self, guild_id: int, name: str, url: str, parsed: ParsedSpec, actor_id: int
    ) -> SpecRecord:
        name = check_spec_name(name)
        now = self._clock.now()
        try:
            async with self._sessions.begin() as session:
                spec = FeedbackSpec(
                    guild_id=guild_id,
                    name=name,
                    url=url,
                    title=parsed.title,
                    version=parsed.version,
                    spec_format=parsed.spec_format,
                    added_by=actor_id,
                    created_at=now,
                    fetched_at=now,
                )
                session.add(spec)
                await session.flush()
                self._add_operations(session, guild_id, spec.id, parsed.operations)
                await self._audit.record(
                    guild_id,
                    actor_id,
                    "feedback.api_add",
                    name,
                    {"url": url, "operations": len(parsed.operations)},
                    session=session,
                )
        except IntegrityError:
            raise FeedbackError(
                f"A spec called `{name}` is already registered; refresh or remove it first."
            ) from None
        await self._specs_changed(guild_id)
        return spec_record(spec, len(parsed.operations))

    async def ensure_spec_name_free(self, guild_id: int, name: str) -> str:
        """Check the name before fetching anything, so a taken name costs no download."""
        name = check_spec_name(name)
        async with self._sessions() as session:
            taken = await session.scalar(
                select(FeedbackSpec.id).where(
                    FeedbackSpec.guild_id == guild_id, FeedbackSpec.name == name
                )
            )
        if taken is not None:
            raise FeedbackError(
                f"A spec called `{name}` is already registered; refresh or remove it first."
            )
        return name

    def _add_operations(
        self, session: AsyncSession, guild_id: int, spec_id: int, operations: Sequence[Operation]
    ) -> None:
        session.add_all(
            FeedbackOperation(
                guild_id=guild_id,
                spec_id=spec_id,
                method=operation.method,
                path=operation.path,
                summary=operation.summary,
            )
            for operation in operations
        )

    async def get_spec(self, guild_id: int, name: str) -> SpecRecord:
        name = check_spec_name(name)
        async with self._sessions() as session:
            spec = await self._spec(session, guild_id, name)
            count = await session.scalar(
                select(func.count()).where(FeedbackOperation.spec_id == spec.id)
            )
        return spec_record(spec, int(count or 0))

    async def _spec(self, session: AsyncSession, guild_id: int, name: str) -> FeedbackSpec:
        spec = await session.scalar(
            select(FeedbackSpec).where(FeedbackSpec.guild_id == guild_id, FeedbackSpec.name == name)
        )
        if spec is None:
            raise NotFoundError(f"No spec called `{name}` is registered here.")
        return spec

    async def refresh_spec(
        self, guild_id: int, name: str, parsed: ParsedSpec, actor_id: int
    ) -> tuple[SpecRecord, int]:
        """Replace a spec's operations with a fresh fetch; returns the record and the old count."""
        name = check_spec_name(name)
        async with self._sessions.begin() as session:
            spec = await self._spec(session, guild_id, name)
            old_count = await session.scalar(
                select(func.count()).where(FeedbackOperation.spec_id == spec.id)
            )
            await session.execute(
                delete(FeedbackOperation).where(FeedbackOperation.spec_id == spec.id)
            )
            self._add_operations(session, guild_id, spec.id, parsed.operations)
            spec.title = parsed.title
            spec.version = parsed.version
            spec.spec_format = parsed.spec_format
            spec.fetched_at = self._clock.now()
            await self._audit.record(
                guild_id,
                actor_id,
                "feedback.api_refresh",
                name,
                {"url": spec.url, "operations": len(parsed.operations)},
                session=session,
            )
        await self._specs_changed(guild_id)
        return spec_record(spec, len(parsed.operations)), int(old_count or 0)

    async def remove_spec(self, guild_id: int, name: str, actor_id: int) -> SpecRecord:
        name = check_spec_name(name)
        async with self._sessions.begin() as session:
            spec = await self._spec(session, guild_id, name)
            count = await session.scalar(
                select(func.count()).where(FeedbackOperation.spec_id == spec.id)
            )
            record = spec_record(spec, int(count or 0))
            await session.execute(
                delete(FeedbackOperation).where(FeedbackOperation.spec_id == spec.id)
            )
            await session.delete(spec)
            await self._audit.record(
                guild_id, actor_id, "feedback.api_remove", name, {"url": spec.url}, session=session
            )
        await self._specs_changed(guild_id)
        return record

    async def list_specs(self, guild_id: int) -> list[SpecRecord]:
        async with self._sessions() as session:
            specs = (
                await session.scalars(
                    select(FeedbackSpec)
                    .where(FeedbackSpec.guild_id == guild_id)
                    .order_by(FeedbackSpec.name)
                )
            ).all()
            rows = await session.execute(
                select(FeedbackOperation.spec_id, func.count())
                .where(FeedbackOperation.guild_id == guild_id)
                .group_by(FeedbackOperation.spec_id)
            )
            counts = {int(spec_id): int(n) for spec_id, n in rows.all()}
        return [spec_record(spec, int(counts.get(spec.id, 0))) for spec in specs]

    async def spec_choices(self, guild_id: int, current: str) -> list[AutocompleteChoice]:
        """Autocomplete for a spec's name: those whose name or title hold what was typed."""
        typed = current.strip().lower()
        return [
            AutocompleteChoice(truncate(f"{s.name} — {s.title or s.url}", 100), s.name)
            for s in await self.list_specs(guild_id)
            if typed in s.name or typed in (s.title or "").lower()
        ][:AUTOCOMPLETE_LIMIT]

    async def _spec_cache(self, guild_id: int) -> _SpecCache:
        cached = self._spec_caches.get(guild_id)
        if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
            return cached
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        FeedbackOperation.method, FeedbackOperation.path, FeedbackOperation.summary
                    )
                    .where(FeedbackOperation.guild_id == guild_id)
                    .order_by(FeedbackOperation.path, FeedbackOperation.method)
                )
            ).all()
            # Endpoints people logged lately help autocomplete even without a spec; the newest
            # 2,000 items are a cheap, bounded look (the whole guild would be a full scan).
            recent = (
                select(FeedbackItem.method, FeedbackItem.path, FeedbackItem.number)
                .where(FeedbackItem.guild_id == guild_id)
                .order_by(FeedbackItem.number.desc())
                .limit(2000)
                .subquery()
            )
            logged = (
                await session.execute(
                    select(recent.c.method, recent.c.path)
                    .group_by(recent.c.method, recent.c.path)
                    .order_by(func.max(recent.c.number).desc())
                    .limit(500)
                )
            ).all()
        operations = [Operation(method, path, summary) for method, path, summary in rows]
        matcher = SpecMatcher([(op.method, op.path) for op in operations])
        cache = _SpecCache(matcher, [], time.monotonic())
        for operation in operations:
            value = f"{operation.method} {operation.path}"
            if value in cache.values or len(value) > 100:
                continue
            label = f"{value} — {operation.summary}" if operation.summary else value
            cache.add_choice(
                AutocompleteChoice(label[:100], value), f"{value} {operation.summary or ''}"
            )
        for method, path in logged:
            value = f"{method} {path}"
            if value not in cache.values and len(value) <= 100:
                cache.add_choice(AutocompleteChoice(f"{value} (logged before)"[:100], value), value)
        self._spec_caches[guild_id] = cache
        return cache

    def note_logged_endpoint(self, guild_id: int, endpoint: Endpoint) -> None:
        """A new item's endpoint joins the cached autocomplete without a reload."""
        cache = self._spec_caches.get(guild_id)
        value = str(endpoint)
        if cache is None or len(value) > 100 or value in cache.values:
            return
        cache.add_choice(AutocompleteChoice(f"{value} (logged before)"[:100], value), value)

    async def _specs_changed(self, guild_id: int) -> None:
        """Re-check the endpoints of active items against the guild's specs as they are now.

        The "not in spec" mark matters while an item is worked on; closed items keep the mark
        they had. Each distinct endpoint is checked once, and only rows whose mark changes are
        written (by id, in chunks).
        """
        self._spec_caches.pop(guild_id, None)
        async with self._sessions.begin() as session:
            rows = (
                await session.execute(
                    select(
                        FeedbackItem.id,
                        FeedbackItem.method,
                        FeedbackItem.path,
                        FeedbackItem.in_spec,
                    ).where(
                        FeedbackItem.guild_id == guild_id,
                        FeedbackItem.status.in_(ACTIVE_STATUSES),
                    )
                )
            ).all()
            marks: dict[tuple[str, str], bool | None] = {}
            changed: dict[bool | None, list[int]] = {}
            for item_id, method, path, in_spec in rows:
                key = (method, path)
                if key not in marks:
                    marks[key] = await self.is_in_spec(guild_id, Endpoint(method, path))
                if marks[key] != in_spec:
                    changed.setdefault(marks[key], []).append(item_id)
            for mark, ids in changed.items():
                for start in range(0, len(ids), 500):
                    await session.execute(
                        update(FeedbackItem)
                        .where(FeedbackItem.id.in_(ids[start : start + 500]))
                        .values(in_spec=mark)
                    )

    async def is_in_spec(self, guild_id: int, endpoint: Endpoint) -> bool | None:
        """True/False against the registered specs; None when the guild registered none."""
        cache = await self._spec_cache(guild_id)
        if not cache.matcher:
            return None
        return cache.matcher.contains(endpoint.method, endpoint.path)

    async def endpoint_choices(self, guild_id: int, current: str) -> list[AutocompleteChoice]:
        """Autocomplete: the guild's known endpoints, fuzzy-ranked against what is typed."""
        cache = await self._spec_cache(guild_id)
        typed = current.strip()
        if not typed:
            return cache.choices[:AUTOCOMPLETE_LIMIT]
        values = [choice.value for choice in cache.choices]
        return [cache.choices[i] for i in rank_fuzzy(typed, values, cache.search_texts)]


def rank_fuzzy(
    typed: str,
    values: Sequence[str],
    search_texts: Sequence[str],
    limit: int = AUTOCOMPLETE_LIMIT,
) -> list[int]:
    """Positions of the best matches for what is being typed, best first.

    Three rapidfuzz scorers, each run in C over every candidate at once: `partial_ratio`
    rewards containing (most of) the typed text ("delet job"), `token_set_ratio` whole words in
    any order ("jobs get"), `WRatio` overall likeness. A value starting with what was typed
    ("GET /api/j") comes first; shorter values win ties (the collection before its items).
    """
    if not values:
        return []
    from rapidfuzz import fuzz, process, utils

    query = utils.default_process(typed)
    partial = process.cdist([query], search_texts, scorer=fuzz.partial_ratio)[0]
    words = process.cdist([query], search_texts, scorer=fuzz.token_set_ratio)[0]
    overall = process.cdist([query], search_texts, scorer=fuzz.WRatio)[0]
    scores = partial * 0.4 + words * 0.3 + overall * 0.3
    lowered = typed.lower()
    for position, value in enumerate(values):
        if value.lower().startswith(lowered):
            scores[position] += 15
        elif lowered in value.lower():
            scores[position] += 5
    order = sorted(range(len(values)), key=lambda i: (-scores[i], len(values[i])))
    return [position for position in order[:limit] if scores[position] >= 40]


def spec_record(spec: FeedbackSpec, count: int) -> SpecRecord:
    return SpecRecord(
        spec.id,
        spec.name,
        spec.url,
        spec.title,
        spec.version,
        spec.spec_format,
        count,
        spec.added_by,
        spec.fetched_at,
    )
