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
from cogs.pairing.rounds import RoundStore, RunCpuBound
from cogs.pairing.weights import MatchConfig

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
        # The calls the cog makes, each answered by its store.
        self.join = self.profiles.join
        self.leave = self.profiles.leave
        self.pause = self.profiles.pause
        self.resume = self.profiles.resume
        self.status = self.profiles.status
        self.schedule_timezone = self.guilds.schedule_timezone
        self.set_schedule_timezone = self.guilds.set_schedule_timezone
        self.scheduled_guilds = self.guilds.scheduled_guilds
        self.preview_round = self.rounds.preview_round
        self.run_round = self.rounds.run_round
        self.set_delivery = self.groups.set_delivery
        self.answer = self.groups.answer
        self.due_reminders = self.reminders.due_reminders
        self.mark_reminded = self.reminders.mark_reminded
        self.pending_reminders = self.reminders.pending_reminders
        self.queue_join = self.queue.queue_join
        self.expire_queue = self.queue.expire_queue
        self.history = self.partner_history.history
        self.forget = self.member_data.forget
        self.stats = self.member_data.stats
