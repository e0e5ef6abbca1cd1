"""The async engine, the session factory, SQLite pragmas and the declarative Base.

Every feature's tables derive from `Base`; every schema change is an Alembic revision
(`bot/migrations`), applied at start by `Database.upgrade()` and by `python -m bot db upgrade`.
"""

from __future__ import annotations

import asyncio
import re
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event, text, update
from sqlalchemy.exc import SAWarning
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from bot import postgres_pool, schema_stamp
from bot.clock import Clock, SystemClock
from bot.in_place_reads import close_in_place_reads
from bot.in_place_writes import close_in_place_writes

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy.engine import Dialect
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

    from bot.config import DatabaseSettings

    SchemaUpgrader = Callable[[DatabaseSettings, datetime], Awaitable[None]]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Stable constraint names, so Alembic revisions can name what they alter on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The engine carries the bot's clock as an execution option, so that the timestamps columns fill
# in themselves (`created_at`, `updated_at`) come from the same clock as everything else.
CLOCK_OPTION = "nexus_clock"


def clock_now(context: Any) -> datetime:
    """Column default: "now" by the clock of the engine that runs the INSERT or UPDATE.

    SQLAlchemy passes the execution context to a default that takes one argument. An engine
    built without a clock (a one-off script) uses the system clock, the production one.
    """
    options = context.execution_options if context is not None else {}
    clock: Clock = options.get(CLOCK_OPTION) or SystemClock()
    return clock.now()


# SQLite's INTEGER and PostgreSQL's BIGINT both hold signed 64-bit values.
MAX_STORED_INT = 2**63 - 1
_TYPED_ID = re.compile(r"#?([0-9]{1,19})")


def id_from_text(typed: str) -> int | None:
    """The id a person typed (`42`, `#42`), or None when the text cannot be a stored id.

    Autocomplete hands us raw text: `str.isdigit()` accepts `²` (which `int()` refuses) and
    20 digits overflow the database's integer, so ids from text come through here.
    """
    match = _TYPED_ID.fullmatch(typed.strip())
    if match is None:
        return None
    value = int(match.group(1))
    return value if 0 < value <= MAX_STORED_INT else None


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type and returns naive datetimes; this keeps every value aware so
    that comparisons never mix naive and aware times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time was expected")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Discord ids need 64 bits. SQLite assigns ids automatically only to an INTEGER PRIMARY KEY, and
# its INTEGER is 64-bit already, so BIGINT becomes INTEGER there.
BigInt = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime(), int: BigInt}  # noqa: RUF012

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # discord.py re-executes an extension's modules when it reloads it (`/admin reload`, and
        # every restart of the bot in one process): the same class, defined again, replaces its
        # old table instead of colliding with it. A different class reusing a table name still
        # fails loudly.
        name = cls.__dict__.get("__tablename__")
        existing = cls.metadata.tables.get(name) if isinstance(name, str) else None
        if existing is not None and existing.info.get(_DEFINED_BY) == _class_path(cls):
            cls.metadata.remove(existing)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "This declarative base already contains", SAWarning)
            super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            # Recorded on the table itself: the registry holds old classes only weakly, so
            # asking it which class made a table depends on when the garbage collector ran.
            table.info[_DEFINED_BY] = _class_path(cls)


_DEFINED_BY = "nexus_defined_by"


