"""The pairing service the cog holds: every pairing store, built on one set of dependencies.

No Discord here: plain ids and strings in, frozen records out. Each job is its own store
(profiles, guilds, rounds, groups, reminders, the /pair now queue, history, member data); the
matching itself is in `matching.py` and runs through `run_cpu_bound` (a worker process in
production).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

from cogs.pairing.groups import GroupStore
from cogs.pairing.guilds import GuildStore
from cogs.pairing.history import HistoryStore
from cogs.pairing.member_data import MemberData
from cogs.pairing.profiles import ProfileStore
from cogs.pairing.queue import PairNowQueue
from cogs.pairing.reminders import ReminderStore
from cogs.pairing.round_model import MatchConfig
from cogs.pairing.round_reports import RoundReports
from cogs.pairing.rounds import RoundStore, RunCpuBound

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.clock import Clock


class PairingService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        run_cpu_bound: RunCpuBound,
        *,
        queue_wait: timedelta = timedelta(minutes=15),
        config: MatchConfig | None = None,
    ) -> None:
        # One round or queue change at a time per guild in this process (the claim row guards
        # against other processes).
        locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.profiles = ProfileStore(sessions, clock)
        self.guilds = GuildStore(sessions)
        self.rounds = RoundStore(sessions, clock, run_cpu_bound, config or MatchConfig(), locks)
        self.groups = GroupStore(sessions, clock)
        self.reminders = ReminderStore(sessions, clock)
        self.queue = PairNowQueue(sessions, clock, locks, queue_wait)
        self.partner_history = HistoryStore(sessions)
        self.member_data = MemberData(sessions)
        self.round_reports = RoundReports(sessions)
