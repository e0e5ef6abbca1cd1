"""Snippets benchmark: search, get, inserts and size at 1,000,000 snippets, SQLite or PostgreSQL.

    .venv/bin/python -m bench.snippets            # the full run: 1M snippets (tens of minutes)
    .venv/bin/python -m bench.snippets --quick    # 20k snippets, a smoke run
    .venv/bin/python -m bench.snippets --reuse    # keep an already generated database
    .venv/bin/python -m bench.snippets --count 200000 --database-url postgresql+asyncpg://…
                                                  # the same on PostgreSQL (tsvector + GIN)

On PostgreSQL the benchmark creates its own database on the named server, loads it with COPY
into a staging table and one INSERT … SELECT per batch that computes `search_vector` with the
service's own expression (the GIN index is dropped for the load and built once afterwards, the
counterpart of FTS5's 'optimize'). The search, shares and `/snippet get` go through the same
service code as on SQLite. The top-10 ids of each query are saved beside the database, so the
second backend's run reports how far the two backends' top 10s agree.

Corpus: realistic synthetic snippets in 12 languages (1 to 300 lines, median ~26), titles,
descriptions and tags drawn from Zipf-distributed vocabularies, camelCase and snake_case
identifiers, 10 guilds. Generated in a worker process and written with executemany in batches
straight into a database migrated with the bot's own Alembic revisions; the index rows come from
the same `fts5_query.index_row` the service uses. After the bulk build the FTS index is merged
('optimize'), as a maintained index would be.

Reported:
- search latency p50/p99/max over 200 mixed queries through SnippetSearch.search (one word,
  two words, a language filter, a tag filter, page 5 by cursor), warm cache;
- ranking quality: overlap of the top 10 with the exact ranking's top 10 (no candidate bound:
  bm25 on SQLite, ts_rank over every match on PostgreSQL), by class; and with the other
  backend's top 10 when its run left its ids;
- identifiers found by one of their camelCase parts, with and without the parts column;
- insert throughput: the bulk build, and one-by-one shares through the service (p50/p99);
- database size per snippet;
- `/snippet get` latency through the sandbox, beside a do-nothing bot in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.index_ready import search_index_built
from bot.clock import SystemClock
from bot.db import sqlite_path
from cogs.snippets import fts5_query
from cogs.snippets.drafts import SnippetDraft
from cogs.snippets.parts import SnippetParts, build_parts
from cogs.snippets.postgres_engine import postgresql_filter_vector, postgresql_text_vector
from cogs.snippets.rules import PAGE_SIZE
from cogs.snippets.settings import search_index_directory
from cogs.snippets.tantivy_engine import TantivySearchEngine

GUILDS = [100_000_000_000_000_000 + n for n in range(10)]
AUTHORS_PER_GUILD = 4000
BATCH = 5000
LINE_POOL = 60_000
LANGUAGES = [
    "python", "javascript", "typescript", "go", "java", "rust", "sql", "bash", "csharp", "cpp",
    "ruby", "php",
]  # fmt: skip
LANGUAGE_WEIGHTS = [20, 16, 14, 8, 8, 6, 8, 5, 5, 4, 3, 3]
SNAKE = {"python", "ruby", "rust", "sql", "bash", "php"}

# A vocabulary from syllables: enough distinct words for rare and common terms alike.
_SYLLABLES = [
    "ka", "lo", "mi", "ne", "ra", "to", "vu", "shi", "pre", "dex", "lin", "gor", "bal", "tur",
    "zen", "qua", "fi", "mo", "sa", "del", "cor", "pix", "tra", "ven", "bri", "sol", "mar",
]  # fmt: skip
COMMON_WORDS = [
    "user", "data", "get", "set", "list", "item", "value", "error", "request", "response",
    "config", "client", "server", "cache", "query", "result", "token", "file", "path", "json",
    "handler", "service", "model", "id", "name", "count", "index", "key", "map", "retry",
    "parse", "load", "save", "update", "delete", "create", "fetch", "send", "read", "write",
    "async", "queue", "worker", "task", "event", "session", "auth", "login", "page", "limit",
    "order", "status", "message", "channel", "stream", "buffer", "socket", "timeout", "format",
    "build", "check", "validate", "convert", "filter", "sort", "merge", "split", "join", "table",
]  # fmt: skip
TAGS = [
    "api", "async", "sql", "testing", "performance", "security", "auth", "caching", "docker",
    "regex", "http", "json", "cli", "orm", "react", "node", "django", "fastapi", "flask",
    "express", "spring", "kubernetes", "redis", "postgres", "mongodb", "graphql", "websocket",
    "logging", "debugging", "algorithms", "data-structures", "concurrency", "error-handling",
    "pagination", "validation", "serialization", "ci", "git", "linux", "aws", "rate-limiting",
    "retry", "queue", "streaming", "parsing", "dates", "files", "networking", "crypto", "math",
]  # fmt: skip


def build_vocabulary(rng: random.Random, size: int = 12_000) -> list[str]:
    words = list(COMMON_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_indices(rng: np.random.Generator, n: int, size: int, a: float = 1.15) -> np.ndarray:
    return (rng.zipf(a, n) - 1) % size


class LineMaker:
    """Lines of code per language, with identifiers from a Zipf vocabulary."""

    def __init__(self, seed: int) -> None:
        self.py = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.words = build_vocabulary(random.Random(1))
        self._drawn: list[int] = []

    def word(self) -> str:
        # Drawn in blocks: one numpy call per word would dominate the generation time.
        if not self._drawn:
            self._drawn = zipf_indices(self.np, 100_000, len(self.words)).tolist()
        return self.words[self._drawn.pop()]

    def ident(self, language: str) -> str:
        parts = [self.word() for _ in range(self.py.choice((1, 1, 2, 2, 2, 3)))]
        if language in SNAKE:
            return "_".join(parts)
        return parts[0] + "".join(p.capitalize() for p in parts[1:])

    def line(self, language: str) -> str:
        i, w, n = self.ident, self.word, self.py.randint(0, 999)
        lang = language
        shapes: dict[str, list[Callable[[], str]]] = {
            "python": [
                lambda: f"def {i(lang)}({i(lang)}, {i(lang)}):",
                lambda: f"    return {i(lang)}.{i(lang)}({n})",
                lambda: f"    {i(lang)} = {i(lang)}[{n}]",
                lambda: f"# {w()} the {w()} {w()} before {w()}",
                lambda: f"    if {i(lang)} is None:",
                lambda: f"from {w()}.{w()} import {i(lang)}",
                lambda: f"        raise {w().capitalize()}Error('{w()} {w()}')",
            ],
            "javascript": [
                lambda: f"const {i(lang)} = await {i(lang)}({n});",
                lambda: f"function {i(lang)}({i(lang)}) {{",
                lambda: f"  return {i(lang)}.{i(lang)}('{w()}');",
                lambda: f"// {w()} {w()} {w()} when {w()}",
                lambda: "}",
                lambda: f"  if (!{i(lang)}) throw new Error('{w()} {w()}');",
            ],
            "typescript": [
                lambda: (
                    f"export interface {w().capitalize()}{w().capitalize()} {{ {i(lang)}: string }}"
                ),
                lambda: f"const {i(lang)}: number = {i(lang)}({n});",
                lambda: (
                    f"export async function {i(lang)}({i(lang)}: {w().capitalize()}): "
                    "Promise<void> {"
                ),
                lambda: f"  return {i(lang)}.{i(lang)}<{w().capitalize()}>();",
                lambda: "}",
                lambda: f"// {w()} {w()} {w()}",
            ],
            "go": [
                lambda: f"func {i(lang)}({i(lang)} string) error {{",
                lambda: f"\t{i(lang)} := {i(lang)}.{w().capitalize()}({n})",
                lambda: f'\tif err != nil {{ return fmt.Errorf("{w()} {w()}: %w", err) }}',
                lambda: "}",
                lambda: f"// {w()} {w()} {w()}",
            ],
            "java": [
                lambda: f"public {w().capitalize()} {i(lang)}({w().capitalize()} {i(lang)}) {{",
                lambda: f"    return {i(lang)}.{i(lang)}({n});",
                lambda: f"    {w().capitalize()} {i(lang)} = new {w().capitalize()}();",
                lambda: "}",
                lambda: f"// {w()} {w()} {w()}",
            ],
            "rust": [
                lambda: f"fn {i(lang)}({i(lang)}: &str) -> Result<{w().capitalize()}, Error> {{",
                lambda: f"    let {i(lang)} = {i(lang)}.{i(lang)}({n})?;",
                lambda: "}",
                lambda: f"// {w()} {w()} {w()}",
            ],
            "sql": [
                lambda: f"SELECT {i(lang)}, {i(lang)} FROM {i(lang)}",
                lambda: f"WHERE {i(lang)} = {n}",
                lambda: f"JOIN {i(lang)} ON {i(lang)}.id = {i(lang)}.{i(lang)}_id",
                lambda: f"ORDER BY {i(lang)} DESC LIMIT {n};",
                lambda: f"-- {w()} {w()} {w()}",
            ],
            "bash": [
                lambda: f"{i(lang)}=$({w()} --{w()} {n})",
                lambda: f'echo "{w()} ${{{i(lang)}}}"',
                lambda: f'if [ -z "${i(lang)}" ]; then exit 1; fi',
                lambda: f"# {w()} {w()} {w()}",
            ],
            "csharp": [
                lambda: (
                    f"public async Task<{w().capitalize()}> {w().capitalize()}{w().capitalize()}()"
                ),
                lambda: f"    var {i(lang)} = await {i(lang)}.{w().capitalize()}Async({n});",
                lambda: "}",
                lambda: f"// {w()} {w()} {w()}",
            ],
            "cpp": [
                lambda: f"std::vector<int> {i(lang)}({n});",
                lambda: f"auto {i(lang)} = {i(lang)}->{i(lang)}();",
                lambda: f"for (auto& {i(lang)} : {i(lang)}) {{ {i(lang)}.{i(lang)}(); }}",
                lambda: f"// {w()} {w()} {w()}",
            ],
            "ruby": [
                lambda: f"def {i(lang)}({i(lang)})",
                lambda: f"  {i(lang)}.each do |{w()}| puts {w()} end",
                lambda: "end",
                lambda: f"# {w()} {w()} {w()}",
            ],
            "php": [
                lambda: f"function {i(lang)}(${i(lang)}) {{",
                lambda: f"    return ${i(lang)}->{i(lang)}({n});",
                lambda: "}",
                lambda: f"// {w()} {w()} {w()}",
            ],
        }
        return self.py.choice(shapes[language])()


@dataclass(frozen=True)
class Generated:
    snippets: list[tuple[Any, ...]]
    index: list[tuple[Any, ...]]


_POOLS: dict[str, list[str]] = {}
_MAKERS: list[LineMaker] = []  # the worker's one line maker


def _init_worker() -> None:
    maker = LineMaker(7)
    _MAKERS.append(maker)
    for language in LANGUAGES:
        _POOLS[language] = [maker.line(language) for _ in range(LINE_POOL)]


def generate_batch(args: tuple[int, int, int]) -> Generated:
    """Snippets ``start`` … ``start + count - 1``: rows for the table and for the index."""
    start, count, total = args
    rng = np.random.default_rng(start)
    prng = random.Random(start)
    words = _MAKERS[0].words
    base = datetime(2024, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 1, tzinfo=UTC) - base).total_seconds()
    line_counts = np.clip(rng.lognormal(mean=np.log(26), sigma=0.9, size=count), 1, 300)
    languages = prng.choices(LANGUAGES, LANGUAGE_WEIGHTS, k=count)
    title_words = zipf_indices(rng, count * 6, len(words), 1.3)
    snippets: list[tuple[Any, ...]] = []
    index: list[tuple[Any, ...]] = []
    for k in range(count):
        snippet_id = start + k
        language = languages[k]
        pool = _POOLS[language]
        lines = [pool[j] for j in rng.integers(0, LINE_POOL, int(line_counts[k]))]
        code = "\n".join(lines)
        title = " ".join(words[j] for j in title_words[k * 6 : k * 6 + prng.randint(2, 6)])
        title = title.capitalize()
        description = None
        if prng.random() < 0.5:
            description = " ".join(prng.choice(words[:800]) for _ in range(prng.randint(6, 20)))
        tags = tuple(dict.fromkeys(prng.choices(TAGS[:25] * 3 + TAGS, k=prng.randint(0, 3))))
        guild = GUILDS[snippet_id % len(GUILDS)]
        author = 1_000_000 + prng.randrange(AUTHORS_PER_GUILD)
        created = base + timedelta(seconds=span * snippet_id / total)
        snippets.append(
            (
                snippet_id,
                guild,
                author,
                title,
                description,
                language,
                " ".join(tags),
                code,
                0,
                created.strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
        )
        row = fts5_query.index_row(
            guild_id=guild,
            title=title,
            description=description,
            tags=tags,
            code=code,
            language=language,
            author_id=author,
        )
        index.append((snippet_id, *row.values()))
    return Generated(snippets, index)


# ---- building the database ------------------------------------------------------------------


def migrate(path: Path) -> None:
    from bot.config import load_settings
    from bot.db import run_upgrade_blocking

    settings = load_settings(None, database={"url": f"sqlite+aiosqlite:///{path}"})
    run_upgrade_blocking(settings.database)


def build(path: Path, total: int) -> dict[str, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    migrate(path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    batches = [
        (start, min(BATCH, total - start + 1), total) for start in range(1, total + 1, BATCH)
    ]
    started = time.perf_counter()
    done = 0
    # One worker generates while this process writes: the two cores both work.
    with multiprocessing.get_context("fork").Pool(1, initializer=_init_worker) as pool:
        for generated in pool.imap(generate_batch, batches):
            with connection:
                connection.executemany(
                    "INSERT INTO snippets (id, guild_id, author_id, title, description, language,"
                    " tags, code, star_count, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    generated.snippets,
                )
                connection.executemany(
                    "INSERT INTO snippets_fts (rowid, title, description, tags, code, parts,"
                    " filters) VALUES (?,?,?,?,?,?,?)",
                    generated.index,
                )
            done += len(generated.snippets)
            if done % 100_000 < BATCH:
                elapsed = time.perf_counter() - started
                print(
                    f"  {done:>9,} snippets  {elapsed:6.0f} s  {done / elapsed:8,.0f}/s", flush=True
                )
    built = time.perf_counter() - started
    merge_started = time.perf_counter()
    with connection:
        connection.execute("INSERT INTO snippets_fts(snippets_fts) VALUES ('optimize')")
    merged = time.perf_counter() - merge_started
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("ANALYZE")
    connection.close()
    return {"build_seconds": built, "optimize_seconds": merged, "rows_per_second": total / built}


# ---- building the database on PostgreSQL -----------------------------------------------------

# The service's `_index_postgresql` expression over the staging row (`description` is indexed
# as '' when there is none, as `fts5_query.index_row` does): search sees what the bot would write.
SEARCH_VECTOR_SQL = (
    postgresql_text_vector("title", "coalesce(description, '')", "tags", "code || ' ' || parts")
    + " || "
    + postgresql_filter_vector("guild_id", "language", "tags", "author_id")
)
SNIPPET_COLUMNS = "id, guild_id, author_id, title, description, language, tags, code, created_at"
GIN_INDEX = "CREATE INDEX ix_snippets_search_vector ON snippets USING GIN (search_vector)"


def _staging_records(generated: Generated) -> list[tuple[Any, ...]]:
    records = []
    for row, index in zip(generated.snippets, generated.index, strict=True):
        created = datetime.fromisoformat(row[9]).replace(tzinfo=UTC)
        records.append((*row[:8], created, index[5]))
    return records


async def build_postgres(url: str, total: int) -> dict[str, float]:
    """COPY each batch into a staging table, then one INSERT … SELECT computes its vectors."""
    import asyncpg

    from bot.config import load_settings
    from bot.db import upgrade_database

    from .backends import asyncpg_dsn

    await upgrade_database(load_settings(None, database={"url": url}).database)
    connection = await asyncpg.connect(asyncpg_dsn(url))
    # The GIN index is built once after the load (as FTS5's index is merged once on SQLite).
    await connection.execute("DROP INDEX ix_snippets_search_vector")
    await connection.execute(
        "CREATE TEMP TABLE staging (id bigint, guild_id bigint, author_id bigint, title text,"
        " description text, language text, tags text, code text, created_at timestamptz,"
        " parts text)"
    )
    batches = [
        (start, min(BATCH, total - start + 1), total) for start in range(1, total + 1, BATCH)
    ]
    started = time.perf_counter()
    done = 0
    # The worker generates the next batches while the server computes this one's vectors.
    with multiprocessing.get_context("fork").Pool(1, initializer=_init_worker) as pool:
        for generated in pool.imap(generate_batch, batches):
            async with connection.transaction():
                await connection.copy_records_to_table(
                    "staging", records=_staging_records(generated)
                )
                await connection.execute(
                    f"INSERT INTO snippets ({SNIPPET_COLUMNS}, star_count, search_vector) "
                    f"SELECT {SNIPPET_COLUMNS}, 0, {SEARCH_VECTOR_SQL} FROM staging"
                )
                await connection.execute("TRUNCATE staging")
            done += len(generated.snippets)
            if done % 100_000 < BATCH:
                elapsed = time.perf_counter() - started
                print(
                    f"  {done:>9,} snippets  {elapsed:6.0f} s  {done / elapsed:8,.0f}/s", flush=True
                )
    built = time.perf_counter() - started
    # Explicit ids were inserted: the shares that follow must get new ones.
    await connection.execute(
        "SELECT setval(pg_get_serial_sequence('snippets', 'id'), (SELECT max(id) FROM snippets))"
    )
    index_started = time.perf_counter()
    await connection.execute("SET maintenance_work_mem = '1GB'")
    await connection.execute(GIN_INDEX)
    indexed = time.perf_counter() - index_started
    await connection.execute("VACUUM ANALYZE snippets")
    await connection.close()
    return {"build_seconds": built, "optimize_seconds": indexed, "rows_per_second": total / built}


async def postgres_sizes(url: str) -> tuple[int, int]:
    """Bytes of the whole database and of the GIN index."""
    import asyncpg

    from .backends import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        size = await connection.fetchval("SELECT pg_database_size(current_database())")
        gin = await connection.fetchval("SELECT pg_relation_size('ix_snippets_search_vector')")
        return int(size), int(gin)
    finally:
        await connection.close()


def database_bytes(path: Path) -> int:
    return sum(
        Path(str(path) + s).stat().st_size for s in ("", "-wal") if Path(str(path) + s).exists()
    )


def index_bytes(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'snippets_fts%'"
        ).fetchone()
        return int(rows[0] or 0)
    except sqlite3.OperationalError:
        return 0
    finally:
        connection.close()


# ---- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str
    guild: int
    text: str | None
    language: str | None = None
    tag: str | None = None
    page: int = 1


def make_queries(count: int, seed: int = 3) -> list[Query]:
    rng = random.Random(seed)
    words = build_vocabulary(random.Random(1))
    # Common words, mid-frequency and rare ones, as people type them.

    def pick() -> str:
        bands = [COMMON_WORDS, words[70:600], words[600:12_000]]
        return rng.choice(rng.choice(bands))

    shares = [("one word", 0.25), ("two words", 0.25), ("language", 0.15), ("tag", 0.15),
              ("page 5", 0.20)]  # fmt: skip
    queries: list[Query] = []
    for kind, share in shares:
        for _ in range(round(count * share)):
            guild = rng.choice(GUILDS)
            if kind == "one word":
                queries.append(Query(kind, guild, pick()))
            elif kind == "two words":
                queries.append(Query(kind, guild, f"{pick()} {pick()}"))
            elif kind == "language":
                queries.append(Query(kind, guild, pick(), language=rng.choice(LANGUAGES[:6])))
            elif kind == "tag":
                queries.append(Query(kind, guild, pick(), tag=rng.choice(TAGS[:20])))
            else:
                queries.append(Query(kind, guild, rng.choice(COMMON_WORDS), page=5))
    return queries


async def run_query(snippets: SnippetParts, query: Query) -> tuple[float, list[int]]:
    """Seconds to fetch the query's page (earlier pages fetched first, untimed), and its ids."""
    cursor = None
    for _ in range(query.page - 1):
        page = await snippets.snippet_search.search(
            query.guild, query.text, language=query.language, tag=query.tag, cursor=cursor
        )
        cursor = page.next_cursor
        if cursor is None:
            break
    started = time.perf_counter()
    page = await snippets.snippet_search.search(
        query.guild, query.text, language=query.language, tag=query.tag, cursor=cursor
    )
    return time.perf_counter() - started, [item.id for item in page.items]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def search_benchmark(url: str, queries: list[Query]) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    from bot.config import load_settings
    from bot.db import Database

    settings = load_settings(None, database={"url": url})
    database = Database(settings.database)
    dialect = database.dialect
    # What the bot runs: the Tantivy index (built here once, kept beside the database file).
    bounded = build_parts(
        database.sessions,
        dialect=dialect,
        clock=SystemClock(),
        search_directory=search_index_directory(settings)
        if dialect == "sqlite"
        else Path(f"/tmp/nexus-bench-search-{make_url(url).database}"),
    )
    engine = bounded.search_engine
    if isinstance(engine, TantivySearchEngine):
        await engine.index.wait_until_current()
    exact = build_parts(
        database.sessions,
        dialect=dialect,
        clock=SystemClock(),
        rank_candidates=None,
        idf_budget=None,
        ranked_by_tantivy=False,
    )
    for _ in range(2):  # warm the page cache and the doc-frequency memo
        for query in queries:
            await run_query(bounded, query)
    timings: dict[str, list[float]] = {}
    overlaps: dict[str, list[float]] = {}
    exact_timings: list[float] = []
    top_ids: list[list[int]] = []
    exact_top_ids: list[list[int] | None] = []
    for query in queries:
        seconds, ids = await run_query(bounded, query)
        timings.setdefault(query.kind, []).append(seconds)
        top_ids.append(ids)
        exact_top_ids.append(None)
        if query.page == 1:
            exact_seconds, exact_ids = await run_query(exact, query)
            exact_timings.append(exact_seconds)
            exact_top_ids[-1] = exact_ids
            if exact_ids:
                overlap = len(set(ids) & set(exact_ids)) / min(PAGE_SIZE, len(exact_ids))
                overlaps.setdefault(query.kind, []).append(overlap)
    inserts = await insert_benchmark(bounded, 500)
    await bounded.close_search()
    await database.close()
    everything = [t for values in timings.values() for t in values]
    return {
        "timings": timings,
        "all": everything,
        "overlaps": overlaps,
        "exact": exact_timings,
        "inserts": inserts,
        "ids": {"bounded": top_ids, "exact": exact_top_ids},
    }


