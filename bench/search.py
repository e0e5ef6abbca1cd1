"""Snippet search quality and speed: the Tantivy index beside the database's own index.

    .venv/bin/python -m bench.search                 # on bench.snippets' 1,000,000-snippet file
    .venv/bin/python -m bench.search --count 20000   # on its 20,000 one (a smoke run)
    .venv/bin/python -m bench.search --database-url postgresql+asyncpg://…/nexus_bench_snippets

It reuses the database bench.snippets generated (run that first) and reports:
- the index build from the table (seconds, size on disk) when no index exists yet;
- latency p50/p99/max of bench.snippets' 200 mixed queries by class, Tantivy and, for
  comparison, exact bm25 of the database's index (FTS5 bm25 on SQLite, ts_rank on PostgreSQL);
- exactness: each page-1 top 10 against every match scored by the same BM25 and sorted
  (overlap 100 % means no result was lost to pruning, ties or paging);
- top-10 overlap with the database's exact bm25, by class (a related but different formula);
- a judged query set: 300 known-item queries (two words of a snippet's title, the snippet is
  the one judged relevant), success@10 and MRR@10 for Tantivy, the database's exact bm25 and
  the database's bounded ranking that was the default before;
- resident memory of this process after the searches (the index is memory-mapped).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from bench.snippets import Query, make_queries, percentile, run_query
from bot.clock import SystemClock
from cogs.snippets import fts5_query
from cogs.snippets.parts import SnippetParts, build_parts
from cogs.snippets.rules import PAGE_SIZE
from cogs.snippets.settings import search_index_directory
from cogs.snippets.tantivy_engine import TantivySearchEngine, top

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.db import Database

JUDGED_QUERIES = 300


@dataclass(frozen=True)
class Judged:
    guild: int
    text: str
    relevant: int


def resident_mb() -> tuple[float, float]:
    """(VmRSS, RssAnon) of this process in MB."""
    values: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "RssAnon"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("RssAnon", 0.0)


def directory_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


async def judged_queries(engine: AsyncEngine, count: int) -> list[Judged]:
    """Two words of a random snippet's title; that snippet is the one judged relevant."""
    rng = random.Random(11)
    judged: list[Judged] = []
    async with engine.connect() as connection:
        newest = int(await connection.scalar(text("SELECT max(id) FROM snippets")) or 0)
        while len(judged) < count:
            row = (
                await connection.execute(
                    text("SELECT id, guild_id, title FROM snippets WHERE id >= :id LIMIT 1"),
                    {"id": rng.randint(1, newest)},
                )
            ).first()
            words = [] if row is None else [w for w in fts5_query.tokens(row[2]) if len(w) >= 3]
            if row is not None and len(words) >= 2:
                judged.append(Judged(int(row[1]), " ".join(rng.sample(words, 2)), int(row[0])))
    return judged


async def known_item(parts: SnippetParts, judged: list[Judged]) -> tuple[float, float]:
    hits = 0
    reciprocal = 0.0
    for item in judged:
        page = await parts.snippet_search.search(item.guild, item.text)
        ids = [summary.id for summary in page.items][:PAGE_SIZE]
        if item.relevant in ids:
            hits += 1
            reciprocal += 1 / (ids.index(item.relevant) + 1)
    return hits / len(judged), reciprocal / len(judged)