def _class_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory or non-SQLite database."""
    if not is_sqlite(url):
        return None
    _, _, path = url.partition(":///")
    return Path(path) if path and path != ":memory:" else None


async def lock_rows(session: AsyncSession, column: Any, *where: Any) -> None:
    """Take the write lock on the rows `where` selects before reading them, on every backend.

    For read-modify-write transactions (a status change, a counter). `column` is any non-key
    column of the table; it is set to itself. PostgreSQL: the UPDATE locks those rows until
    commit, like SELECT … FOR UPDATE. SQLite ignores FOR UPDATE and takes no lock for a
    transaction's first SELECT, so two such transactions both read the old row and the second
    write loses the first; a write as the transaction's first statement takes SQLite's single
    write lock (waiting up to busy_timeout), and everything read after it is current.
    """
    await session.execute(
        update(column.class_)
        .where(*where)
        .values({column.key: column})
        .execution_options(synchronize_session=False)
    )


class Database:
    """Owns the engine and the session factory for one process."""

    def __init__(self, settings: DatabaseSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.url = settings.url
        # Where a schema behind the scripts is upgraded when not in this process, where Alembic
        # would stay loaded (`python -m bot run` sets a child: bot/schema_upgrade.py).
        self.upgrade_elsewhere: SchemaUpgrader | None = None
        self.clock: Clock = clock or SystemClock()
        self.dialect = "sqlite" if is_sqlite(settings.url) else "postgresql"
        path = sqlite_path(settings.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(
            settings.url,
            echo=settings.echo,
            execution_options={CLOCK_OPTION: self.clock},
            connect_args={} if self.dialect == "sqlite" else postgres_pool.connect_args(),
        )
        if self.dialect == "sqlite":
            self._install_sqlite_pragmas(settings.busy_timeout_seconds)
        else:
            postgres_pool.ping_when_idle(self.engine)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    def _install_sqlite_pragmas(self, busy_timeout_seconds: float) -> None:
        from bot.sqlite_driver import one_trip  # SQLite only: PostgreSQL never loads it

        busy_ms = int(busy_timeout_seconds * 1000)

        @event.listens_for(self.engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
            one_trip(dbapi_connection)  # a statement in one trip to the driver's thread
            cursor = dbapi_connection.cursor()
            # WAL lets readers run beside the writer; NORMAL sync is durable at each checkpoint
            # in WAL mode and survives a process crash (only an OS crash can lose the tail).
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

    async def upgrade(self, *, check_every_script: bool = False) -> None:
        """Bring the schema to the newest revision of every branch (Alembic `upgrade heads`).

        Alembic runs only when the schema stamp says the database may be behind the scripts
        (bot/schema_stamp.py); `check_every_script` runs it regardless. It runs in this
        process, or through `upgrade_elsewhere` when set (`python -m bot run`: a child)."""
        async with self.engine.begin() as connection:
            if not check_every_script and await connection.run_sync(schema_stamp.is_current):
                return
            if self.upgrade_elsewhere is None:
                await connection.run_sync(upgrade_and_stamp, self.url, self.clock.now())
                return
        await self.upgrade_elsewhere(self.settings, self.clock.now())

    async def ping(self) -> float:
        """Round-trip time of a trivial query, in seconds."""
        started = time.perf_counter()
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return time.perf_counter() - started

    async def size_bytes(self) -> int | None:
        path = sqlite_path(self.url)
        if path is not None:
            files = [path, path.with_name(path.name + "-wal")]
            return sum(f.stat().st_size for f in files if f.exists())
        async with self.engine.connect() as connection:
            size = await connection.scalar(text("SELECT pg_database_size(current_database())"))
        return int(size) if size is not None else None

    async def close(self) -> None:
        await close_in_place_writes(self.engine)
        close_in_place_reads(self.engine)
        await self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_and_stamp(connection: Any, url: str, now: datetime) -> None:
    """Alembic's `upgrade heads` on `connection`, then the stamp, in its transaction."""
    _run_alembic_upgrade(connection, url)
    schema_stamp.write_stamp(connection, now)


def _run_alembic_upgrade(connection: Any, url: str) -> None:
    from alembic import command

    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


async def upgrade_database(settings: DatabaseSettings, *, check_every_script: bool = False) -> None:
    database = Database(settings)
    try:
        await database.upgrade(check_every_script=check_every_script)
    finally:
        await database.close()


def run_upgrade_blocking(settings: DatabaseSettings) -> None:
    """`python -m bot db upgrade`: an operator asked, so Alembic checks every script."""
    asyncio.run(upgrade_database(settings, check_every_script=True))