async def insert_benchmark(snippets: SnippetParts, count: int) -> list[float]:
    maker = LineMaker(99)
    seconds: list[float] = []
    for n in range(count):
        code = "\n".join(maker.line("python") for _ in range(26))
        draft = SnippetDraft(f"Bench insert {n}", code, "python", ("bench",), None)
        started = time.perf_counter()
        await snippets.store.share(GUILDS[0], 42, draft, shares_per_minute=1_000_000)
        seconds.append(time.perf_counter() - started)
    return seconds


CAMEL_LANGUAGES = "('javascript', 'typescript', 'java', 'go', 'csharp', 'cpp')"


def recall_samples(
    fetch: Callable[[int], tuple[int, str] | None], total: int, samples: int
) -> list[tuple[int, int, str]]:
    """(snippet id, guild, camelCase part of one of its identifiers), the same on both
    backends: the rows are the same and the draw is seeded."""
    rng = random.Random(5)
    picked: list[tuple[int, int, str]] = []
    while len(picked) < samples:
        snippet_id = rng.randint(1, total)
        row = fetch(snippet_id)
        if row is None:
            continue
        identifiers = [
            ident
            for ident in sorted(set(fts5_query._IDENTIFIER.findall(row[1])))
            if len(fts5_query.camel_parts(ident)) > 1
        ]
        if not identifiers:
            continue
        parts = [p for p in fts5_query.camel_parts(rng.choice(identifiers)) if len(p) >= 3]
        if not parts:
            continue
        picked.append((snippet_id, row[0], rng.choice(parts)))
    return picked


