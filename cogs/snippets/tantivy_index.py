"""One process's Tantivy index of the snippets table, kept in step with it.

The database is the record; this index is derived from it and can always be rebuilt. Every
write that changes what a snippet is found by adds a row to `snippet_search_changes` in the
snippet's own transaction. Before a search answers, the index applies the rows after the last
one it applied (one cheap query when there are none), so a shared, edited or forgotten snippet
is found as stored at once, in this process and in any other process on the same database.

A small state file beside the index says which change it applied last and for which
generation of the data: `rebuild_derived` (after a copy or a restore) writes a new generation,
and an index of another generation, another INDEX_VERSION, an unfinished build or one behind the
change log's prune mark (search_changes.py) is built again from the table. While it is built,
search is answered by the database's own index (the caller's fallback).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from sqlalchemy import bindparam, select

from cogs.snippets.models import Snippet
from cogs.snippets.search_changes import (
    RECHECKED_AFTER_BUILD,
    ChangeReader,
    LogState,
    read_log_state,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine, Sequence

    import tantivy
    from sqlalchemy import Row
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from cogs.snippets.tantivy_documents import QueryBuilder

log = logging.getLogger(__name__)

SNIPPETS: Final = Snippet.__table__

# Bump when the schema, the analyzer or what a document holds changes (tantivy_documents.py): an
# index of another version is rebuilt from the table.
INDEX_VERSION: Final = 2
STATE_FILE: Final = "nexus-state.json"
BUILD_BATCH: Final = 2000
# How long a search waits for a build before the database's own index answers instead: a small
# table is built within it, a large one goes on in the background.
BUILD_WAIT_SECONDS: Final = 1.0
# How long after a write the index applies it when no search asks first: writes that come
# together are applied by one commit of the index (about 8 ms of a worker thread's time each).
CATCH_UP_DELAY_SECONDS: Final = 0.25
# The writer's memory budget. Changes come a few at a time; a build flushes a segment each time
# this fills (merged in the background), which costs it little.
WRITER_HEAP_BYTES: Final = 16_000_000


class IndexClosedError(RuntimeError):
    """The index was closed while a change was being applied (the bot is stopping)."""


@dataclass
class IndexState:
    version: int = INDEX_VERSION
    generation: str = ""
    applied: int = 0
    complete: bool = False


class SearchIndex:
    """The index files, the one writer and the current searcher of this process."""

    def __init__(self, engine: AsyncEngine, directory: Path | None) -> None:
        # None: held in memory (an in-memory database has nothing on disk to sit beside).
        self._engine = engine
        self._directory = directory
        # Tantivy (its library and the query builder) is loaded when the index is first opened,
        # after the bot is ready: the start needs none of it.
        self._queries: QueryBuilder | None = None
        self._words: tantivy.TextAnalyzer | None = None
        self._index: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._searcher: tantivy.Searcher | None = None
        self._state = IndexState()
        self._lock = asyncio.Lock()
        self._unusable = False
        self._held: IO[bytes] | None = None
        # Held by whatever touches the writer or the files, in whichever thread.
        self._files = threading.Lock()
        self._build: asyncio.Task[None] | None = None
        self._gaps = ChangeReader()
        # Background catch-ups, referenced until done (the loop keeps only weak references).
        self._pending: set[asyncio.Task[bool]] = set()
        self._soon: asyncio.Task[bool] | None = None

    # ---- opening ------------------------------------------------------------------------

    @property
    def queries(self) -> QueryBuilder:
        """What turns a parsed query into one over this index (once it is open)."""
        assert self._queries is not None, "the index is opened by current() first"
        return self._queries

    def _open(self) -> None:
        """Open the index on disk, or make an empty one (a thread: it touches files)."""
        import tantivy

        from cogs.snippets import tantivy_documents as documents

        schema = documents.schema()
        if self._directory is None:
            index = tantivy.Index(schema)
        else:
            # The directory is this process's alone: hold its lock before reading or replacing it.
            self._held = _hold(self._directory.with_name(self._directory.name + ".lock"))
            self._state = self._read_state()
            if self._state.version != INDEX_VERSION:
                shutil.rmtree(self._directory, ignore_errors=True)
                self._state = IndexState()
            self._directory.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(schema, path=str(self._directory))
        index.register_tokenizer(documents.ANALYZER, documents.field_analyzer())
        self._queries = documents.QueryBuilder(schema, documents.analyzer())
        self._words = documents.analyzer()  # the writer's: the queries' is the loop's
        self._writer = index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        self._searcher = index.searcher()
        self._index = index

    def _read_state(self) -> IndexState:
        assert self._directory is not None
        try:
            stored = json.loads((self._directory / STATE_FILE).read_text())
            return IndexState(**stored)
        except (OSError, ValueError, TypeError):
            return IndexState(version=-1)

    def _write_state(self) -> None:
        if self._directory is None:
            return
        path = self._directory / STATE_FILE
        spare = path.with_suffix(".tmp")
        spare.write_text(json.dumps(asdict(self._state)))
        spare.replace(path)

    async def close(self) -> None:
        """Stop building, let a change being applied finish, and let go of the directory."""
        tasks = [task for task in (self._build, *self._pending) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(self._release)

    def _release(self) -> None:
        # A cancelled task's thread may still be writing: the files lock waits for it.
        with self._files:
            # Dropping the writer releases tantivy's own lock on the directory.
            self._writer = None
            self._searcher = None
            self._index = None
            if self._held is not None:
                self._held.close()  # and ours
                self._held = None

    # ---- keeping in step ------------------------------------------------------------------

    async def current(self) -> bool:
        """Whether the index holds exactly what the table holds (applying changes first).

        False while it is (re)built: the caller answers from the database's own index.
        """
        while True:
            build = self._build
            if build is None or build.done():
                async with self._lock:
                    build = self._build
                    # Another search may have started a build while this one waited.
                    if build is None or build.done():
                        if self._index is None and not await self._opened():
                            return False
                        log_state = await self._log_state()
                        if not self._needs_build(log_state) and await self._catch_up(log_state):
                            return True
                        build = self._build = asyncio.get_running_loop().create_task(
                            self._rebuild()
                        )
                        build.add_done_callback(_log_failure)
            try:
                await asyncio.wait_for(asyncio.shield(build), BUILD_WAIT_SECONDS)
            except TimeoutError:
                return False
            except Exception:  # logged by _log_failure; the database's index answers
                return False
            # Built: round again, to apply what changed while it was built.

    async def wait_until_current(self) -> None:
        """Wait out a build (at start, after a restore), however long it takes."""
        while not await self.current():
            build = self._build
            if build is not None:
                await asyncio.wait([build])

    async def _opened(self) -> bool:
        if self._unusable:
            return False
        try:
            await asyncio.to_thread(self._open)
        except (OSError, ValueError, RuntimeError) as error:
            # E.g. another process holds the directory: search stays with the database's index.
            self._unusable = True
            log.error("The snippet search index at %s cannot be opened: %s", self._directory, error)
            return False
        return True

    def start(self) -> None:
        """Open, catch up or build in the background, so the first search finds it ready."""
        self._in_background(self.current())

    def changed(self) -> None:
        """A write committed: apply it soon, with whatever else is written meanwhile (one
        commit of the index for a burst of shares). A search before then applies it itself."""
        if self._soon is None or self._soon.done():
            self._soon = self._in_background(self._current_soon())

    async def _current_soon(self) -> bool:
        await asyncio.sleep(CATCH_UP_DELAY_SECONDS)
        return await self.current()

    def _in_background(self, work: Coroutine[Any, Any, bool]) -> asyncio.Task[bool]:
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        task.add_done_callback(_log_failure)
        return task

    async def _log_state(self) -> LogState:
        return await read_log_state(self._engine)

    def _needs_build(self, log_state: LogState) -> bool:
        state = self._state
        return (
            not state.complete
            or state.generation != log_state.generation
            or log_state.newest < state.applied
            # Changes the index has not applied were pruned: the recorded mark says so, never
            # the oldest row (on PostgreSQL a number below it may just not be committed yet).
            or state.applied < log_state.pruned
        )

    async def _catch_up(self, log_state: LogState) -> bool:
        """Apply the changes after the index's mark; False if the log was pruned past them."""
        applied = self._state.applied
        if log_state.newest > applied or self._gaps.waiting:
            return await self._apply(applied, max(log_state.newest, applied))
        return True

    async def _apply(self, after: int, upto: int) -> bool:
        async with self._engine.connect() as connection:
            changed = await self._gaps.changed_snippets(connection, after, upto)
            if changed is None:  # pruned past it meanwhile: not complete until built again
                await asyncio.to_thread(self._commit, replace(self._state, complete=False))
                return False
            rows: list[Row[Any]] = []
            for start in range(0, len(changed), BUILD_BATCH):
                rows.extend(await _snippets(connection, changed[start : start + BUILD_BATCH]))
        if changed:
            await asyncio.to_thread(self._replace, changed, rows)
        if changed or upto != after:
            await asyncio.to_thread(self._commit, replace(self._state, applied=upto))
        return True

    def _replace(self, ids: Sequence[int], rows: Sequence[Any]) -> None:
        with self._files:
            if self._writer is None:
                raise IndexClosedError
            self._write(ids, rows)

    def _write(self, ids: Sequence[int], rows: Sequence[Any]) -> None:
        from cogs.snippets.tantivy_documents import document

        assert self._writer is not None
        assert self._words is not None
        for snippet_id in ids:
            self._writer.delete_documents_by_term("id", snippet_id)
        for row in rows:
            self._writer.add_document(document(row, self._words))

    def _commit(self, state: IndexState) -> None:
        """Make what was written searchable, then record `state` (so a crash before it only
        means applying the same changes again)."""
        with self._files:
            if self._writer is None or self._index is None:
                raise IndexClosedError
            self._writer.commit()
            self._index.reload()
            self._searcher = self._index.searcher()
            self._state = state
            self._write_state()

    def _start_build(self, state: IndexState) -> None:
        with self._files:
            if self._writer is None:
                raise IndexClosedError
            self._state = state
            self._write_state()  # not complete: a crash mid-build means build again
            self._writer.delete_all_documents()

    async def _rebuild(self) -> None:
        async with self._lock:
            log_state = await self._log_state()
            log.info("Building the snippet search index from the table …")
            state = IndexState(generation=log_state.generation, applied=log_state.newest)
            await asyncio.to_thread(self._start_build, state)
            self._gaps.forget()
            built = 0
            last_id = 0
            while True:
                async with self._engine.connect() as connection:
                    rows = list(
                        await connection.execute(
                            select(SNIPPETS)
                            .where(SNIPPETS.c.id > last_id)
                            .order_by(SNIPPETS.c.id)
                            .limit(BUILD_BATCH)
                        )
                    )
                if not rows:
                    break
                await asyncio.to_thread(self._replace, (), rows)
                built += len(rows)
                last_id = rows[-1].id
            await asyncio.to_thread(self._commit, replace(state, complete=True))
            log.info("The snippet search index holds %d snippets.", built)
            # What changed while it was built, and the last changes before it began once more:
            # one not yet committed then was neither in the table nor in the log. (Not below the
            # mark read with its start: those were committed before it, so in the table.)
            newest = max((await self._log_state()).newest, state.applied)
            recheck = max(0, state.applied - RECHECKED_AFTER_BUILD, log_state.pruned)
            await self._apply(recheck, newest)  # if pruned past it meanwhile: built again

    # ---- searching --------------------------------------------------------------------------

    @property
    def searcher(self) -> tantivy.Searcher | None:
        """What a search reads now: None until the index is open, another after each commit."""
        return self._searcher


async def _snippets(connection: AsyncConnection, ids: Sequence[int]) -> list[Row[Any]]:
    if not ids:
        return []
    statement = select(SNIPPETS).where(SNIPPETS.c.id.in_(bindparam("ids", expanding=True)))
    return list(await connection.execute(statement, {"ids": list(ids)}))


def _hold(path: Path) -> IO[bytes]:
    """An exclusive lock on `path` for as long as the returned file stays open."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    held = path.open("ab")
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        held.close()
        raise
    return held


def _log_failure(task: asyncio.Task[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        error = task.exception()
        if error is not None and not isinstance(error, IndexClosedError):
            log.error("The snippet search index could not be kept in step", exc_info=error)