async def exhaustive_top(engine: TantivySearchEngine, query: Query) -> list[int]:
    """Every match scored and sorted: the reference the pruned top 10 must equal."""
    parsed = fts5_query.parse_query(query.text or "")
    wanted_tag = query.tag.lower() if query.tag else None
    filters = fts5_query.Filters(language=query.language, tag=wanted_tag)
    tantivy_query = engine.index.queries.query(query.guild, parsed, filters)
    every = await top(engine.index.searcher, tantivy_query, 2_000_000)
    return [snippet_id for _, snippet_id in every[:PAGE_SIZE]]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rebuild", action="store_true", help="build the index from scratch")
    parser.add_argument(
        "--latency-only", action="store_true", help="time the queries; skip the comparisons"
    )
    args = parser.parse_args()
    from bot.config import load_settings
    from bot.db import Database, upgrade_database

    url = args.database_url or f"sqlite+aiosqlite:////tmp/nexus-bench-snippets-{args.count}.db"
    settings = load_settings(None, database={"url": url})
    await upgrade_database(settings.database)  # the search change log came after the file
    database = Database(settings.database)
    # Where the bot keeps it: beside the SQLite file (so bench.snippets and bench.commands find
    # it built), or under /tmp for PostgreSQL.
    directory = search_index_directory(settings) or Path("/tmp/nexus-bench-search-memory")
    if database.dialect != "sqlite":
        from sqlalchemy.engine import make_url

        # The directory bench.snippets built it in for the same database.
        directory = Path(f"/tmp/nexus-bench-search-{make_url(url).database}")
    if args.rebuild:
        shutil.rmtree(directory, ignore_errors=True)
    clock = SystemClock()
    ours = build_parts(
        database.sessions, dialect=database.dialect, clock=clock, search_directory=directory
    )
    exact = build_parts(
        database.sessions,
        dialect=database.dialect,
        clock=clock,
        rank_candidates=None,
        idf_budget=None,
        ranked_by_tantivy=False,
    )
    before = build_parts(
        database.sessions, dialect=database.dialect, clock=clock, ranked_by_tantivy=False
    )
    engine = ours.search_engine
    assert isinstance(engine, TantivySearchEngine)

    started, cpu_started = time.perf_counter(), time.process_time()
    await engine.index.wait_until_current()
    build_seconds = time.perf_counter() - started
    size = await asyncio.to_thread(directory_bytes, directory)
    print(
        f"index ready in {build_seconds:.1f} s ({time.process_time() - cpu_started:.1f} s of CPU,"
        f" all threads), {size / 1e6:.0f} MB on disk"
    )

    queries = make_queries(200)
    for _ in range(2):
        for query in queries:
            await run_query(ours, query)
    timings: dict[str, list[float]] = {}
    exact_timings: dict[str, list[float]] = {}
    overlap_exact: dict[str, list[float]] = {}
    overlap_self: list[float] = []
    for query in queries:
        seconds, ids = await run_query(ours, query)
        timings.setdefault(query.kind, []).append(seconds)
        if query.page != 1 or args.latency_only:
            continue
        reference = await exhaustive_top(engine, query)
        if reference:
            overlap_self.append(len(set(ids) & set(reference)) / len(reference))
        exact_seconds, exact_ids = await run_query(exact, query)
        exact_timings.setdefault(query.kind, []).append(exact_seconds)
        if exact_ids:
            share = len(set(ids) & set(exact_ids)) / min(PAGE_SIZE, len(exact_ids))
            overlap_exact.setdefault(query.kind, []).append(share)

    print(f"\n{'class':<12}{'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   db exact p50/p99")
    everything: list[float] = []
    for kind, values in timings.items():
        everything += values
        reference_times = exact_timings.get(kind, [0.0])
        print(
            f"{kind:<12}{len(values):>5} {ms(percentile(values, 50))} "
            f"{ms(percentile(values, 99))} {ms(max(values))}   "
            f"{ms(percentile(reference_times, 50))} {ms(percentile(reference_times, 99))}"
        )
    print(
        f"{'all':<12}{len(everything):>5} {ms(percentile(everything, 50))} "
        f"{ms(percentile(everything, 99))} {ms(max(everything))}"
    )
    if args.latency_only:
        await finish(engine, database)
        return
    print(f"\nexact: top 10 = every match scored and sorted in {statistics.mean(overlap_self):.1%}")
    print("top-10 overlap with the database's exact bm25:")
    for kind, values in overlap_exact.items():
        print(f"  {kind:<12} {statistics.mean(values):.1%}")

    judged = await judged_queries(database.engine, JUDGED_QUERIES)
    print(f"\njudged known-item queries ({len(judged)}): success@10, MRR@10")
    for name, parts in (("tantivy", ours), ("db exact bm25", exact), ("db bounded", before)):
        success, mrr = await known_item(parts, judged)
        print(f"  {name:<14} {success:.1%}  {mrr:.3f}")
    await finish(engine, database)


async def finish(engine: TantivySearchEngine, database: Database) -> None:
    vm, anon = resident_mb()
    print(f"\nresident after the searches: {vm:.0f} MB (anonymous {anon:.0f} MB)")
    await engine.close()
    await database.close()


if __name__ == "__main__":
    asyncio.run(main())