async def identifier_recall_postgres(url: str, total: int, samples: int) -> tuple[float, float]:
    """As `identifier_recall`, on PostgreSQL: the stored vector (with the parts) against a
    vector of the plain text (what the 'simple' parser alone finds)."""
    import asyncpg

    from cogs.snippets.postgres_engine import postgresql_tsquery

    from .backends import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(url))
    rows = {
        int(r[0]): (int(r[1]), str(r[2]))
        for r in await connection.fetch(
            f"SELECT id, guild_id, code FROM snippets WHERE language IN {CAMEL_LANGUAGES} "
            "AND id <= $1",
            total,
        )
    }
    picked = recall_samples(rows.get, total, samples)
    found_with = found_without = 0
    for snippet_id, _, part in picked:
        query = postgresql_tsquery(fts5_query.parse_query(part))
        hit_with, hit_without = await connection.fetchrow(
            "SELECT search_vector @@ to_tsquery('simple', $1), to_tsvector('simple', title || ' '"
            " || coalesce(description, '') || ' ' || tags || ' ' || code)"
            " @@ to_tsquery('simple', $1) FROM snippets WHERE id = $2",
            query,
            snippet_id,
        )
        found_with += bool(hit_with)
        found_without += bool(hit_without)
    await connection.close()
    return found_with / len(picked), found_without / len(picked)


def identifier_recall(path: Path, total: int, samples: int = 2000) -> tuple[float, float]:
    """Share of (snippet, camelCase identifier, part) found by searching the part, with the
    parts column and without it (what unicode61 alone finds)."""
    connection = sqlite3.connect(path)
    found_with = found_without = tried = 0

    def fetch(snippet_id: int) -> tuple[int, str] | None:
        row = connection.execute(
            f"SELECT guild_id, code FROM snippets WHERE id = ? AND language IN {CAMEL_LANGUAGES}",
            (snippet_id,),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    for snippet_id, guild_id, part in recall_samples(fetch, total, samples):
        tried += 1
        parsed = fts5_query.parse_query(part)
        with_parts = fts5_query.match_expression(guild_id, parsed, fts5_query.Filters())
        without = with_parts.replace(fts5_query.TEXT_COLUMNS, "{title description tags code}")
        for expression, hit in ((with_parts, "with"), (without, "without")):
            found = connection.execute(
                "SELECT 1 FROM snippets_fts WHERE snippets_fts MATCH ? AND rowid = ?",
                (expression, snippet_id),
            ).fetchone()
            if found and hit == "with":
                found_with += 1
            elif found:
                found_without += 1
    connection.close()
    return found_with / tried, found_without / tried


# ---- /snippet get through the sandbox, beside a do-nothing bot ------------------------------


async def move_to_guild(url: str, guild_id: int) -> list[int]:
    """200 random small snippets moved into the sandbox guild (a throwaway change)."""
    path = sqlite_path(url)
    if path is None:
        import asyncpg

        from .backends import asyncpg_dsn

        connection = await asyncpg.connect(asyncpg_dsn(url))
        ids = [row[0] for row in await connection.fetch(
            "SELECT id FROM snippets WHERE length(code) < 3000 ORDER BY random() LIMIT 200"
        )]  # fmt: skip
        await connection.executemany(
            "UPDATE snippets SET guild_id = $1 WHERE id = $2", [(guild_id, i) for i in ids]
        )
        await connection.close()
        return ids
    connection = sqlite3.connect(path)
    ids = [row[0] for row in connection.execute(
        "SELECT id FROM snippets WHERE length(code) < 3000 ORDER BY random() LIMIT 200"
    )]  # fmt: skip
    connection.executemany(
        "UPDATE snippets SET guild_id = ? WHERE id = ?", [(guild_id, i) for i in ids]
    )
    connection.commit()
    connection.close()
    return ids


async def get_benchmark(url: str, iterations: int) -> tuple[list[float], list[float]]:
    import discord
    from discord import app_commands

    from bot.app import create_bot, point_discord_py_at
    from bot.config import load_settings
    from bot.sandbox import SandboxServer

    sandbox = SandboxServer()
    await sandbox.start()
    guild = sandbox.create_guild("Bench")
    user = sandbox.create_user("bencher")
    guild.add_member(user)
    channel = guild.create_channel("snippets")
    point_discord_py_at(sandbox.api_url, sandbox.gateway_url)

    # The do-nothing bot: one command that answers at once.
    client = discord.Client(intents=discord.Intents.default())
    tree = app_commands.CommandTree(client)

    @tree.command(name="noop", description="answers at once")
    async def noop(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    async def setup() -> None:
        await tree.sync()

    client.setup_hook = setup  # type: ignore[method-assign]
    task = asyncio.create_task(client.start(sandbox.bot_token))
    await sandbox.wait_until_ready(timeout=15)
    await asyncio.wait_for(client.wait_until_ready(), 15)
    await asyncio.sleep(0.2)
    baseline = []
    for n in range(iterations + 20):
        result = await sandbox.invoke("/noop", user=user, guild=guild, channel=channel, quiet=0)
        if n >= 20 and result.latency is not None:
            baseline.append(result.latency)
    await client.close()
    await asyncio.gather(task, return_exceptions=True)

    # Snippets to fetch, moved into the sandbox guild (a throwaway change to the bench copy).
    ids = await move_to_guild(url, guild.id)
    settings = load_settings(
        None,
        database={"url": url},
        web={"enabled": False},
        discord={
            "api_url": sandbox.api_url,
            "gateway_url": sandbox.gateway_url,
            "guild_ready_timeout": 0.05,
            "reidentify_delay": 0.05,
        },
    )
    bot = create_bot(settings)
    bot_task = asyncio.create_task(bot.start(sandbox.bot_token))
    await sandbox.wait_until_ready(timeout=60)
    await asyncio.wait_for(bot.wait_until_ready(), 60)
    # The bot (this process) builds its search index first when it finds none where it keeps
    # it (for PostgreSQL, under the working directory): not while the reads are timed.
    await search_index_built(url, Path.cwd())
    nexus = []
    for n in range(iterations + 20):
        snippet_id = ids[n % len(ids)]
        result = await sandbox.invoke(
            "/snippet get", user=user, guild=guild, channel=channel, quiet=0, id=snippet_id
        )
        if n >= 20 and result.latency is not None:
            nexus.append(result.latency)
    await bot.close()
    await asyncio.gather(bot_task, return_exceptions=True)
    await sandbox.close()
    return baseline, nexus


# ---- report ---------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


@dataclass(frozen=True)
class Backend:
    """What the report says about the database the run used."""

    label: str  # "SQLite 3.40.1", "PostgreSQL 15.8"
    exact: str  # the unbounded ranking the bounded one is compared with
    index_step: str  # the one-off index step after the bulk load
    size: int  # bytes of the whole database
    index_size: int  # bytes of the full-text index
    index_name: str


def cross_overlap(
    queries: list[Query], mine: list[list[int] | None], theirs: list[list[int] | None]
) -> dict[str, list[float]]:
    """Per query class, the share of the top 10 (page) both backends returned."""
    overlaps: dict[str, list[float]] = {}
    for query, a, b in zip(queries, mine, theirs, strict=True):
        if a is not None and b is not None and (a or b):
            overlaps.setdefault(query.kind, []).append(len(set(a) & set(b)) / max(len(a), len(b)))
    return overlaps


def report(total: int, built: dict[str, float], backend: Backend, results: dict[str, Any],
           recall: tuple[float, float], get: tuple[list[float], list[float]],
           cross: tuple[str, dict[str, dict[str, list[float]]]] | None = None,
           ) -> str:  # fmt: skip
    lines = [
        f"Snippets benchmark — {total:,} snippets, {backend.label}, "
        f"{os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d}",
        "",
        "search latency (ms)      n      p50      p99      max",
    ]
    timings: dict[str, list[float]] = results["timings"]
    for kind, values in [*timings.items(), ("all", results["all"])]:
        lines.append(
            f"  {kind:<16} {len(values):>6} {ms(percentile(values, 50))} "
            f"{ms(percentile(values, 99))} {ms(max(values))}"
        )
    exact = results["exact"]
    lines.append(
        f"  {backend.exact + ' (p1)':<18}{len(exact):>5} {ms(percentile(exact, 50))} "
        f"{ms(percentile(exact, 99))} {ms(max(exact))}"
    )
    lines += ["", f"top-10 overlap with {backend.exact}"]
    for kind, values in results["overlaps"].items():
        lines.append(
            f"  {kind:<16} {statistics.mean(values) * 100:6.1f} %  ({len(values)} queries)"
        )
    if cross is not None:
        other, by_ranking = cross
        for ranking, overlaps in by_ranking.items():
            lines += ["", f"top-10 overlap with {other}, {ranking} (same corpus, same queries)"]
            for kind, values in overlaps.items():
                lines.append(
                    f"  {kind:<16} {statistics.mean(values) * 100:6.1f} %  ({len(values)} queries)"
                )
    lines += [
        "",
        f"camelCase parts found: {recall[0] * 100:.2f} % with the parts column, "
        f"{recall[1] * 100:.2f} % without",
        "",
        f"bulk build: {built['rows_per_second']:,.0f} snippets/s ({built['build_seconds']:.0f} s),"
        f" {backend.index_step} {built['optimize_seconds']:.0f} s",
    ]
    inserts = results["inserts"]
    lines.append(
        f"one-by-one shares through the service: p50 {ms(percentile(inserts, 50)).strip()} ms, "
        f"p99 {ms(percentile(inserts, 99)).strip()} ms, {len(inserts) / sum(inserts):,.0f}/s"
    )
    size, fts = backend.size, backend.index_size
    lines.append(
        f"database: {size / 1e9:.2f} GB, {size / total:,.0f} bytes per snippet"
        + (f" ({backend.index_name} {fts / 1e9:.2f} GB)" if fts else "")
    )
    baseline, nexus = get
    lines += [
        "",
        "interaction latency (ms)   n      p50      p99",
        f"  do-nothing bot      {len(baseline):>6} {ms(percentile(baseline, 50))} "
        f"{ms(percentile(baseline, 99))}",
        f"  /snippet get        {len(nexus):>6} {ms(percentile(nexus, 50))} "
        f"{ms(percentile(nexus, 99))}",
        f"  ratio of p50s: {percentile(nexus, 50) / percentile(baseline, 50):.2f}×",
    ]
    return "\n".join(lines)


def ids_file(total: int, dialect: str) -> Path:
    return Path(f"/tmp/nexus-bench-snippets-{total}-{dialect}.ids.json")


def describe(url: str, total: int) -> Backend:
    path = sqlite_path(url)
    if path is not None:
        return Backend(
            f"SQLite {sqlite3.sqlite_version}",
            "exact bm25",
            "FTS optimize",
            database_bytes(path),
            index_bytes(path),
            "FTS index",
        )
    from .backends import postgres_version

    size, gin = asyncio.run(postgres_sizes(url))
    version = asyncio.run(postgres_version(url))
    return Backend(
        f"PostgreSQL {version}", "exact ts_rank", "GIN index build", size, gin, "GIN index"
    )


def main() -> None:
    from .backends import add_database_url, fresh_postgres, is_postgres

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20k snippets, a smoke run")
    parser.add_argument("--count", type=int, default=None, help="snippets to generate")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument("--db", type=Path, default=None, help="the SQLite file to use")
    add_database_url(parser)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    parser.add_argument("--skip-get", action="store_true", help="leave out the /snippet get run")
    args = parser.parse_args()
    total = args.count or (20_000 if args.quick else 1_000_000)
    if is_postgres(args.database_url):
        dialect, name = "postgresql", f"nexus_bench_snippets_{total}"
        if args.reuse:
            from .backends import with_database

            url = with_database(args.database_url, name)
            print(f"reusing {name}")
        else:
            url = asyncio.run(fresh_postgres(args.database_url, name))
    else:
        dialect = "sqlite"
        path = args.db or Path(f"/tmp/nexus-bench-snippets-{total}.db")
        url = f"sqlite+aiosqlite:///{path}"
    built = {"build_seconds": float("nan"), "optimize_seconds": float("nan"),
             "rows_per_second": float("nan")}  # fmt: skip
    if dialect == "sqlite" and args.reuse and path.exists():
        print(f"reusing {path}")
    elif dialect == "sqlite":
        print(f"generating {total:,} snippets into {path} …", flush=True)
        built = build(path, total)
    elif not args.reuse:
        print(f"generating {total:,} snippets into PostgreSQL ({name}) …", flush=True)
        built = asyncio.run(build_postgres(url, total))
    print("searching …", flush=True)
    queries = make_queries(args.queries)
    results = asyncio.run(search_benchmark(url, queries))
    ids_file(total, dialect).write_text(json.dumps(results["ids"]))
    other = "sqlite" if dialect == "postgresql" else "postgresql"
    cross = None
    if ids_file(total, other).exists():
        theirs = json.loads(ids_file(total, other).read_text())
        if isinstance(theirs, dict) and len(theirs["bounded"]) == len(queries):
            label = "SQLite" if other == "sqlite" else "PostgreSQL"
            cross = (
                label,
                {
                    f"{ranking} ranking on both": cross_overlap(
                        queries, results["ids"][ranking], theirs[ranking]
                    )
                    for ranking in ("bounded", "exact")
                },
            )
    samples = 500 if args.quick else 2000
    if dialect == "sqlite":
        recall = identifier_recall(path, total, samples)
    else:
        recall = asyncio.run(identifier_recall_postgres(url, total, samples))
    print("timing /snippet get through the sandbox …", flush=True)
    get: tuple[list[float], list[float]] = ([float("nan")], [float("nan")])
    if not args.skip_get:
        get = asyncio.run(get_benchmark(url, 200 if args.quick else 1000))
    table = report(total, built, describe(url, total), results, recall, get, cross)
    print()
    print(table)
    if args.out is not None:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
